"""An assistant that talks less, with the same care: a returning person hears short lines (the disclaimer,
welcome and invitation once heard), the summary says the two or three things that matter, and the closing does
not repeat it. First-time users still hear what the assistant is and is not; ``long_intros`` brings it all back."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.dialogue import extract
from assistant.dialogue.scripts import load_script
from assistant.dialogue.session import Session, words
from assistant.events import Listen, Say

CLOCK = lambda: 1_800_000_000.0  # noqa: E731
TODAY = lambda: dt.date(2026, 12, 1)  # noqa: E731

DEBRIEF = load_script("debrief")
WELCOME_FIRST, WELCOME_BACK, INVITATION = (DEBRIEF.steps[DEBRIEF.index_of(name)] for name in
                                           ("welcome_first", "welcome", "reflection"))
DISCLAIMER = words("first_run")

# Every field told in one go, as the benchmark's story does: only "Is that right?" is asked after it.
STORY = ("I told my friend Sam about my panic attacks at work, and it was a new topic for us. It felt pretty "
         "personal, about a six. We talked for about fifteen minutes. Before it my anxiety was a seven, at the worst "
         "it was a four, and afterwards it was a two. The anxiety lasted about twenty minutes. I felt nervous and "
         "relieved, and my chest was tight. Starting the conversation was easier than I expected, but asking for "
         "more time stayed hard. What helped most was that Sam asked kind questions. I learned that people want to "
         "know me. Next, I will invite Sam for coffee next week.")


def said(out) -> list[str]:
    return [o.text for o in out if isinstance(o, Say)]


def opening(**options) -> list[str]:
    return said(Session(DEBRIEF, "s1", clock=CLOCK, today=TODAY, **options).start())


# (who, Session options, the lines said before the person first speaks)
OPENINGS = [
    ("a first session ever", {"first_run": True},
     [DISCLAIMER, WELCOME_FIRST.text, INVITATION.text]),
    ("back, a debrief told before", {"familiar": {"reflection", "anxiety_before"}},
     [WELCOME_BACK.short, INVITATION.short]),
    ("back, typing", {"familiar": {"reflection"}, "typed": True},
     [WELCOME_BACK.short, INVITATION.short]),
    ("back, only guided debriefs before: the invitation was never heard", {"familiar": {"anxiety_before"}},
     [WELCOME_BACK.short, INVITATION.text]),
    ("back to the assistant, new to the debrief", {},
     [WELCOME_BACK.text, INVITATION.text]),
    ("back with long_intros (Practice passes no familiar steps and the disclaimer)", {"disclaimer": True},
     [DISCLAIMER, WELCOME_BACK.text, INVITATION.text]),
    ("first session, typing", {"first_run": True, "typed": True},
     [words("first_run", typed=True), WELCOME_FIRST.text, INVITATION.typed]),
]


@pytest.mark.parametrize("who, options, expected", OPENINGS, ids=[row[0] for row in OPENINGS])
def test_what_each_person_hears_first(who, options, expected):
    assert opening(**options) == expected


def test_the_short_lines_are_shorter_and_the_first_one_keeps_the_safety_words():
    assert len(WELCOME_BACK.short) < len(WELCOME_BACK.text) and len(INVITATION.short) < len(INVITATION.text)
    assert "not therapy and not a crisis service" in DISCLAIMER
    assert "say" not in INVITATION.short.lower().split()  # it is the typed session's short line too


def _told(first_run: bool = False, familiar=("reflection",)) -> tuple[list[str], list[str], Session]:
    """A told debrief: (what was said up to the summary's question, what was said after the yes, the session)."""
    session = Session(DEBRIEF, "s1", clock=CLOCK, today=TODAY, first_run=first_run, familiar=familiar)
    before = said(session.start() + session.hear(STORY + " I'm done."))
    after = said(session.hear("yes"))
    return before, after, session


def test_the_summary_says_the_two_or_three_things_that_matter():
    before, _, _ = _told()
    summary = before[-2]
    assert before[-1] == "Is that right?"
    assert summary == ("So, anxiety seven before, four at the worst, two now. You felt nervous and relieved. "
                       "Next step: invite Sam for coffee next week.")
    assert "panic attacks" not in summary  # the story just told is not said back whole


def test_the_closing_does_not_repeat_the_summary():
    before, after, session = _told()
    assert session.done
    assert after == [DEBRIEF.steps[DEBRIEF.index_of("celebrate")].text]  # one closing, not a second goodbye
    assert words("finished") not in after
    for value in ("seven", "invite Sam", "nervous", "Your next step"):
        assert value not in " ".join(after)


@pytest.mark.parametrize("story, parts", [
    ("I called my mum. Before I was a six, at the worst an eight, and now a three. I felt scared. Next I will "
     "text her.", ("anxiety_before", "anxiety_peak", "anxiety_after", "emotions", "next_step")),
    ("I called my mum and I apologised. I felt scared and ashamed. Next I will text her tomorrow.",
     ("what_happened", "emotions", "next_step")),
    ("I called my mum and I apologised. At the peak a nine.", ("what_happened", "anxiety_peak")),
])
def test_at_most_three_parts_are_said_back_ratings_and_next_step_first(story, parts):
    assert extract.said_back(extract.extract(story)) == parts


def test_a_part_left_out_of_the_summary_is_said_once_it_is_corrected():
    found = extract.extract("I called my mum. Before I was a six. I felt scared. Next I will text her.")
    assert "what_happened" not in extract.said_back(found)
    assert "what_happened" in extract.said_back(found, changed=("what_happened",))


def test_a_read_back_the_summary_did_not_say_is_still_said():
    """Only what the summary said is left out of the closing read-backs: a next step asked after it is read back."""
    session = Session(DEBRIEF, "s1", clock=CLOCK, today=TODAY, familiar=("reflection",), confirm="never")
    out = session.start() + session.hear("Before it I was a seven, at the worst a four, and now a two. I'm done.")
    everything = list(out)
    while not session.done:
        listen = [o for o in out if isinstance(o, Listen)][-1]
        out = session.hear("call my brother" if listen.field == "next_step" else "skip")
        everything += out
    assert "Your next step: call your brother." in said(everything)


DISCLOSURE = DEBRIEF.steps[DEBRIEF.index_of("disclosure")]


@pytest.mark.parametrize("familiar, question", [
    ({"reflection", "disclosure"}, DISCLOSURE.short),  # asked and answered last time: the short question
    ({"reflection"}, DISCLOSURE.text),  # read from last time's story, never asked: the whole question
])
def test_a_gap_question_is_short_only_once_it_was_asked(familiar, question):
    session = Session(DEBRIEF, "s1", clock=CLOCK, today=TODAY, familiar=familiar)
    session.start()
    session.hear("Before it I was a seven, at the worst a four, and now a two. I'm done.")
    assert said(session.hear("yes"))[-1] == question


# --- through the CLI: "returning" is decided from the journal and the first-run marker ----------------------

def _debrief(run_cli) -> str:
    result = run_cli("debrief", "--text", "--no-audio", stdin=STORY + "\nyes\n")
    assert result.exit_code == 0, result
    return result.stdout


def test_the_first_debrief_is_long_the_next_short_and_long_intros_brings_it_back(run_cli):
    first = _debrief(run_cli)
    assert DISCLAIMER.replace("say repeat", "type repeat") in first and INVITATION.typed in first
    second = _debrief(run_cli)
    assert "not a crisis service" not in second and WELCOME_BACK.short in second and INVITATION.short in second
    assert INVITATION.typed not in second
    assert run_cli("settings", "set", "long_intros", "true").exit_code == 0
    third = _debrief(run_cli)
    assert "not a crisis service" in third and WELCOME_BACK.text in third and INVITATION.typed in third


def test_a_journal_without_the_marker_is_a_returning_person(run_cli, assistant_home):
    """A journal restored into a new home: nothing says first session but the missing marker, and the journal
    has the person's earlier answers, so they are not told again what they have heard."""
    _debrief(run_cli)
    (assistant_home / ".welcomed").unlink()
    again = _debrief(run_cli)
    assert "not a crisis service" not in again and INVITATION.short in again


def test_the_journal_knows_which_questions_were_asked(run_cli):
    from assistant.journal.store import Store

    _debrief(run_cli)  # the story told every field: only the reflection itself was asked
    with Store.open() as store:
        assert store.answered_steps("debrief") == {"reflection"}
        assert store.answered_steps("checkin") == frozenset()


def test_a_check_in_before_does_not_shorten_the_debrief_never_heard(run_cli):
    assert run_cli("checkin", "--text", "--no-audio", stdin="fine\n" * 6).exit_code == 0
    first_debrief = _debrief(run_cli)
    assert "not a crisis service" not in first_debrief  # the disclaimer was heard at the check-in
    assert WELCOME_BACK.text in first_debrief and INVITATION.typed in first_debrief


@pytest.mark.parametrize("typed, invitation", [(False, "or say skip"), (True, "or type skip")])
def test_a_short_line_has_its_typed_wording(typed, invitation):
    """The repair script's short invitation names a command, so a person who types reads "type skip"."""
    repair = load_script("repair")
    out = said(Session(repair, "s1", clock=CLOCK, familiar={"reflection"}, typed=typed).start())
    assert out[0] == repair.steps[0].short and invitation in out[1] and len(out[1]) < len(repair.steps[1].text)
