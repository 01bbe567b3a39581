"""`assistant transcribe` end to end in a subprocess: real engines, real files, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_transcribe_english_with_auto_engine_reports_whisper(speak, cli_process):
    wav = speak("I called my sister and it went well")
    proc = cli_process("transcribe", str(wav))
    assert proc.returncode == 0, proc.stderr
    assert {"called", "sister", "well"} <= set(proc.stdout.lower().replace(".", "").split())
    assert "engine: whisper" in proc.stderr and "whisper-tiny.en" in proc.stderr


def test_transcribe_json_has_every_field(speak, cli_process):
    wav = speak("coffee with a friend")
    proc = cli_process("transcribe", "--json", "--engine", "whisper", str(wav))
    assert proc.returncode == 0, proc.stderr
    obj = json.loads(proc.stdout.strip())
    assert set(obj) == {"file", "text", "engine", "model", "language", "duration_s", "decode_s", "words"}
    assert obj["engine"] == "whisper" and obj["language"] == "en" and obj["model"] == "whisper-tiny.en"
    assert "coffee" in obj["text"].lower()
    assert obj["words"] and set(obj["words"][0]) == {"word", "start", "end", "conf"}
    assert 0 < obj["duration_s"] and 0 < obj["decode_s"]


def test_transcribe_with_vosk_model_path(speak, vosk_ko_path, cli_process):
    wav = speak("안녕하세요", voice="ko", speed=140)
    proc = cli_process("transcribe", "--json", "--engine", "vosk", "--model", str(vosk_ko_path), str(wav))
    assert proc.returncode == 0, proc.stderr
    obj = json.loads(proc.stdout)
    assert obj["engine"] == "vosk" and obj["text"]
    assert "engine: vosk" in proc.stderr


def test_auto_picks_vosk_for_korean_from_the_installed_package(speak, cli_process):
    wav = speak("네", voice="ko", speed=140)
    proc = cli_process("transcribe", "--language", "ko", "--json", str(wav))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["engine"] == "vosk"


@pytest.mark.parametrize(
    "args,content,needles",
    [
        (["--engine", "whisper"], b"this is not audio at all", ("not a WAV",)),
        (["--engine", "whisper"], b"", ("not a WAV",)),
        (["--engine", "vosk", "--model", "/nonexistent/model"], None, ("/nonexistent/model",)),
        (["--engine", "vosk"], None, ("no Vosk model",)),
        (["--language", "de"], None, ("'de'",)),
    ],
)
def test_bad_input_gives_one_clear_line(tmp_path, speak, args, content, needles, cli_process):
    path = tmp_path / "in.wav"
    if content is None:
        path = speak("hello")
    else:
        path.write_bytes(content)
    proc = cli_process("transcribe", *args, str(path))
    assert_one_line_error(proc, *needles)


def test_missing_file_is_one_line(tmp_path, cli_process):
    proc = cli_process("transcribe", "--engine", "whisper", str(tmp_path / "missing.wav"))
    assert_one_line_error(proc, "missing.wav")


def test_help_does_not_import_heavy_modules():
    code = ("import sys; from assistant.cli import cli; "
            "print(sorted(m for m in ('vosk','sounddevice','numpy','faster_whisper','pyttsx3','sqlite_utils') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
