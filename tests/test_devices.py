"""Devices against a real (virtual) sound server: the `pulse` fixture from tests/audio_fixtures.py."""

from __future__ import annotations

import threading
import time

import pytest

from assistant.audio.devices import DeviceInfo, Gate, Microphone, Speaker, list_devices, resolve_device
from assistant.audio.formats import load_for_recognition, rms_dbfs
from assistant.errors import AssistantError

SPEECH_DBFS = -45.0  # espeak at full scale is around -20 dBFS; digital silence is -inf


def _voiced_seconds(pcm: bytes, rate: int = 16000, frame_s: float = 0.05) -> float:
    step = int(rate * frame_s) * 2
    return sum(frame_s for i in range(0, len(pcm) - step + 1, step) if rms_dbfs(pcm[i : i + step]) > SPEECH_DBFS)


def _capture_while(mic: Microphone, action, settle_s: float = 0.4, deadline_s: float = 10.0) -> bytes:
    """Collect chunks while ``action`` runs in a thread; the microphone is closed once it has been fed
    ``settle_s`` of audio past the end of ``action`` (its tail through the server), or at the deadline."""
    fed_until = [0.0]  # the latest moment the microphone has delivered audio up to (monotonic)

    def run() -> None:
        try:
            action()
            done = time.monotonic()
            deadline = done + deadline_s
            while fed_until[0] < done + settle_s and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            mic.close()  # ends mic.chunks(), even while every chunk is being dropped

    worker = threading.Thread(target=run)
    worker.start()
    captured = []
    for chunk in mic.chunks(timeout=5.0):
        captured.append(chunk.audio)
        fed_until[0] = time.monotonic()
    worker.join()
    return b"".join(captured)


def _profile(pcm: bytes) -> str:
    """'#' per voiced 100 ms, '.' per quiet one: readable in an assertion message."""
    return "".join("#" if rms_dbfs(pcm[i : i + 3200]) > SPEECH_DBFS else "." for i in range(0, len(pcm), 3200))


# --- device list and resolution (pure: a table of devices) ---------------------------------------

FAKE = [
    DeviceInfo(0, "HDA Intel PCH: ALC257 Analog (hw:0,0)", 2, 2, 48000.0),
    DeviceInfo(1, "USB Headset: Audio (hw:1,0)", 1, 2, 48000.0),
    DeviceInfo(2, "pulse", 32, 32, 44100.0),
    DeviceInfo(3, "default", 32, 32, 44100.0, default_input=True, default_output=True),
    DeviceInfo(4, "HDMI 0 (hw:0,3)", 0, 8, 48000.0),
]


@pytest.mark.parametrize(
    "spec, kind, expected",
    [
        (None, "input", 3),
        ("", "output", 3),
        (1, "input", 1),
        ("1", "output", 1),
        ("usb headset", "input", 1),
        ("PULSE", "input", 2),
        ("default", "output", 3),
        ("hdmi", "output", 4),
    ],
)
def test_resolve_device(spec, kind, expected):
    assert resolve_device(spec, kind, FAKE).index == expected


@pytest.mark.parametrize(
    "spec, kind, code",
    [
        ("nothing like it", "input", "device_not_found"),
        (9, "output", "device_not_found"),
        ("hdmi", "input", "device_not_found"),  # HDMI has no input channels
        ("(hw:", "input", "device_ambiguous"),
    ],
)
def test_resolve_device_errors(spec, kind, code):
    with pytest.raises(AssistantError) as info:
        resolve_device(spec, kind, FAKE)
    assert info.value.code == code
    assert "\n" not in info.value.line()


def test_no_devices_of_a_kind():
    with pytest.raises(AssistantError) as info:
        resolve_device(None, "input", [FAKE[4]])
    assert info.value.code == "no_input_device"


def test_portaudio_missing_is_one_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_portaudio(name, *args, **kwargs):
        if name == "sounddevice":
            raise OSError("PortAudio library not found")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "sounddevice", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_portaudio)
    with pytest.raises(AssistantError) as info:
        list_devices()
    assert info.value.code == "portaudio_missing"
    assert "apt install libportaudio2" in info.value.line()


# --- the gate ----------------------------------------------------------------------------------------

