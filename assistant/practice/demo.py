"""``assistant demo``: a debrief answered by synthetic speech (espeak-ng voices) through the real
recogniser and stored — the whole pipeline on a machine without a microphone.

``SpokenAnswers`` is also what the tests use to run every script in audio-file mode: it answers each
``Listen`` with words from ``prompts/demo.toml``, speaks them to a WAV with espeak-ng, and feeds that
through ``FileAnswers`` exactly like ``--audio-in``.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Callable

from assistant.events import Listen
from assistant.text import fail


def data() -> dict[str, Any]:
    """``prompts/demo.toml`` (through the one loader, ``text.data_file``)."""
    from assistant.text import data_file

    return data_file("demo.toml")


def espeak_wav(text: str, path: Path, voice: str, speed: int) -> Path:
    """Speak ``text`` into a 16 kHz mono WAV padded with silence, as a recorded answer would be."""
    from assistant.audio.formats import load_for_recognition, silence, write_wav

    if not shutil.which("espeak-ng"):
        raise fail("espeak_missing")
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True,
                   capture_output=True)
    write_wav(path, silence(0.6) + load_for_recognition(raw) + silence(0.6))
    raw.unlink()
    return path


class SpokenAnswers:
    """Answers each question by synthetic speech through the real recognition path."""

    def __init__(self, engine, kinds: dict[str, str], answers: dict[str, str] | None = None,
                 on_say: Callable[[str, str], None] | None = None, ear=None) -> None:
        from assistant.practice.sources import FileAnswers

        self.kinds, self.on_say = kinds, on_say
        self.answers = dict(data()["answers"]) if answers is None else answers
        self._dir = Path(tempfile.mkdtemp(prefix="assistant-demo-"))
        self._files = FileAnswers(engine, [], ear)
        self.count = 0

    def text_for(self, listen: Listen) -> str:
        asked_kind = self.kinds.get(listen.field, listen.kind)
        if (listen.kind == "yesno" and asked_kind != "yesno") or listen.kind == "correction":
            return data()["confirm"]  # a read-back confirmation, an offer, or the summary of a reflection
        return self.answers.get(listen.field) or data()["by_kind"].get(listen.kind, data()["by_kind"]["text"])

    def answer(self, listen: Listen):
        text = self.text_for(listen)
        voices = data()["voices"]
        voice = voices[self.count % len(voices)]
        self.count += 1
        if self.on_say:
            self.on_say(voice, text)
        path = espeak_wav(text, self._dir / f"answer-{self.count:03d}.wav", voice, int(data()["speed"]))
        self._files.files.append(str(path))
        return self._files.answer(listen)

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


def kinds_of(script) -> dict[str, str]:
    return {s.field: s.kind for s in script.steps if s.type == "ask"}
