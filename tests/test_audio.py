"""WAV decoding and conversion: any rate/width/channels ends up as correct 16 kHz mono int16."""

from __future__ import annotations

import math
import struct
import wave

import numpy as np
import pytest

from assistant.audio.formats import AudioFormat, chunk_bytes, float_to_pcm16, load_for_recognition, parse_wav, wav_bytes
from assistant.errors import AssistantError


def tone(rate: int, seconds: float = 1.0, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * math.pi * freq * t)).astype(np.float32)


def encode(samples: np.ndarray, rate: int, width: int, channels: int) -> bytes:
    inter = np.repeat(samples, channels)
    if width == 1:
        pcm = (inter * 127 + 128).astype(np.uint8).tobytes()
    elif width == 2:
        pcm = float_to_pcm16(inter)
    elif width == 3:
        ints = (inter * (2**23 - 1)).astype(np.int32)
        pcm = b"".join(struct.pack("<i", int(v))[:3] for v in ints)
    else:
        pcm = (inter * (2**31 - 1)).astype("<i4").tobytes()
    return wav_bytes(pcm, AudioFormat(rate, width, channels))


def dominant_freq(pcm16: bytes, rate: int = 16000) -> float:
    x = np.frombuffer(pcm16, "<i2").astype(np.float32)
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize(
    "rate,width,channels",
    [(16000, 2, 1), (8000, 2, 1), (44100, 2, 2), (48000, 2, 1), (96000, 2, 1), (22050, 1, 1), (44100, 3, 2),
     (32000, 4, 1)],
)
def test_any_format_becomes_16k_mono_with_pitch_and_length_kept(tmp_path, rate, width, channels):
    path = tmp_path / "in.wav"
    path.write_bytes(encode(tone(rate), rate, width, channels))
    pcm = load_for_recognition(path)
    assert abs(len(pcm) / 2 / 16000 - 1.0) < 0.01  # duration kept: a wrong rate would stretch it
    assert abs(dominant_freq(pcm) - 440.0) < 5.0  # pitch kept: a wrong rate would shift it
    peak = np.abs(np.frombuffer(pcm, "<i2")).max() / 32768
    assert 0.4 < peak < 0.6  # level kept


def test_float_wav_is_read(tmp_path):
    samples = tone(22050)
    payload = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, 22050, 22050 * 4, 4, 32)
    data = b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(payload)) + b"WAVE"
    data += b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(payload)) + payload
    path = tmp_path / "float.wav"
    path.write_bytes(data)
    pcm = load_for_recognition(path)
    assert abs(dominant_freq(pcm) - 440.0) < 5.0


@pytest.mark.parametrize(
    "content,code",
    [
        (b"", "audio_not_wav"),
        (b"hello, this is text not audio" * 10, "audio_not_wav"),
        (b"RIFF\x00\x00\x00\x00WAVE", "audio_not_wav"),
        (wav_bytes(b"", AudioFormat(16000, 2, 1)), "audio_empty"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, content, code):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AssistantError) as err:
        load_for_recognition(path)
    assert err.value.code == code
    assert "\n" not in err.value.line()


def test_truncated_wav_is_an_error_or_shorter_audio(tmp_path):
    good = encode(tone(16000), 16000, 2, 1)
    path = tmp_path / "cut.wav"
    path.write_bytes(good[:30])
    with pytest.raises(AssistantError):
        load_for_recognition(path)


def test_missing_file(tmp_path):
    with pytest.raises(AssistantError) as err:
        load_for_recognition(tmp_path / "nope.wav")
    assert err.value.code == "audio_missing"


def test_chunks_cover_everything_in_order():
    pcm = bytes(range(256)) * 125  # 32000 bytes = 1 s
    chunks = list(chunk_bytes(pcm, seconds=0.3))
    assert b"".join(c.audio for c in chunks) == pcm
    assert [round(c.timestamp, 2) for c in chunks] == [0.0, 0.3, 0.6, 0.9]


def test_parse_wav_reports_format():
    data = encode(tone(44100, 0.1), 44100, 2, 2)
    _pcm, fmt = parse_wav(data)
    assert fmt == AudioFormat(44100, 2, 2)
    with wave.open(__import__("io").BytesIO(data)) as w:
        assert w.getnframes() == 4410
