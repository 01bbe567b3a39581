"""What a new user met when trying it for the first time: each test here failed before its fix."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata

import pytest

from assistant.dialogue import extract, parse
from assistant.dialogue.scripts import load_script
from assistant.dialogue.session import MAX_REASKS, Session, fixed_lines
from assistant.events import Listen, Say, SessionEvent
from assistant.practice.hearing import meaning as ear_meaning
from assistant.resources import package_data_dir
from assistant.speech.stt import forced
from assistant.speech.stt.base import ClosedAnswer
from assistant.text import t

CLOCK = lambda: 1_800_000_000.0  # noqa: E731
TODAY = lambda: dt.date(2026, 12, 1)  # noqa: E731


def said(out) -> list[str]:
    return [o.text for o in out if isinstance(o, Say)]


def events(out, kind: str) -> list[SessionEvent]:
    return [o for o in out if isinstance(o, SessionEvent) and o.type == kind]


def waiting_for(out) -> Listen:
    return [o for o in out if isinstance(o, Listen)][-1]


# --- welcome ------------------------------------------------------------------------------------------

def test_a_first_session_welcomes_and_only_a_returning_one_says_welcome_back():
    first = said(Session(load_script("debrief"), "s1", clock=CLOCK, first_run=True).start())
    again = said(Session(load_script("debrief"), "s2", clock=CLOCK, first_run=False).start())
    assert not any("welcome back" in line.lower() for line in first)
    assert any(line.startswith("Welcome.") for line in first)
    assert any(line.startswith("Welcome back.") for line in again)


def test_the_first_debrief_through_the_cli_is_not_welcomed_back(run_cli):
    first = run_cli("debrief", "--text", "--no-audio", stdin="stop\n")
    second = run_cli("debrief", "--text", "--no-audio", stdin="stop\n")
    assert "Welcome back" not in first.stdout and "Welcome." in first.stdout
    assert "Welcome back." in second.stdout


# --- resume at "Is that right?" -------------------------------------------------------------------------

TOLD = "I told my sister about my week. I was anxious, about a six before. Next I will call my brother."


def test_resume_after_a_stop_at_the_summary_asks_that_question_again():
    first = Session(load_script("debrief"), "s1", clock=CLOCK, today=TODAY)
    out = first.start() + first.hear(TOLD)
    summary, question = said(out)[-2:]
    assert question == "Is that right?"
    out += first.hear("stop")
    answers = {e.field: e.value for e in events(out, "answer")}
    position = events(out, "stopped")[-1].detail["position"]

    again = Session(load_script("debrief"), "s1", clock=CLOCK, today=TODAY, answers=answers, position=position)
    resumed = again.start()
    assert said(resumed)[-2:] == [summary, question]  # the same summary, the same question
    assert waiting_for(resumed).kind == "correction"
    after = again.hear("yes")
    assert not events(after, "answer")  # the yes answered the summary, not the question after it
    assert waiting_for(after).field == "disclosure_level"  # the first gap the reflection left


def test_resume_after_a_stop_at_the_summary_through_the_cli(run_cli):
    run_cli("debrief", "--text", "--no-audio", stdin=TOLD + "\nstop\n")
    resumed = run_cli("resume", "--text", "--no-audio", stdin="yes\n")
    lines = [line for line in resumed.stdout.splitlines() if line.startswith("assistant:")]
    assert "Is that right?" in lines[2]
    from assistant.journal.store import Store

    with Store.open() as store:
        row = store.list_sessions()[0]
        assert "new_topic" not in store.answers_for(row.id)


# --- re-asks ------------------------------------------------------------------------------------------

def most_reasks_in_a_row(out) -> int:
    """The longest run of prompts for one question after its first: hints, read-backs, skip offers."""
    fields = [o.field for o in out if isinstance(o, Listen)]
    longest = run = 0
    for before, now in zip(fields, fields[1:]):
        run = run + 1 if now == before else 0
        longest = max(longest, run)
    return longest


@pytest.mark.parametrize("replies", [
    ["banana"] * 8,
    ["banana", None] * 4,
    ["five", "no"] * 5,  # a read-back refused again and again: no endless loop
    ["banana", "banana", "banana", "no", "banana", "no", "banana"],  # a skip offer declined
    ["five", "banana", "banana", "banana"],
    ["five", "six", "seven", "eight", "nine"],  # a correction at every read-back
    [None] * 4,
])
def test_no_question_is_asked_again_more_than_three_times_in_a_row(replies):
    session = Session(load_script("debrief"), "s1", clock=CLOCK, today=TODAY, guided=True, confirm="ratings")
    out = session.start() + session.hear("I told Sam about my week")
    for reply in replies:
        out += session.silence() if reply is None else session.hear(reply)
    assert most_reasks_in_a_row(out) <= MAX_REASKS == 3
    moved_on = [o for o in out if isinstance(o, SessionEvent) and o.field == "disclosure_level"
                and o.type in ("answer", "skipped")]
    assert moved_on, "the session moved on from the question"
    if moved_on[0].type == "skipped":
        assert "Let's leave that one for now. You can come back to it another time." in said(out) or \
            "That's fine, we'll leave that one." in said(out)


# --- note ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, people", [
    ("I had coffee with María and felt happy.", ["María"]),
    (unicodedata.normalize("NFD", "I had coffee with María and felt happy."), [unicodedata.normalize("NFD", "María")]),
    ("I talked to José and Zoë 😊, felt relieved.", ["José", "Zoë"]),
    ("I saw my friend Łukasz today.", ["my friend Łukasz"]),
])
def test_names_outside_a_to_z_are_kept_whole(text, people):
    assert extract.extract(text, fields=["people"]).value("people") == people


@pytest.mark.parametrize("text, field, words", [
    ("felt sad, 6️⃣ out of 10", "intensity", "6️⃣ out of 10"),  # a rating's words hold its scale
    ("I felt anxious, about a 7️⃣ going in.", "anxiety_before", "a 7️⃣ going in"),
    ("I felt scared👍🏽 and sad", "emotions", "scared👍🏽 and sad"),
])
def test_the_words_a_value_came_from_never_end_inside_an_emoji(text, field, words):
    found = extract.extract(text, fields=[field]).get(field)
    assert found is not None and found.words == words


def note(run_cli, text: str):
    done = run_cli("note", "--text", "--no-audio", stdin=text + "\n")
    assert done.exit_code == 0, done
    return done


def test_entries_search_finds_an_emoji_the_text_has(run_cli):
    note(run_cli, "I had coffee with María and felt happy 😢 but also sad, about a six.")
    assert "[😢]" in run_cli("entries", "search", "😢").stdout
    assert "[happy]" in run_cli("entries", "search", "happy", "😢").stdout
    assert "No answers match" in run_cli("entries", "search", "sad", "🙂").stdout
    shown = run_cli("entries", "show", run_cli("entries", "list").stdout.split()[0]).stdout
    assert "People: María" in shown


def test_a_note_with_nothing_picked_out_does_not_promise_questions(run_cli):
    long = ("I walked to the shop and back again today " * 300)[:10_000]
    said_lines = note(run_cli, long).stdout
    assert "I'll ask about them" not in said_lines
    assert "I've kept it just as you said it." in said_lines
    checkin = Session(load_script("checkin"), "s1", clock=CLOCK)  # questions follow here: the promise is kept
    out = checkin.start() + checkin.hear("I walked to the shop and back")
    assert "I didn't catch the details, so I'll ask about them." in said(out)
    assert waiting_for(checkin.hear("yes")).field == "intensity"  # the closed gap first


@pytest.mark.parametrize("reply, stored", [("11", None), ("I am a 7", None), ("eleven", None),
                                           ("😢", ["😢"]), ("kind of meh", ["kind of meh"]), ("sad", ["sad"])])
def test_a_number_is_not_stored_as_a_feeling(reply, stored):
    session = Session(load_script("checkin"), "s1", clock=CLOCK, guided=True)
    out = session.start() + session.hear(reply)
    answers = {e.field: e.value for e in events(out, "answer")}
    assert answers.get("feeling") == stored
    if stored is None:
        assert waiting_for(out).field == "feeling"  # asked again with a hint


# --- typed wording ------------------------------------------------------------------------------------

# An instruction only a speaker can follow.
SPOKEN_ONLY = re.compile(r"\b(?:you can say|or say|say (?:skip|yes|continue|resume|go back|a number|one of|I'm done|"
                         r"it in|it however)|say:|saying that out loud|now say)\b", re.IGNORECASE)


SHIPPED = sorted(p.stem for p in (package_data_dir("prompts") / "scripts").glob("*.toml"))


@pytest.mark.parametrize("name", SHIPPED)
def test_a_typed_session_gets_typed_wording(name):
    script = load_script(name)
    typed = fixed_lines(script, typed=True)
    assert [line for line in typed if SPOKEN_ONLY.search(line)] == []
    spoken = fixed_lines(script)
    assert not any("Press Enter" in line or "type skip" in line.lower() for line in spoken)


def test_typed_lines_outside_scripts_and_through_the_cli(run_cli):
    assert SPOKEN_ONLY.search(t("menu.again")) and SPOKEN_ONLY.search(load_script("debrief").steps[2].text)
    for key in ("menu.again_typed", "practice.which_step_typed", "practice.which_step_again_typed"):
        assert not SPOKEN_ONLY.search(t(key, steps="", none="none of them"))
    done = run_cli("debrief", "--text", "--no-audio", stdin="help\nstop\n")
    assert "Press Enter when you've finished." in done.stdout
    assert not SPOKEN_ONLY.search(done.stdout)


# --- first person said back -----------------------------------------------------------------------------

@pytest.mark.parametrize("next_step, said_back", [
    ("call my brother", "call your brother"),
    ("I'll text my friend Sam", "you'll text your friend Sam"),
    ("Ask Mum how she really is", "ask Mum how she really is"),
])
def test_the_closing_turns_first_person_as_the_summary_does(next_step, said_back):
    session = Session(load_script("debrief"), "s1", clock=CLOCK, today=TODAY, guided=True, confirm="never")
    out = session.start()
    while not session.done:
        out += session.hear(next_step if waiting_for(out).field == "next_step" else "skip")
    assert f"Your next step: {said_back}." in said(out)
    told = extract.with_values(extract.Extraction(""), {"next_step": next_step})
    assert extract.summary(told) == f"So, next step: {said_back}."


def test_a_sentence_to_say_to_someone_is_said_back_as_said():
    session = Session(load_script("compassion"), "s1", clock=CLOCK, confirm="never")
    out = session.start()
    while not session.done and waiting_for(out).field != "kind_sentence":
        out += session.hear("skip")
    out += session.hear("I'm doing my best, and my best is enough")
    assert "You said: I'm doing my best, and my best is enough. Let those words land for a moment." in said(out)


# --- the person's words, as heard -------------------------------------------------------------------------

class _SecondDecodes(forced.ForcedScorer):
    """The scorer's second opinion with the model's two steps replaced: its decodes are given."""

    def __init__(self, decodes: list[str]) -> None:
        self.tuning, self.decodes = forced.Tuning(), decodes

    def encode(self, *pcm16: bytes):
        return None, 0

    def free_texts(self, encoded, most_tokens: int) -> list[str]:
        return self.decodes


def aligned(text: str, score: float) -> forced.Aligned:
    return forced.Aligned(text, score, (), (), ())


def test_a_second_opinion_reports_what_was_said_not_a_phrasing():
    rating = ClosedAnswer("rating", parse.phrasings("rating"), ear_meaning("rating"))
    scored = {"7": aligned("7", -1.2), "I'm out to 7": aligned("I'm out to 7", -0.3), "4": aligned("4", -2.5)}
    heard = _SecondDecodes(["I'm out, I'm going.", "About a 7."]).second_opinion(bytes(3200), rating, 1.0, scored)
    assert heard is not None and heard.meaning == ("rating", 7)
    assert heard.text == "About a 7."  # the person's words; the value comes from the decision
    assert parse.parse_rating(heard.text).value == 7


@pytest.mark.parametrize("said, back", [
    ("I will invite Sam for Coffee", "you will invite Sam for coffee"),
    ("call María after Work", "call María after work"),
    ("text my Sister, then Call her", "text your sister, then call her"),
    ("ask Dad over for Dinner", "ask Dad over for dinner"),
])
def test_whispers_stray_capitals_are_written_small_and_names_keep_theirs(said, back):
    told = extract.with_values(extract.Extraction(""), {"next_step": said})
    assert extract.summary(told) == f"So, next step: {back}."


# --- is the journal being replaced encrypted? -------------------------------------------------------------

def _plain_journal(path) -> None:
    from assistant.journal.store import Store

    with Store.open(path):
        pass


def _failing_read(error: OSError):
    real = open

    def fake(path, *args, **kwargs):
        if str(path).endswith("journal.db") and args[:1] == ("rb",):
            raise error
        return real(path, *args, **kwargs)

    return fake


@pytest.mark.parametrize("make, expected", [
    (lambda path: None, False),  # missing
    (_plain_journal, False),
    (lambda path: path.write_bytes(random.Random(1).randbytes(8192)), True),  # shaped like SQLCipher
    (lambda path: path.write_text("just notes\n" * 100), False),  # not a journal at all
    (lambda path: path.write_bytes(b"SQLite format 3\x00" + bytes(84) + bytes(1000)), False),  # damaged plain
    (lambda path: path.mkdir(), "journal_unreadable"),  # a folder in its place
    (PermissionError(13, "Permission denied"), "journal_unreadable"),
    (OSError(5, "Input/output error"), "journal_unreadable"),
    (RuntimeError("a bug"), RuntimeError),  # never taken for "not encrypted"
])
def test_whether_the_journal_is_encrypted_is_known_or_said_in_one_line(tmp_path, monkeypatch, make, expected):
    from assistant.errors import AssistantError
    from assistant.journal import files

    journal = tmp_path / "journal.db"
    if isinstance(make, Exception):
        _plain_journal(journal)
        monkeypatch.setattr(files, "open", _failing_read(make), raising=False)
    else:
        make(journal)
    if expected is RuntimeError:
        with pytest.raises(RuntimeError):
            files._is_encrypted(journal)
    elif isinstance(expected, str):
        with pytest.raises(AssistantError) as error:
            files._is_encrypted(journal)
        assert error.value.code == expected and "journal.db" in error.value.line()
    else:
        assert files._is_encrypted(journal) is expected


def test_a_locked_journal_is_busy_not_a_wrong_passphrase(tmp_path, monkeypatch):
    import sqlite3

    from assistant.errors import AssistantError
    from assistant.journal import encryption, files

    journal = tmp_path / "journal.db"
    journal.write_bytes(random.Random(1).randbytes(8192))

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(encryption, "connect", locked)
    with pytest.raises(AssistantError) as error:
        files._check_key(journal, "secret")
    assert error.value.code == "journal_busy"


def test_restore_over_a_journal_that_cannot_be_read_changes_nothing(tmp_path, assistant_home, monkeypatch, run_cli):
    from assistant.journal import files

    _plain_journal(tmp_path / "backup.db")
    _plain_journal(assistant_home / "journal.db")
    before = (assistant_home / "journal.db").read_bytes()
    monkeypatch.setattr(files, "open", _failing_read(OSError(5, "Input/output error")), raising=False)
    done = run_cli("restore", str(tmp_path / "backup.db"))
    assert done.one_line_error() and "error[journal_unreadable]" in done.stderr, done
    assert (assistant_home / "journal.db").read_bytes() == before
    assert not list(assistant_home.glob("journal-before-restore-*"))


# --- pyttsx3 keeps to the rate ---------------------------------------------------------------------------

def test_every_pyttsx3_line_is_spoken_at_its_own_rate(tmp_path):
    """One worker, the rate changing on every line: espeak-ng had dropped a queued new rate about one line
    in three, speaking it at the rate before."""
    from assistant.speech.tts.pyttsx3_engine import Pyttsx3Engine

    engine = Pyttsx3Engine("", 90, 0.9, scratch_dir=tmp_path, timeout_s=120)  # a busy machine is no restart
    try:
        seconds = {90: [], 300: []}
        for n in range(24):
            engine.rate = 90 if n % 2 == 0 else 300
            audio = engine.synthesize("one two three four five")
            seconds[engine.rate].append(len(audio.pcm) / (2 * audio.rate))
    finally:
        engine.close()
    assert min(seconds[90]) > 1.8 * max(seconds[300]), seconds


# --- a session with nothing answered ----------------------------------------------------------------------

NOTHING = t("practice.nothing_answered")


@pytest.mark.parametrize("stdin", ["stop\n", "", "skip\n" * 8])  # stopped, input over, every question skipped
def test_a_session_with_nothing_answered_is_not_resumable_and_says_so(run_cli, stdin):
    done = run_cli("checkin", "--text", "--no-audio", stdin=stdin)
    assert done.exit_code == 0 and NOTHING in done.stderr, done
    assert "Saved entry" not in done.stderr and "assistant resume" not in done.stderr
    again = run_cli("resume", "--text", "--no-audio", stdin="")
    assert again.one_line_error() and "nothing_to_resume" in again.stderr, again


def test_a_stopped_session_with_an_answer_still_resumes(run_cli):
    done = run_cli("checkin", "--text", "--no-audio", stdin="skip\nscared\nstop\n")
    assert "Continue with: assistant resume" in done.stderr, done
    assert run_cli("resume", "--text", "--no-audio", stdin="stop\n").exit_code == 0
