"""``assistant doctor --listen``: how the room sounds to the ear. A few seconds of the room, then one spoken
phrase, measured the way the live ear hears them: the room's level, whether someone is talking in it (Silero
calls it speech), the voice's active level and how far it stands above the room.

The verdict follows what the ear needs (``speech.stt.vad.SileroVad``: a frame counts as the person's voice only
6 dB above the room): 15 dB or more above the room is heard well; 10-15 dB mostly (in babble 10 dB under the
voice about half of its frames count, enough to hold and end a turn); under 10 dB not reliably. A voice
under -45 dBFS is too quiet whatever the room (the detector ignores anything under -60 dBFS).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

GOOD_SNR_DB = 15.0
FAIR_SNR_DB = 10.0
QUIET_VOICE_DB = -45.0
CLIPPING_PEAK = 32000
TALKING_SHARE = 0.3  # the room is "talking" when Silero calls this share of its frames speech


class Verdict(StrEnum):
    GOOD = "good"
    FAIR = "fair"
    NOISY = "noisy"
    QUIET = "quiet"
    NOT_HEARD = "not_heard"


@dataclass(frozen=True)
class RoomCheck:
    noise_db: float  # the room's level (RMS, dBFS)
    talking: bool  # speech in the room while the person was quiet
    voice_db: float | None  # the phrase's active speech level (dBFS); None: no voice heard
    clipping: bool

    @property
    def snr_db(self) -> float | None:
        return None if self.voice_db is None else self.voice_db - self.noise_db

    @property
    def verdict(self) -> Verdict:
        if self.voice_db is None or self.snr_db is None:
            return Verdict.NOT_HEARD
        if self.snr_db < FAIR_SNR_DB:
            return Verdict.NOISY
        if self.voice_db < QUIET_VOICE_DB:
            return Verdict.QUIET
        return Verdict.GOOD if self.snr_db >= GOOD_SNR_DB else Verdict.FAIR

    @property
    def advice(self) -> tuple[str, ...]:
        """Keys of what to change (``audio.listen.advice_*``), most useful first."""
        out = []
        if self.verdict is Verdict.NOT_HEARD:
            out.append("advice_check_mic")
        if self.verdict in (Verdict.NOISY, Verdict.FAIR):
            out.append("advice_tv" if self.talking else "advice_noise")
        if self.verdict in (Verdict.NOISY, Verdict.FAIR, Verdict.NOT_HEARD):
            out.append("advice_closer")
        if self.verdict is Verdict.QUIET:
            out += ["advice_closer", "advice_level"]
        if self.clipping:
            out.append("advice_clipping")
        return tuple(out)

    @property
    def loudness(self) -> str:
        if self.noise_db < -60:
            return "loudness_silent"
        if self.noise_db < -45:
            return "loudness_low"
        return "loudness_some" if self.noise_db < -30 else "loudness_loud"


def measure(room: bytes, phrase: bytes) -> RoomCheck:
    """Judge 16 kHz mono int16 recordings of the quiet room and of the spoken phrase (the room still in it)."""
    import numpy as np

    from assistant.speech.stt.vad import FRAME_BYTES, SileroVad

    def level(samples) -> float:
        power = float(np.mean(samples.astype(np.float64) ** 2)) if len(samples) else 0.0
        return 10 * np.log10(max(power, 1e-9) / 32768**2)

    room_samples = np.frombuffer(room[: len(room) - len(room) % 2], "<i2")
    noise_db = max(-90.0, level(room_samples))
    detector = SileroVad()
    probabilities = []
    for _frame in detector.frames(room):
        probabilities.append(detector.last_probability)
    talking = bool(probabilities) and sum(p >= 0.5 for p in probabilities) / len(probabilities) >= TALKING_SHARE
    # The phrase is heard after the room, as a session hears an answer after the quiet before it.
    lead = room[len(room) % FRAME_BYTES :][-FRAME_BYTES * 60 :]  # whole frames, ending where the phrase begins
    frames = SileroVad().frames(lead + phrase)[len(lead) // FRAME_BYTES :]
    voiced = [np.frombuffer(f.audio, "<i2") for f in frames if f.voiced]
    voice_db = None
    if len(voiced) * 0.032 >= 0.3:  # the voice's own power: what was heard over the room, less the room
        heard = 10 ** (level(np.concatenate(voiced)) / 10)
        voice_db = max(-90.0, 10 * float(np.log10(max(heard - 10 ** (noise_db / 10), 1e-9))))
    phrase_samples = np.frombuffer(phrase[: len(phrase) - len(phrase) % 2], "<i2")
    clipping = bool(len(phrase_samples)) and int(np.max(np.abs(phrase_samples.astype(np.int32)))) >= CLIPPING_PEAK
    return RoomCheck(round(noise_db, 1), talking, None if voice_db is None else round(voice_db, 1), clipping)


def record(chunks: Iterable[bytes], seconds: float) -> bytes:
    """``seconds`` of audio from a microphone's chunks."""
    out = bytearray()
    for chunk in chunks:
        out += chunk
        if len(out) >= seconds * 32000:
            break
    return bytes(out)


def record_phrase(chunks: Iterable[bytes], max_s: float = 12.0, after_s: float = 1.0) -> bytes:
    """Audio until a spoken phrase has ended (``after_s`` of quiet after voice) or ``max_s``."""
    from assistant.speech.stt.vad import FRAME_S, SileroVad

    detector = SileroVad()
    out = bytearray()
    heard, quiet = 0.0, 0.0
    for chunk in chunks:
        out += chunk
        for frame in detector.frames(chunk):
            heard += FRAME_S if frame.voiced else 0.0
            quiet = 0.0 if frame.voiced else quiet + FRAME_S
        if (heard >= 0.3 and quiet >= after_s) or len(out) >= max_s * 32000:
            break
    return bytes(out)
