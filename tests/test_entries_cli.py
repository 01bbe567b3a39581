"""`assistant entries ...` in this process through click's CliRunner (output and database rows) and, for the
one-line error contract, in a subprocess as a user runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import datetime

import pytest

from assistant.events import SessionEvent, Transcript, Word
from assistant.journal.rows import Entry
from assistant.journal.store import Store

FIRST = "a1b2c3d4-0000-4000-8000-000000000001"
SECOND = "a1b2ffff-0000-4000-8000-000000000002"
FLAGGED = "f1a90000-0000-4000-8000-000000000003"
T0 = datetime(2026, 3, 14, 15, 0).astimezone().timestamp()

ANSWERS = [
    ("anxiety_before", "rating", 7, "seven"),
    ("what_happened", "text", "I asked for directions to the library", "I asked for directions to the library"),
    ("anxiety_peak", "rating", 9, "nine"),
    ("emotions", "emotions", ["nervous", "proud"], "nervous and proud"),
    ("anxiety_after", "rating", 3, "three"),
]


def seed(session_id: str, at: float, script: str = "ask-directions", answers=ANSWERS, ending: str | None = "finished",
         detail: dict | None = None) -> None:
    def ev(type: str, offset: float, **kw) -> SessionEvent:
        return SessionEvent(type=type, session_id=session_id, script=script, at=at + offset, **kw)

    with Store.open() as store:
        store.record(ev("started", 0, detail={"title": "Ask a stranger for directions"}))
        for i, (field, kind, value, said) in enumerate(answers, start=1):
            words = tuple(Word(w, i + 0.1 * n, i + 0.1 * n + 0.08, 0.8) for n, w in enumerate(said.split()))
            store.record(ev("answer", i, field=field, kind=kind, value=value, text=said,
                            transcript=Transcript(said, True, words, "vosk", "small-en", "en"),
                            detail={"position": i}))
        if ending:
            store.record(ev(ending, 100, detail=detail or {}))


@pytest.fixture
def journal():
    seed(FIRST, T0)
    seed(SECOND, T0 + 86400, answers=ANSWERS[:2], ending=None)
    seed(FLAGGED, T0 + 2 * 86400, script="call-a-friend", answers=ANSWERS[:1], ending="flagged",
         detail={"reason": "crisis"})


def session_ids() -> set[str]:
    with Store.open() as store:
        return {s.id for s in store.list_sessions()}


def local(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")


# --- help ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command, first_line", [
    ([], "Read, search, export and delete journal entries."),
    (["list"], "List journal entries, newest first."),
    (["show"], "Show one entry with all its answers (ID may be a unique prefix)."),
    (["search"], "Search the words of all answers (any text is safe to type)."),
    (["export"], "Export entries as Markdown, CSV or JSON (to stdout unless -o FILE)."),
    (["delete"], "Delete one entry: the session, its answers and its log, for good."),
])
def test_help_is_the_docstring(command, first_line, run_cli):
    result = run_cli("entries", *command, "--help")
    assert result.exit_code == 0
    assert first_line in result.output


# --- list ------------------------------------------------------------------------------------------------


def test_list_empty_journal(run_cli):
    result = run_cli("entries", "list")
    assert (result.exit_code, result.output) == (0, "No journal entries yet.\n")


def test_list_shows_newest_first_with_summary(journal, run_cli):
    result = run_cli("entries", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == [FLAGGED[:8], SECOND[:8], FIRST[:8]]
    assert lines[2] == f"{FIRST[:8]}  {local(T0)}  ask-directions  finished  5 answers  anxiety 7→9→3"
    assert "in progress  2 answers" in lines[1]
    assert "call-a-friend  flagged  1 answer" in lines[0]


@pytest.mark.parametrize("args, expected", [
    (["--script", "call-a-friend"], [FLAGGED]),
    (["--script", "nothing-like-it"], []),
    (["--since", datetime.fromtimestamp(T0 + 86400).strftime("%Y-%m-%d")], [FLAGGED, SECOND]),
    (["--until", datetime.fromtimestamp(T0).strftime("%Y-%m-%d")], [FIRST]),
    ([], [FLAGGED, SECOND, FIRST]),
])
def test_list_json_filters(journal, args, expected, run_cli):
    result = run_cli("entries", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == expected


def test_list_bad_date_is_a_usage_error(journal, run_cli):
    result = run_cli("entries", "list", "--since", "last tuesday")
    assert result.exit_code == 2 and "last tuesday" in result.output


# --- show ------------------------------------------------------------------------------------------------


def test_show_by_prefix(journal, run_cli):
    result = run_cli("entries", "show", FIRST[:6])
    assert result.exit_code == 0, result.output
    for expected in [f"Entry {FIRST}", "Script: Ask a stranger for directions (ask-directions)", "Status: finished",
                     "Anxiety before: 7/10", "What happened: I asked for directions to the library",
                     "Emotions: nervous, proud", "Summary: anxiety: 7/10 before → 9/10 at the peak → 3/10 after",
                     f"Started: {local(T0)}", "Recognised by: vosk small-en"]:
        assert expected in result.output, expected


def test_show_flagged_and_in_progress(journal, run_cli):
    assert "Flagged: crisis" in run_cli("entries", "show", FLAGGED).output
    assert "Next step: 2" in run_cli("entries", "show", SECOND).output


def test_show_json_round_trips(journal, run_cli):
    result = run_cli("entries", "show", FIRST, "--json")
    with Store.open() as store:
        assert Entry.from_dict(json.loads(result.output)) == store.get_entry(FIRST)


@pytest.mark.parametrize("wanted, code", [("a1b2", "entry_ambiguous"), ("nope", "entry_not_found"),
                                          ("", "entry_not_found")])
def test_show_bad_id(journal, wanted, code, run_cli):
    result = run_cli("entries", "show", wanted)
    assert result.exit_code == 1
    assert result.exception.code == code


# --- search ----------------------------------------------------------------------------------------------


def test_search_shows_matches_with_marks(journal, run_cli):
    result = run_cli("entries", "search", "library")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2  # FIRST and SECOND both answered what_happened
    assert {line.split()[0] for line in lines} == {FIRST[:8], SECOND[:8]}
    assert all("What happened: I asked for directions to the [library]" in line for line in lines)


@pytest.mark.parametrize("query", ['"', "OR NOT", "NEAR(", "*", "^", "a:b", "(((", "-x", "🙂", "ünïcödé"])
def test_search_any_text(journal, query, run_cli):
    result = run_cli("entries", "search", "--", query)
    assert result.exit_code == 0, result.output
    assert result.output == f"No answers match '{query}'.\n"


def test_search_json(journal, run_cli):
    result = run_cli("entries", "search", "--json", "proud")
    assert [h["session"]["id"] for h in json.loads(result.output)] == [FIRST]


# --- export ----------------------------------------------------------------------------------------------


def test_export_markdown_to_stdout(journal, run_cli):
    result = run_cli("entries", "export", "--format", "md")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Practice journal\n")
    assert result.output.count("\n## ") == 3
    assert "**Flagged:** crisis" in result.output and "7/10" in result.output


def test_export_csv_and_json_parse_back(journal, run_cli):
    rows = list(csv.DictReader(io.StringIO(run_cli("entries", "export", "--format", "csv").output)))
    assert len(rows) == 5 + 2 + 1
    assert {r["session_id"] for r in rows} == {FIRST, SECOND, FLAGGED}
    parsed = json.loads(run_cli("entries", "export", "--format", "json").output)
    assert [e["id"] for e in parsed] == [FIRST, SECOND, FLAGGED]  # oldest first, as a journal reads


def test_export_to_private_file(journal, tmp_path, run_cli):
    target = tmp_path / "out" / "journal.json"
    target.parent.mkdir()
    result = run_cli("entries", "export", "--format", "json", "--since", datetime.fromtimestamp(T0 + 86400)
                 .strftime("%Y-%m-%d"), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert [e["id"] for e in json.loads(target.read_text())] == [SECOND, FLAGGED]


# --- delete ----------------------------------------------------------------------------------------------


def test_delete_with_yes(journal, run_cli):
    result = run_cli("entries", "delete", FIRST[:8], "--yes")
    assert (result.exit_code, result.output) == (0, f"deleted entry {FIRST}\n")
    assert session_ids() == {SECOND, FLAGGED}
    with Store.open() as store:
        assert store.db.execute("SELECT count(*) FROM answers WHERE session_id = ?", [FIRST]).fetchone()[0] == 0
        assert store.search("library")[0].session.id == SECOND


@pytest.mark.parametrize("answer, deleted, status, said", [
    (None, False, 1, "error[delete_unconfirmed]"),  # no stdin at all: nobody answered, an error
    ("\n", False, 0, "Nothing deleted."),  # Enter takes the default: no, an answer and not a failure
    ("n\n", False, 0, "Nothing deleted."),
    ("no\n", False, 0, "Nothing deleted."),
    ("y\n", True, 0, "deleted entry"),
])
def test_delete_asks_first(journal, answer, deleted, status, said, run_cli):
    result = run_cli("entries", "delete", FIRST, stdin=answer)
    assert "Delete entry a1b2c3d4" in result.output
    assert (FIRST not in session_ids()) == deleted
    assert result.exit_code == status, result
    assert said in result.output
    assert ("error[" in result.stderr) == (status != 0)


# --- the real entry point: one line, exit 1, never a traceback -----------------------------------------


@pytest.mark.parametrize("args, code, status", [
    (["entries", "show", "no-such-id"], "entry_not_found", 1),
    (["entries", "delete", "no-such-id", "--yes"], "entry_not_found", 1),
    (["entries", "delete", FIRST], "delete_unconfirmed", 1),
    (["entries", "export", "--format", "pdf"], "usage", 2),  # how the command was called: a usage mistake
    (["entries", "export", "--since", "someday"], "usage", 2),
    (["entries", "list", "--until", "2026-02-30"], "usage", 2),
    (["entries", "search", ""], "usage", 2),
])
def test_errors_are_one_line(journal, args, code, status, cli_process):
    result = cli_process(*args, timeout=60)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error[{code}]: ")
    if code != "delete_unconfirmed":  # the question itself is the other line there
        assert len(result.stderr.strip().splitlines()) == 1
    assert FIRST in session_ids()


def test_damaged_journal_is_one_line(assistant_home, cli_process):
    assistant_home.mkdir(mode=0o700)
    (assistant_home / "journal.db").write_bytes(b"not a database " * 300)
    result = cli_process("entries", "list", timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error[journal_damaged]: ") and len(result.stderr.splitlines()) == 1


SCRIPT_TOML = '''
name = "ask-directions"
title = "Asking the way"

[[steps]]
id = "before"
type = "ask"
text = "How anxious do you feel right now, from 0 to 10?"
field = "anxiety_before"
kind = "rating"

[[steps]]
id = "happened"
type = "ask"
text = "You said {anxiety_before}. What happened?"
field = "what_happened"
kind = "text"
'''


def test_labels_come_from_the_script_while_it_exists(assistant_home, run_cli):
    seed(FIRST, T0, detail=None)
    with Store.open() as store:  # a repeated round of one question
        store.record(SessionEvent("answer", FIRST, "ask-directions", field="anxiety_after", kind="rating", value=2,
                                  text="two", at=T0 + 50, detail={"round": 2}))
    (assistant_home / "scripts").mkdir()
    (assistant_home / "scripts" / "ask-directions.toml").write_text(SCRIPT_TOML)
    shown = run_cli("entries", "show", FIRST).output
    md = run_cli("entries", "export").output
    for text in (shown, md):
        assert "How anxious do you feel right now, from 0 to 10?" in text
        assert "What happened" in text and "You said" not in text  # placeholders: the field name instead
        assert "Anxiety after (round 2)" in text
    assert "Script: Ask a stranger for directions (ask-directions)" in shown  # the title stored at the time
    (assistant_home / "scripts" / "ask-directions.toml").write_text("not = [valid")
    assert "Anxiety before: 7/10" in run_cli("entries", "show", FIRST).output
