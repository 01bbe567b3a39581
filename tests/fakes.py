"""Test doubles for pure logic tests (never shipped in the package).

Like llm's ``MockModel.enqueue`` and Home Assistant's ``MockSttProvider``: each records what it was given
so tests can assert on both sides.
"""

from __future__ import annotations

import os
from concurrent.futures import Executor, Future
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
                   closed=None, vad=None, open_answer: bool = False) -> "_ScriptedRecognizer":
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


class BurstDecoder:
    """Stands in for whisper's ``decode`` in windowing tests (``WhisperRecognizer`` over tones): each loud burst
    in the audio it is given is one word, and it hears ``heard[n]`` for audio holding n bursts ("n bursts" if
    not given). Every decode is recorded as (bytes, offset_s, prompt) and takes ``seconds``."""

    def __init__(self, heard: dict[int, str] | None = None, seconds: float = 0.0) -> None:
        self.heard, self.seconds = heard or {}, seconds  # seconds: how long each decode takes
        self.decoded: list[tuple[int, float, str]] = []

    def decode(self, pcm16: bytes, offset_s: float, words: bool = True, prompt: str = "") -> Transcript:
        import time

        import numpy as np

        time.sleep(self.seconds)
        loud = np.abs(np.frombuffer(pcm16, "<i2")) > 1000
        edges = np.flatnonzero(np.diff(np.concatenate(([0], loud.astype(np.int8), [0]))))
        starts, ends = edges[::2], edges[1::2]
        # samples of a tone cross zero: a burst is a run of loud samples with gaps under 50 ms
        bursts = [[starts[0], ends[0]]] if len(starts) else []
        for start, end in zip(starts[1:], ends[1:]):
            if start - bursts[-1][1] < 800:
                bursts[-1][1] = end
            else:
                bursts.append([start, end])
        self.decoded.append((len(pcm16), offset_s, prompt))
        text = self.heard.get(len(bursts), f"{len(bursts)} bursts")
        said = tuple(Word(w, round(offset_s + s / 16000, 3), round(offset_s + e / 16000, 3), 1.0)
                     for w, (s, e) in zip(text.split(), bursts))
        return Transcript(text, True, said, "whisper", "fake", "en")


class InlineExecutor(Executor):
    """Runs each call the moment it is submitted: a recogniser's background decodes done in a known order, each
    result there at the next step (a logic test then never depends on how fast a thread runs)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # type: ignore[override]
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller sees it from result(), as from a pool
            future.set_exception(exc)
        return future
