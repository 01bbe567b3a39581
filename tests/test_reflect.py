"""Tell it in your own words: a reflection fills the fields it names, a summary is said back and can be
corrected by voice, and only the gaps are asked (closed ones first). Pure session logic over strings."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.dialogue.scripts import load_script
from assistant.dialogue.session import Session
from assistant.events import Listen, Say, SessionEvent

CLOCK = lambda: 1_800_000_000.0  # noqa: E731
TODAY = lambda: dt.date(2026, 12, 1)  # noqa: E731

TOLD = ("I had coffee with my sister and told her I've been lonely since the move. Before I started I was about a "
        "seven, at the worst an eight, now maybe a three. My chest was tight. What helped was a slow breath first. "
        "Next week I'll call my brother.")

EVERYTHING = ("I phoned my dad and told him I've been struggling at work, which I had never told him before. "
              "It was pretty personal, like a six. We talked for about twenty minutes. Before the call I was a "
              "seven, at the worst a four, and now I'm a two. The nerves lasted about ten minutes. I felt "
              "nervous and relieved. My hands were shaking. What felt easy was just starting. What stayed hard "
              "was asking for help. What helped was that he listened. I learned that he cares. Next week I'll "
              "invite him for dinner.")


def session(name: str = "debrief", **options) -> Session:
    return Session(load_script(name), "r1", clock=CLOCK, today=TODAY, **options)


def events(out, kind="answer"):
    return [o for o in out if isinstance(o, SessionEvent) and o.type == kind]


def said(out) -> list[str]:
    return [o.text for o in out if isinstance(o, Say)]


def asked(out) -> Listen:
    return [o for o in out if isinstance(o, Listen)][-1]


def test_the_reflection_is_asked_first_with_reflection_patience():
    out = session().start()
    assert asked(out).kind == "reflection" and asked(out).field == "reflection"


def test_a_reflection_fills_its_fields_and_is_summarised():
    s = session()
    s.start()
    out = s.hear(TOLD)
    filled = {e.field: e for e in events(out)}
    assert filled["reflection"].value == TOLD
    assert (filled["anxiety_before"].value, filled["anxiety_peak"].value, filled["anxiety_after"].value) == (7, 8, 3)
    assert filled["anxiety_before"].detail["source"] == "reflection"
    assert "seven" in filled["anxiety_before"].detail["from"]
    assert filled["anxiety_before"].detail["label"] == "Anxiety before"
    assert said(out)[-2].startswith("So, anxiety seven before, eight at the worst, three now.")
    assert "you had coffee with your sister" not in said(out)[-2]  # the things that matter, not every field
    assert asked(out).kind == "correction"


def test_then_only_the_gaps_are_asked_closed_ones_first():
    s = session()
    s.start()
    s.hear(TOLD)
    out = s.hear("yes")
    order = []
    while not s.done and len(order) < 20:
        listen = asked(out)
        order.append(listen.field)
        out = s.hear({"rating": "five", "yesno": "no", "duration": "ten minutes"}.get(listen.kind, "something small"))
        if "Is that right?" in said(out)[-1]:
            out = s.hear("yes")
    closed = ["disclosure_level", "new_topic", "conversation_minutes", "anxiety_duration"]
    assert order[:4] == closed
    for field in ("what_happened", "anxiety_before", "anxiety_peak", "anxiety_after", "emotions", "body_sensations",
                  "helped_most", "next_step"):
        assert field not in order  # told in the reflection: not asked again
    assert {"felt_easy", "stayed_hard", "learned"} <= set(order)
    assert s.done


@pytest.mark.parametrize("correction, field, value", [
    ("no, the peak was a nine", "anxiety_peak", 9),
    ("before was a five actually", "anxiety_before", 5),
    ("change the next step to text him first", "next_step", "text him first"),
])
def test_corrections_at_the_summary_are_field_updates(correction, field, value):
    s = session()
    s.start()
    s.hear(TOLD)
    out = s.hear(correction)
    update = [e for e in events(out) if e.field == field]
    assert update and update[-1].value == value and update[-1].detail["source"] == "correction"
    assert s.answers[field] == value
    assert said(out)[-1] == "Is that right?"


def test_a_plain_no_at_the_summary_asks_what_to_change_and_the_loop_is_capped():
    s = session()
    s.start()
    s.hear(TOLD)
    out = s.hear("no")
    assert said(out)[-1].startswith("What should I change?")
    for _ in range(3):
        out = s.hear("hmm")
    assert asked(out).field == "disclosure_level"  # carried on with what was understood


def test_with_confirmation_off_the_summary_is_said_but_not_asked():
    s = session(confirm="never")
    s.start()
    out = s.hear(TOLD)
    assert any(line.startswith("So, ") for line in said(out))
    assert asked(out).field == "disclosure_level"


def test_guided_asks_one_question_per_field():
    out = session(guided=True).start()
    assert asked(out).field == "what_happened" and asked(out).kind == "text"


@pytest.mark.parametrize("replies", [[None, None], ["skip"]])
def test_no_reflection_means_question_by_question(replies):
    s = session()
    out = s.start()
    for reply in replies:
        out = s.silence() if reply is None else s.hear(reply)
    assert asked(out).field == "what_happened"


def test_crisis_language_in_a_reflection_stops_first():
    s = session()
    s.start()
    out = s.hear("I told my sister I was lonely. Honestly I feel like dying some days.")
    assert [e.type for e in out if isinstance(e, SessionEvent)][-2:] == ["flagged", "stopped"] and s.done
    assert not events(out)  # nothing is read from it


def test_the_coach_runs_on_the_whole_reflection():
    s = session()
    s.start()
    out = s.hear("I told my partner you never listen to me, and it went badly. Before I was a seven.")
    (reflection,) = [e for e in events(out) if e.field == "reflection"]
    assert reflection.detail["coach"]["pattern"] == "you_never"


def test_a_follow_up_skipped_after_the_reflection_is_not_asked_again():
    s = session()
    s.start()
    s.hear(TOLD)
    out = s.hear("yes")
    assert asked(out).field == "disclosure_level"
    out = s.hear("skip")
    assert asked(out).field == "new_topic"
    seen = []
    for _ in range(15):
        if s.done:
            break
        listen = asked(out)
        seen.append(listen.field)
        out = s.hear("skip")
    assert "disclosure_level" not in seen


def test_resume_after_the_reflection_asks_what_is_still_missing():
    first = session()
    first.start()
    first.hear(TOLD)
    first.hear("yes")
    answers, position = first.answers, first.position  # past the reflection, as a stop here would store
    again = Session(load_script("debrief"), "r1", clock=CLOCK, today=TODAY, answers=answers, position=position)
    out = again.start()
    assert asked(out).field == "disclosure_level"


def test_a_complete_reflection_takes_few_turns():
    s = session()
    s.start()
    turns = 1
    out = s.hear(EVERYTHING)
    while not s.done and turns < 20:
        turns += 1
        listen = asked(out)
        out = s.hear("yes" if listen.kind in ("correction", "yesno") else "five")
    assert s.done and turns <= 6, turns


def test_a_note_keeps_the_words_with_feelings_strength_and_people():
    s = session("note")
    s.start()
    out = s.hear("Lunch with my mum was tense. I felt anxious and a bit sad, maybe a six. Later Priya texted me.")
    values = {e.field: e.value for e in events(out)}
    assert values["emotions"] == ["tense", "anxious", "sad"]
    assert values["intensity"] == 6
    assert values["people"] == ["my mum", "Priya"]
    assert s.done  # the summary is said, not asked about


@pytest.mark.parametrize("fills, problem", [
    ('["anxiety_worst"]', "cannot fill 'anxiety_worst'"),
    ('"everything"', "'fills' must be"),
    ('{ feeling = "moods" }', "cannot fill 'moods'"),
])
def test_reflect_steps_are_checked_when_the_script_loads(tmp_path, fills, problem):
    from assistant.dialogue.scripts import load_file
    from assistant.errors import AssistantError

    path = tmp_path / "mine.toml"
    path.write_text(f'[[steps]]\nid = "r"\ntype = "reflect"\ntext = "Tell me."\nfills = {fills}\n')
    with pytest.raises(AssistantError) as caught:
        load_file(path)
    assert problem in caught.value.message


def test_help_during_the_reflection_says_the_reflections_own_help():
    s = session()
    s.start()
    out = s.hear("help")
    step = next(st for st in load_script("debrief").steps if st.type == "reflect")
    assert step.help and step.help in said(out)
    assert asked(out).kind == "reflection"  # and it is still listening for the reflection
