"""Text to speech with pyttsx3 (espeak-ng) in a worker process, cached on disk.

    Synthesizer.synthesize(text) ──cache hit──▶ WAV under cache/tts/ (no worker)
                                 └─cache miss─▶ worker process (pyttsx3/espeak-ng)

Lines are cached by sha256(text, voice, rate, volume) so a prompt heard before starts at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import selectors
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from assistant.errors import AssistantError
from assistant.text import fail

DEFAULT_TIMEOUT_S = 10.0
WORKER_COMMAND: tuple[str, ...] = (sys.executable, "-m", "assistant.speech.tts.worker")


@dataclass(frozen=True)
class CachedAudio:
    pcm: bytes  # 16-bit mono
    rate: int
    path: Path
    cached: bool  # True when it came from the cache without synthesis

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (2 * self.rate)


@dataclass(frozen=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...] = ()


class _WorkerProcess:
    """One worker subprocess speaking JSON lines; every read has a deadline."""

    def __init__(self, command: Sequence[str]) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[3])  # the folder holding the package
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(
            list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, start_new_session=True,  # Ctrl-C in the terminal is the parent's to handle
        )
        self._buffer = b""

    def request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request; raises TimeoutError or EOFError (worker hung or died)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise EOFError("worker is gone") from exc
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    raise TimeoutError
                data = os.read(fd, 65536)
                if not data:
                    raise EOFError("worker exited")
                self._buffer += data
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            return json.loads(line)
        except json.JSONDecodeError as exc:
            raise EOFError("worker sent garbage") from exc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass


class Synthesizer:
    """Text → 16-bit mono audio, cached on disk; synthesis runs in a killable worker process."""

    def __init__(self, voice: str = "", rate: int = 150, volume: float = 0.9, *, cache_dir: Path | None = None,
                 timeout_s: float = DEFAULT_TIMEOUT_S, worker_command: Sequence[str] | None = None) -> None:
        self.voice, self.rate, self.volume = voice, rate, volume
        self.timeout_s = timeout_s
        self.worker_command = tuple(worker_command or WORKER_COMMAND)
        self._cache_dir = cache_dir
        self._worker: _WorkerProcess | None = None
        self.worker_starts = 0  # how many worker processes this synthesizer started

    @classmethod
    def from_settings(cls, settings: Any, **options: Any) -> "Synthesizer":
        return cls(settings.voice, settings.rate, settings.volume, **options)

    @property
    def cache_dir(self) -> Path:
        if self._cache_dir is None:
            from assistant.config import cache_dir

            return cache_dir() / "tts"
        return self._cache_dir

    def cache_path(self, text: str) -> Path:
        key = json.dumps([text, self.voice, int(self.rate), round(float(self.volume), 3)], ensure_ascii=False)
        return self.cache_dir / (hashlib.sha256(key.encode("utf-8")).hexdigest() + ".wav")

    def synthesize(self, text: str) -> CachedAudio:
        from assistant.audio.formats import read_wav

        text = " ".join(str(text).split())
        if not text:
            raise fail("tts_empty_text")
        path = self.cache_path(text)
        if path.exists():  # fast path: no worker, no pyttsx3
            try:
                pcm, fmt = read_wav(path)
                if fmt.width == 2 and fmt.channels == 1:
                    return CachedAudio(pcm, fmt.rate, path, cached=True)
            except AssistantError:
                pass  # a damaged cache entry is synthesized again
        self._make_cache_dir()
        part = path.with_name(f".{path.stem}.{os.getpid()}.part.wav")
        try:
            os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            self._ask({"text": text, "voice": self.voice, "rate": int(self.rate),
                       "volume": float(self.volume), "out": str(part)})
            pcm, fmt = read_wav(part)
            os.chmod(part, 0o600)
            os.replace(part, path)
        except AssistantError as exc:
            if exc.code.startswith("audio_"):  # the worker said ok but left no usable WAV
                raise fail("tts_failed", reason=exc.message) from exc
            raise
        except OSError as exc:
            raise fail("tts_cache_unwritable", path=self.cache_dir, reason=exc) from exc
        finally:
            part.unlink(missing_ok=True)
        return CachedAudio(pcm, fmt.rate, path, cached=False)

    def prefetch(self, texts: Iterable[str]) -> int:
        """Synthesize every line not cached yet; returns how many were synthesized."""
        made = 0
        for text in texts:
            if not self.synthesize(text).cached:
                made += 1
        return made

    def voices(self) -> list[VoiceInfo]:
        reply = self._ask({"cmd": "voices"})
        return [VoiceInfo(str(v["id"]), str(v["name"]), tuple(v.get("languages") or ())) for v in reply["voices"]]

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

    def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        """One request with a deadline; a hung or dead worker is killed and the request tried once more."""
        problem = ""
        for _attempt in range(2):
            worker = self._ensure_worker()
            try:
                reply = worker.request(message, self.timeout_s)
            except TimeoutError:
                problem = f"no answer within {self.timeout_s:g} s"
                self.close()
                continue
            except EOFError as exc:
                problem = str(exc)
                self.close()
                continue
            if reply.get("ok"):
                return reply
            if reply.get("code") == "voice_unknown":
                raise fail("tts_voice_unknown", voice=self.voice)
            if reply.get("code") == "engine_failed":
                self.close()
                raise fail("tts_engine_failed", reason=reply.get("error", ""))
            raise fail("tts_failed", reason=reply.get("error", "unknown error"))
        raise fail("tts_failed", reason=problem)

    def _ensure_worker(self) -> _WorkerProcess:
        if self._worker is None or self._worker.proc.poll() is not None:
            if self._worker is not None:
                self._worker.kill()
            try:
                self._worker = _WorkerProcess(self.worker_command)
            except OSError as exc:
                raise fail("tts_failed", reason=exc) from exc
            self.worker_starts += 1
        return self._worker

    def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill()

    def __enter__(self) -> "Synthesizer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
