"""Crisis words wherever the assistant listens: the gentle question and its replies in a session, every typed
path of the command line (exit status 3, the resources shown, a flagged entry), recorded answers through the
real recogniser (``--audio-in``), and hands-free through the virtual microphone (the menu and an open answer).
"""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.cli.options import CRISIS_EXIT
from assistant.dialogue import crisis
from assistant.dialogue.scripts import load_script
from assistant.dialogue.session import Session
from assistant.events import Listen, SessionEvent
from fakes import feed, said

CLOCK = lambda: 1_800_000_000.0  # noqa: E731
TODAY = lambda: dt.date(2026, 12, 1)  # noqa: E731
BORDERLINE = "I can't do this anymore"  # `ask`: one gentle question first
ASK = crisis.say("ask")


def debrief(**options) -> Session:
    options.setdefault("guided", True)
    options.setdefault("confirm", "never")
    return Session(load_script("debrief"), "s1", clock=CLOCK, today=TODAY, **options)




def kinds(out) -> list[str]:
    return [o.type for o in out if isinstance(o, SessionEvent)]


def stored(out) -> dict:
    return {o.field: o.value for o in out if isinstance(o, SessionEvent) and o.type == "answer"}


# --- the gentle question in a session ------------------------------------------------------------------

def test_borderline_words_ask_one_gentle_question_and_wait_for_a_spoken_reply():
    session = debrief()
    out = feed(session, [BORDERLINE])
    assert said(out)[-1] == ASK
    listen = [o for o in out if isinstance(o, Listen)][-1]
    assert listen.kind == "text" and not session.done  # free speech: the reply may be more than yes or no
    assert "flagged" not in kinds(out)


@pytest.mark.parametrize("reply", ["yes", "yeah, sometimes", "I don't know", "no, but I have the pills ready",
                                   None])
def test_anything_but_a_clear_no_stops_for_safety(reply):
    session = debrief()
    out = feed(session, [BORDERLINE, reply])
    assert kinds(out)[-2:] == ["flagged", "stopped"] and session.done
    flagged = [o for o in out if isinstance(o, SessionEvent) and o.type == "flagged"][0]
    assert flagged.detail["reason"] == "crisis" and flagged.detail["asked"] is True
    assert "988" in said(out)[-1]


def test_no_reply_at_all_before_the_input_ends_stops_for_safety():
    session = debrief()
    feed(session, [BORDERLINE])
    out = session.interrupt()
    assert kinds(out) == ["flagged", "stopped"] and "988" in said(out)[-1]


def test_a_clear_no_thanks_offers_the_resources_gently_and_goes_on_with_what_was_said():
    session = debrief()
    out = feed(session, [BORDERLINE, "no, I just meant the exercise is hard"])
    gentle = said(out)[-2]
    assert gentle.startswith(crisis.say("thanks")) and "988" in gentle and "stop the practice" not in gentle
    assert not session.done and "flagged" not in kinds(out)
    assert stored(out)["what_happened"] == BORDERLINE  # nothing said is lost: it was the answer
    assert said(out)[-1].startswith("How personal")  # and the practice goes on


@pytest.mark.parametrize("before", [
    ["I called my sister", "five"],  # at a confirmation ("I heard 5. Is that right?")
    ["I called my sister", "pause"],  # paused, waiting for continue
    ["I called my sister", "blue", "green", "purple"],  # at the skip offer
])
def test_the_gentle_question_is_asked_wherever_borderline_words_are_said(before):
    session = debrief(confirm="ratings") if before[-1] == "five" else debrief()
    out = feed(session, [*before, BORDERLINE])
    assert said(out)[-1] == ASK
    out = session.hear("yes")
    assert kinds(out) == ["flagged", "stopped"]


def test_negated_words_offer_the_resources_gently_once_and_the_practice_goes_on():
    session = debrief()
    out = feed(session, ["I'm not going to hurt myself, I just felt awful", "six"])
    assert any("988" in line and "carry on" in line for line in said(out))
    assert stored(out)["disclosure_level"] == 6 and not session.done
    out = session.hear("I would never kill myself")  # a second time: not offered again
    assert not any("988" in line for line in said(out))


def test_abuse_gives_help_against_abuse_too():
    session = debrief()
    out = feed(session, ["my boyfriend hits me when he drinks"])
    assert kinds(out)[-2:] == ["flagged", "stopped"]
    assert "988" in said(out)[-1] and "1-800-799-7233" in said(out)[-1]


# --- every typed path of the command line ---------------------------------------------------------------

def flagged_entries() -> list:
    from assistant.journal.store import Store

    with Store.open() as store:
        return [row for row in store.list_sessions() if row.status == "flagged"]


TYPED = {
    "menu": (["menu"], "I want to kill myself\n"),
    "menu, asked": (["menu"], "I can't take it anymore\nyes\n"),
    "menu, no reply": (["menu"], "I can't take it anymore\n"),
    "open answer": (["checkin"], "honestly I've been thinking about ending my life\n"),
    "question by question": (["checkin", "--guided"], "nobody would even notice if I was gone\n"),
    "rating": (["checkin", "--guided"], "anxious\nI have the pills ready\n"),
    "confirmation": (["debrief", "--guided", "--confirm", "ratings"], "I called Jo\nfour\nI want to die\n"),
    "skip offer": (["debrief", "--guided"], "I called Jo\nblue\ngreen\npurple\nmy dad beat me again\n"),
    "paused": (["debrief", "--guided"], "pause\nI keep cutting myself\n"),
    "reflection summary": (["debrief"], "I talked to Jo for ten minutes\neveryone would be better off without me\n"),
    "note": (["note"], "I've been saving up my sleeping pills\n"),
    "breathing rating": (["breathe", "box"], "I wish I was dead\n"),
    "ladder build": (["ladder", "build"], "I don't want to be alive anymore\n"),
}


