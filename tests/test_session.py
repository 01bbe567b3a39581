"""The dialogue state machine, driven by scripted transcripts: no audio, no storage."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from assistant.dialogue.scripts import list_scripts, load_script
from assistant.dialogue.session import Breathe, Session, Wait, words
from assistant.events import Listen, Say, SessionEvent, Transcript

CLOCK = lambda: 1_700_000_000.0  # noqa: E731
TODAY = lambda: dt.date(2024, 5, 8)  # noqa: E731  a Wednesday


def make(name="debrief", **options):
    """The question-by-question flow (``guided``): the reflection flow has its own tests (test_reflect.py)."""
    options.setdefault("guided", True)
    return Session(load_script(name), "s1", clock=CLOCK, today=TODAY, **options)


def run(session, answers):
    """Start (unless started) and feed each answer; return every output in order."""
    out = [] if session.position or session.answers else session.start()
    for answer in answers:
        out += session.silence() if answer is None else session.hear(answer)
    return out


def events(outputs, kind=None):
    return [o for o in outputs if isinstance(o, SessionEvent) and (kind is None or o.type == kind)]


def said(outputs):
    return [o.text for o in outputs if isinstance(o, Say)]


def listens(outputs):
    return [o for o in outputs if isinstance(o, Listen)]


def answers(outputs):
    return {e.field: e.value for e in events(outputs, "answer")}


DISCLOSURE_QUESTION = (
    "How personal was what you shared? Zero is small talk. Ten is the most personal thing you could say."
)

DEBRIEF_CALM = [
    "I told my friend I was lonely",
    "six", "yes",
    "no", "about fifteen minutes",
    "about a four", "yes",
    "five or six", "yes",
    "three", "yes",
    "about ten minutes",
    "scared and a bit relieved",
    "tight chest",
    "saying the first sentence",
    "looking her in the eye",
    "she smiled",
    "people are kinder than I expect",
    "text my brother",
]


def test_whole_debrief():
    out = run(make(), DEBRIEF_CALM)
    assert events(out)[0].type == "started"
    assert events(out)[-1].type == "finished"
    got = [(e.field, e.value) for e in events(out, "answer")]
    assert got == [
        ("what_happened", "I told my friend I was lonely"),
        ("disclosure_level", 6),
        ("new_topic", False),
        ("conversation_minutes", 15),
        ("anxiety_before", 4),
        ("anxiety_peak", 6),
        ("anxiety_after", 3),
        ("anxiety_duration", 10),
        ("emotions", ["scared", "relieved"]),
        ("body_sensations", "tight chest"),
        ("felt_easy", "saying the first sentence"),
        ("stayed_hard", "looking her in the eye"),
        ("helped_most", "she smiled"),
        ("learned", "people are kinder than I expect"),
        ("next_step", "text my brother"),
    ]
    first = events(out, "answer")[1]
    assert (first.session_id, first.script, first.step_id, first.kind, first.text, first.at) == (
        "s1", "debrief", "disclosure", "rating", "six", CLOCK())
    assert events(out, "answer")[8].detail["families"] == ["fear", "joy"]
    assert "Your next step: text your brother." in said(out)  # turned towards the person, as the summary does
    assert "Before, you were at 4. At the peak, 6. Now, 3. Notice how the feeling moved." in said(out)
    assert not any(isinstance(o, Breathe) for o in out)


def test_branch_taken_when_peak_is_high():
    session = make()
    out = run(session, DEBRIEF_CALM[:7] + ["nine", "yes", "four", "yes", "yes please"])
    assert answers(out)["wants_break"] is True
    breathe = [o for o in out if isinstance(o, Breathe)]
    assert breathe == [Breathe("sigh", "breathing")]
    assert listens(out)[-1].field == "anxiety_duration"  # then the script carries on


def test_branch_offered_but_declined():
    out = run(make(), DEBRIEF_CALM[:7] + ["9", "yes", "4", "yes", "no thanks"])
    assert answers(out)["wants_break"] is False
    assert not any(isinstance(o, Breathe) for o in out)


def test_branch_on_anxiety_after():
    out = run(make(), DEBRIEF_CALM[:7] + ["5", "yes", "8", "yes"])
    assert listens(out)[-1].field == "wants_break"


def test_branch_not_taken_when_peak_is_low():
    out = run(make(), DEBRIEF_CALM[:7] + ["four", "yes", "two", "yes"])
    assert "wants_break" not in [listen.field for listen in listens(out)]
    assert listens(out)[-1].field == "anxiety_duration"


def test_every_ask_says_the_question_then_listens():
    out = make().start()
    assert isinstance(out[-2], Say) and out[-2].text == "What did you do, and who was it with?"
    assert out[-1] == Listen("what_happened", "text", None, "what_happened")


def test_rating_listen_has_a_grammar():
    out = run(make(), ["I went to a party"])
    listen = listens(out)[-1]
    assert listen.kind == "rating" and "seven" in listen.grammar and "skip" in listen.grammar


# --- commands --------------------------------------------------------------------------------------


def test_repeat_says_the_question_again():
    session = make()
    session.start()
    out = session.hear("say that again")
    assert said(out) == ["What did you do, and who was it with?"]
    assert not events(out)


def test_skip_emits_skipped_and_moves_on():
    session = make()
    session.start()
    out = session.hear("skip")
    assert [(e.type, e.field) for e in events(out)] == [("skipped", "what_happened")]
    assert listens(out)[-1].field == "disclosure_level"
    assert "what_happened" not in session.answers


def test_an_answer_that_mentions_skipping_is_not_a_skip():
    session = make()
    session.start()
    out = session.hear("I skipped lunch and then called my mum")
    assert answers(out) == {"what_happened": "I skipped lunch and then called my mum"}


def test_go_back_replaces_an_answer():
    session = make(confirm="never")
    out = run(session, ["I called my dad", "seven", "go back"])
    assert said(out)[-2:] == [words("went_back"), DISCLOSURE_QUESTION]
    out = session.hear("five")
    assert answers(out) == {"disclosure_level": 5}
    assert session.answers["disclosure_level"] == 5
    assert listens(out)[-1].field == "new_topic"


def test_go_back_twice_and_at_the_first_question():
    session = make(confirm="never")
    run(session, ["I called my dad", "seven"])
    session.hear("back")
    out = session.hear("back")
    assert listens(out)[-1].field == "what_happened"
    out = session.hear("back")
    assert words("no_earlier_question") in said(out)
    assert listens(out)[-1].field == "what_happened"


def test_pause_then_resume():
    session = make()
    session.start()
    out = session.hear("pause")
    assert [e.type for e in events(out)] == ["paused"]
    assert listens(out)[-1].kind == "command"
    out = session.hear("I told him everything")  # ignored while paused
    assert not events(out) and said(out) == [words("still_paused")]
    assert session.silence() == [listens(out)[-1]]
    out = session.hear("continue")
    assert [e.type for e in events(out)] == ["resumed"]
    assert said(out)[-1] == "What did you do, and who was it with?"
    out = session.hear("I told him everything")
    assert answers(out) == {"what_happened": "I told him everything"}


def test_stop_while_paused():
    session = make()
    session.start()
    session.hear("pause")
    out = session.hear("stop")
    assert events(out)[-1].type == "stopped" and session.done


def test_stop_keeps_what_was_given():
    session = make(confirm="never")
    out = run(session, ["I called my dad", "seven", "stop"])
    assert [e.type for e in events(out)] == ["started", "answer", "answer", "stopped"]
    assert events(out)[-1].detail == {"position": session.position}
    assert session.script.steps[session.position].field == "new_topic"
    assert session.done and session.hear("hello") == [] and session.silence() == []


def test_help_uses_the_step_help_then_asks_again():
    session = make()
    session.start()
    out = session.hear("help")
    assert said(out) == [
        "Just the outline is fine. For example: I told my sister that I missed her.",
        "What did you do, and who was it with?",
    ]


def test_generic_help_when_the_step_has_none():
    session = make("grounding")
    session.start()
    assert said(session.hear("what can I say"))[0] == words("help")


def test_slower_and_faster_change_the_speech_rate():
    session = make()
    session.start()
    out = session.hear("slower")
    assert events(out)[0].type == "setting" and events(out)[0].detail == {"rate_delta": -20}
    assert all(s.rate_delta == -20 for s in out if isinstance(s, Say))
    assert session.rate_delta == -20
    session.hear("faster")
    session.hear("faster")
    assert session.rate_delta == 20
    for _ in range(20):
        session.hear("faster")
    assert session.rate_delta == 100  # capped


# --- re-asks, skip offer, silence ------------------------------------------------------------------


def test_unclear_rating_is_asked_again_with_a_hint_then_skip_is_offered():
    session = make()
    run(session, ["I went to a party"])
    first = session.hear("pretty bad")
    assert said(first)[0] == words("retry_rating")
    second = session.hear("eleven")
    assert said(second)[0] == words("retry_out_of_range")
    third = session.hear("I really don't know")
    assert said(third) == [words("skip_offer")]
    assert listens(third)[-1].kind == "yesno"
    out = session.hear("yes")
    assert [(e.type, e.field) for e in events(out)] == [("skipped", "disclosure_level")]


def test_declining_the_skip_offer_past_three_reasks_leaves_the_question_kindly():
    session = make()
    run(session, ["I went to a party", "hmm", "hmm", "hmm"])
    out = session.hear("no")
    assert said(out)[0] == words("leave_it")
    assert [(e.type, e.field) for e in events(out)] == [("skipped", "disclosure_level")]


def test_answering_the_skip_offer_with_an_answer():
    session = make(confirm="never")
    run(session, ["I went to a party", "hmm", "hmm", "hmm"])
    out = session.hear("a five")
    assert answers(out) == {"disclosure_level": 5}


def test_silence_reasks_gently_then_offers_to_skip():
    session = make()
    session.start()
    out = session.silence()
    assert said(out) == [words("take_your_time"), "What did you do, and who was it with?"]
    out = session.silence()
    assert said(out) == [words("skip_offer")]
    out = session.silence()
    assert events(out)[0].type == "skipped"


def test_silence_on_an_optional_question_skips_it():
    session = make("grounding")
    out = run(session, ["a lamp", "the desk", "birds", None, None])
    assert [(e.type, e.field) for e in events(out)][-1] == ("skipped", "smell")


def test_empty_transcript_counts_as_silence():
    session = make()
    session.start()
    assert said(session.hear(Transcript("  ", True)))[0] == words("take_your_time")


# --- confirmation ----------------------------------------------------------------------------------


def test_rating_is_confirmed_before_it_is_stored():
    session = make()
    run(session, ["I went to a party"])
    out = session.hear("seven")
    assert said(out) == ["I heard 7. Is that right?"]
    assert not events(out, "answer") and "disclosure_level" not in session.answers
    out = session.hear("yes")
    assert answers(out) == {"disclosure_level": 7}


def test_no_at_confirmation_asks_again():
    session = make()
    run(session, ["I went to a party", "seven"])
    out = session.hear("no")
    assert said(out)[0] == words("ask_again") and not events(out)
    out = run(session, ["six", "yes"])
    assert answers(out) == {"disclosure_level": 6}


def test_correction_at_confirmation():
    session = make()
    run(session, ["I went to a party", "seven"])
    out = session.hear("no, it was a six")
    assert said(out) == ["I heard 6. Is that right?"]
    assert answers(session.hear("yes")) == {"disclosure_level": 6}


def test_confirm_always_reads_back_text():
    session = make(confirm="always")
    session.start()
    out = session.hear("I called my dad")
    assert said(out) == ["I heard: I called my dad. Is that right?"]
    assert answers(session.hear("yes")) == {"what_happened": "I called my dad"}


def test_confirm_never_stores_at_once():
    session = make(confirm="never")
    out = run(session, ["I called my dad", "seven"])
    assert answers(out) == {"what_happened": "I called my dad", "disclosure_level": 7}


def test_the_transcript_of_the_answer_is_kept_through_confirmation():
    session = make()
    run(session, ["I went to a party"])
    heard = Transcript("seven", True, engine="vosk", model="small-en")
    session.hear(heard)
    event = events(session.hear("yes"), "answer")[0]
    assert event.transcript is heard and event.text == "seven"


def test_unknown_confirm_mode():
    with pytest.raises(ValueError):
        make(confirm="sometimes")


# --- resume ----------------------------------------------------------------------------------------


def test_resume_from_position_with_earlier_answers():
    script = load_script("debrief")
    earlier = {"what_happened": "party", "disclosure_level": 6, "anxiety_before": 4, "anxiety_peak": 9,
               "anxiety_after": 5}
    session = Session(script, "s1", answers=earlier, position=script.index_of("break_offer"), clock=CLOCK,
                      confirm="never")
    out = session.start()
    assert events(out)[0].type == "resumed" and events(out)[0].detail == {"position": script.index_of("break_offer")}
    assert said(out)[0] == words("resumed")
    assert listens(out)[-1].field == "wants_break"  # the branch uses the earlier answers
    out = session.hear("no")
    assert "Before, you were at 4. At the peak, 9. Now, 5. Notice how the feeling moved." in said(out)
    out = session.hear("go back")
    assert listens(out)[-1].field == "wants_break"
    out = session.hear("go back")  # no history after a resume: the last answered question
    assert listens(out)[-1].field == "anxiety_after"


def test_resume_after_stop_continues_at_the_unanswered_question():
    first = make(confirm="never")
    run(first, ["I called my dad", "stop"])
    second = make(confirm="never", answers=first.answers, position=first.position)
    out = second.start()
    assert listens(out)[-1].field == "disclosure_level"


# --- safety and the coach --------------------------------------------------------------------------


@pytest.mark.parametrize("moment", ["question", "confirmation", "paused"])
def test_crisis_stops_and_flags(moment):
    session = make()
    run(session, ["I went to a party"])
    if moment == "confirmation":
        session.hear("seven")
    if moment == "paused":
        session.hear("pause")
    out = session.hear("honestly I don't want to be here anymore")
    assert [e.type for e in events(out)] == ["flagged", "stopped"]
    assert events(out)[0].detail == {"reason": "crisis", "family": "wish_dead"}
    assert "988" in said(out)[0] and "local emergency number" in said(out)[0]
    assert session.done and "disclosure_level" not in session.answers


def test_crisis_resources_are_configurable():
    session = make(crisis_resources="Call Samaritans on 116 123.")
    session.start()
    out = session.hear("I want to kill myself")
    assert "Call Samaritans on 116 123." in said(out)[0] and "988" not in said(out)[0]


def test_crisis_is_checked_before_commands():
    session = make()
    session.start()
    assert events(session.hear("stop, I want to end it all"))[0].type == "flagged"


def test_an_idiom_does_not_stop_the_session():
    session = make()
    session.start()
    out = session.hear("that joke killed me, we laughed a lot")
    assert [e.type for e in events(out)] == ["answer"]
    assert not session.done


def test_coach_offers_a_reframe_once():
    session = make(confirm="never")
    out = run(session, ["you never listen"])
    event = events(out, "answer")[0]
    assert event.detail["coach"]["pattern"] == "you_never"
    suggestion = event.detail["coach"]["suggestion"]
    assert said(out)[-2] == suggestion  # spoken after the answer, before the next question
    assert "When it feels like you don't listen, I feel" in suggestion and "Would you be willing" in suggestion


def test_coach_only_where_the_script_asks_and_once_per_pattern():
    session = make("rehearse")  # intention and invitation are marked coach = true
    out = run(session, ["whatever", "whatever"])
    coached = [e for e in events(out, "answer") if "coach" in e.detail]
    assert [e.field for e in coached] == ["intention"]


def test_no_relationship_reframes_for_grounding_answers():
    out = run(make("grounding"), ["whatever", "you never listen", "I'm fine", "whatever", "whatever"])
    assert not [e for e in events(out, "answer") if "coach" in e.detail]


# --- every shipped script --------------------------------------------------------------------------

PLAUSIBLE = {
    "text": "I told her how I felt",
    "rating": "five",
    "yesno": "no",
    "choice": "the first one",
    "duration": "about ten minutes",
    "emotions": "nervous but hopeful",
    "date": "on friday",
}


@pytest.mark.parametrize("name", [s.name for s in list_scripts()])
def test_every_shipped_script_runs_to_completion(name):
    session = make(name)
    out = session.start()
    for _ in range(100):
        if session.done:
            break
        listen = listens(out)[-1]
        confirming = listen.kind == "yesno" and listen.field != "wants_break" and "Is that right" in said(out)[-1]
        out = session.hear("yes" if confirming else PLAUSIBLE[listen.kind])
    assert session.done
    assert events(out)[-1].type == "finished"
    asked = {s.field for s in session.script.steps if s.type == "ask" and s.when is None}
    assert asked <= set(session.answers)


def test_repair_stores_an_iso_follow_up_date():
    session = make("repair")
    out = run(session, ["I forgot her birthday", "she felt unimportant", "guilty", "to ask sooner",
                        "call and apologise", "in three days"])
    assert said(out)[-1] == "I heard Saturday, May 11. Is that right?"  # dates are read back: the weekday helps
    out = session.hear("yes")
    assert answers(out)["follow_up"] == "2024-05-11"
    assert "So, on Saturday, May 11, you'll follow up. Your step: call and apologise." in said(out)


def test_compassion_reads_the_kind_sentence_back_and_pauses():
    out = run(make("compassion"), ["that they'll leave", "It's okay to be scared"])
    assert "You said: It's okay to be scared. Let those words land for a moment." in said(out)
    assert [o.seconds for o in out if isinstance(o, Wait)] == [5.0, 4.0]


def test_rehearse_rounds_repeat_until_no():
    session = make("rehearse")
    out = run(session, ["that she knows I care", "only one story", "I've missed you", "pineapple",
                        "I've missed you", "yes", "I've really missed you", "yes", "I miss you", "no"])
    lines = [e for e in events(out, "answer") if e.field == "rehearsal_line"]
    assert [e.value for e in lines] == ["I've missed you", "I've really missed you", "I miss you"]
    assert [e.detail.get("round", 1) for e in lines] == [1, 2, 3]
    assert [s for s in said(out) if s.startswith("Let's practise.")] == [
        "Let's practise. Round 1.", "Let's practise. Round 2.", "Let's practise. Round 3."]
    assert session.done


def test_rehearse_rounds_stop_at_the_limit():
    session = make("rehearse")
    run(session, ["a", "b", "c", "d"] + ["my line", "yes"] * 5)
    assert session.done


def test_checkin_branch_on_choice():
    out = run(make("checkin"), ["anxious", "six", "yes", "something else", "call my friend"])
    assert answers(out)["small_action"] == "something else"
    assert answers(out)["own_action"] == "call my friend"


# --- no heavy imports ------------------------------------------------------------------------------


def test_import_session_imports_no_heavy_module():
    """The state machine and its helpers load no audio, speech or SQLite library, and none of our
    packages that would (audio, speech, journal)."""
    code = (
        "import sys, assistant.dialogue.session, assistant.dialogue.scripts, assistant.dialogue.parse,"
        " assistant.dialogue.coach, assistant.dialogue.pipeline\n"
        "heavy = {'vosk', 'sounddevice', 'pyttsx3', 'sqlite_utils', 'sqlite3', 'numpy', 'faster_whisper', 'soxr',"
        " 'ctranslate2', 'piper', 'onnxruntime'}\n"
        "ours = {'assistant.audio', 'assistant.speech', 'assistant.journal'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}),"
        " sorted(m for m in sys.modules if '.'.join(m.split('.')[:2]) in ours))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[] []"


def test_interrupt_stops_quietly_with_the_position():
    session = make(confirm="never")
    run(session, ["I called my dad"])
    out = session.interrupt()
    assert out == [events(out)[0]] and out[0].type == "stopped"
    assert out[0].detail == {"reason": "interrupted", "position": session.position}
    assert session.done and session.interrupt() == []
