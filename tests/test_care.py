"""Nobody is trapped and nothing is stored other than as said: capped re-asks at confirmations and skip
offers, silence at a confirmation, crisis language at every kind of prompt, typed dates and numbers read
exactly, feelings in the person's own words, short labels for the journal."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from assistant.dialogue.scripts import load_script
from assistant.dialogue.session import MAX_HINTS, MAX_RETRIES, Session
from assistant.errors import AssistantError
from assistant.events import Listen, SessionEvent
from fakes import feed, said

CLOCK = lambda: 1_800_000_000.0  # noqa: E731
TODAY = lambda: dt.date(2026, 12, 1)  # noqa: E731  a Tuesday


def debrief(**options) -> Session:
    """Question by question (``guided``): these tests are about single answers."""
    options.setdefault("guided", True)
    return Session(load_script("debrief"), "s1", clock=CLOCK, today=TODAY, **options)




def stored(out) -> dict:
    return {o.field: o.value for o in out if isinstance(o, SessionEvent) and o.type == "answer"}


def skipped(out) -> list[str]:
    return [o.field for o in out if isinstance(o, SessionEvent) and o.type == "skipped"]


def waiting_for(out) -> Listen:
    return [o for o in out if isinstance(o, Listen)][-1]


TO_RATING = ["I told Sam about my week"]  # what_happened; next is the disclosure rating


# --- confirmations ------------------------------------------------------------------------------------

@pytest.mark.parametrize("replies, value, last_said", [
    (["five", "yes"], 5, None),
    (["five", "five"], 5, None),  # the same answer again is a yes
    (["five", "six", "yes"], 6, None),  # a different number is a correction, confirmed in turn
    (["five", "no, it was a six", "yes"], 6, None),
    (["five", "banana"] + ["banana"] * MAX_RETRIES, 5, "I'll keep 5. You can say go back to change it."),
    (["five", None, None], 5, "I'll keep 5. You can say go back to change it."),  # silence: one re-ask, then kept
])
def test_confirmation_ends(replies, value, last_said):
    out = feed(debrief(), TO_RATING + replies)
    assert stored(out)["disclosure_level"] == value
    if last_said:
        assert last_said in said(out)


def test_a_confirmation_never_asks_more_than_the_cap():
    out = feed(debrief(), TO_RATING + ["five"] + ["banana"] * 10)
    assert said(out).count("Is that right? Yes or no.") == MAX_RETRIES


def test_silence_at_a_confirmation_is_met_gently_once():
    out = feed(debrief(), TO_RATING + ["five", None])
    assert said(out)[-2:] == ["Take your time.", "I heard 5. Is that right?"]
    assert "disclosure_level" not in stored(out)


def test_a_plain_no_asks_the_question_again():
    out = feed(debrief(), TO_RATING + ["five", "no"])
    question = next(s.text for s in load_script("debrief").steps if s.field == "disclosure_level")
    assert said(out)[-2:] == ["Okay, let's try once more.", question]


# --- skip offers --------------------------------------------------------------------------------------

UNCLEAR = ["banana"] * (MAX_HINTS + 1)  # a rating question re-asked until skipping is offered


@pytest.mark.parametrize("replies, expect_value, expect_skipped", [
    (UNCLEAR + ["yes"], None, True),
    (UNCLEAR + ["seven", "yes"], 7, False),  # an answer at the offer answers the question
    (UNCLEAR + ["banana"] * (MAX_RETRIES + 1), None, True),  # no endless "Shall we skip this question?"
    (UNCLEAR + [None], None, True),
])
def test_skip_offer_ends(replies, expect_value, expect_skipped):
    out = feed(debrief(), TO_RATING + replies)
    assert stored(out).get("disclosure_level") == expect_value
    assert ("disclosure_level" in skipped(out)) is expect_skipped


def test_a_declined_skip_offer_past_the_cap_leaves_the_question_kindly():
    replies = UNCLEAR + ["no"]
    out = feed(debrief(), TO_RATING + replies)
    assert said(out).count("We can skip this one if you like. Shall we skip it?") == 1
    assert "disclosure_level" in skipped(out)
    assert "Let's leave that one for now. You can come back to it another time." in said(out)


def test_a_spoken_text_answer_at_its_skip_offer_is_the_answer():
    out = feed(debrief(), [None, None, "I asked my brother how he really is"])
    assert stored(out)["what_happened"] == "I asked my brother how he really is"


# --- the crisis check at every kind of prompt ---------------------------------------------------------

@pytest.mark.parametrize("before", [
    [],  # an answer
    TO_RATING + ["five"],  # a confirmation
    TO_RATING + UNCLEAR,  # a skip offer
    ["pause"],  # paused, waiting for continue
])
def test_crisis_language_stops_the_session_wherever_it_is_said(before):
    session = debrief()
    out = feed(session, before + ["honestly I feel like dying"])
    kinds = [o.type for o in out if isinstance(o, SessionEvent)]
    assert kinds[-2:] == ["flagged", "stopped"] and session.done
    assert "988" in said(out)[-1]


# --- dates, numbers and feelings as said --------------------------------------------------------------

def repair(**options) -> Session:
    options.setdefault("guided", True)
    return Session(load_script("repair"), "r1", clock=CLOCK, today=TODAY, **options)


REPAIR_TO_DATE = ["I snapped at her", "she was hurt", "ashamed", "to breathe before I answer", "say sorry"]


@pytest.mark.parametrize("typed, day_first, value, read_back", [
    ("2026-12-10", False, "2026-12-10", "Thursday, December 10"),
    ("2027-01-05", False, "2027-01-05", "Tuesday, January 5"),
    ("12/10", False, "2026-12-10", "Thursday, December 10"),
    ("12/10", True, "2027-10-12", "Tuesday, October 12"),
    ("25/12", False, "2026-12-25", "Friday, December 25"),  # only one reading exists
])
def test_typed_dates_are_stored_exactly_and_read_back(typed, day_first, value, read_back):
    session = repair(day_first=day_first)
    out = feed(session, REPAIR_TO_DATE + [typed])
    assert said(out)[-1] == f"I heard {read_back}. Is that right?"
    assert stored(session.hear("yes"))["follow_up"] == value


@pytest.mark.parametrize("typed, hint", [
    ("2026-02-30", "That date doesn't exist on the calendar."),
    ("2026-11-05", "That date has already gone by."),
])
def test_impossible_or_past_dates_are_asked_again(typed, hint):
    out = feed(repair(), REPAIR_TO_DATE + [typed])
    assert "follow_up" not in stored(out)
    assert any(line.startswith(hint) for line in said(out))
    assert waiting_for(out).kind == "date"


def test_dates_are_not_read_back_with_confirmation_off():
    out = feed(repair(confirm="never"), REPAIR_TO_DATE + ["2026-12-10"])
    assert stored(out)["follow_up"] == "2026-12-10"


TO_MINUTES = ["I called my dad", "four", "yes", "no"]  # what, how personal (+ confirm), new topic


@pytest.mark.parametrize("reply, value", [
    ("45", 45),
    ("about 45", 45),
    ("20 or 30", 30),
    ("an hour and a half", 90),
])
def test_durations(reply, value):
    assert stored(feed(debrief(), TO_MINUTES + [reply]))["conversation_minutes"] == value


@pytest.mark.parametrize("replies, field", [
    (TO_MINUTES + ["-5 minutes"], "conversation_minutes"),
    (TO_RATING + ["-3"], "disclosure_level"),
    (TO_RATING + ["minus two"], "disclosure_level"),
])
def test_negative_numbers_are_refused_not_stored_positive(replies, field):
    out = feed(debrief(), replies)
    assert field not in stored(out)
    assert any("minus" in line or "below zero" in line for line in said(out))


@pytest.mark.parametrize("reply", ["probably the sixth", "a sixth", "six", "6"])
def test_ratings_whisper_writes_as_ordinals(reply):
    assert stored(feed(debrief(confirm="never"), TO_RATING + [reply]))["disclosure_level"] == 6


def test_feelings_outside_the_word_list_are_kept_as_said():
    session = Session(load_script("checkin"), "c1", clock=CLOCK, today=TODAY, guided=True)
    out = feed(session, ["like a failure"])
    assert stored(out)["feeling"] == ["like a failure"]


# --- labels -------------------------------------------------------------------------------------------

def test_answers_and_skips_carry_the_scripts_short_label():
    out = feed(debrief(confirm="never"), TO_RATING + ["skip", "yes"])
    answer = [o for o in out if isinstance(o, SessionEvent) and o.type == "answer"]
    skip = [o for o in out if isinstance(o, SessionEvent) and o.type == "skipped"]
    assert [a.detail["label"] for a in answer] == ["What happened", "New topic"]
    assert skip[0].detail["label"] == "How personal"


def test_every_shipped_question_has_a_short_label():
    from assistant.dialogue.scripts import list_scripts

    for script in list_scripts():
        for step in script.steps:
            if step.type == "ask":
                assert step.label and len(step.label) <= 30, (script.name, step.field)


# --- outside a session: the menu, the ladder-step question, breathing; and the exit status -----------

def flagged_entries() -> list:
    from assistant.journal.store import Store

    with Store.open() as store:
        return [row for row in store.list_sessions() if row.status == "flagged"]


@pytest.mark.parametrize("args, stdin, script", [
    (["menu", "--text", "--no-audio"], "I feel like dying\n", "menu"),
    (["checkin", "--text", "--no-audio"], "I just want it all to be over\n", "checkin"),
    (["debrief", "--text", "--no-audio"], "I'm a burden to my family\n", "debrief"),  # at "which ladder step?"
])
def test_crisis_language_anywhere_stops_with_its_own_exit_status(args, stdin, script, cli_process):
    from assistant.cli.options import CRISIS_EXIT

    if script == "debrief":
        assert cli_process("ladder", "add", "Say hi to a neighbour", "--fear", "2").returncode == 0
    done = cli_process(*args, stdin=stdin)
    assert done.returncode == CRISIS_EXIT == 3, done.stderr
    assert "988" in done.stdout and "Traceback" not in done.stderr
    (row,) = flagged_entries()
    assert row.script == script and row.flagged_reason == "crisis"


def test_stop_at_the_menu_says_goodbye(cli_process):
    done = cli_process("menu", "--text", "--no-audio", stdin="stop\n")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and not flagged_entries()


def test_crisis_words_during_breathing_stop_the_exercise_and_flag_the_session():
    from assistant.breathing.exercise import Commands, Exercise
    from assistant.breathing.patterns import get_pattern
    from assistant.dialogue.pipeline import Heard, Runner
    from assistant.speech.tts.voice import Voice
    from fakes import RecordingSynthesizer

    commands = Commands()
    commands.put_text("I want to kill myself")
    voice = Voice(no_audio=True, synthesizer=RecordingSynthesizer())
    result = Exercise(get_pattern("box"), 3, voice, commands=commands, instant=False).run()
    assert result.stopped and result.crisis_text == "I want to kill myself"

    class Typed:
        def answer(self, listen):
            return Heard("five")

    session = Session(load_script("breathe"), "b1", clock=CLOCK, today=TODAY, confirm="never")
    ran = Runner(session, Typed(), voice, breathe=lambda pattern: Heard(result.crisis_text)).run()
    assert ran.status == "flagged" and session.done


def test_the_saved_line_counts_answers_as_the_journal_does(cli_process):
    typed = "I asked Jo how she was\nfour\nyes\ngo back\nfive\nyes\nno\n"
    done = cli_process("debrief", "--text", "--no-audio", "--confirm", "ratings", stdin=typed)
    listed = cli_process("entries", "list")
    count = [w for w in listed.stdout.split() if w.isdigit()]
    assert done.returncode == 0, done.stderr
    said_count = [w for w in done.stderr.split() if w.strip("(").isdigit()]
    assert said_count and said_count[-1].strip("(") in count, (done.stderr, listed.stdout)


# --- words: plural forms, reasons in words, scripts listed and shown whole ---------------------------

@pytest.mark.parametrize("noun, zero, one, many", [
    ("answer", "no answers", "1 answer", "3 answers"),
    ("entry", "no entries", "1 entry", "3 entries"),
    ("round", "0 rounds", "1 round", "3 rounds"),
    ("new_topic", "no new topics", "1 new topic", "3 new topics"),
    ("problem", "0 problems", "1 problem", "3 problems"),
    ("step", "no steps", "1 step", "3 steps"),
])
def test_counted_nouns_have_their_plural_forms(noun, zero, one, many):
    from assistant.text import counted

    assert (counted(noun, 0), counted(noun, 1), counted(noun, 3)) == (zero, one, many)


def test_no_message_pastes_a_count_before_a_fixed_plural():
    """"{count} answers" reads "1 answers"; counted nouns come from [counts] instead."""
    import re

    from assistant.resources import package_data_dir

    bad = []
    for path in (package_data_dir("prompts")).glob("*.toml"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue  # a comment for whoever edits the file, not words anyone hears
            if re.search(r"\{(count|cycles|answers|sessions|n)\} [a-z]+s\b(?!\})", line) and "many" not in line:
                bad.append(f"{path.name}:{number}: {line.strip()}")
    assert bad == []


def test_settings_say_what_kind_of_value_they_need():
    from assistant.config import Settings
    from assistant.errors import AssistantError

    with pytest.raises(AssistantError) as caught:
        Settings().with_value("rate", "fast")
    assert "needs a whole number" in caught.value.message and "int" not in caught.value.message


@pytest.mark.parametrize("error, words", [
    (PermissionError(13, "Permission denied"), "permission denied"),
    (IsADirectoryError(21, "Is a directory"), "it is a folder, not a file"),
    (FileNotFoundError(2, "No such file or directory"), "there is no such file or folder"),
    (OSError(28, "No space left on device"), "the disk is full"),
    (OSError("[Errno 5] something odd"), "something odd"),
])
def test_reasons_are_words_not_errno(error, words):
    from assistant.text import fail

    assert fail("journal_unreadable", path="j.db", reason=error).message.endswith(words)


def test_a_script_that_cannot_be_read_is_called_unreadable_in_words(assistant_home, run_cli):
    (assistant_home / "scripts" / "mine.toml").mkdir(parents=True)
    done = run_cli("practice", "mine", "--text", "--no-audio")
    assert done.one_line_error(), done
    assert "error[script_unreadable]" in done.stderr and "folder" in done.stderr and "Errno" not in done.stderr


def test_prompts_list_shows_the_good_scripts_and_marks_a_broken_one(assistant_home, run_cli):
    (assistant_home / "scripts").mkdir(parents=True)
    (assistant_home / "scripts" / "broken.toml").write_text("title = ")
    done = run_cli("prompts", "list")
    assert done.exit_code == 1 and "Traceback" not in done.stderr
    assert "debrief" in done.stdout and "checkin" in done.stdout
    assert "broken" in done.stdout and "cannot be used" in done.stdout and "not valid TOML" in done.stdout


def test_prompts_show_includes_when_and_repeat(run_cli):
    done = run_cli("prompts", "show", "rehearse")
    assert done.exit_code == 0
    assert "only when:" in run_cli("prompts", "show", "debrief").stdout
    assert "then back to 'round_start', up to" in done.stdout and "while: another_round == yes" in done.stdout
    assert "fills: feeling ← emotions, intensity" in run_cli("prompts", "show", "checkin").stdout


def test_script_errors_point_at_the_help_a_user_has(assistant_home, run_cli):
    (assistant_home / "scripts").mkdir(parents=True)
    (assistant_home / "scripts" / "mine.toml").write_text('[[steps]]\nid = "a"\ntype = "nope"\n')
    done = run_cli("prompts", "show", "mine")
    assert "assistant prompts --help" in done.stderr and "README" not in done.stderr


def test_first_run_marker_is_private(assistant_home, cli_process):
    import stat

    done = cli_process("checkin", "--text", "--no-audio", stdin="calm\n")
    assert done.returncode == 0, done.stderr
    marker = assistant_home / ".welcomed"
    assert stat.S_IMODE(marker.stat().st_mode) == 0o600


def _commands(group, path=()):
    import click

    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


@pytest.mark.parametrize("limit", [45, 80, 150])
def test_short_help_never_ends_inside_an_abbreviation(limit):
    """Click ends a command's summary at the first full stop: "Add a recurring check-in, e.g." """
    from assistant.cli import cli

    cut = {name: command.get_short_help_str(limit) for name, command in _commands(cli)
           if command.get_short_help_str(limit).rstrip(".").endswith(("e.g", "i.e", "etc"))}
    assert cut == {}


