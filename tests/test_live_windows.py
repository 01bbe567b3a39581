"""An open answer heard live in windows (``WhisperRecognizer`` with ``windowed``), with a fake decoder: the voice
is tone bursts (the energy detector hears them), each burst one word (``fakes.BurstDecoder``). What is checked
is where the recogniser cuts, what each decode is given and what comes out when; the real engine on real
speech is in tests/test_live_story.py."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio.formats import chunk_bytes
from assistant.speech.stt.endpoint import EndpointConfig, listen
from assistant.speech.stt.vad import EnergyVad
from assistant.speech.stt.whisper_engine import LIVE_WINDOW_S, WhisperRecognizer
from fakes import BurstDecoder, InlineExecutor


def voice(seconds: float) -> bytes:
    t = np.arange(int(16000 * seconds)) / 16000
    return (0.3 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2").tobytes()


def quiet(seconds: float) -> bytes:
    return b"\x00\x00" * int(16000 * seconds)


def hear(pcm: bytes, decoder: BurstDecoder, windowed: bool = True) -> list:
    rec = WhisperRecognizer(decoder, None, partials=False, vad=EnergyVad(), windowed=windowed,  # type: ignore[arg-type]
                            executor=InlineExecutor())
    return [r for chunk in chunk_bytes(pcm, seconds=0.05) for r in rec.accept(chunk.audio)] + rec.finish()


def said(results, final: bool) -> list[str]:
    return [r.text for r in results if r.final == final]


@pytest.mark.parametrize("windowed,partials,finals", [
    # an open answer: the pause gives the words so far as a partial; the answer is one final, decoded whole
    (True, ["It went", "It went well"], ["It went well"]),
    # a voice command (breathing's "stop"): every 0.3 s pause ends an utterance with a final of its own
    (False, [], ["It went", "It went"]),
])
def test_a_pause_in_an_open_answer_is_a_checkpoint_not_an_end(windowed, partials, finals):
    decoder = BurstDecoder({1: "It went", 2: "It went well"})
    results = hear(quiet(0.5) + voice(1.0) + quiet(0.6) + voice(1.0) + quiet(1.0), decoder, windowed)
    assert (said(results, False), said(results, True)) == (partials, finals)
    if windowed:  # the pause's decode is the final's: nothing is decoded again at the end
        assert len(decoder.decoded) == 2
        (final,) = [r for r in results if r.final]
        assert [round(w.start, 1) for w in final.words] == [0.5, 2.1]  # stream time, across the pause


def test_a_long_answer_is_committed_in_windows_with_the_earlier_text_as_prompt():
    """Bursts of 2 s with half-second pauses: the window is committed at the first pause past LIVE_WINDOW_S, and
    the next window is decoded with the committed text as whisper's initial prompt."""
    pcm = quiet(0.5) + (voice(2.0) + quiet(0.5)) * 5 + quiet(1.0)
    decoder = BurstDecoder({4: "one two three four", 1: "five"})
    results = hear(pcm, decoder)
    assert said(results, True) == ["one two three four", "five"]
    first_window = [d for d in decoder.decoded if d[2] == ""]
    assert all(size / 32000 < LIVE_WINDOW_S + 2.5 for size, _offset, _prompt in first_window)
    assert decoder.decoded[-1][2] == "one two three four"  # the second window's prompt
    assert 10.5 - 0.3 <= decoder.decoded[-1][1] < 10.5  # it starts at its voice, with what preroll there is
    assert results[-1].words[0].start == pytest.approx(10.5, abs=0.05)


@pytest.mark.parametrize("heard,config,reason,text,ends_within_s", [
    # "I'm done" heard at the pause after it ends the answer there, not after the patience
    ({1: "It went well.", 2: "It went well. I'm done."}, {"end_silence_s": 5.0}, "phrase", "It went well", 1.0),
    # a plain yes to a summary ends like a closed answer, half a second after the voice
    ({1: "It went well.", 2: "Yes."}, {"complete": lambda text: text.strip(". ").lower() == "yes",
                                        "complete_silence_s": 0.5}, "complete", "Yes.", 0.7),
    # no closing phrase: the patience ends it, with the whole answer
    ({1: "It went", 2: "It went well."}, {"end_silence_s": 1.8}, "silence", "It went well.", 2.0),
])
def test_the_endpoint_reads_the_partials_of_an_open_answer(heard, config, reason, text, ends_within_s):
    decoder = BurstDecoder(heard)
    rec = WhisperRecognizer(decoder, None, partials=False, vad=EnergyVad(), windowed=True,  # type: ignore[arg-type]
                            executor=InlineExecutor())
    pcm = quiet(0.5) + voice(1.0) + quiet(0.6) + voice(1.0) + quiet(6.0)
    answer = listen((c.audio for c in chunk_bytes(pcm, seconds=0.05)), rec, EndpointConfig(**config),
                    vad=EnergyVad())
    assert (answer.reason, answer.text) == (reason, text)
    voice_end_s = 0.5 + 1.0 + 0.6 + 1.0
    assert voice_end_s < answer.audio_s <= voice_end_s + ends_within_s


def test_what_is_heard_does_not_depend_on_how_fast_decoding_is():
    """Decoded in the background at 0.6 s a decode, a story with many short pauses (each starts a decode that
    the next word makes stale) and two windows: the same partials and finals, at the same points of the stream,
    as decoded at once; and no queue of one decode per pause (one that has not started when voice comes back is
    dropped), so the stream is not held up behind stale decodes."""
    word, breath, pause = voice(0.3), quiet(0.15), quiet(0.5)
    pcm = quiet(0.5) + ((word + breath) * 4 + word + pause) * 4 + quiet(1.0)

    def heard(decoder, executor=None) -> list[tuple[int, str, bool]]:
        rec = WhisperRecognizer(decoder, None, partials=False, vad=EnergyVad(), windowed=True,  # type: ignore[arg-type]
                                executor=executor)
        out = [(n, r.text, r.final) for n, chunk in enumerate(chunk_bytes(pcm, seconds=0.05))
               for r in rec.accept(chunk.audio)]
        return out + [(-1, r.text, r.final) for r in rec.finish()]

    slow = BurstDecoder(seconds=0.6)
    at_once = heard(BurstDecoder(), InlineExecutor())
    assert heard(slow) == at_once
    assert [text for _at, text, final in at_once if final] == ["15 bursts", "5 bursts"]
    assert len(slow.decoded) <= 8, slow.decoded  # 4 long pauses; 16 short ones, of which few had started