@pytest.mark.parametrize("path", TYPED, ids=list(TYPED))
def test_every_typed_path_stops_with_its_own_exit_status_and_the_resources(path, run_cli):
    args, typed = TYPED[path]
    done = run_cli(*args, "--text", "--no-audio", stdin=typed)
    assert done.exit_code == CRISIS_EXIT == 3, done
    assert "988" in done.stdout and "Traceback" not in done.stderr
    (row,) = flagged_entries()
    assert row.flagged_reason == "crisis"


def test_a_clear_no_at_the_menu_goes_on_to_the_menu(run_cli):
    done = run_cli("menu", "--text", "--no-audio", stdin="I can't take it anymore\nno\nstop\n")
    assert done.exit_code == 0, done
    assert ASK in done.stdout and crisis.say("thanks") in done.stdout and not flagged_entries()


def test_resume_listens_with_the_check_too(run_cli):
    assert run_cli("checkin", "--guided", "--text", "--no-audio", stdin="calm\nstop\n").exit_code == 0
    done = run_cli("resume", "--text", "--no-audio", stdin="I want to end it all\n")
    assert done.exit_code == CRISIS_EXIT, done
    assert flagged_entries()


def test_a_ladder_step_question_asks_gently_too(run_cli):
    assert run_cli("ladder", "add", "Say hi to a neighbour", "--fear", "2").exit_code == 0
    done = run_cli("debrief", "--text", "--no-audio", stdin="what's the point of anything\nyes\n")
    assert done.exit_code == CRISIS_EXIT, done
    assert ASK in done.stdout and "988" in done.stdout


# --- recorded answers through the real recogniser ------------------------------------------------------

# Each recording made once per test run (``speak_piper`` is session-scoped) and heard by whisper in this process:
# the command's exit status is what a shell sees (``test_care`` runs the same stop in a real process), and the
# recogniser is loaded once instead of once per command.
# The borderline words carry no "can't": a recogniser that drops it ("I can go on like this") would test the ear,
# not the path.
BORDERLINE_SAID = "nobody would even notice if I was gone"
RECORDED = {
    "menu, asked, yes": (["menu"], [BORDERLINE_SAID, "yes"], CRISIS_EXIT),
    "open answer": (["checkin"], ["I have been thinking about killing myself"], CRISIS_EXIT),
    "asked, no": (["checkin"], [BORDERLINE_SAID, "no, I'm okay"], 0),
}


@pytest.mark.parametrize("case", RECORDED, ids=list(RECORDED))
def test_recorded_answers_are_checked_like_typed_ones(case, run_cli, speak_piper):
    """At the menu and at an open answer, from files through whisper: clear words stop at once; borderline ones
    ask the gentle question, a spoken yes stops and a spoken no goes on (the recordings then run out: the
    session stops, resumable, with status 0)."""
    args, texts, status = RECORDED[case]
    files = [f"--audio-in={speak_piper(text)}" for text in texts]
    done = run_cli(*args, "--no-audio", *files)
    assert done.exit_code == status, done.stdout
    if len(texts) > 1:
        assert ASK in done.stdout
    if status == CRISIS_EXIT:
        assert "988" in done.stdout
        (row,) = flagged_entries()
        assert row.flagged_reason == "crisis"
    else:
        assert crisis.say("thanks") in done.stdout and not flagged_entries()


# --- hands-free: the virtual microphone ----------------------------------------------------------------

@pytest.mark.parametrize("args, captions", [
    (["menu", "--confirm", "never"], ("menu.prompt", "menu.again")),
    (["checkin", "--confirm", "never"], ("checkin.reflection",)),
])
def test_hands_free_crisis_words_stop_with_the_exit_status(args, captions, pulse, speak_piper, run_cli):
    """The person says it again when asked again, as a person would (the very first answer of a run can be
    missed while the recogniser is still loading). The assistant speaks briskly and a told answer ends after a
    second of quiet: what is proven is the path from the microphone to the stop, not the pace."""
    from assistant.text import t
    from test_hands_free import converse

    for key, value in (("rate", "240"), ("reflection_silence_s", "1.0"), ("reflection_max_s", "60")):
        assert run_cli("settings", "set", key, value).exit_code == 0
    reflection = " ".join(next(s.text for s in load_script("checkin").steps if s.id == "reflection").split())
    questions = {t(key) if key.startswith("menu") else reflection for key in captions}
    clip = speak_piper("I have been thinking about killing myself")
    done, answered = converse(pulse, args, lambda said: clip if said in questions else None)
    assert answered and set(answered) <= questions
    assert done.returncode == CRISIS_EXIT, done.stderr
    (row,) = flagged_entries()
    assert row.flagged_reason == "crisis"
