"""Audio as plain data: formats, chunks, WAV in and out, conversion to 16 kHz mono int16.

No hardware here (that is ``devices``). numpy and soxr are imported inside functions.
Every decoder returns 16-bit mono at the rate asked for, so recognisers are never fed a wrong rate.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from assistant.text import fail

if TYPE_CHECKING:
    import numpy as np

TARGET_RATE = 16000
MAX_INPUT_SECONDS = 4 * 3600  # refuse to decode more than this (a "huge" file is a mistake)


@dataclass(frozen=True)
class AudioFormat:
    rate: int
    width: int  # bytes per sample
    channels: int

    @property
    def bytes_per_second(self) -> int:
        return self.rate * self.width * self.channels


PCM16_MONO_16K = AudioFormat(TARGET_RATE, 2, 1)


@dataclass(frozen=True)
class AudioChunk:
    audio: bytes
    format: AudioFormat = PCM16_MONO_16K
    timestamp: float = 0.0  # seconds since the stream started

    @property
    def seconds(self) -> float:
        return len(self.audio) / self.format.bytes_per_second


def chunk_bytes(pcm: bytes, fmt: AudioFormat = PCM16_MONO_16K, seconds: float = 0.1) -> Iterator[AudioChunk]:
    """Split raw PCM into chunks of ``seconds`` (the last one may be shorter)."""
    frame = fmt.width * fmt.channels
    step = max(frame, int(fmt.bytes_per_second * seconds) // frame * frame)
    for offset in range(0, len(pcm), step):
        yield AudioChunk(pcm[offset : offset + step], fmt, offset / fmt.bytes_per_second)


def to_float(pcm: bytes, width: int) -> "np.ndarray":
    """Interleaved PCM bytes (1: unsigned 8-bit, 2/3/4: signed) → float32 in [-1, 1]."""
    import numpy as np

    if width == 1:
        return (np.frombuffer(pcm, np.uint8).astype(np.float32) - 128.0) / 128.0
    if width == 2:
        return np.frombuffer(pcm, "<i2").astype(np.float32) / 32768.0
    if width == 3:
        raw = np.frombuffer(pcm, np.uint8).reshape(-1, 3)
        ints = (raw[:, 0].astype(np.int32) | (raw[:, 1].astype(np.int32) << 8) | (raw[:, 2].astype(np.int32) << 16))
        ints = np.where(ints >= 1 << 23, ints - (1 << 24), ints)
        return ints.astype(np.float32) / float(1 << 23)
    if width == 4:
        return np.frombuffer(pcm, "<i4").astype(np.float32) / float(1 << 31)
    raise ValueError(f"unsupported sample width {width}")


def float_to_pcm16(samples: "np.ndarray") -> bytes:
    import numpy as np

    clipped = np.clip(samples, -1.0, 32767.0 / 32768.0)
    return (clipped * 32768.0).astype("<i2").tobytes()


def convert(samples: "np.ndarray", channels: int, rate: int, target_rate: int = TARGET_RATE) -> "np.ndarray":
    """Interleaved float samples → mono float32 at ``target_rate`` (soxr, high quality)."""
    import numpy as np

    if channels > 1:
        usable = len(samples) - len(samples) % channels
        samples = samples[:usable].reshape(-1, channels).mean(axis=1)
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if rate != target_rate and len(samples):
        import soxr

        samples = soxr.resample(samples, rate, target_rate, quality="HQ").astype(np.float32)
    return samples


def pcm_to_16k_mono(pcm: bytes, fmt: AudioFormat, target_rate: int = TARGET_RATE) -> bytes:
    """Any PCM format → 16-bit mono at ``target_rate``."""
    if fmt == AudioFormat(target_rate, 2, 1):
        return pcm
    return float_to_pcm16(convert(to_float(pcm, fmt.width), fmt.channels, fmt.rate, target_rate))


def read_wav(path: str | Path) -> tuple[bytes, AudioFormat]:
    """Raw PCM and its format from a WAV file (PCM 8/16/24/32-bit or IEEE float)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise fail("audio_missing", path=path) from exc
    except IsADirectoryError as exc:
        raise fail("audio_not_wav", path=path, reason="it is a directory") from exc
    except OSError as exc:
        raise fail("audio_unreadable", path=path, reason=exc) from exc
    return parse_wav(data, str(path))