def test_gate_closes_while_speaking_and_for_the_guard():
    gate = Gate()
    assert gate.is_open()
    before = time.monotonic()
    gate.close()
    assert not gate.is_open()
    assert gate.is_open(before - 1)  # before it closed
    gate.open_after(0.2)
    opened = time.monotonic()
    assert not gate.is_open()  # still in the guard
    assert not gate.is_open(opened + 0.19)
    assert not gate.was_open(before, before + 0.01)  # captured while closed: dropped even if read later
    assert gate.is_open(opened + 0.2)  # the guard is over (the gate is asked about a moment, no waiting)
    assert gate.was_open(opened + 0.2, opened + 0.3)


# --- real audio through the virtual devices ----------------------------------------------------------

def test_pulse_devices_are_listed(pulse):
    names = [d.name for d in list_devices()]
    assert "pulse" in names and "default" in names
    assert resolve_device("pulse", "input").name == "pulse"
    assert resolve_device(None, "output").is_default("output")


def test_microphone_captures_speech_from_the_virtual_mic(pulse, speak):
    wav = speak("one two three four five", pad=0.3)
    speech = load_for_recognition(wav)
    expected = _voiced_seconds(speech)
    with Microphone() as mic:
        captured = _capture_while(mic, lambda: pulse.play_into_mic(wav))
        assert mic.capture_format is not None
    assert captured, "no audio came from the virtual microphone"
    got = _voiced_seconds(captured)
    assert got >= 0.6 * expected, (got, expected)
    assert rms_dbfs(captured) > SPEECH_DBFS


def test_chunks_are_16k_mono_about_100ms(pulse, speak):
    wav = speak("testing", pad=0.2)
    with Microphone() as mic:
        worker = threading.Thread(target=lambda: pulse.play_into_mic(wav))
        worker.start()
        chunks = []
        for chunk in mic.chunks(timeout=2.0):
            chunks.append(chunk)
            if len(chunks) >= 5:
                break
        worker.join()
    assert chunks
    assert all(c.format.rate == 16000 and c.format.channels == 1 and c.format.width == 2 for c in chunks)
    assert all(0.05 <= c.seconds <= 0.15 for c in chunks)
    assert [c.timestamp for c in chunks] == sorted(c.timestamp for c in chunks)


def test_chunks_captured_while_speaking_are_dropped(pulse, speak):
    wav = speak("this should not be heard", pad=0.2)
    gate = Gate()
    with Microphone(gate=gate) as mic:
        gate.close()  # we are "speaking" for the whole clip
        captured = _capture_while(mic, lambda: pulse.play_into_mic(wav))
        gate.open_after(0.0)
        assert mic.dropped > 0
    assert _voiced_seconds(captured) == 0.0


def test_speaker_plays_a_synthesized_line(pulse):
    from assistant.config import Settings
    from assistant.speech.tts.select import open_synthesizer

    with open_synthesizer(Settings()) as synth:  # the default engine: Piper
        audio = synth.synthesize("The speaker test is playing this sentence now.")
    gate = Gate()
    with pulse.record_speaker() as recording, Speaker(gate=gate) as speaker:
        started = time.monotonic()
        duration = speaker.play(audio.pcm, audio.rate)
        assert not gate.is_open()  # the guard after speaking
    assert duration == pytest.approx(audio.seconds, abs=0.01)
    assert speaker.first_audio_at is not None and speaker.first_audio_at >= started  # how soon: scripts/bench
    voiced_expected = _voiced_seconds(load_for_recognition(audio.path))
    voiced_played = _voiced_seconds(recording.pcm)
    assert rms_dbfs(recording.pcm) > SPEECH_DBFS
    assert voiced_played == pytest.approx(voiced_expected, abs=0.3), (
        _profile(recording.pcm), time.monotonic() - started
    )


def test_speaker_stop_ends_the_line_and_reopens_the_gate(pulse):
    import numpy as np

    tone = (np.sin(np.arange(16000 * 3) * 2 * np.pi * 440 / 16000) * 8000).astype("<i2").tobytes()
    gate = Gate()
    with Speaker(gate=gate, guard_s=0.0) as speaker:
        speaker.play(tone, 16000, blocking=False)
        deadline = time.monotonic() + 10
        while speaker.first_audio_at is None and time.monotonic() < deadline:  # the tone is sounding
            time.sleep(0.01)
        assert speaker.first_audio_at is not None
        assert speaker.playing and not gate.is_open()
        speaker.stop()  # how long it takes is a figure of scripts/bench session (voice_stop_ms)
        assert not speaker.playing
        assert gate.is_open()
        # the stream is reused for the next line, and starts fast
        speaker.play(tone[:3200], 16000)
        assert speaker.first_audio_at is not None
