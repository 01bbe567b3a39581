"""The edges of an utterance, measured on the audio itself: how far a voice stands out of the rest of it, whether
any of it is quiet, and quiet edges added where a closed answer has too little (``forced.ForcedScorer`` hears
every closed answer with them)."""

from __future__ import annotations

import math

from assistant.speech.stt.base import SAMPLE_RATE

EDGE_S = 0.3  # quiet before and after the voice of every closed answer: a live utterance's lead-in
EDGE_QUIET_DB = 35.0  # quieter than the loudest 10 ms by this much: not voice


def voice_prominence_db(pcm16: bytes) -> float:
    """How far the loudest quarter second of an utterance stands above its own floor (the level of its
    quietest fifth, in 30 ms frames), in dB: a person answering over a fan or a TV rises above it, the fan
    or the TV alone does not.

    Calibrated on synthetic answers (espeak-ng, Piper) mixed with babble 5 dB below them, against brown, pink
    and babble noise alone (1-8 s): the answers measured 8.4-14.0 dB (5 % below 9.8), the noise 2.1-9.3 dB.
    An utterance cut out of a quiet room stands out by far more. One shorter than ``LONE_WORD_S`` (a file
    trimmed close to a lone word: 0.2-0.6 s) has no surroundings to stand out of, its floor is voice too, so
    it is not judged by this at all: a trimmed "eight" measured 4.7 dB."""
    import numpy as np

    samples = np.frombuffer(pcm16, "<i2").astype(np.float64)
    step = int(0.03 * SAMPLE_RATE)
    frames = samples[: len(samples) - len(samples) % step].reshape(-1, step)
    if not len(frames):
        return 0.0
    power = np.mean(frames**2, axis=1) + 1e-3
    window = min(len(power), round(0.25 / 0.03))
    loudest = float(np.convolve(power, np.ones(window) / window, "valid").max())
    return 10 * math.log10(loudest / float(np.percentile(power, 20)))


def has_quiet(pcm16: bytes) -> bool:
    """Whether any 10 ms of the utterance is ``EDGE_QUIET_DB`` below its loudest: a quiet room (or digital
    silence) somewhere around or between the words, not noise under all of it."""
    import numpy as np

    samples = np.frombuffer(pcm16, "<i2").astype(np.float64)
    step = SAMPLE_RATE // 100
    frames = samples[: len(samples) - len(samples) % step].reshape(-1, step)
    if not len(frames):
        return True
    power = np.mean(frames**2, axis=1)
    return bool(power.min() <= power.max() * 10 ** (-EDGE_QUIET_DB / 10))


def with_quiet_edges(pcm16: bytes) -> tuple[bytes, float]:
    """The utterance with at least ``EDGE_S`` of quiet before and after its voice: digital silence is added
    where it has less. Returns the audio and the seconds added before it.

    A closed answer is encoded as just its utterance, so what surrounds the voice is all the context whisper
    gets, and it matters: the shared real recordings, trimmed close to the voice, were heard right 75 % of the
    time as files and 88 % with 0.4 s of silence around them. A live utterance has ``PREROLL_S`` (0.3 s) of
    the room before its first voiced frame and the pause that closed it after; a trimmed file (``assistant
    transcribe --as``), or a person who answers the moment the microphone opens, has none. The recogniser
    cuts utterances in more than one way (live, batch, whatever voice activity detector), so the edges are
    made here, where the closed answer is encoded, and measured on the audio itself rather than taken on
    trust from the segmenter: quiet is any 10 ms stretch more than ``EDGE_QUIET_DB`` below the loudest.
    Free speech needs none of this: it is decoded in whisper's 30 s window with 0.8 s of silence each side."""
    import numpy as np

    samples = np.frombuffer(pcm16, "<i2").astype(np.float32)
    step = SAMPLE_RATE // 100
    usable = len(samples) - len(samples) % step
    if not usable:
        return pcm16, 0.0
    power = np.mean(samples[:usable].reshape(-1, step) ** 2, axis=1)
    loud = np.flatnonzero(power > power.max() * 10 ** (-EDGE_QUIET_DB / 10))
    if not loud.size or power.max() == 0:
        return pcm16, 0.0
    lead_s = loud[0] * step / SAMPLE_RATE
    tail_s = (len(samples) - (loud[-1] + 1) * step) / SAMPLE_RATE
    before, after = max(0.0, EDGE_S - lead_s), max(0.0, EDGE_S - tail_s)
    if not before and not after:
        return pcm16, 0.0
    return bytes(2 * round(before * SAMPLE_RATE)) + pcm16 + bytes(2 * round(after * SAMPLE_RATE)), \
        round(before * SAMPLE_RATE) / SAMPLE_RATE
