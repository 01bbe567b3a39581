"""Heard right in a real room: real people's recordings and noise, through the closed-answer path.

The real voices are the shared Free Spoken Digit recordings (``tests/room.py``; the tests fail without
them, they never skip). Noise is made at run time. Outcomes are what a session would do under
``confirm = auto``: store the value, read it back (confidence below ``confirm_below``), or ask again.
"""

from __future__ import annotations

import numpy as np
import pytest

import room
from assistant.audio.formats import write_wav
from assistant.practice.hearing import Ear, closed_answer, hear_file
from assistant.text import data_file

SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")


@pytest.fixture(scope="session")
def room_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("room")


@pytest.fixture(scope="session")
def real_sample():
    """Five clips per speaker, every digit three times over the six speakers, a different take each."""
    clips = {(c.speaker, c.digit, c.take): c for c in room.real_digits()}
    return [clips[speaker, (5 * index + k) % 10, (index + k) % 5]
            for index, speaker in enumerate(SPEAKERS) for k in range(5)]


@pytest.fixture(scope="session")
def babble(room_dir):
    return room.babble(40.0, room_dir / "noise", seed=3)


def heard(engine, pcm: bytes, folder, name: str = "answer.wav") -> dict:
    path = folder / name
    write_wav(path, pcm)
    return hear_file(engine, str(path), "rating", ear=Ear())


def stored(result: dict) -> int | None:
    """The rating a session under ``confirm = auto`` would store without reading it back, else None."""
    value = result["value"]
    if result["problem"] or not isinstance(value, int) or result["confidence"] is None:
        return None
    return value if result["confidence"] >= data_file("session.toml")["settings"]["confirm_below"] else None


def test_real_voices_are_heard_as_ratings(whisper_engine, real_sample, tmp_path):
    """Clean real voices with silence around them, as a session hears them: most right, none stored wrong
    (a wrong value may only be read back, never stored)."""
    results = [(clip, heard(whisper_engine, room.pad(room.load_16k(clip.path), 0.5, 0.5), tmp_path))
               for clip in real_sample]
    right = [clip.path.name for clip, result in results if result["value"] == clip.digit]
    wrong = [(clip.path.name, result["text"], result["confidence"]) for clip, result in results
             if stored(result) not in (None, clip.digit)]
    assert not wrong, wrong
    assert len(right) >= 0.8 * len(results), (len(right), len(results))
    assert {clip.speaker for clip, result in results if result["value"] == clip.digit} == set(SPEAKERS)


def quiet_edges_s(pcm: bytes, quiet_db: float) -> tuple[float, float]:
    """Seconds before the first and after the last 10 ms of ``pcm`` within ``quiet_db`` of its loudest."""
    samples = np.frombuffer(pcm, "<i2").astype(np.float64)
    step = room.RATE // 100
    power = np.mean(samples[: len(samples) - len(samples) % step].reshape(-1, step) ** 2, axis=1)
    loud = np.flatnonzero(power > power.max() * 10 ** (-quiet_db / 10))
    return loud[0] * step / room.RATE, (len(power) - 1 - loud[-1]) * step / room.RATE


def test_a_trimmed_clip_is_heard_like_a_live_one(whisper_engine, real_sample, tmp_path, monkeypatch):
    """A file cut close to the voice (``transcribe --as``) reaches the decoder with the same quiet before and
    after the voice as a live utterance cut out of a quiet room, and is never heard as another value."""
    from assistant.speech.stt import edges as quiet

    scorer = whisper_engine.forced
    encoded: list[bytes] = []
    first_encode = scorer.encode

    def spy(*pcm16):
        encoded.append(pcm16[0])
        return first_encode(*pcm16)

    monkeypatch.setattr(scorer, "encode", spy)
    for clip in real_sample[::3]:
        pcm = room.load_16k(clip.path)
        edges, values = [], []
        for audio in (pcm, room.pad(pcm, 1.0, 1.0)):
            encoded.clear()
            values.append(heard(whisper_engine, audio, tmp_path)["value"])
            edges.append(quiet_edges_s(encoded[0], quiet.EDGE_QUIET_DB))
        assert all(lead >= quiet.EDGE_S - 0.01 and tail >= quiet.EDGE_S - 0.01 for lead, tail in edges), edges
        assert None in values or values[0] == values[1], (clip.path.name, values)


@pytest.mark.parametrize("kind, seconds", [(kind, seconds) for seconds in (1.0, 2.5, 6.0)
                                           for kind in ("brown", "pink", "white", "babble")])
def test_noise_is_never_an_answer(whisper_engine, room_dir, tmp_path, kind, seconds):
    """Nobody said anything: a fan, hiss, or other people talking is asked again, never a value."""
    noise = room.noise(kind, 40.0, room_dir / "noise", seed=5)
    start = int(seconds * 7919) % 30 * room.RATE * 2
    result = heard(whisper_engine, noise[start : start + int(seconds * room.RATE) * 2], tmp_path)
    assert result["value"] is None or isinstance(result["value"], dict), result


def test_a_real_voice_under_babble_is_never_stored_wrong(whisper_engine, real_sample, babble, tmp_path):
    """A TV 5 dB below the voice: the answer is heard, read back or asked again, never stored wrong."""
    wrong = []
    for index, clip in enumerate(real_sample[::2]):
        pcm = room.mix(room.pad(room.load_16k(clip.path), 0.5, 0.5), babble, 5, offset_s=index * 2.3)
        result = heard(whisper_engine, pcm, tmp_path)
        if stored(result) not in (None, clip.digit):
            wrong.append((clip.path.name, result["text"], result["confidence"]))
    assert not wrong, wrong


@pytest.mark.parametrize("kind", ["brown", "babble"])
def test_an_answer_at_the_cap_made_of_noise_is_decoded_without_error(whisper_engine, room_dir, tmp_path, kind):
    """Noise that never falls silent keeps a closed answer open to its cap: every utterance of it is decoded
    (whisper's window is 30 s, and a 28 s utterance slowed for a second opinion would not fit) and none is a value."""
    ear = Ear()  # the cap of a closed answer as shipped
    noise = room.noise(kind, 40.0, room_dir / "noise", seed=9)
    path = tmp_path / "cap.wav"
    write_wav(path, (noise * 4)[: int(ear.max_answer_s * room.RATE) * 2])
    result = hear_file(whisper_engine, str(path), "rating", ear=ear)
    assert result["ended_by"] in ("cap", "end_of_input", "no_speech", "silence"), result
    assert result["value"] is None or isinstance(result["value"], dict), result


def test_the_second_opinion_of_an_utterance_near_the_window_fits(whisper_engine, room_dir):
    """Slowed by 15 %, a 28 s utterance is longer than whisper's 30 s window: it is cut to fit, not refused."""
    noise = room.noise("babble", 40.0, room_dir / "noise", seed=9)[: 29 * room.RATE * 2]
    scorer = whisper_engine.forced
    heard_as = scorer.second_opinion(noise, closed_answer("rating"), 29.0, {})
    assert heard_as is None or heard_as.meaning is not None
    encoded, frames = scorer.encode(noise + noise)
    assert frames == 3000
