"""A continuous output stream for the breathing exercise: cues and tones mixed sample by sample, so they keep exact
time, with the microphone gate closed while it sounds."""

from __future__ import annotations

import logging
from typing import Any

from assistant.audio.devices import DEFAULT_GUARD_S, Gate, load_sounddevice, resolve_device
from assistant.text import fail

log = logging.getLogger(__name__)


class StreamPlayer:
    """One continuous output stream fed by ``render(frames) -> float32 samples`` (the breathing mixer).

    What ``render`` returns for sample *n* is heard *n* / rate after the stream starts, so cues placed
    by sample position keep exact time. The gate is closed while ``sounding()`` is true (half-duplex).
    """

    def __init__(self, render: Any, rate: int, device: str | int | None = None, gate: Gate | None = None,
                 sounding: Any = None, guard_s: float = DEFAULT_GUARD_S, blocksize: int = 512) -> None:
        self.render, self.rate, self.spec, self.gate = render, rate, device, gate
        self.sounding, self.guard_s, self.blocksize = sounding, guard_s, blocksize
        self._stream: Any = None
        self._was_sounding = False

    def start(self) -> None:
        sd = load_sounddevice()
        info = resolve_device(self.spec, "output")
        try:
            self._stream = sd.OutputStream(device=info.index, samplerate=self.rate, channels=1, dtype="float32",
                                           blocksize=self.blocksize, latency="low", callback=self._callback)
            self._stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            raise fail("output_device_busy", name=info.name, reason=exc) from exc

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        outdata[:, 0] = self.render(frames)
        if self.gate is None or self.sounding is None:
            return
        if self.sounding():
            self.gate.close()
            self._was_sounding = True
        elif self._was_sounding:
            self.gate.open_after(self.guard_s)
            self._was_sounding = False

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception:  # closing is the last thing done with it
                log.debug("closing the output stream failed", exc_info=True)
        if self.gate is not None:
            self.gate.open_after(self.guard_s)
