"""The synthesis worker process: ``python -m assistant.speech.tts.worker``.

pyttsx3 is kept out of the main process: its ``runAndWait`` can hang, must run in the thread that
created the engine, and its espeak driver plays ``say()`` through ``aplay``. Here it only ever does
``save_to_file`` + ``runAndWait`` in this process's main thread; the parent kills us on a timeout.

Protocol: one JSON object per line on stdin, one answer per line on stdout.
    {"text", "voice", "rate", "volume", "out"}  ->  {"ok": true, "out"} | {"ok": false, "code", "error"}
    {"cmd": "voices"}                         ->  {"ok": true, "voices": [{"id", "name", "languages"}]}
One engine is reused for every request (verified with pyttsx3 2.99: consecutive save_to_file calls
each write their own file); the voice is set on every request because espeak keeps the last one.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, TextIO


def _protocol_stdout() -> TextIO:
    """Our answers go to the real stdout; anything pyttsx3 prints ("Audio saved to ...") to stderr."""
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return answers


class Worker:
    def __init__(self) -> None:
        import pyttsx3

        self.engine = pyttsx3.init()
        self.default_voice = self.engine.getProperty("voice") or ""
        self._voices: list[Any] | None = None

    def voices(self) -> list[Any]:
        if self._voices is None:
            self._voices = list(self.engine.getProperty("voices"))
        return self._voices

    def find_voice(self, wanted: str) -> str | None:
        """A voice id for ``wanted`` (an id, a name or a language code); None if unknown.

        espeak silently keeps the previous voice when asked for an unknown one, so we check first.
        """
        if not wanted:
            return self.default_voice
        key = wanted.casefold()
        for matches in (
            lambda v: v.id.casefold() == key,
            lambda v: v.name.casefold() == key,
            lambda v: v.id.casefold().rsplit("/", 1)[-1] == key,
            lambda v: any(str(lang).casefold() == key for lang in (v.languages or [])),
        ):
            for voice in self.voices():
                if matches(voice):
                    return str(voice.id)
        return None

    @staticmethod
    def _synchronize() -> None:
        """Return when espeak-ng has done everything queued (its properties applied, nothing to cancel)."""
        from pyttsx3.drivers import _espeak

        _espeak.Synchronize()

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        if request.get("cmd") == "voices":
            found = [{"id": v.id, "name": v.name, "languages": [str(x) for x in (v.languages or [])]}
                     for v in self.voices()]
            return {"ok": True, "voices": found}
        if request.get("cmd") == "ping":
            return {"ok": True}
        text, out = str(request.get("text") or "").strip(), str(request.get("out") or "")
        if not text or not out:
            return {"ok": False, "code": "bad_request", "error": "text and out are required"}
        voice = self.find_voice(str(request.get("voice") or ""))
        if voice is None:
            return {"ok": False, "code": "voice_unknown", "error": f"unknown voice {request.get('voice')}"}
        self.engine.setProperty("voice", voice)
        self.engine.setProperty("rate", int(request.get("rate") or 150))
        volume = request.get("volume")  # 0 is a volume: only a missing one means the default
        self.engine.setProperty("volume", float(volume) if volume is not None else 1.0)
        # espeak-ng runs asynchronously here (AUDIO_OUTPUT_RETRIEVAL): a property is a command queued behind
        # whatever espeak still has to do, and every runAndWait starts with a stop() that cancels that queue
        # while espeak is busy, so a new rate was sometimes dropped and the line spoken at the last one.
        # Wait until espeak has applied them before any loop can cancel.
        self._synchronize()
        # Apply the properties in a loop of their own: queued together with save_to_file, a long first
        # utterance ends runAndWait early and its audio lands in the NEXT request's file (pyttsx3 2.99).
        self.engine.runAndWait()
        self.engine.save_to_file(text, out)
        self.engine.runAndWait()
        for _ in range(3):
            # pyttsx3 2.99's espeak loop sometimes ends before the utterance is written; the audio is
            # still pending and another (empty) loop writes it to this same file. Left alone, it
            # would land in the next request's file instead.
            if os.path.exists(out) and os.path.getsize(out) > 44:
                break
            self.engine.runAndWait()
        if not os.path.exists(out) or os.path.getsize(out) <= 44:
            return {"ok": False, "code": "empty_output", "error": "the engine wrote no audio"}
        return {"ok": True, "out": out}


def main() -> int:
    answers = _protocol_stdout()
    try:
        worker = Worker()
    except Exception as exc:  # pyttsx3/espeak missing or broken: say so once, then exit
        reply = {"ok": False, "code": "engine_failed", "error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(reply) + "\n")
        return 1
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = worker.handle(json.loads(line))
        except Exception as exc:  # one bad request must not take the worker down
            reply = {"ok": False, "code": "synth_failed", "error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
