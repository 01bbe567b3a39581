"""Numbers, clock times and dates said naturally; the caption keeps the written form."""

from __future__ import annotations

import pytest

from assistant.speech.tts.base import Audio, TtsInfo
from assistant.speech.tts.normalize import for_speech
from assistant.speech.tts.synthesizer import Synthesizer
from assistant.speech.tts.voice import Voice


@pytest.mark.parametrize("written, said", [
    ("I heard 7. Is that right?", "I heard seven. Is that right?"),
    ("I heard 0.", "I heard zero."),
    ("I heard 15 minutes.", "I heard fifteen minutes."),
    ("2 hours and 30 minutes", "two hours and thirty minutes"),
    ("22 or 23", "twenty-two or twenty-three"),
    ("meet at 7:10", "meet at ten past seven"),
    ("7:00", "seven o'clock"),
    ("7:15", "quarter past seven"),
    ("7:30", "half past seven"),
    ("7:45 am", "quarter to eight in the morning"),
    ("7:50", "ten to eight"),
    ("7:03", "seven oh three"),
    ("7:23", "seven twenty-three"),
    ("at 18:30", "at half past six in the evening"),
    ("6pm", "six o'clock in the evening"),
    ("2 p.m.", "two o'clock in the afternoon"),
    ("12:00", "noon"),
    ("0:00", "midnight"),
    ("I heard: Friday, December 10. Is that right?", "I heard: Friday the tenth of December. Is that right?"),
    ("2026-12-10", "Thursday the tenth of December"),
    ("on the 3rd of May", "on the third of May"),
    ("May 21", "the twenty-first of May"),
    ("in 2026", "in twenty twenty-six"),
    ("1905", "nineteen oh five"),
    ("2005", "two thousand and five"),
    ("call or text 988", "call or text nine eight eight"),
    ("score 2.5", "score two point five"),
    ("-3 degrees", "minus three degrees"),
    ("box 4-4-4-4", "box four-four-four-four"),
    ("no digits here, Friday.", "no digits here, Friday."),
])
def test_written_forms_are_said_naturally(written, said):
    assert for_speech(written) == said


def test_a_read_back_from_the_session_is_said_as_words():
    """The dialogue's read-backs (parse.spoken and [spoken]) reach the voice as digits and ISO-free dates."""
    from assistant.dialogue.parse import spoken

    assert for_speech(f"I heard {spoken('rating', 7)}.") == "I heard seven."
    assert for_speech(f"I heard {spoken('duration', 150)}.") == "I heard two hours and thirty minutes."
    assert for_speech(spoken("date", "2026-12-11")) == "Friday the eleventh of December"


class WordsEngine:
    """An engine that records what it was asked to say (pure logic: no audio)."""

    info = TtsInfo("words", "test", 16000)

    def __init__(self) -> None:
        self.said: list[str] = []

    def cache_key(self) -> list:
        return ["words"]

    def synthesize_stream(self, text: str):
        self.said.append(text)
        yield Audio(b"\0\0" * 1600, 16000)

    def synthesize(self, text: str) -> Audio:
        return next(self.synthesize_stream(text))

    def close(self) -> None:
        pass


class SilentSpeaker:
    first_audio_at = None

    def play(self, pcm, rate, *, blocking=True, more=None):
        list(more or ())
        return 0.1

    def open(self, rate):
        pass

    def close(self):
        pass


def test_caption_keeps_the_written_form_and_the_voice_says_words(tmp_path):
    captions: list[str] = []
    engine = WordsEngine()
    voice = Voice(synthesizer=Synthesizer(engine, cache_dir=tmp_path), speaker=SilentSpeaker(),
                  echo=lambda text, err=False: captions.append(text))
    voice.say("I heard 7. Is that right?")
    assert captions == ["assistant: I heard 7. Is that right?"]
    assert engine.said == ["I heard seven. Is that right?"]
    voice.say("I heard seven. Is that right?")  # the same words: the same cached audio
    assert len(engine.said) == 1
