"""pyttsx3 (espeak-ng) behind the speech-out contract, run in the ``worker`` process.

Always available (espeak-ng is a system package) and covers the languages Piper lacks. The worker is
killable: every request has a deadline, and a hung or dead worker is restarted once per request.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from assistant.errors import AssistantError
from assistant.speech.tts.base import Audio, EngineName, TtsInfo, VoiceInfo
from assistant.text import fail

DEFAULT_TIMEOUT_S = 10.0
WORKER_COMMAND: tuple[str, ...] = (sys.executable, "-m", "assistant.speech.tts.worker")
ESPEAK_RATE = 22050  # what espeak-ng writes


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


class Pyttsx3Engine:
    """espeak-ng through pyttsx3 in a killable worker; one request at a time (the pipe is shared).

    ``scratch_dir`` is where the worker writes each line before it is read back (default: the speech
    cache folder in the home, 0700, so private words never land in a shared temp folder).
    """

    def __init__(self, voice: str = "", rate: int = 150, volume: float = 0.9, *, timeout_s: float = DEFAULT_TIMEOUT_S,
                 worker_command: Sequence[str] | None = None, scratch_dir: Path | None = None) -> None:
        self.voice, self.rate, self.volume = voice, int(rate), float(volume)
        self.timeout_s = timeout_s
        self.worker_command = tuple(worker_command or WORKER_COMMAND)
        self.scratch_dir = scratch_dir
        self.info = TtsInfo(EngineName.PYTTSX3, voice, ESPEAK_RATE)
        self._worker: _WorkerProcess | None = None
        self._lock = threading.Lock()
        self.worker_starts = 0  # how many worker processes this engine started

    def cache_key(self) -> list:
        # The same key as before Piper came (no engine name), so an upgrade keeps the user's cached lines.
        return [self.voice, self.rate, round(self.volume, 3)]

    def with_rate(self, rate: int) -> "Pyttsx3Engine":
        return Pyttsx3Engine(self.voice, rate, self.volume, timeout_s=self.timeout_s,
                             worker_command=self.worker_command, scratch_dir=self.scratch_dir)

    def synthesize(self, text: str) -> Audio:
        from assistant.audio.formats import read_wav

        folder = self._scratch()
        handle, name = tempfile.mkstemp(prefix=".espeak-", suffix=".part.wav", dir=folder)
        os.close(handle)
        part = Path(name)
        try:
            self._ask({"text": text, "voice": self.voice, "rate": self.rate, "volume": self.volume, "out": str(part)})
            pcm, fmt = read_wav(part)
        except AssistantError as exc:
            if exc.code.startswith("audio_"):  # the worker said ok but left no usable WAV
                raise fail("tts_failed", reason=exc.message) from exc
            raise
        finally:
            part.unlink(missing_ok=True)
        if fmt.width != 2 or fmt.channels != 1:
            raise fail("tts_failed", reason=f"espeak wrote {fmt.width * 8}-bit {fmt.channels}-channel audio")
        return Audio(pcm, fmt.rate)

    def synthesize_stream(self, text: str) -> Iterator[Audio]:
        yield self.synthesize(text)  # espeak makes a line in ~25 ms: nothing to gain from pieces

    def voices(self) -> list[VoiceInfo]:
        reply = self._ask({"cmd": "voices"})
        return [VoiceInfo(str(v["id"]), str(v["name"]), tuple(v.get("languages") or ()), EngineName.PYTTSX3)
                for v in reply["voices"]]

    def _scratch(self) -> Path:
        folder = self.scratch_dir
        if folder is None:
            from assistant.config import cache_dir, ensure_home

            ensure_home()
            folder = cache_dir() / "tts"
        try:
            for path in (folder.parent, folder):
                path.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(folder, 0o700)
        except OSError as exc:
            raise fail("tts_cache_unwritable", path=folder, reason=exc.strerror or exc) from exc
        return folder

    def _ask(self, message: dict[str, Any]) -> dict[str, Any]:
        """One request with a deadline; a hung or dead worker is killed and the request tried once more."""
        with self._lock:
            problem = ""
            for _attempt in range(2):
                worker = self._ensure_worker()
                try:
                    reply = worker.request(message, self.timeout_s)
                except TimeoutError:
                    problem = f"no answer within {self.timeout_s:g} s"
                    self._kill()
                    continue
                except EOFError as exc:
                    problem = str(exc)
                    self._kill()
                    continue
                if reply.get("ok"):
                    return reply
                if reply.get("code") == "voice_unknown":
                    raise fail("tts_voice_unknown", voice=self.voice)
                if reply.get("code") == "engine_failed":
                    self._kill()
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

    def _kill(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.kill()

    def close(self) -> None:
        with self._lock:
            self._kill()
