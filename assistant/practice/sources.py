"""Where answers come from: typed lines, recorded files, or the microphone.

``FileAnswers`` and ``MicAnswers`` go through the real recognition path (engine → answer endpointing,
both set per answer kind by ``practice.hearing.Ear``), so ``--audio-in`` is the voice path minus the
microphone. Each is an ``AnswerSource`` for ``dialogue.pipeline.Runner``.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, Sequence

from assistant.dialogue.pipeline import EndOfInput, Heard
from assistant.events import Listen
from assistant.practice.hearing import Ear, heard


class TypedAnswers:
    """Answers typed at a prompt (``--text``: ``read_line`` is the console's), or any iterable of lines.

    ``read_line`` raises EOFError when input is over.
    """

    def __init__(self, lines: Iterable[str] | None = None, read_line: Callable[[], str] | None = None) -> None:
        if lines is None and read_line is None:
            raise ValueError("TypedAnswers needs lines or a read_line")
        self._lines: Iterator[str] | None = iter(lines) if lines is not None else None
        self._read_line = read_line

    def answer(self, listen: Listen) -> Heard | None:
        try:
            line = next(self._lines) if self._lines is not None else self._read_line()  # type: ignore[misc]
        except (StopIteration, EOFError):
            raise EndOfInput from None
        line = line.strip()
        return Heard(line) if line else None


class FileAnswers:
    """``--audio-in FILE...``: one recording per question asked, through the real recognizer."""

    def __init__(self, engine, files: Sequence[str], ear: Ear | None = None) -> None:
        self.engine, self.files, self.ear = engine, list(files), ear or Ear()
        self.used = 0

    def answer(self, listen: Listen) -> Heard | None:
        from assistant.audio.formats import chunk_bytes, load_for_recognition

        if self.used >= len(self.files):
            raise EndOfInput
        path = self.files[self.used]
        self.used += 1
        pcm = load_for_recognition(path)
        return heard(self.ear.hear(self.engine, (c.audio for c in chunk_bytes(pcm, seconds=0.1)), listen,
                                   recorded=True))


class MicAnswers:
    """Spoken answers through the microphone; the mic is gated while the assistant speaks.

    Recorded audio is kept only when the person turned on ``keep_audio`` (``keep_audio=None`` reads
    the setting): each answer as ``home/audio/<UTC time>-<field>.wav``, 0600 in a 0700 folder.
    Otherwise the audio lives in memory for the length of one answer and is never written.
    """

    def __init__(self, engine, microphone, ear: Ear | None = None, on_partial=None,
                 keep_audio: bool | None = None) -> None:
        self.engine, self.mic, self.ear, self.on_partial = engine, microphone, ear or Ear(), on_partial
        if keep_audio is None:
            from assistant.config import Settings

            keep_audio = Settings.load().keep_audio
        self.keep_audio = keep_audio
        self.kept: list[str] = []  # paths written this run

    def answer(self, listen: Listen) -> Heard | None:
        self.mic.flush()  # nothing heard before the question ended belongs to the answer
        heard_audio: list[bytes] = []
        chunks: Iterator[bytes] = (c.audio for c in self.mic.chunks())
        if self.keep_audio:
            chunks = _recorded(chunks, heard_audio)
        answer = heard(self.ear.hear(self.engine, chunks, listen, self.on_partial))
        if self.keep_audio and heard_audio:
            self.kept.append(str(keep_answer_audio(b"".join(heard_audio), listen.field or "answer")))
        return answer


def _recorded(chunks: Iterable[bytes], into: list[bytes]) -> Iterator[bytes]:
    for chunk in chunks:
        into.append(chunk)
        yield chunk


def keep_answer_audio(pcm16: bytes, field: str):
    """Write one answer's audio (16 kHz mono) privately under ``home/audio``; returns the path."""
    import os
    import re
    from datetime import datetime, timezone

    from assistant.audio.formats import wav_bytes
    from assistant.config import ensure_home
    from assistant.text import fail

    folder = ensure_home() / "audio"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{re.sub(r'[^a-z0-9_]', '_', field.lower())[:40]}.wav"
    try:
        folder.mkdir(exist_ok=True, mode=0o700)
        os.chmod(folder, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(wav_bytes(pcm16))
    except OSError as exc:
        raise fail("audio_keep_unwritable", path=path, reason=exc) from exc
    return path
