"""The fast tier (`scripts/test --fast`): tests that load a speech model or need the audio server are marked
from the fixtures they use, and the tier's guard stops any process from loading a model unnoticed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

LOADS = {
    "whisper": "from faster_whisper import WhisperModel; WhisperModel('/nowhere')",
    "vosk": "import vosk; vosk.Model('/nowhere')",
    "piper": "from piper import PiperVoice; PiperVoice.load('/nowhere.onnx')",
}


@pytest.mark.parametrize("kind", list(LOADS))
def test_the_guard_refuses_a_model_load_and_names_the_test(kind, tmp_path):
    log = tmp_path / "loads.log"
    log.touch()
    env = {**os.environ, "ASSISTANT_TEST_MODEL_LOG": str(log), "PYTEST_CURRENT_TEST": "tests/test_x.py::test_y (call)",
           "PYTHONPATH": str(TESTS / "model_guard")}
    done = subprocess.run([sys.executable, "-c", LOADS[kind]], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode != 0 and "SpeechModelInFastTier" in done.stderr, done.stderr
    module = "faster_whisper" if kind == "whisper" else kind
    assert log.read_text().splitlines() == [f"tests/test_x.py::test_y (call)\t{module}"]


def test_without_the_variable_the_guard_does_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ASSISTANT_TEST_MODEL_LOG"}
    env["PYTHONPATH"] = str(TESTS / "model_guard")
    done = subprocess.run([sys.executable, "-c", LOADS["vosk"]], capture_output=True, text=True, env=env, timeout=120)
    assert "SpeechModelInFastTier" not in done.stderr  # vosk itself refuses the missing folder


def test_the_fast_tier_leaves_out_tests_that_use_models_or_the_audio_server():
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-m", "not slow and not audio", "tests/test_stt_whisper.py", "tests/test_devices.py",
                           "tests/test_crash_safety.py"],
                          capture_output=True, text=True, cwd=TESTS.parent, timeout=300)
    selected = [line for line in done.stdout.splitlines() if "::" in line]
    assert selected, done.stdout + done.stderr
    assert not any("test_crash_safety.py" in line for line in selected)  # listed in conftest SLOW_TESTS
    assert any("test_resolve_device" in line or "test_gate" in line for line in selected)  # pure tests stay
    assert not any("test_microphone_captures" in line for line in selected)  # uses `pulse`
    whisper_tests = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "-m", "slow",
         "tests/test_stt_whisper.py"], capture_output=True, text=True, cwd=TESTS.parent, timeout=300)
    assert sum("::" in line for line in whisper_tests.stdout.splitlines()) >= 1
