"""The embedded English engine for real: espeak-ng speech → faster-whisper tiny.en → expected words."""

from __future__ import annotations

import re

import pytest

from assistant.audio.formats import chunk_bytes, load_for_recognition, silence
from assistant.speech.stt.base import transcribe_chunks
from assistant.speech.stt.endpoint import EndpointConfig, listen
from assistant.speech.stt.vad import ENERGY_FRAME_S, EnergyVad


def words_of(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def feed(engine, pcm: bytes, closed=None, seconds: float = 0.1, batch=True):
    rec = engine.recognizer(partials=False, batch=batch, closed=closed)
    out = []
    for chunk in chunk_bytes(pcm, seconds=seconds):
        out.extend(rec.accept(chunk.audio))
    out.extend(rec.finish())
    return out


@pytest.mark.parametrize(
    "spoken,expected",
    [
        ("I told my friend about the move and it went well", {"told", "friend", "move", "went"}),
        ("My chest felt tight before the call", {"chest", "tight", "before", "call"}),
        ("Next time I will ask her to have coffee with me", {"next", "time", "ask", "coffee"}),
    ],
)
def test_english_sentence(whisper_engine, speak, spoken, expected):
    finals = transcribe_chunks(whisper_engine, [load_for_recognition(speak(spoken))])
    text = " ".join(f.text for f in finals)
    assert expected <= words_of(text), text


def test_word_times_are_in_stream_time(whisper_engine, speak):
    pcm = silence(2.0) + load_for_recognition(speak("coffee with my sister", pad=0.2))
    finals = feed(whisper_engine, pcm)
    words = [w for f in finals for w in f.words]
    assert words, finals
    assert words[0].start >= 1.8  # the 2 s of leading silence is accounted for
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert words[-1].end <= len(pcm) / 32000 + 0.1
    assert all(0.0 <= w.conf <= 1.0 for w in words)


def test_two_utterances_become_two_finals_when_live(whisper_engine, speak):
    pcm = load_for_recognition(speak("the call was hard", pad=0.3)) + silence(1.0) + load_for_recognition(
        speak("but I stayed", pad=0.3))
    finals = feed(whisper_engine, pcm, batch=False)
    assert len(finals) == 2, [f.text for f in finals]
    assert "call" in words_of(finals[0].text) and "stayed" in words_of(finals[1].text)


def closed(kind: str, choices: tuple[str, ...] = ()):
    from assistant.dialogue import parse
    from assistant.practice.hearing import meaning
    from assistant.speech.stt.base import ClosedAnswer

    return ClosedAnswer(kind, parse.phrasings(kind, choices), meaning(kind, choices))


def test_lone_numbers_heard_as_ratings(whisper_engine, speak):
    """The hardest case: one short word ("five" alone comes out of a free decode as "Bye"). Scored
    against the rating's phrasings, every lone number 0-10 in the en-us voice is heard right."""
    heard = {}
    for value, word in enumerate(["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                  "ten"]):
        transcripts = feed(whisper_engine, load_for_recognition(speak(word)), closed=closed("rating"))
        finals = [f for f in transcripts if f.final]
        heard[word] = [(f.text, f.confidence) for f in finals]
        assert len(finals) == 1 and closed("rating").meaning(finals[0].text) == ("rating", value), heard
        assert 0.0 <= finals[0].confidence <= 1.0


@pytest.mark.parametrize(
    "spoken,kind,expected",
    [("six out of ten", "rating", 6), ("maybe a three", "rating", 3), ("yes", "yesno", True), ("no", "yesno", False),
     ("seven", "rating", 7), ("eight", "rating", 8)],
)
def test_closed_answers(whisper_engine, speak, spoken, kind, expected):
    pcm = load_for_recognition(speak(spoken))
    finals = feed(whisper_engine, pcm, closed=closed(kind))
    assert [closed(kind).meaning(f.text) for f in finals] == [(kind, expected)], finals
    words = finals[0].words  # in stream time: the clip has 0.8 s of silence first
    assert words and 0.4 <= words[0].start < words[-1].end <= len(pcm) / 32000


def test_a_closed_answer_that_is_no_answer_is_not_made_one(whisper_engine, speak):
    finals = feed(whisper_engine, load_for_recognition(speak("I don't know")), closed=closed("rating"))
    assert [closed("rating").meaning(f.text) for f in finals] == [None], finals


def test_free_speech_and_closed_answers_share_one_copy_of_the_weights(whisper_engine):
    """One copy, loaded once per process on one single-threaded worker per core (a second copy for free
    speech on two threads had cost ~80 MB of a voice session's RSS)."""
    from assistant.speech.stt.whisper_engine import WhisperEngine, engine_workers

    again = WhisperEngine(whisper_engine.path)
    assert again.model is whisper_engine.model is whisper_engine.forced.model
    assert whisper_engine.model.model.num_workers == whisper_engine.forced.workers == engine_workers()


def test_silence_gives_no_final(whisper_engine):
    assert feed(whisper_engine, silence(3.0)) == []


def test_answer_ends_after_trailing_silence(whisper_engine, speak):
    pcm = load_for_recognition(speak("I felt much better afterwards", pad=0.2)) + silence(5.0)
    answer = listen((c.audio for c in chunk_bytes(pcm, seconds=0.1)), whisper_engine.recognizer(),
                    EndpointConfig(end_silence_s=1.8))
    assert answer.reason == "silence"
    assert "afterwards" in words_of(answer.text)
    flags = [frame.voiced for frame in EnergyVad().frames(pcm)]
    speech_end_s = (max(i for i, voiced in enumerate(flags) if voiced) + 1) * ENERGY_FRAME_S
    assert speech_end_s + 1.7 <= answer.audio_s <= speech_end_s + 2.0  # ~1.8 s after the speech, not at the end


def test_answer_ends_at_done_phrase_and_drops_it(whisper_engine, speak):
    pcm = load_for_recognition(speak("I learned that I can ask for help. That's all.", pad=0.2)) + silence(1.0)
    answer = listen((c.audio for c in chunk_bytes(pcm, seconds=0.1)), whisper_engine.recognizer(),
                    EndpointConfig(end_silence_s=5.0))
    assert answer.reason == "phrase", answer
    assert "help" in words_of(answer.text)
    assert "all" not in words_of(answer.text)


class SlowDecoder:
    """Stands in for the whisper model in a logic test: each decode takes ``seconds`` and is counted."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.decoded = seconds, []

    def decode(self, pcm16: bytes, offset_s: float, words: bool = True):
        import time

        from assistant.events import Transcript

        time.sleep(self.seconds)
        self.decoded.append(len(pcm16))
        return Transcript(f"{len(pcm16)} bytes", True, engine="whisper")


def test_a_stale_speculative_decode_does_not_hold_up_the_answer():
    """Speech that pauses briefly, again and again (a long told reflection), starts a speculative decode in
    every pause. One that has not started by the time speech resumes is dropped: only the decode that was
    already running and the one of the whole utterance run, so the answer's final is not queued behind a
    decode per pause (which held a 35 s reflection's answer 6.4 s after the voice)."""
    import numpy as np

    from assistant.speech.stt.whisper_engine import WhisperRecognizer

    rate = 16000
    burst = (np.sin(np.arange(int(0.3 * rate)) * 2 * np.pi * 220 / rate) * 8000).astype("<i2").tobytes()
    pause = bytes(int(0.15 * rate) * 2)  # longer than the speculation delay, shorter than an utterance's end
    pcm = pause + (burst + pause) * 10 + bytes(int(0.5 * rate) * 2)
    engine = SlowDecoder(0.5)
    rec = WhisperRecognizer(engine, None, partials=False, vad=EnergyVad())  # tones: the energy detector
    finals = [r for chunk in chunk_bytes(pcm, seconds=0.05) for r in rec.accept(chunk.audio)] + rec.finish()
    assert len(finals) == 1
    assert finals[0].text == f"{engine.decoded[-1]} bytes"
    assert engine.decoded[-1] >= len(burst) * 10  # the whole utterance
    assert len(engine.decoded) <= 3, engine.decoded
