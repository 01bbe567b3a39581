"""Microphone and speaker: the only module that imports sounddevice (PortAudio).

Half-duplex by design: a :class:`Gate` is closed while the assistant speaks (and for a short guard
after), and the :class:`Microphone` drops what it captured in that time, so the assistant never
transcribes itself. The PortAudio callbacks only copy bytes; all work happens in the caller's thread.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Literal

from assistant.audio.formats import TARGET_RATE, AudioChunk, AudioFormat, pcm_to_16k_mono
from assistant.text import fail

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from assistant.config import Settings

Kind = Literal["input", "output"]
DEFAULT_GUARD_S = 0.25  # after we stop speaking, the room still echoes for a moment
CHUNK_S = 0.05  # the answer's end is noticed at this granularity: shorter chunks, less dead air


def load_sounddevice() -> Any:
    """Import sounddevice; a missing PortAudio library becomes one worded error."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio cannot be loaded
        raise fail("portaudio_missing", reason=exc) from exc
    return sounddevice


@dataclass(frozen=True)
class DeviceInfo:
    index: int
    name: str
    inputs: int  # max input channels
    outputs: int
    default_rate: float
    default_input: bool = False
    default_output: bool = False

    def has(self, kind: Kind) -> bool:
        return (self.inputs if kind == "input" else self.outputs) > 0

    def is_default(self, kind: Kind) -> bool:
        return self.default_input if kind == "input" else self.default_output


def list_devices() -> list[DeviceInfo]:
    sd = load_sounddevice()
    try:
        raw = sd.query_devices()
        default_in, default_out = _defaults(sd)
    except sd.PortAudioError as exc:
        raise fail("audio_devices_failed", reason=exc) from exc
    return [
        DeviceInfo(
            index=int(d["index"]),
            name=str(d["name"]),
            inputs=int(d["max_input_channels"]),
            outputs=int(d["max_output_channels"]),
            default_rate=float(d["default_samplerate"]),
            default_input=int(d["index"]) == default_in,
            default_output=int(d["index"]) == default_out,
        )
        for d in raw
    ]


def _defaults(sd: Any) -> tuple[int, int]:
    found = []
    for kind in ("input", "output"):
        try:
            found.append(int(sd.query_devices(kind=kind)["index"]))
        except (sd.PortAudioError, ValueError):  # no default device of this kind
            found.append(-1)
    return found[0], found[1]


def resolve_device(spec: str | int | None, kind: Kind, devices: list[DeviceInfo] | None = None) -> DeviceInfo:
    """The device for ``spec``: None/"" = the system default, an index, or a name substring."""
    devices = list_devices() if devices is None else devices
    usable = [d for d in devices if d.has(kind)]
    if not usable:
        raise fail(f"no_{kind}_device")
    text = "" if spec is None else str(spec).strip()
    if not text:
        for d in usable:
            if d.is_default(kind):
                return d
        return usable[0]
    names = ", ".join(f"{d.index}: {d.name}" for d in usable)
    if text.lstrip("-").isdigit():
        for d in usable:
            if d.index == int(text):
                return d
        raise fail("device_not_found", spec=text, kind=kind, names=names)
    wanted = text.casefold()
    exact = [d for d in usable if d.name.casefold() == wanted]
    matches = exact or [d for d in usable if wanted in d.name.casefold()]
    if not matches:
        raise fail("device_not_found", spec=text, kind=kind, names=names)
    if len(matches) > 1:
        raise fail("device_ambiguous", spec=text, kind=kind, names=", ".join(d.name for d in matches))
    return matches[0]


def device_from_settings(settings: "Settings", kind: Kind, explicit: str | int | None = None) -> str | int | None:
    """Explicit argument wins, then ``input_device`` / ``output_device`` from settings."""
    if explicit not in (None, ""):
        return explicit
    return (settings.input_device if kind == "input" else settings.output_device) or None