def parse_wav(data: bytes, name: str = "<memory>") -> tuple[bytes, AudioFormat]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise fail("audio_not_wav", path=name, reason="no RIFF/WAVE header")
    try:
        with wave.open(io.BytesIO(data)) as wav:
            fmt = AudioFormat(wav.getframerate(), wav.getsampwidth(), wav.getnchannels())
            _check_format(fmt, name)
            _check_length(wav.getnframes(), fmt, name)
            pcm = wav.readframes(wav.getnframes())
    except wave.Error as exc:
        if "unknown format: 3" in str(exc) or "unknown format: 65534" in str(exc):
            return _parse_float_wav(data, name)
        raise fail("audio_not_wav", path=name, reason=exc) from exc
    except (EOFError, struct.error) as exc:
        raise fail("audio_truncated", path=name) from exc
    frame = fmt.width * fmt.channels
    pcm = pcm[: len(pcm) - len(pcm) % frame]
    if not pcm:
        raise fail("audio_empty", path=name)
    return pcm, fmt


def _check_format(fmt: AudioFormat, name: str) -> None:
    if fmt.channels < 1 or fmt.width not in (1, 2, 3, 4) or not 1000 <= fmt.rate <= 384000:
        raise fail("audio_bad_format", path=name, rate=fmt.rate, width=fmt.width * 8, channels=fmt.channels)


def _check_length(frames: int, fmt: AudioFormat, name: str) -> None:
    if frames / fmt.rate > MAX_INPUT_SECONDS:
        raise fail("audio_too_long", path=name, hours=MAX_INPUT_SECONDS // 3600)


def _parse_float_wav(data: bytes, name: str) -> tuple[bytes, AudioFormat]:
    """IEEE-float WAV (format 3, or extensible with a float subformat), which ``wave`` rejects."""
    import numpy as np

    pos, fmt_chunk, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt_chunk = body
        elif cid == b"data":
            payload = body
            break
        pos += 8 + size + (size & 1)
    if fmt_chunk is None or payload is None or len(fmt_chunk) < 16:
        raise fail("audio_truncated", path=name)
    _tag, channels, rate, _bps, _align, bits = struct.unpack("<HHIIHH", fmt_chunk[:16])
    if bits not in (32, 64):
        raise fail("audio_bad_format", path=name, rate=rate, width=bits, channels=channels)
    dtype = "<f4" if bits == 32 else "<f8"
    width = bits // 8
    payload = payload[: len(payload) - len(payload) % (width * max(channels, 1))]
    fmt = AudioFormat(rate, 2, channels)
    _check_format(fmt, name)
    if not payload:
        raise fail("audio_empty", path=name)
    samples = np.nan_to_num(np.frombuffer(payload, dtype).astype(np.float32))
    return float_to_pcm16(samples), fmt


def load_for_recognition(path: str | Path, target_rate: int = TARGET_RATE) -> bytes:
    """A WAV file → 16-bit mono PCM at ``target_rate``, whatever its original format."""
    pcm, fmt = read_wav(path)
    return pcm_to_16k_mono(pcm, fmt, target_rate)


def write_wav(path: str | Path, pcm: bytes, fmt: AudioFormat = PCM16_MONO_16K) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(fmt.channels)
        wav.setsampwidth(fmt.width)
        wav.setframerate(fmt.rate)
        wav.writeframes(pcm)


def wav_bytes(pcm: bytes, fmt: AudioFormat = PCM16_MONO_16K) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(fmt.channels)
        wav.setsampwidth(fmt.width)
        wav.setframerate(fmt.rate)
        wav.writeframes(pcm)
    return buf.getvalue()


def silence(seconds: float, rate: int = TARGET_RATE) -> bytes:
    return b"\x00\x00" * int(round(seconds * rate))


def rms_dbfs(pcm16: bytes) -> float:
    """Loudness of 16-bit PCM in dBFS (−inf for digital silence)."""
    import numpy as np

    if len(pcm16) < 2:
        return float("-inf")
    samples = np.frombuffer(pcm16[: len(pcm16) - len(pcm16) % 2], "<i2").astype(np.float32)
    power = float(np.mean(samples * samples))
    if power <= 0:
        return float("-inf")
    return 10 * np.log10(power / (32768.0**2))