def test_rhythm_add_starts_on_a_day_still_ahead_and_refuses_a_duplicate(assistant_home):
    from datetime import datetime

    from assistant.growth import rhythm
    from assistant.journal.store import Store

    late = datetime(2026, 12, 2, 21, 34)  # a Wednesday evening
    with Store.open() as store:
        past = rhythm.add_rhythm(store, "Lunch walk", "weekdays 12:30", now=late)
        ahead = rhythm.add_rhythm(store, "Call Sam", "wed 22:00", now=late)
        weekly = rhythm.add_rhythm(store, "Coffee", "wed 09:00", now=late)
        all_day = rhythm.add_rhythm(store, "Write a note", "wed", now=late)
        with pytest.raises(AssistantError) as twice:
            rhythm.add_rhythm(store, "call  sam", "wed 22:00", now=late)
        other_time = rhythm.add_rhythm(store, "Call Sam", "thu 22:00", now=late)
    assert (past.start_date.isoformat(), ahead.start_date.isoformat()) == ("2026-12-03", "2026-12-02")
    assert weekly.start_date.isoformat() == "2026-12-09"  # next Wednesday, not the one already gone
    assert all_day.start_date.isoformat() == "2026-12-02"  # an all-day check-in is still today
    assert twice.value.code == "rhythm_duplicate" and str(ahead.id) in twice.value.line()
    assert other_time.start_date.isoformat() == "2026-12-03"


