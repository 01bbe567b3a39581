"""The journal store on real SQLite files: every event committed at once, resume, search, delete, exports."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
from datetime import date, datetime, timedelta

import pytest

from assistant.errors import AssistantError
from assistant.events import SessionEvent, Transcript, Word
from assistant.journal.export import parse_csv_value, write_private
from assistant.journal.rows import Entry
from assistant.journal.store import Store, fts_query
from assistant.times import day_bounds, parse_day, utc_iso

SID = "5e55a0b1-7c1d-4f0e-9a2b-3c4d5e6f7a8b"
SCRIPT = "ask-directions"
T0 = datetime(2026, 3, 14, 15, 0).astimezone().timestamp()  # a fixed local afternoon


def transcript(text: str, conf: float = 0.9) -> Transcript:
    words = tuple(Word(w, 1.0 + i * 0.4, 1.3 + i * 0.4, conf) for i, w in enumerate(text.split()))
    return Transcript(text, True, words, "vosk", "vosk-model-small-en-us-0.15", "en")


def ev(type: str, at_offset: float = 0.0, session_id: str = SID, script: str = SCRIPT, at: float | None = None,
       **kw) -> SessionEvent:
    return SessionEvent(type=type, session_id=session_id, script=script,
                        at=T0 + at_offset if at is None else at, **kw)


def answer(field: str, kind: str, value: object, text: str, offset: float, position: int, **kw) -> SessionEvent:
    return ev("answer", offset, step_id=f"step-{field}", field=field, kind=kind, value=value, text=text,
              transcript=transcript(text), detail={"position": position, **kw})


# (field, kind, value, what the person said): one answer of every kind
ANSWERS = [
    ("anxiety_before", "rating", 7, "seven"),
    ("plan", "text", "Ask someone at the bus stop how to get to the library",
     "ask someone at the bus stop how to get to the library"),
    ("place", "choice", "bus stop", "the bus stop"),
    ("anxiety_peak", "rating", 9, "nine"),
    ("stayed", "yesno", True, "yes I did"),
    ("minutes", "duration", 4, "about four minutes"),
    ("emotions", "emotions", ["nervous", "proud"], "nervous and then proud"),
    ("what_happened", "text", "She smiled and pointed; my voice shook but I kept going",
     "she smiled and pointed my voice shook but I kept going"),
    ("anxiety_after", "rating", 3, "three"),
]


def full_session(store: Store, session_id: str = SID, at: float | None = None, finish: bool = True) -> None:
    base = T0 if at is None else at
    store.record(ev("started", session_id=session_id, at=base,
                    detail={"title": "Ask a stranger for directions", "engine": "vosk", "model": "small-en"}))
    for i, (field, kind, value, said) in enumerate(ANSWERS):
        store.record(ev("answer", session_id=session_id, at=base + 10 * (i + 1), step_id=f"step-{field}",
                        field=field, kind=kind, value=value, text=said, transcript=transcript(said),
                        detail={"position": i + 1}))
    store.record(ev("skipped", session_id=session_id, at=base + 200, step_id="step-notes", field="notes",
                    detail={"position": len(ANSWERS) + 1}))
    if finish:
        store.record(ev("finished", session_id=session_id, at=base + 210))


def second_connection(store: Store) -> sqlite3.Connection:
    """A separate connection, as another process (or the next run after a crash) would see the file."""
    conn = sqlite3.connect(str(store.path))
    conn.row_factory = sqlite3.Row
    return conn


# --- Recording ----------------------------------------------------------------------------------------


def test_full_sequence_writes_the_right_rows(store):
    full_session(store)
    conn = second_connection(store)
    session = dict(conn.execute("SELECT * FROM sessions").fetchone())
    assert session | {"updated_at": None} == {
        "id": SID, "script": SCRIPT, "title": "Ask a stranger for directions",
        "started_at": utc_iso(T0), "ended_at": utc_iso(T0 + 210), "updated_at": None, "status": "finished",
        "position": len(ANSWERS) + 1,
        "engine": "vosk", "model": "small-en", "flagged_reason": None, "ladder_step_id": None,
    }
    assert session["started_at"].endswith("+00:00")
    rows = [dict(r) for r in conn.execute("SELECT * FROM answers ORDER BY id")]
    assert [(r["field"], r["kind"], json.loads(r["value_json"]), r["text"]) for r in rows] == ANSWERS
    plan = rows[1]
    said = ANSWERS[1][3]
    assert json.loads(plan["words_json"])[0] == {"word": said.split()[0], "start": 1.0, "end": 1.3, "conf": 0.9}
    assert len(json.loads(plan["words_json"])) == len(said.split())
    assert (plan["engine"], plan["model"]) == ("vosk", "vosk-model-small-en-us-0.15")
    assert plan["confidence"] == pytest.approx(0.9)
    assert plan["start_s"] == 1.0 and plan["end_s"] == pytest.approx(1.3 + 0.4 * (len(said.split()) - 1))
    types = [r[0] for r in conn.execute("SELECT type FROM events ORDER BY id")]
    assert types == ["started"] + ["answer"] * len(ANSWERS) + ["skipped", "finished"]
    conn.close()


def test_every_event_is_committed_before_record_returns(store):
    """The crash-safety property: another connection sees each row as soon as record() returns."""
    events = [ev("started")] + [answer(f, k, v, s, i + 1, i + 1) for i, (f, k, v, s) in enumerate(ANSWERS)]
    for count, event in enumerate(events, start=1):
        store.record(event)
        conn = second_connection(store)
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == count
        assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] == count - 1
        assert conn.execute("SELECT position FROM sessions").fetchone()[0] == count - 1
        conn.close()
    assert not store.db.conn.in_transaction


def test_pragmas_for_durability_and_concurrency(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


def test_two_writers_on_one_file(store):
    other = Store.open(store.path)
    store.record(ev("started"))
    other.record(ev("started", session_id="other"))
    store.record(answer("anxiety_before", "rating", 5, "five", 1, 1))
    other.record(ev("answer", session_id="other", field="anxiety_before", kind="rating", value=6))
    other.close()
    assert {s.id: s.answer_count for s in store.list_sessions()} == {SID: 1, "other": 1}


def test_each_answer_is_committed_as_it_is_recorded(store):
    """Nothing said waits in a batch: another connection sees every answer the moment ``record`` returns.
    (How long recording takes is a figure of ``scripts/bench session``, answer_store_ms.)"""
    store.record(ev("started"))
    reader = sqlite3.connect(str(store.path))
    try:
        for i in range(30):
            store.record(answer(f"field_{i}", "text", f"answer number {i}", f"answer number {i}", i, i))
            seen = reader.execute("SELECT count(*) FROM answers WHERE session_id = ?", [SID]).fetchone()[0]
            assert seen == i + 1
    finally:
        reader.close()


def test_answer_without_started_still_creates_the_session(store):
    store.record(answer("anxiety_before", "rating", 6, "six", 1, 1))
    assert store.session(SID).status == "in_progress"
    assert store.answers_for(SID) == {"anxiety_before": 6}


def test_unknown_event_type_is_refused(store):
    with pytest.raises(ValueError):
        store.record(ev("exploded"))


def test_going_back_replaces_the_answer_and_keeps_the_history(store):
    store.record(ev("started"))
    store.record(answer("what_happened", "text", "it was awful", "it was awful", 1, 1))
    store.record(answer("what_happened", "text", "it went fine in the end", "it went fine in the end", 2, 1))
    assert store.answers_for(SID) == {"what_happened": "it went fine in the end"}
    said = [r[0] for r in store.db.execute("SELECT text FROM events WHERE type = 'answer' ORDER BY id")]
    assert said == ["it was awful", "it went fine in the end"]
    assert store.search("awful") == []
    assert [h.answer.field for h in store.search("fine")] == ["what_happened"]


def test_repeated_rounds_keep_every_answer(store):
    store.record(ev("started"))
    store.record(answer("anxiety_before", "rating", 8, "eight", 1, 1))
    store.record(answer("anxiety_after", "rating", 6, "six", 2, 2))
    store.record(answer("anxiety_after", "rating", 4, "four", 3, 2, round=2))
    store.record(answer("anxiety_after", "rating", 2, "two", 4, 2, round=2))  # went back in round 2
    rounds = [(a.field, a.round, a.value) for a in store.answers(SID)]
    assert rounds == [("anxiety_before", 1, 8), ("anxiety_after", 1, 6), ("anxiety_after", 2, 2)]
    assert store.answers_for(SID) == {"anxiety_before": 8, "anxiety_after": 2}
    assert store.answers(SID)[2].detail == {"position": 2, "round": 2}


def test_skip_keeps_an_answer_given_earlier(store):
    store.record(ev("started"))
    store.record(answer("plan", "text", "wave", "wave", 1, 1))
    store.record(ev("skipped", 2, step_id="step-plan", field="plan"))
    store.record(ev("skipped", 3, step_id="step-notes", field="notes"))
    entry = store.get_entry(SID)
    assert store.answers_for(SID) == {"plan": "wave"} and entry.skipped == ("notes",)


# --- Resume and status ------------------------------------------------------------------------------


def test_unfinished_returns_the_latest_session_in_progress(store):
    full_session(store, "older", at=T0 - 3600, finish=False)
    full_session(store, "done", at=T0 - 60)
    store.record(ev("started", 0))
    store.record(answer("anxiety_before", "rating", 8, "eight", 1, 1))
    store.record(answer("plan", "text", "say hello", "say hello", 2, 2))
    store.record(ev("paused", 3))

    found = store.unfinished()
    assert (found.id, found.status, found.position, found.answer_count) == (SID, "in_progress", 2, 2)
    assert store.answers_for(found.id) == {"anxiety_before": 8, "plan": "say hello"}
    assert store.last_step(SID) == "step-plan"
    assert store.last_step("nothing") is None
    assert store.unfinished(script="no-such-script") is None
    assert store.unfinished(script=SCRIPT).id == SID


@pytest.mark.parametrize("ending, status, resumable", [("finished", "finished", False), ("stopped", "stopped", True)])
def test_ending_events_close_the_session(store, ending, status, resumable):
    store.record(ev("started"))
    store.record(answer("plan", "text", "say hello", "say hello", 2, 2))
    store.record(ev(ending, 5))
    row = store.session(SID)
    assert (row.status, row.ended_at is not None) == (status, True)
    assert (store.unfinished() is not None) == resumable  # "stop" saves; resume carries on


def test_a_session_stopped_before_any_answer_is_not_resumed(store):
    store.record(ev("started"))
    store.record(ev("stopped", 5))
    assert store.session(SID).status == "stopped" and store.unfinished() is None


def test_flagged_stays_flagged_and_is_never_resumed(store):
    store.record(ev("started"))
    store.record(ev("flagged", 1, detail={"reason": "crisis"}))
    assert (store.session(SID).status, store.session(SID).flagged_reason) == ("flagged", "crisis")
    store.record(ev("resumed", 2))
    store.record(ev("finished", 3))
    row = store.session(SID)
    assert (row.status, row.flagged_reason, row.ended_at is not None) == ("flagged", "crisis", True)
    assert store.unfinished() is None


@pytest.mark.parametrize("kind", ["paused", "resumed", "setting"])
def test_other_events_are_logged_only(store, kind):
    store.record(ev("started"))
    store.record(ev(kind, 1, detail={"rate": 130}))
    logged = store.db.execute("SELECT type, detail_json FROM events ORDER BY id DESC LIMIT 1").fetchone()
    expected = {"rate": 130, "pid": os.getpid()} if kind == "resumed" else {"rate": 130}  # who runs it now
    assert (logged[0], json.loads(logged[1])) == (kind, expected)
    assert store.session(SID).status == "in_progress"


# --- Reading, delete ----------------------------------------------------------------------------------


@pytest.mark.parametrize("wanted, ok", [(SID, True), (SID[:8], True), (SID[:2], True), ("5e55a0b1-7", True),
                                        ("", False), ("zzz", False), ("%", False), ("_", False)])
def test_get_entry_by_id_or_unique_prefix(store, wanted, ok):
    full_session(store)
    if ok:
        entry = store.get_entry(wanted)
        assert entry.session.id == SID and len(entry.answers) == len(ANSWERS) and entry.skipped == ("notes",)
    else:
        with pytest.raises(AssistantError) as err:
            store.get_entry(wanted)
        assert err.value.code == "entry_not_found"


def test_ambiguous_prefix_is_a_clear_error(store):
    full_session(store, "abc-1")
    full_session(store, "abc-2")
    with pytest.raises(AssistantError) as err:
        store.get_entry("abc")
    assert err.value.code == "entry_ambiguous"
    assert store.get_entry("abc-2").session.id == "abc-2"


def fts_terms(store: Store) -> set[str]:
    store.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, answers_fts, 'row')")
    return {row[0] for row in store.db.execute("SELECT term FROM temp.vocab")}


def test_delete_removes_session_answers_events_and_search_rows(store):
    full_session(store)
    full_session(store, "keep")
    store.record(ev("answer", session_id="keep", field="only_here", kind="text", value="zebra", text="zebra"))
    assert "librari" in fts_terms(store)  # porter stem of "library"

    store.delete(SID)

    for table, column in [("sessions", "id"), ("answers", "session_id"), ("events", "session_id")]:
        assert store.db.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [SID]).fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM answers_fts").fetchone()[0] == len(ANSWERS) + 1
    store.db.execute("INSERT INTO answers_fts(answers_fts) VALUES('integrity-check')")
    assert "zebra" in fts_terms(store)
    assert {h.session.id for h in store.search("library")} == {"keep"}
    store.delete("keep")
    assert fts_terms(store) == set()


# --- Search -------------------------------------------------------------------------------------------

HAPPENED, FEELINGS, ABROAD = ["what_happened"], ["emotions", "what_happened"], ["abroad"]
EMPTY = "search_empty"
# query → the fields it finds (all words must match; FTS syntax is never interpreted), or the error code
HOSTILE = [
    ('"', []), ("'", []), ("AND", FEELINGS), ("OR NOT", []), ("NEAR(", []), ("*", []), ("^", []), ("a:b", []),
    ("(((", []), (")", []), ("-x", []), ("-voice", HAPPENED), ('"unbalanced', []), ('voice"', HAPPENED),
    ('"voice', HAPPENED), ("NOT voice", []), ("voice OR", []), ("text:voice", []), ("field:voice", []),
    ("{voice}", HAPPENED), ("voice*)", HAPPENED), ("^voice", HAPPENED), ("voice NEAR/2 shook", []),
    ("voice shook", HAPPENED), ("\\", []), (";DROP TABLE answers;--", []), ("' OR 1=1 --", []), ("%", []),
    ("_", []), ("café", ABROAD), ("CAFE", ABROAD), ("ñandú", ABROAD), ("中文", ABROAD), ("😊", ABROAD),
    ("😊 voice", []), ("\x00", []), ("x" * 5000, []), ("", EMPTY), ("   ", EMPTY), ("\n\t", EMPTY),
]


@pytest.mark.parametrize("query, expected", HOSTILE)
def test_any_text_is_safe_to_search(store, query, expected):
    full_session(store)
    store.record(ev("answer", field="abroad", kind="text", value="x", text="Un café con un ñandú, 中文 😊"))
    if expected == EMPTY:
        with pytest.raises(AssistantError) as err:
            store.search(query)
        assert err.value.code == EMPTY
    else:
        assert sorted(h.answer.field for h in store.search(query)) == expected
    assert store.db.execute("SELECT count(*) FROM answers").fetchone()[0] == len(ANSWERS) + 1


def test_empty_query_is_a_clear_error(store):
    with pytest.raises(AssistantError) as err:
        store.search("")
    assert err.value.code == "search_empty"


@pytest.mark.parametrize("query, fields", [
    ("library", ["plan"]),
    ("LIBRARY", ["plan"]),
    ("smile", ["what_happened"]),  # porter stemming: smiled
    ("bus stop", ["place", "plan"]),
    ("prou*", ["emotions"]),
    ("anxiety", ["anxiety_before", "anxiety_peak", "anxiety_after"]),  # field names are indexed too
    ("elephant", []),
])
def test_search_finds_words_with_snippets(store, query, fields):
    full_session(store)
    hits = store.search(query)
    assert sorted(h.answer.field for h in hits) == sorted(fields)
    for hit in hits:
        assert hit.session.id == SID and hit.snippet


def test_search_snippet_marks_the_match(store):
    full_session(store)
    (hit,) = store.search("library", marks=("<<", ">>"))
    assert "<<library>>" in hit.snippet


@pytest.mark.parametrize("text, expected", [
    ("hello world", '"hello" "world"'),
    ('say "hi" AND bye', '"say" "hi" "AND" "bye"'),
    ("prou*", '"prou"*'),
    ("NEAR(a b)", '"NEAR" "a" "b"'),
    ("(((", ""),
    ("🙂", ""),
])
def test_fts_query_quotes_every_word(text, expected):
    assert fts_query(text) == expected


# --- Exports and dates ------------------------------------------------------------------------------------


def test_json_export_round_trips(store):
    full_session(store)
    store.record(ev("started", session_id="flagged-one", at=T0 + 1000))
    store.record(ev("flagged", session_id="flagged-one", at=T0 + 1001, detail={"reason": "crisis"}))
    parsed = json.loads(store.export("json"))
    assert [e["id"] for e in parsed] == [SID, "flagged-one"]
    assert [Entry.from_dict(e) for e in parsed] == store.entries()
    assert {a["field"]: a["value"] for a in parsed[0]["answers"]} == {f: v for f, _, v, _ in ANSWERS}


def test_csv_export_round_trips(store):
    full_session(store)
    rows = list(csv.DictReader(io.StringIO(store.export("csv"))))
    assert list(rows[0]) == ["session_id", "started_at", "script", "field", "label", "kind", "value", "text", "round",
                             "source", "from"]
    assert {r["round"] for r in rows} == {"1"}
    assert [(r["field"], r["kind"], parse_csv_value(r["value"], r["kind"]), r["text"]) for r in rows] == ANSWERS
    assert {(r["session_id"], r["script"], r["started_at"]) for r in rows} == {
        (SID, SCRIPT, store.session(SID).started_at)}


def test_markdown_export_reads_like_a_journal(store):
    full_session(store)
    store.record(ev("started", session_id="flagged-one", at=T0 + 1000))
    store.record(ev("flagged", session_id="flagged-one", at=T0 + 1001, detail={"reason": "crisis"}))
    md = store.export("md")
    local = datetime.fromtimestamp(T0).strftime("%Y-%m-%d %H:%M")
    for expected in [f"## {local} — Ask a stranger for directions", "**Anxiety before**", "7/10",
                     "anxiety: 7/10 before → 9/10 at the peak → 3/10 after", "nervous, proud", "4 min",
                     "**Stayed**  \nyes", "Skipped: Notes", "**Flagged:** crisis"]:
        assert expected in md, expected
    for raw in ["{", "value_json", '["', "true", "+00:00"]:
        assert raw not in md, raw


def test_unknown_export_format_is_a_clear_error(store):
    with pytest.raises(AssistantError) as err:
        store.export("pdf")
    assert err.value.code == "export_bad_format"


def test_since_until_filter_by_local_day(store):
    today = date.today()
    for name, days_ago in [("today", 0), ("three-days", 3), ("twenty-days", 20)]:
        noon = datetime.combine(today - timedelta(days=days_ago), datetime.min.time()).replace(hour=12)
        full_session(store, name, at=noon.astimezone().timestamp())
    ids = lambda **kw: [s.id for s in store.list_sessions(**kw)]  # noqa: E731
    assert ids() == ["today", "three-days", "twenty-days"]
    assert ids(since="7d") == ["today", "three-days"]
    assert ids(since="3w") == ["today", "three-days", "twenty-days"]
    assert ids(until="yesterday") == ["three-days", "twenty-days"]
    assert ids(since="today", until="today") == ["today"]
    day = (today - timedelta(days=3)).isoformat()
    assert ids(since=day, until=day) == ["three-days"]
    assert ids(limit=1) == ["today"]
    assert [e["id"] for e in json.loads(store.export("json", since="7d", until="yesterday"))] == ["three-days"]


TODAY = date(2026, 3, 14)


@pytest.mark.parametrize("text, expected", [
    ("today", TODAY), ("Today ", TODAY), ("yesterday", date(2026, 3, 13)), ("7d", date(2026, 3, 7)),
    ("2w", date(2026, 2, 28)), ("0d", TODAY), ("2026-01-31", date(2026, 1, 31)),
])
def test_parse_day_accepts(text, expected):
    assert parse_day(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["", "tomorrowish", "7", "d7", "-7d", "7m", "2026-13-01", "2026-02-30",
                                  "31/01/2026", "20260131", "7 d", "1e3d"])
def test_parse_day_refuses_with_a_clear_error(text):
    with pytest.raises(AssistantError) as err:
        parse_day(text, today=TODAY)
    assert err.value.code == "entries_bad_date" and "\n" not in err.value.line()


def test_day_bounds_cover_one_local_day():
    start, end = day_bounds("2026-03-14")
    assert datetime.fromisoformat(end) - datetime.fromisoformat(start) in (timedelta(hours=h) for h in (23, 24, 25))
    assert datetime.fromisoformat(start).astimezone().strftime("%Y-%m-%d %H:%M") == "2026-03-14 00:00"


# --- Privacy and damage ---------------------------------------------------------------------------------


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_journal_file_is_private(store, assistant_home):
    full_session(store)
    assert mode(assistant_home) == 0o700
    assert mode(assistant_home / "journal.db") == 0o600
    for suffix in ("-wal", "-shm"):
        side = assistant_home / f"journal.db{suffix}"
        if side.exists():
            assert mode(side) == 0o600, suffix


def test_existing_loose_journal_is_tightened(tmp_path):
    path = tmp_path / "journal.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    Store.open(path).close()
    assert mode(path) == 0o600


def test_export_files_are_private_even_when_replacing(tmp_path):
    target = tmp_path / "export.md"
    target.write_text("old and longer than the new text")
    os.chmod(target, 0o644)
    write_private(target, "new")
    assert (mode(target), target.read_text()) == (0o600, "new")


@pytest.mark.parametrize("content", [b"this is not a database at all, just some words" * 100, b"\x00" * 4096])
def test_damaged_journal_is_a_clear_error(tmp_path, content):
    path = tmp_path / "journal.db"
    path.write_bytes(content)
    with pytest.raises(AssistantError) as err:
        Store.open(path)
    assert err.value.code == "journal_damaged"
