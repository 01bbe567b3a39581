"""Plain frozen data shared by every stage of the pipeline. Imports nothing heavy."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Word:
    word: str
    start: float  # seconds from the start of the stream
    end: float
    conf: float  # 0..1


@dataclass(frozen=True)
class Transcript:
    """One recognition result. ``final`` results are never revised; partials are."""

    text: str
    final: bool
    words: tuple[Word, ...] = ()
    engine: str = ""
    model: str = ""
    language: str = ""

    @property
    def start(self) -> float | None:
        return self.words[0].start if self.words else None

    @property
    def end(self) -> float | None:
        return self.words[-1].end if self.words else None

    @property
    def conf(self) -> float | None:
        if not self.words:
            return None
        return sum(w.conf for w in self.words) / len(self.words)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["words"] = [asdict(w) for w in self.words]
        return data


@dataclass(frozen=True)
class Say:
    """A line the assistant speaks (and prints as a caption)."""

    text: str
    rate_delta: int = 0


@dataclass(frozen=True)
class EngineInfo:
    """What recognised the audio: always reported to the user."""

    engine: str  # "vosk" | "whisper" | "scripted"
    model: str  # model name
    path: str = ""
    language: str = ""
    reason: str = ""  # why this engine was chosen (auto mode)
    extra: dict = field(default_factory=dict)