def test_a_session_with_every_question_skipped_is_kept_as_empty_not_finished(assistant_home):
    from assistant.journal.store import Store

    done = subprocess.run([sys.executable, "-m", "assistant", "checkin", "--guided", "--text", "--no-audio"],
                          input="skip\n" * 8, capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    with Store.open() as store:
        (row,) = store.list_sessions()
    assert row.status == "empty" and row.answer_count == 0
    listed = subprocess.run([sys.executable, "-m", "assistant", "entries", "list"], capture_output=True, text=True,
                            env=dict(os.environ))
    assert "nothing answered" in listed.stdout and "finished" not in listed.stdout


def test_a_session_left_in_progress_by_a_killed_process_is_marked_interrupted_on_the_next_start(assistant_home):
    import signal
    import time

    from assistant.journal.store import Store

    proc = subprocess.Popen([sys.executable, "-m", "assistant", "checkin", "--guided", "--text", "--no-audio"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                            env=dict(os.environ))
    proc.stdin.write("lonely\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with Store.open() as store:
            rows = store.list_sessions()
            if rows and rows[0].answer_count:
                break
        time.sleep(0.2)
    with Store.open() as store:
        assert store.close_abandoned() == []  # its process still runs: left alone
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    with Store.open() as store:
        (row,) = store.list_sessions()
        assert row.status == "in_progress"
    nothing = subprocess.run([sys.executable, "-m", "assistant", "compassion", "--text", "--no-audio"],
                             input="", capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert "Traceback" not in nothing.stderr
    with Store.open() as store:
        killed = store.session(row.id)
        reasons = [json.loads(d)["reason"] for (d,) in store.db.execute(
            "SELECT detail_json FROM events WHERE session_id = ? AND type = 'stopped'", [row.id])]
    assert killed.status == "stopped" and reasons == ["interrupted"]
    resumed = subprocess.run([sys.executable, "-m", "assistant", "resume", "--script", "checkin", "--text",
                              "--no-audio"],
                             input="four\nyes\nsend a short message\n", capture_output=True, text=True, timeout=120,
                             env=dict(os.environ))
    assert resumed.returncode == 0, resumed.stderr
    with Store.open() as store:
        assert store.session(row.id).status == "finished"


@pytest.mark.parametrize("pid_alive, recorded_pid, closed", [
    (False, 4242, True), (True, 4242, False), (False, None, False),  # no pid: an older version's session
])
def test_close_abandoned_decides_by_the_process(assistant_home, pid_alive, recorded_pid, closed):
    from assistant.journal.store import Store

    detail = {"title": "Check-in", "position": 0}
    if recorded_pid is not None:
        detail["pid"] = recorded_pid
    with Store.open() as store:
        store.db.execute("INSERT INTO sessions (id, script, started_at, updated_at, status, position)"
                         " VALUES ('s1', 'checkin', '2026-12-01T10:00:00Z', '2026-12-01T10:00:00Z', 'in_progress', 0)")
        store.db.execute("INSERT INTO events (session_id, type, at, detail_json) VALUES (?, 'started', ?, ?)",
                         ["s1", "2026-12-01T10:00:00Z", json.dumps(detail)])
        assert store.close_abandoned(alive=lambda pid: pid_alive) == (["s1"] if closed else [])
        assert store.session("s1").status == ("stopped" if closed else "in_progress")


def test_entries_show_csv_and_markdown_use_labels_and_say_where_a_value_came_from(assistant_home):
    import csv
    import io

    told = ("I told Sam about work. We talked for twenty minutes. I felt nervous and relieved. "
            "Next I will invite him for coffee.")
    done = subprocess.run([sys.executable, "-m", "assistant", "debrief", "--text", "--no-audio"],
                          input=told + "\nyes\n" + "skip\n" * 14, capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))
    assert done.returncode == 0, done.stderr

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                              env=dict(os.environ)).stdout

    entry_id = json.loads(cli("entries", "list", "--json"))[0]["id"]
    shown = cli("entries", "show", entry_id)
    assert "Conversation length: 20 min\n    from: “talked for twenty minutes”" in shown
    assert "Skipped: How personal, New topic, Anxiety before" in shown and "anxiety_before" not in shown
    rows = list(csv.DictReader(io.StringIO(cli("entries", "export", "--format", "csv"))))
    by_field = {row["field"]: row for row in rows}
    assert by_field["conversation_minutes"]["label"] == "Conversation length"
    assert (by_field["conversation_minutes"]["source"], by_field["conversation_minutes"]["from"]) == (
        "reflection", "talked for twenty minutes")
    assert by_field["reflection"]["source"] == "" and by_field["reflection"]["label"] == "In your own words"
    markdown = cli("entries", "export", "--format", "md")
    assert "**Conversation length**  \n20 min  \n*from: “talked for twenty minutes”*" in markdown
    assert "*Skipped: How personal, New topic" in markdown
