"""The speech-out contract: what every engine (Piper, pyttsx3) offers, and the plain data crossing it.

    TtsEngine.synthesize(text) ──▶ Audio (16-bit mono PCM, the engine's rate)
    TtsEngine.synthesize_stream(text) ──▶ Audio per sentence, the first as soon as it is made
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterator, Protocol


class EngineName(StrEnum):
    PIPER = "piper"
    PYTTSX3 = "pyttsx3"


@dataclass(frozen=True)
class Audio:
    """16-bit mono PCM at ``rate``."""

    pcm: bytes
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * self.rate)


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine can speak with (``assistant voices``)."""

    id: str
    name: str
    languages: tuple[str, ...] = ()
    engine: str = EngineName.PYTTSX3
    quality: str = ""  # Piper: x_low | low | medium | high
    source: str = ""  # Piper: "package:<name>" or "home"


@dataclass(frozen=True)
class TtsInfo:
    """Which engine and voice speak, at what sample rate (reported by doctor and voices)."""

    engine: str
    voice: str
    sample_rate: int


class TtsEngine(Protocol):
    info: TtsInfo

    def cache_key(self) -> list:
        """Everything besides the text that changes the audio (engine, voice, rate, volume)."""

    def synthesize(self, text: str) -> Audio:
        """The whole line at once."""

    def synthesize_stream(self, text: str) -> Iterator[Audio]:
        """The line in pieces (a sentence each where the engine can), the first as early as possible."""

    def with_rate(self, rate: int) -> "TtsEngine":
        """The same voice at another speaking rate (words per minute)."""

    def voices(self) -> list[VoiceInfo]:
        """The voices of this kind that are installed."""

    def close(self) -> None:
        """Free what the engine holds (a worker process); the engine may be used again after."""
