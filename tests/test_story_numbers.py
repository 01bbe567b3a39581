"""Numbers inside a told story: where the free transcript may hold one the recogniser wrote as another word
(``dialogue.extract.slots``), how the ear's scores become a number or none (``forced.decide_slot``), and how a
number it is sure of reaches the text the rules read (``practice.hearing.story_numbers``). Pure logic and a
scripted engine; the real recogniser on spoken stories is in ``test_story_heard.py``."""

from __future__ import annotations

import pytest

from assistant.dialogue import extract
from assistant.dialogue.extract.slots import candidates, filled, story_slots
from assistant.practice.hearing import Ear, listen_for, rewritten
from assistant.speech.stt.forced import Tuning, decide_slot
from fakes import StoryEngine


def _slots(text: str) -> list[tuple[str, tuple[str, ...]]]:
    words = text.split()
    return [(slot.kind, tuple(words[i] for i in slot.positions)) for slot in story_slots(words)]


@pytest.mark.parametrize("heard, want", [
    # a word right before a scale or a unit of time
    ("Before I sent it I want to seek out of ten.", [("rating", ("seek",))]),
    ("before I sent it I will never seek out in ten", [("rating", ("seek",))]),
    ("We talked for tan minutes.", [("duration", ("tan",))]),
    # the last word of a sentence after a lead word
    ("The worst was when she called back, maybe a night.", [("rating", ("night.",))]),
    ("Afterwards I was around the phone.", [("rating", ("phone.",))]),
    # a word whisper writes for a number, wherever it stands
    ("I'm in, I won't have a free. I felt proud.", [("rating", ("free.",))]),
    # one sentence per slot, its own kind each
    ("Going in I'd say a dying. We spoke for tan minutes.", [("rating", ("dying.",)), ("duration", ("tan",))]),
    # a number already written is no slot; neither is a word that never holds one, nor an ordinary ending
    ("Before I sent it I was at a 6 out of 10.", []),
    ("It was a seven out of ten.", []),
    ("I felt relieved. Next time I want to call her first.", []),
    ("I out of ten.", []),
    ("", []),
])
def test_slots_are_found_where_a_number_may_have_been_said(heard, want):
    assert _slots(heard) == want


def test_a_slot_is_scored_with_every_number_in_each_of_its_places():
    words = "I want to seek out of ten.".split()
    (slot,) = story_slots(words)
    options = candidates(words, slot)
    assert [value for _text, value, _at in options] == list(range(11))
    assert options[6][0] == "I want to 6 out of ten."
    (duration,) = story_slots("We talked for tan minutes.".split())
    assert 20 in duration.values and 0 not in duration.values
    assert filled(["maybe", "a", "night."], {2: 8}) == ["maybe", "a", "8."]


TUNING = Tuning()


@pytest.mark.parametrize("scores, heard, want", [
    # the audio likes 6 far better than any other number, and nearly as well as the words as written
    ({6: -13.7, 8: -14.7 - 5, 9: -17.3}, -11.7, 6),
    # two numbers close together: not sure
    ({6: -13.7, 8: -14.2}, -11.7, None),
    # the words as written are far likelier than any number: no number was said there
    ({1: -9.5, 5: -10.8}, -2.3, None),
    # one number, better than the words themselves
    ({3: -12.2, 5: -20.6}, -13.9, 3),
])
def test_a_slot_takes_a_number_only_when_the_audio_is_sure_of_it(scores, heard, want):
    values = list(scores)
    got = decide_slot(values, [scores[v] for v in values], heard, TUNING)
    assert (values[got.chosen] if got.chosen is not None else None) == want
    assert 0.0 <= got.confidence <= 1.0


def test_a_value_is_pooled_over_the_places_it_may_stand():
    """Each place alone is unsure between 4 and 5; 4 in both places together is sure."""
    values, scores = [4, 5, 4, 5], [-10.0, -12.0, -10.0, -12.0]
    got = decide_slot(values, scores, -8.0, TUNING)
    assert got.chosen is not None and values[got.chosen] == 4


def test_rewriting_keeps_everything_but_the_slot():
    text = "The worst was when she called back, maybe a night. We talked."
    words = text.split()
    assert rewritten(text, words, {words.index("night."): 8}) == \
        "The worst was when she called back, maybe a 8. We talked."
    assert rewritten(text, words, {}) == text


STORY = "Before I sent it I want to seek out of ten. The worst was maybe a night. Afterwards I was a three."


def _told(engine) -> str:
    return Ear().hear(engine, [bytes(3200)] * 10, listen_for("reflection"), recorded=True).text


def test_a_story_number_the_ear_is_sure_of_is_read_by_the_rules():
    engine = StoryEngine([STORY], heard_numbers=[6, 8])
    told = _told(engine)
    # each slot with up to four words either side of it, within its sentence
    assert [s.heard for s in engine.slots] == ["it I want to seek out of ten.", "worst was maybe a night."]
    assert engine.audio == [32000]  # the whole answer's audio, as fed to the recogniser
    assert engine.slots[0].start_s < engine.slots[0].end_s <= engine.slots[1].start_s
    values = extract.extract(told).values
    assert (values["anxiety_before"], values["anxiety_peak"], values["anxiety_after"]) == (6, 8, 3)


def test_a_slot_the_ear_is_unsure_of_stays_empty_and_is_asked():
    engine = StoryEngine([STORY], heard_numbers=[None, 8])
    values = extract.extract(_told(engine)).values
    assert "anxiety_before" not in values and values["anxiety_peak"] == 8


def test_only_a_told_story_is_scored():
    engine = StoryEngine(["maybe a night"], heard_numbers=[8])
    Ear().hear(engine, [bytes(3200)] * 5, listen_for("text"), recorded=True)
    assert engine.slots == []
    engine = StoryEngine([STORY], heard_numbers=[6, 8])
    Ear(story_numbers=False).hear(engine, [bytes(3200)] * 5, listen_for("reflection"), recorded=True)
    assert engine.slots == []
