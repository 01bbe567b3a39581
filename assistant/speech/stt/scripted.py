"""A scripted engine for logic tests: each recognizer stream returns the next queued answer.

Like llm's ``MockModel.enqueue`` and Home Assistant's ``MockSttProvider.received``: it records what it
was given (``received`` bytes per stream, ``grammars``) so tests can assert on both sides.
"""

from __future__ import annotations

from typing import Sequence

from assistant.events import EngineInfo, Transcript, Word


class ScriptedEngine:
    def __init__(self, answers: Sequence[str] = ()) -> None:
        self.info = EngineInfo(engine="scripted", model="scripted", language="en")
        self._queue = list(answers)
        self.grammars: list[tuple[str, ...] | None] = []
        self.received: list[int] = []  # bytes fed per stream

    def enqueue(self, *answers: str) -> None:
        self._queue.extend(answers)

    def recognizer(self, grammar: Sequence[str] | None = None, partials: bool = True, batch: bool = False) -> "_ScriptedRecognizer":
        self.grammars.append(tuple(grammar) if grammar else None)
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
