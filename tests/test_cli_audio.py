"""The audio commands, run as a user would: ``python -m assistant ...`` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assistant.audio.formats import read_wav, rms_dbfs


def one_line_error(result: subprocess.CompletedProcess, status: int = 1) -> str:
    assert result.returncode == status, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_say_without_audio_prints_the_caption(cli_process):
    result = cli_process("say", "--no-audio", "hello", "there")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "assistant: hello there\n"


def test_say_to_a_wav_file(tmp_path, cli_process):
    out = tmp_path / "line.wav"
    result = cli_process("say", "-o", str(out), "--rate", "120", "Breathe in slowly.")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "assistant: Breathe in slowly.\n"
    pcm, fmt = read_wav(out)
    assert fmt.width == 2 and len(pcm) / fmt.bytes_per_second > 0.8 and rms_dbfs(pcm) > -40


@pytest.mark.parametrize(
    "args, code",
    [
        (["say", "--rate", "500", "too fast"], "usage"),  # a value given on the command line: a usage mistake
        (["say", "--voice", "no-such-voice", "hello"], "tts_voice_unknown"),
        (["say", "-o", "/nonexistent-dir/x.wav", "hello"], "say_out_unwritable"),
        (["settings", "set", "rate", "500"], "usage"),
        (["settings", "set", "rate", "fast"], "usage"),
        (["settings", "set", "colour", "blue"], "usage"),
    ],
)
def test_bad_input_is_one_line(args, code, cli_process):
    assert one_line_error(cli_process(*args), 2 if code == "usage" else 1).startswith(f"error[{code}]")


def test_settings_set_then_show(cli_process):
    result = cli_process("settings", "set", "rate", "170")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("rate = 170")
    shown = cli_process("settings", "show")
    assert shown.returncode == 0
    assert "rate = 170" in shown.stdout.splitlines()
    assert "volume = 0.9" in shown.stdout.splitlines()


def test_voices_lists_english_and_marks_the_configured_one(cli_process):
    assert cli_process("settings", "set", "voice", "gmw/en-us").returncode == 0
    result = cli_process("voices", "--language", "en")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("*") and "gmw/en-us " in line for line in lines)
    assert any("English" in line for line in lines)
    assert not any("French" in line for line in lines)


@pytest.mark.audio
def test_devices_lists_the_pulse_devices(pulse, cli_process):
    result = cli_process("devices")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("input devices")
    assert "output devices" in out
    assert "pulse" in out and "* " in out  # the default is marked


@pytest.mark.audio
def test_say_plays_through_the_speaker(pulse, cli_process):
    with pulse.record_speaker() as recording:
        result = cli_process("say", "--timing", "This line is played aloud.")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "assistant: This line is played aloud.\n"
    assert "first audio after" in result.stderr
    assert recording.seconds > 1.0
    assert rms_dbfs(recording.pcm) > -45


@pytest.mark.audio
def test_a_prepared_line_is_played_from_the_cache(pulse):
    """A line made before it is said (as a session prepares its lines) is played from the cache; how soon
    its first audio comes is a figure of scripts/bench tts (tts_cached_first_audio_ms), not asserted here."""
    from assistant.config import Settings
    from assistant.speech.tts.voice import Voice

    voice = Voice(Settings(), echo=lambda *a, **k: None)
    try:
        voice.prepare(["Ready."])  # synthesizes and opens the output stream, as a session does
        timing = voice.say("Ready.")
    finally:
        voice.close()
    assert timing.cached
    assert timing.first_audio_ms is not None and timing.first_audio_ms >= 0, timing


def test_devices_without_portaudio_is_one_clear_error(monkeypatch):
    import builtins

    from assistant.cli import cli
    from assistant.errors import AssistantError

    real_import = builtins.__import__

    def no_portaudio(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("cannot load library 'libportaudio.so.2'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    with pytest.raises(AssistantError) as info:
        cli.main(args=["devices"], prog_name="assistant", standalone_mode=False)
    line = info.value.line()
    assert line.startswith("error[portaudio_missing]") and "apt install libportaudio2" in line


def test_help_does_not_import_heavy_modules():
    code = ("import sys\nfrom assistant.cli import cli\n"
            "heavy = [m for m in ('sounddevice', 'numpy', 'pyttsx3', 'vosk', 'faster_whisper') if m in sys.modules]\n"
            "print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ))
    assert result.stdout.strip() == "[]", result


def test_every_command_has_help():
    from assistant.cli.audio import COMMANDS

    for command in COMMANDS:
        assert command.help and command.help.strip().endswith(".")
