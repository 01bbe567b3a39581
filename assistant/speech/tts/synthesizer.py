"""Text → speech audio through the active engine, cached on disk, whole or streamed, warmed ahead.

    Synthesizer.stream(text) ──cache hit──▶ one piece from cache/tts/ (the engine is not touched)
                             └─cache miss─▶ engine.synthesize_stream: a piece per sentence, then cached

Text is first put in speaking form (``normalize.for_speech``: "7" → "seven"). Lines are cached by
sha256(text, engine, voice, rate, volume), so a prompt heard before starts at once and another voice
never plays an old recording. A warm-up thread (``warm``) makes a session's fixed lines ahead; whoever
speaks now goes first: the warm-up yields to it between sentences. When the engine turns out to be
broken (a Piper voice that does not load), the synthesizer says so once through ``echo`` and carries
on with the fallback engine (pyttsx3).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from assistant.errors import AssistantError
from assistant.speech.tts.base import Audio, TtsEngine, VoiceInfo
from assistant.text import fail

FALLBACK_CODES = ("tts_piper_broken",)


@dataclass(frozen=True)
class CachedAudio:
    pcm: bytes  # 16-bit mono
    rate: int
    path: Path
    cached: bool  # True when it came from the cache without synthesis

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * self.rate)


class _Turns:
    """The engine makes one piece at a time, and the warm-up waits while any line is being said now.

    A line said now holds its place for its whole length (not just while a piece is made): otherwise the
    warm-up slips in between its sentences, the next sentence comes late, and the listener hears a gap
    in the middle of the line (measured: under load, answers started in such a gap were cut off).
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._lines_now = 0
        self._busy = False

    @contextlib.contextmanager
    def line(self, now: bool) -> Iterator[None]:
        if now:
            with self._changed:
                self._lines_now += 1
        try:
            yield
        finally:
            if now:
                with self._changed:
                    self._lines_now -= 1
                    self._changed.notify_all()

    @contextlib.contextmanager
    def piece(self, now: bool) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: not self._busy and (now or self._lines_now == 0))
            self._busy = True
        try:
            yield
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()