class Gate:
    """Open while we may listen; closed while we speak and for a guard time after. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed_since: float | None = None
        # Recent closed spans, so chunks captured while closed are dropped even if read later.
        self._spans: deque[tuple[float, float]] = deque(maxlen=16)

    def close(self) -> None:
        with self._lock:
            if self._closed_since is None:
                self._closed_since = time.monotonic()

    def open_after(self, guard_s: float = DEFAULT_GUARD_S) -> None:
        with self._lock:
            now = time.monotonic()
            start = self._closed_since if self._closed_since is not None else now
            self._spans.append((start, now + max(0.0, guard_s)))
            self._closed_since = None

    def is_open(self, t: float | None = None) -> bool:
        with self._lock:
            t = time.monotonic() if t is None else t
            if self._closed_since is not None and t >= self._closed_since:
                return False
            return not any(start <= t < end for start, end in self._spans)

    def was_open(self, start: float, end: float) -> bool:
        """True if the gate was open for the whole span [start, end]."""
        with self._lock:
            if self._closed_since is not None and end >= self._closed_since:
                return False
            return not any(s < end and start < e for s, e in self._spans)


class Microphone:
    """Captures 16 kHz mono int16 chunks (~50 ms) from an input device; a context manager.

    ``cleaner`` (``audio.clean.MicCleaner``, from the settings ``mic_noise_suppression`` and ``mic_auto_gain``):
    WebRTC noise suppression and auto gain applied to every chunk heard, before anything listens to it.
    """

    def __init__(self, device: str | int | None = None, gate: Gate | None = None, chunk_s: float = CHUNK_S,
                 cleaner: Any = None) -> None:
        self.spec = device
        self.gate = gate
        self.chunk_s = chunk_s
        self.cleaner = cleaner
        self.device: DeviceInfo | None = None
        self.capture_format: AudioFormat | None = None
        self.dropped = 0  # chunks dropped because the gate was closed
        self._queue: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
        self._stream: Any = None
        self._frames = 0

    @classmethod
    def from_settings(
        cls, settings: "Settings", device: str | int | None = None, gate: Gate | None = None
    ) -> "Microphone":
        from assistant.audio.clean import cleaner

        return cls(device_from_settings(settings, "input", device), gate=gate,
                   cleaner=cleaner(settings.mic_noise_suppression, settings.mic_auto_gain))

    def __enter__(self) -> "Microphone":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        sd = load_sounddevice()
        info = resolve_device(self.spec, "input")
        rate, channels = _input_settings(sd, info)
        self.capture_format = AudioFormat(rate, 2, channels)
        try:
            self._stream = sd.RawInputStream(
                device=info.index, samplerate=rate, channels=channels, dtype="int16",
                blocksize=max(1, int(rate * self.chunk_s)), callback=self._callback,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._stream = None
            raise fail("input_device_busy", name=info.name, reason=exc) from exc
        self.device = info

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        self._queue.put((time.monotonic(), bytes(indata)))  # nothing else: never block PortAudio

    def chunks(self, timeout: float | None = None) -> Iterator[AudioChunk]:
        """16 kHz mono chunks until :meth:`close`, or until no audio came for ``timeout`` seconds."""
        fmt = self.capture_format
        if fmt is None:
            raise fail("input_not_started")
        while True:
            try:
                item = self._queue.get(timeout=timeout)
            except queue.Empty:
                return
            if item is None:
                return
            captured_at, raw = item
            seconds = len(raw) / fmt.bytes_per_second
            stamp = self._frames / fmt.rate
            self._frames += len(raw) // (fmt.width * fmt.channels)
            if self.gate is not None and not self.gate.was_open(captured_at - seconds, captured_at):
                self.dropped += 1
                continue
            pcm = pcm_to_16k_mono(raw, fmt)
            yield AudioChunk(self.cleaner.process(pcm) if self.cleaner is not None else pcm, timestamp=stamp)

    def flush(self) -> None:
        """Forget audio captured so far (e.g. before a new question)."""
        while True:
            try:
                if self._queue.get_nowait() is None:
                    self._queue.put(None)
                    return
            except queue.Empty:
                return

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # closing a dead stream must not hide the real error
                log.debug("closing the input stream failed", exc_info=True)
        self._queue.put(None)


def _input_settings(sd: Any, info: DeviceInfo) -> tuple[int, int]:
    """16 kHz mono if the device accepts it, else its default rate (we convert each chunk)."""
    default_rate = int(info.default_rate)
    for rate, channels in ((TARGET_RATE, 1), (default_rate, 1), (default_rate, min(2, info.inputs))):
        try:
            sd.check_input_settings(device=info.index, samplerate=rate, channels=channels, dtype="int16")
            return rate, channels
        except (sd.PortAudioError, ValueError):
            continue
    raise fail("input_device_busy", name=info.name, reason="no usable sample rate")


class Speaker:
    """Plays int16 mono PCM on an output device; the stream stays open between lines (fast start)."""

    def __init__(
        self, device: str | int | None = None, gate: Gate | None = None, guard_s: float = DEFAULT_GUARD_S
    ) -> None:
        self.spec = device
        self.gate = gate
        self.guard_s = guard_s
        self.device: DeviceInfo | None = None
        self.first_audio_at: float | None = None  # time.monotonic() of the first callback with audio
        self.duration_s = 0.0
        self._sd: Any = None
        self._stream: Any = None
        self._stream_rate = 0
        self._lock = threading.Lock()
        self._pcm = b""
        self._pos = 0
        self._done = threading.Event()
        self._done.set()
        self._feeding = False  # more pieces of the current line are still coming (streamed speech)
        self._line = 0  # which line is playing; a piece for an older line is dropped
        self._started_at = 0.0
        self.feed_error: Exception | None = None  # what stopped the pieces of the last line early

    @classmethod
    def from_settings(
        cls, settings: "Settings", device: str | int | None = None, gate: Gate | None = None
    ) -> "Speaker":
        return cls(device_from_settings(settings, "output", device), gate=gate)

    def open(self, rate: int) -> None:
        """Open (or reuse) the output stream for ``rate``; raises worded errors."""
        if self._stream is not None and self._stream_rate == rate:
            return
        self.close()
        sd = self._sd = self._sd or load_sounddevice()
        info = self.device or resolve_device(self.spec, "output")
        stream_rate = rate
        try:
            sd.check_output_settings(device=info.index, samplerate=rate, channels=1, dtype="int16")
        except (sd.PortAudioError, ValueError):
            stream_rate = int(info.default_rate)
        try:
            # latency="low": the default ("high") buffers so much that "finished playing" arrives
            # over a second after the sound ends, and the half-duplex gate would clip the answer.
            self._stream = sd.RawOutputStream(
                device=info.index, samplerate=stream_rate, channels=1, dtype="int16", latency="low",
                callback=self._callback, finished_callback=self._finished,
            )
        except (sd.PortAudioError, ValueError) as exc:
            raise fail("output_device_busy", name=info.name, reason=exc) from exc
        self.device, self._stream_rate = info, stream_rate

    def play(self, pcm: bytes, rate: int, *, blocking: bool = True, more: Iterable[bytes] | None = None) -> float:
        """Play 16-bit mono ``pcm``; returns its duration in seconds. The gate is closed meanwhile.

        ``more``: the rest of the line, still being made (streamed speech). Its pieces are appended as
        they come; the line, and the closed gate, last until the last piece has played.
        """
        self.stop()
        self.open(rate)
        with self._lock:
            self._line += 1
            line = self._line
            self._pcm, self._pos = self._to_stream_rate(pcm, rate), 0
            self.first_audio_at = None
            self.duration_s = len(self._pcm) / (2 * self._stream_rate)
            self._feeding = more is not None
            self.feed_error = None
            self._started_at = time.monotonic()
            self._done.clear()
        if self.gate is not None:
            self.gate.close()
        try:
            self._stream.start()
        except self._sd.PortAudioError as exc:
            self._feeding = False
            self._finished()
            raise fail("output_device_busy", name=self.device.name if self.device else "?", reason=exc) from exc
        if more is not None:
            threading.Thread(target=self._feed, args=(line, more, rate), name="speaker-feed", daemon=True).start()
        if blocking:
            self.wait()
        return self.duration_s

    def _to_stream_rate(self, pcm: bytes, rate: int) -> bytes:
        return pcm if self._stream_rate == rate else pcm_to_16k_mono(pcm, AudioFormat(rate, 2, 1), self._stream_rate)

    def _feed(self, line: int, more: Iterable[bytes], rate: int) -> None:
        """Append the pieces of ``line`` as they are made; stops when another line (or stop) replaces it."""
        pieces = iter(more)
        try:
            for pcm in pieces:
                piece = self._to_stream_rate(pcm, rate)
                with self._lock:
                    if self._line != line:
                        return
                    self._pcm += piece
                    self.duration_s = len(self._pcm) / (2 * self._stream_rate)
        except Exception as exc:  # the rest of the line cannot be made: what was made still plays
            self.feed_error = exc
        finally:
            with self._lock:
                if self._line == line:
                    self._feeding = False
            close = getattr(pieces, "close", None)
            if close is not None:
                close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the current line has been played out; False on timeout (then it is stopped)."""
        since = time.monotonic() if timeout is not None else self._started_at
        while not self._done.wait(0.05):
            with self._lock:
                feeding, duration = self._feeding, self.duration_s
            limit = timeout if timeout is not None else duration + 3.0 + self._latency()
            if (timeout is not None or not feeding) and time.monotonic() - since > limit:
                self.stop()
                return False
        return True

    def _latency(self) -> float:
        try:
            return float(self._stream.latency) if self._stream is not None else 0.0
        except Exception:  # a stream closing under us: no latency to add
            log.debug("reading the output latency failed", exc_info=True)
            return 0.0

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        size = len(outdata)
        with self._lock:
            piece = self._pcm[self._pos : self._pos + size]
            self._pos += len(piece)
            if piece and self.first_audio_at is None:
                self.first_audio_at = time.monotonic()
            ended = len(piece) < size and not self._feeding
        outdata[: len(piece)] = piece
        if len(piece) < size:
            outdata[len(piece) :] = b"\x00" * (size - len(piece))  # a streamed line waits for its next piece
        if ended:
            raise self._sd.CallbackStop  # PortAudio plays out what is buffered, then calls _finished

    def _finished(self) -> None:
        """The line is over (played out, stopped or aborted): reopen the gate after the guard."""
        with self._lock:
            if self._done.is_set():
                return
            self._done.set()
        if self.gate is not None:
            self.gate.open_after(self.guard_s)

    @property
    def playing(self) -> bool:
        return not self._done.is_set()

    def stop(self) -> None:
        """Stop at once (barge-in, Ctrl-C); a no-op when idle. Pieces still coming for the line are dropped."""
        with self._lock:
            self._line += 1
            self._feeding = False
        stream = self._stream
        if stream is not None and not stream.stopped:
            try:
                stream.abort()
            except Exception:  # a stream already gone is stopped enough
                log.debug("aborting the output stream failed", exc_info=True)
        self._finished()

    def close(self) -> None:
        self.stop()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception:  # closing is the last thing done with it
                log.debug("closing the output stream failed", exc_info=True)

    def __enter__(self) -> "Speaker":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
