"""A small energy-based voice activity detector, shared by whisper segmentation and answer endpointing.

Adaptive: it tracks the noise floor and calls a frame voiced when it is clearly above it (and above an
absolute floor), so it works for digital silence (files) and for a hissy microphone alike.
Frames are 30 ms of 16 kHz mono int16.
"""

from __future__ import annotations

from dataclasses import dataclass

FRAME_S = 0.03
FRAME_BYTES = int(16000 * FRAME_S) * 2


@dataclass
class EnergyVad:
    margin_db: float = 12.0  # voiced = this much above the noise floor
    absolute_floor_db: float = -50.0  # never call anything quieter than this voiced
    noise_db: float = -70.0
    _rest: bytes = b""

    def frames(self, pcm16: bytes) -> list[bool]:
        """Voiced/unvoiced for each complete 30 ms frame in ``pcm16`` (remainder kept for next call)."""
        from assistant.audio.formats import rms_dbfs

        data = self._rest + pcm16
        usable = len(data) - len(data) % FRAME_BYTES
        self._rest = data[usable:]
        out = []
        for offset in range(0, usable, FRAME_BYTES):
            level = rms_dbfs(data[offset : offset + FRAME_BYTES])
            voiced = level > max(self.absolute_floor_db, self.noise_db + self.margin_db)
            if not voiced:  # follow the floor quickly down, slowly up
                rate = 0.3 if level < self.noise_db else 0.02
                self.noise_db += rate * (max(level, -90.0) - self.noise_db)
            out.append(voiced)
        return out
