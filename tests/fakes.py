"""Test doubles for pure logic tests (never shipped in the package).

Like llm's ``MockModel.enqueue`` and Home Assistant's ``MockSttProvider``: each records what it was given
so tests can assert on both sides.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from assistant.events import EngineInfo, Transcript, Word
from assistant.speech.tts.base import TtsInfo, VoiceInfo
from assistant.speech.tts.synthesizer import CachedAudio


@dataclass
class RecordingSynthesizer:
    """A fake for logic tests: records every requested line, returns a little silence."""

    rate: int = 16000
    seconds: float = 0.1
    lines: list[str] = field(default_factory=list)
    prefetched: list[str] = field(default_factory=list)

    def synthesize(self, text: str) -> CachedAudio:
        from assistant.audio.formats import silence

        self.lines.append(text)
        return CachedAudio(silence(self.seconds, self.rate), self.rate, Path(os.devnull), cached=False)

    @property
    def info(self) -> TtsInfo:
        return TtsInfo("recording", "test", self.rate)

    def prefetch(self, texts: Iterable[str]) -> int:
        self.prefetched.extend(texts)
        return 0

    def warm(self, texts: Iterable[str]) -> None:
        self.prefetched.extend(texts)

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("test/en", "Test voice", ("en",))]

    def close(self) -> None:
        pass



class ScriptedEngine:
    def __init__(self, answers: Sequence[str] = ()) -> None:
        self.info = EngineInfo(engine="scripted", model="scripted", language="en")
        self._queue = list(answers)
        self.grammars: list[tuple[str, ...] | None] = []
        self.closed: list = []  # the ClosedAnswer each recognizer was given (None for free speech)
        self.received: list[int] = []  # bytes fed per stream

    def enqueue(self, *answers: str) -> None:
        self._queue.extend(answers)

    def recognizer(self, grammar: Sequence[str] | None = None, partials: bool = True, batch: bool = False,
                   closed=None, vad=None) -> "_ScriptedRecognizer":
        self.grammars.append(tuple(grammar) if grammar else None)
        self.closed.append(closed)
        self.received.append(0)
        text = self._queue.pop(0) if self._queue else ""
        return _ScriptedRecognizer(self, len(self.received) - 1, text)


class _ScriptedRecognizer:
    def __init__(self, engine: ScriptedEngine, index: int, text: str) -> None:
        self._engine, self._index, self._text, self._done = engine, index, text, False

    def accept(self, pcm16: bytes) -> list[Transcript]:
        self._engine.received[self._index] += len(pcm16)
        return []

    def finish(self) -> list[Transcript]:
        if self._done or not self._text.strip():
            return []
        self._done = True
        words = tuple(Word(w, i * 0.3, i * 0.3 + 0.25, 1.0) for i, w in enumerate(self._text.split()))
        return [Transcript(self._text, True, words, "scripted", "scripted", "en")]


def feed(session, replies) -> list:
    """Start ``session`` and give it each reply in turn (None: the person said nothing); all it put out."""
    out = session.start()
    for reply in replies:
        out += session.silence() if reply is None else session.hear(reply)
    return out


def said(out) -> list[str]:
    """The lines a session's output would speak."""
    from assistant.events import Say

    return [o.text for o in out if isinstance(o, Say)]


class StoryEngine(ScriptedEngine):
    """A ScriptedEngine that also hears a told story's number slots: ``heard_numbers`` is the number the
    "audio" holds in each slot, in order (None: not sure); ``slots`` keeps every ``StorySlot`` it was handed."""

    def __init__(self, answers: Sequence[str] = (), heard_numbers: Sequence[int | None] = ()) -> None:
        super().__init__(answers)
        self.heard_numbers = list(heard_numbers)
        self.slots: list = []
        self.audio: list[int] = []  # bytes of audio handed with the slots

    def hear_story(self, pcm16: bytes, slots) -> list:
        from assistant.speech.stt.base import SlotHeard

        self.slots.extend(slots)
        self.audio.append(len(pcm16))
        found = []
        for slot in slots:
            value = self.heard_numbers.pop(0) if self.heard_numbers else None
            chosen = slot.values.index(value) if value in slot.values else None
            found.append(SlotHeard(chosen, 0.99 if chosen is not None else 0.3))
        return found