class Synthesizer:
    """The speech cache in front of an engine; the one thing ``Voice``, breathing and ``say --out`` use."""

    def __init__(self, engine: TtsEngine, *, cache_dir: Path | None = None,
                 fallback: Callable[[], TtsEngine] | None = None, echo: Callable[..., None] | None = None,
                 normalize: bool = True) -> None:
        self.engine = engine
        self._cache_dir = cache_dir
        self._fallback = fallback
        self._echo = echo
        self._normalize = normalize
        self._turns = _Turns()
        self._warmer: threading.Thread | None = None
        self._stop_warming = threading.Event()
        self.fell_back = False

    @property
    def info(self):
        return self.engine.info

    @property
    def cache_dir(self) -> Path:
        if self._cache_dir is None:
            from assistant.config import cache_dir

            return cache_dir() / "tts"
        return self._cache_dir

    def spoken(self, text: str) -> str:
        """The text in the form it is said (and cached) in: one line, numbers and dates as words."""
        text = " ".join(str(text).split())
        if self._normalize:
            from assistant.speech.tts.normalize import for_speech

            text = for_speech(text)
        return text

    def cache_path(self, text: str) -> Path:
        key = json.dumps([self.spoken(text), *self.engine.cache_key()], ensure_ascii=False)
        return self.cache_dir / (hashlib.sha256(key.encode("utf-8")).hexdigest() + ".wav")

    def cached(self, text: str) -> CachedAudio | None:
        from assistant.audio.formats import read_wav

        path = self.cache_path(text)
        if not path.exists():
            return None
        try:
            pcm, fmt = read_wav(path)
        except AssistantError:
            return None  # a damaged cache entry is synthesized again
        if fmt.width != 2 or fmt.channels != 1:
            return None
        return CachedAudio(pcm, fmt.rate, path, cached=True)

    def synthesize(self, text: str) -> CachedAudio:
        """The whole line (from the cache when it is there)."""
        pieces = list(self.stream(text))
        if len(pieces) == 1:
            return pieces[0]
        return CachedAudio(b"".join(p.pcm for p in pieces), pieces[0].rate, pieces[-1].path, cached=False)

    def stream(self, text: str, *, front: bool = True) -> Iterator[CachedAudio]:
        """The line in pieces: one from the cache, or a piece per sentence as the engine makes them.

        The line is cached once its last piece is made; a stream abandoned half-way caches nothing.
        """
        if not self.spoken(text):
            raise fail("tts_empty_text")
        hit = self.cached(text)
        if hit is not None:
            yield hit
            return
        with self._turns.line(front):
            for attempt in range(2):
                path = self.cache_path(text)  # the key changes when the engine falls back
                spoken, made, rate = self.spoken(text), [], 0
                try:
                    pieces = self.engine.synthesize_stream(spoken)
                    while True:
                        with self._turns.piece(front):
                            piece = next(pieces, None)
                        if piece is None:
                            break
                        made.append(piece.pcm)
                        rate = piece.rate
                        yield CachedAudio(piece.pcm, piece.rate, path, cached=False)
                except AssistantError as exc:
                    if attempt == 0 and not made and self._switch(exc):
                        continue
                    raise
                if made:
                    self._store(path, Audio(b"".join(made), rate))
                else:  # nothing sayable ("..."): a moment of silence, not an error, not cached
                    yield CachedAudio(b"\0\0" * (self.info.sample_rate // 10), self.info.sample_rate, path, False)
                return

    def _switch(self, exc: AssistantError) -> bool:
        """Move to the fallback engine after ``exc`` if it is a broken engine; False when we cannot."""
        if exc.code not in FALLBACK_CODES or self._fallback is None or self.fell_back:
            return False
        from assistant.text import t

        self.fell_back = True
        broken, self.engine = self.engine, self._fallback()
        broken.close()
        if self._echo is not None:
            self._echo(t("tts.fallback", reason=exc.message, engine=self.engine.info.engine), err=True)
        return True

    def _store(self, path: Path, audio: Audio) -> None:
        from assistant.audio.formats import AudioFormat, write_wav

        self._make_cache_dir()
        part = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.part.wav")
        try:
            os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            write_wav(part, audio.pcm, AudioFormat(audio.rate, 2, 1))
            os.chmod(part, 0o600)
            os.replace(part, path)
        except OSError as exc:
            raise fail("tts_cache_unwritable", path=self.cache_dir, reason=exc) from exc
        finally:
            part.unlink(missing_ok=True)

    def prefetch(self, texts: Iterable[str], *, front: bool = True) -> int:
        """Synthesize every line not cached yet; returns how many were synthesized."""
        made = 0
        for text in texts:
            if self._stop_warming.is_set() and not front:
                break
            if not self.spoken(text) or self.cache_path(text).exists():
                continue
            for _piece in self.stream(text, front=front):
                pass
            made += 1
        return made

    def warm(self, texts: Iterable[str]) -> threading.Thread:
        """Synthesize ``texts`` ahead in a background thread that gives way to every line said now.

        Problems are not raised here: the same line said later meets them (and reports them) again.
        """
        lines = list(dict.fromkeys(t for t in texts if t and t.strip()))

        def run() -> None:
            try:
                self.prefetch(lines, front=False)
            except AssistantError:
                pass

        self._stop_warming.clear()
        self._warmer = threading.Thread(target=run, name="tts-warm", daemon=True)
        self._warmer.start()
        return self._warmer

    def stop_warming(self) -> None:
        """Stop the warm-up after the line it is making (nothing will be played: captions only)."""
        self._stop_warming.set()

    def with_rate(self, rate: int) -> "Synthesizer":
        """The same voice at another rate (breathing's faster cues), sharing the cache."""
        return Synthesizer(self.engine.with_rate(rate), cache_dir=self._cache_dir, normalize=self._normalize)

    def voices(self) -> list[VoiceInfo]:
        return self.engine.voices()

    def _make_cache_dir(self) -> None:
        directory = self.cache_dir
        if self._cache_dir is None:
            from assistant.config import ensure_home

            ensure_home()  # 0700: the cache holds the user's own words
        try:
            for path in (directory.parent, directory):
                path.mkdir(parents=True, exist_ok=True, mode=0o700)
                os.chmod(path, 0o700)
        except OSError as exc:
            raise fail("tts_cache_unwritable", path=directory, reason=exc) from exc

    def close(self) -> None:
        self._stop_warming.set()
        warmer = self._warmer
        if warmer is not None and warmer.is_alive():
            warmer.join(timeout=5)  # it stops after the line it is making
        self.engine.close()

    def __enter__(self) -> "Synthesizer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
