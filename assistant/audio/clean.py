"""Noise suppression and automatic gain on the microphone path: WebRTC's audio processing (``webrtc-noise-gain``,
as Home Assistant's voice satellites run it), the only importer of that library.

``MicCleaner(noise_suppression, auto_gain_dbfs)``: suppression 0 (off) to 4 (strongest); auto gain 0 (off) or a
target level of 1-31 dB below full scale. It works on 10 ms of 16 kHz mono int16 at a time; ``process`` takes
any length and keeps the remainder for the next call (the microphone's 50 ms chunks are five such pieces).
"""

from __future__ import annotations

from typing import Any

PIECE_BYTES = 320  # 10 ms of 16 kHz mono int16


class MicCleaner:
    def __init__(self, noise_suppression: int, auto_gain_dbfs: int) -> None:
        from webrtc_noise_gain import AudioProcessor

        self.noise_suppression, self.auto_gain_dbfs = noise_suppression, auto_gain_dbfs
        self._processor: Any = AudioProcessor(auto_gain_dbfs, noise_suppression)
        self._rest = b""

    def process(self, pcm16: bytes) -> bytes:
        data = self._rest + pcm16
        usable = len(data) - len(data) % PIECE_BYTES
        self._rest = data[usable:]
        return b"".join(self._processor.Process10ms(data[offset : offset + PIECE_BYTES]).audio
                        for offset in range(0, usable, PIECE_BYTES))


def cleaner(noise_suppression: int, auto_gain_dbfs: int) -> MicCleaner | None:
    """A cleaner for these settings, or None when both are off (the audio passes untouched)."""
    if noise_suppression <= 0 and auto_gain_dbfs <= 0:
        return None
    return MicCleaner(noise_suppression, auto_gain_dbfs)
