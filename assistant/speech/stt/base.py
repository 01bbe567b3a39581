"""The engine contract.

An :class:`Engine` holds a loaded model (expensive, shared, thread-safe to *hold*). Each utterance
stream gets its own :class:`Recognizer` from ``engine.recognizer()`` — one per thread, never shared.

    rec = engine.recognizer(grammar=["yes", "no"])   # closed vocabulary: Vosk constrains
    rec = engine.recognizer(closed=ClosedAnswer(...))  # whisper scores the closed answer's phrasings
                                                       # batch=True: a recording, not live audio
                                                       # vad=...: who says what is voice (whisper;
                                                       # Vosk finds its own pauses)
                                                       # open_answer=True: a told answer, heard whole
                                                       # (whisper: windows with context, partials at
                                                       # pauses; Vosk streams as ever)
    for chunk in chunks:                               # 16 kHz mono int16 bytes
        for result in rec.accept(chunk): ...           # partials (deduplicated) and finals
    for result in rec.finish(): ...                    # flush: the last final, if any

Finals are never empty; a partial is emitted only when its text changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Hashable, Iterable, Protocol, Sequence

from assistant.events import EngineInfo, Transcript

SAMPLE_RATE = 16000


@dataclass(frozen=True)
class ClosedAnswer:
    """What a closed question (a rating, yes/no, a choice ...) accepts, handed down by the layer that owns
    the parser (speech cannot import it).

    ``phrasings``: whole answers as people say them ("7", "about a 7", "7 out of 10", "yes", "no, not
    really"), for a recogniser that scores candidates against the audio. ``meaning(text)``: what a text
    means (a value that compares equal for equal answers), or None when it is no answer.
    """

    kind: str
    phrasings: tuple[str, ...]
    meaning: Callable[[str], Hashable | None]


@dataclass(frozen=True)
class StorySlot:
    """A stretch of a told story where a number may have been said and was written as another word, handed down
    by the layer that finds such places (``dialogue.extract.slots``; speech cannot import it).

    ``start_s``/``end_s``: where its words are, in seconds from the start of the answer's audio; ``heard``: those
    words as transcribed; ``candidates``: the same words with a number in the slot, and ``values`` the number
    each holds (one meaning may have several candidates: the slot may be one of a few words).
    """

    start_s: float
    end_s: float
    heard: str
    candidates: tuple[str, ...]
    values: tuple[int, ...]


@dataclass(frozen=True)
class SlotHeard:
    """What the audio says a story's slot holds: the best candidate of the number it is sure of (``chosen``, an
    index into ``StorySlot.candidates``; None when it is not sure), and how sure it is (0..1)."""

    chosen: int | None
    confidence: float


class Recognizer(Protocol):
    def accept(self, pcm16: bytes) -> list[Transcript]: ...

    def finish(self) -> list[Transcript]: ...


class Engine(Protocol):
    info: EngineInfo

    def recognizer(self, grammar: Sequence[str] | None = None, partials: bool = True,
                   batch: bool = False, closed: ClosedAnswer | None = None, vad: Any = None,
                   open_answer: bool = False) -> Recognizer: ...


def transcribe_chunks(engine: Engine, chunks: Iterable[bytes],
                      grammar: Sequence[str] | None = None) -> list[Transcript]:
    """Feed every chunk of a recording (batch mode), flush, and return the finals in order."""
    rec = engine.recognizer(grammar=grammar, partials=False, batch=True)
    finals: list[Transcript] = []
    for chunk in chunks:
        finals.extend(r for r in rec.accept(chunk) if r.final)
    finals.extend(r for r in rec.finish() if r.final)
    return finals
