"""Answer-level endpointing logic with a fake recognizer (fast, table-driven). The "voice" here is a tone, so
these tests hand the listener the energy detector; the trained one is tested on speech and noise in
tests/test_noisy_room.py."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.events import Transcript
from assistant.speech.stt.endpoint import EndpointConfig, listen, strip_done_phrase
from assistant.speech.stt.vad import EnergyVad

CHUNK_S = 0.1


def voice(seconds: float) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2").tobytes()


def quiet(seconds: float) -> bytes:
    return b"\x00\x00" * int(16000 * seconds)


class FakeRecognizer:
    """Emits a final with ``text`` when the voiced burst number ``n`` ends (fed by the test's plan)."""

    def __init__(self, finals_at: dict[int, str]):
        self.finals_at, self.chunk_index, self.finished = finals_at, 0, False

    def accept(self, pcm):
        self.chunk_index += 1
        text = self.finals_at.get(self.chunk_index)
        return [Transcript(text, True)] if text else []

    def finish(self):
        self.finished = True
        return []


def chunks(pcm: bytes):
    step = int(16000 * CHUNK_S) * 2
    return [pcm[i : i + step] for i in range(0, len(pcm), step)]


@pytest.mark.parametrize(
    "audio,finals_at,config,reason,text",
    [
        # a reflective 1.2 s pause does not end the answer; 1.8 s does
        (voice(1) + quiet(1.2) + voice(1) + quiet(3), {11: "first part", 33: "second part"}, {}, "silence",
         "first part second part"),
        (voice(1) + quiet(4), {11: "short answer"}, {}, "silence", "short answer"),
        (voice(1) + quiet(4), {11: "it went fine that's all"}, {"end_silence_s": 3.0}, "phrase", "it went fine"),
        (voice(1) + quiet(4), {11: "I'm done"}, {}, "phrase", ""),
        (voice(30), {50: "a very long answer"}, {"max_answer_s": 5.0}, "cap", "a very long answer"),
        (quiet(20), {}, {"no_speech_s": 5.0}, "no_speech", ""),
        (voice(1), {5: "cut off"}, {}, "end_of_input", "cut off"),
    ],
)
def test_answer_endpointing(audio, finals_at, config, reason, text):
    rec = FakeRecognizer(finals_at)
    answer = listen(chunks(audio), rec, EndpointConfig(**config), vad=EnergyVad())
    assert (answer.reason, answer.text) == (reason, text)
    assert rec.finished


def test_answer_ends_about_end_silence_after_speech():
    rec = FakeRecognizer({10: "hello"})
    answer = listen(chunks(voice(1) + quiet(10)), rec, EndpointConfig(end_silence_s=2.5), vad=EnergyVad())
    assert 3.4 <= answer.audio_s <= 3.7


@pytest.mark.parametrize(
    "text,expected,found",
    [
        ("I talked to Sam. That's all.", "I talked to Sam", True),
        ("that is all", "", True),
        ("I'm done", "", True),
        ("I’m DONE!", "", True),
        ("I'm done with the dishes and then we talked", "I'm done with the dishes and then we talked", False),
        ("it was all fine", "it was all fine", False),
    ],
)
def test_strip_done_phrase(text, expected, found):
    phrases = EndpointConfig().done_phrases
    assert strip_done_phrase(text, phrases) == (expected, found)
