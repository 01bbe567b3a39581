"""Wires a guided session to the outside: answers in (voice, typed or audio files), speech and
storage out. The session itself (``session.py``) knows nothing of any of this.

    source ──Heard──▶ session ──Say──▶ voice (caption + tts + speaker)
                              ──Listen──▶ source (what kind of answer, which grammar)
                              ──SessionEvent──▶ store (written at once) and on_event

Every answer source feeds the same session; ``FileAnswers`` and ``MicAnswers`` go through the
real recognition path (engine → answer endpointing), so ``--audio-in`` is the voice path minus the
microphone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from assistant.events import Listen, Say, SessionEvent, Transcript


@dataclass(frozen=True)
class Heard:
    """One answer: the words, and the transcript they came from (None when typed)."""

    text: str
    transcript: Transcript | None = None


class EndOfInput(Exception):
    """The answer source ran dry (typed input closed, no more audio files)."""


class AnswerSource(Protocol):
    def answer(self, listen: Listen) -> Heard | None:
        """The next answer; None when nothing was said. Raises EndOfInput when input is over."""


class TypedAnswers:
    """Answers typed at a prompt (``--text``), or any iterable of lines (tests)."""

    def __init__(self, lines: Iterable[str] | None = None, prompt: Callable[[], str] | None = None) -> None:
        self._lines: Iterator[str] | None = iter(lines) if lines is not None else None
        self._prompt = prompt

    def answer(self, listen: Listen) -> Heard | None:
        import click

        try:
            if self._lines is not None:
                line = next(self._lines)
            else:
                line = (self._prompt or _read_line)()
        except (StopIteration, EOFError, click.exceptions.Abort):  # click.prompt aborts on end of input
            raise EndOfInput from None
        line = line.strip()
        return Heard(line) if line else None


def _read_line() -> str:
    import click

    from assistant.text import t

    return click.prompt(t("pipeline.typed_prompt"), default="", show_default=False, prompt_suffix=" ")


def _recognise(engine, chunks: Iterable[bytes], listen: Listen, endpoint, on_partial=None) -> Heard | None:
    from assistant.speech.stt.endpoint import listen as listen_for_answer

    grammar = list(listen.grammar) if listen.grammar else None
    answer = listen_for_answer(chunks, engine.recognizer(grammar=grammar, partials=on_partial is not None),
                               endpoint, on_partial)
    if not answer.text:
        return None
    return Heard(answer.text, answer.transcript)


class FileAnswers:
    """``--audio-in FILE...``: one recording per question asked, through the real recognizer."""

    def __init__(self, engine, files: Sequence[str], endpoint=None) -> None:
        self.engine, self.files, self.endpoint = engine, list(files), endpoint
        self.used = 0

    def answer(self, listen: Listen) -> Heard | None:
        from assistant.audio.formats import chunk_bytes, load_for_recognition

        if self.used >= len(self.files):
            raise EndOfInput
        path = self.files[self.used]
        self.used += 1
        pcm = load_for_recognition(path)
        return _recognise(self.engine, (c.audio for c in chunk_bytes(pcm, seconds=0.1)), listen, self.endpoint)


class MicAnswers:
    """Spoken answers through the microphone; the mic is gated while the assistant speaks.

    Recorded audio is kept only when the person turned on ``keep_audio`` (``keep_audio=None`` reads
    the setting): each answer as ``home/audio/<UTC time>-<field>.wav``, 0600 in a 0700 folder.
    Otherwise the audio lives in memory for the length of one answer and is never written.
    """

    def __init__(self, engine, microphone, endpoint=None, on_partial=None, keep_audio: bool | None = None) -> None:
        self.engine, self.mic, self.endpoint, self.on_partial = engine, microphone, endpoint, on_partial
        if keep_audio is None:
            from assistant.config import Settings

            keep_audio = Settings.load().keep_audio
        self.keep_audio = keep_audio
        self.kept: list[str] = []  # paths written this run

    def answer(self, listen: Listen) -> Heard | None:
        self.mic.flush()  # nothing heard before the question ended belongs to the answer
        heard_audio: list[bytes] = []
        chunks = (c.audio for c in self.mic.chunks())
        if self.keep_audio:
            chunks = _recorded(chunks, heard_audio)
        heard = _recognise(self.engine, chunks, listen, self.endpoint, self.on_partial)
        if self.keep_audio and heard_audio:
            self.kept.append(str(keep_answer_audio(b"".join(heard_audio), listen.field or "answer")))
        return heard


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
    from assistant.errors import fail

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
        raise fail("audio_keep_unwritable", path=path, reason=exc.strerror or exc) from exc
    return path


@dataclass
class RunResult:
    status: str  # finished | stopped | flagged | interrupted (input ran out)
    session_id: str
    answers: int


class Runner:
    """Drives one session to its end.

    ``wait(seconds)`` serves pause steps (a no-op for recorded answers); ``breathe(pattern)`` runs the
    breathing exercise when a script hands off to it. ``Say.rate_delta`` is the speech-rate offset in
    force (absolute, not a step), passed to ``voice.set_rate_offset`` when the voice supports it.
    """

    def __init__(self, session, source: AnswerSource, voice, store=None,
                 on_event: Callable[[SessionEvent], None] | None = None,
                 wait: Callable[[float], None] | None = None,
                 breathe: Callable[[str], None] | None = None) -> None:
        self.session, self.source, self.voice, self.store, self.on_event = session, source, voice, store, on_event
        self.wait, self.breathe = wait, breathe
        self.answers = 0
        self.status = "in_progress"

    def _emit(self, outputs) -> Listen | None:
        from assistant.dialogue.session import Breathe, Wait

        listen = None
        for out in outputs:
            if isinstance(out, Say):
                set_offset = getattr(self.voice, "set_rate_offset", None)
                if set_offset:
                    set_offset(out.rate_delta)
                if out.text:
                    self.voice.say(out.text)
            elif isinstance(out, Listen):
                listen = out
            elif isinstance(out, SessionEvent):
                if self.store is not None:
                    self.store.record(out)  # written before anything else happens: nothing confirmed is lost
                if out.type == "answer":
                    self.answers += 1
                if out.type in ("finished", "stopped", "flagged"):
                    self.status = "flagged" if out.type == "flagged" or self.status == "flagged" else out.type
                if self.on_event:
                    self.on_event(out)
            elif isinstance(out, Wait) and self.wait:
                self.wait(out.seconds)
            elif isinstance(out, Breathe) and self.breathe:
                self.breathe(out.pattern)
        return listen

    def run(self) -> RunResult:
        listen = self._emit(self.session.start())
        while not self.session.done:
            if listen is None:  # the session asked nothing: nothing more can happen
                break
            try:
                heard = self.source.answer(listen)
            except EndOfInput:
                self._emit(self.session.interrupt())
                if self.status == "in_progress":
                    self.status = "interrupted"
                break
            if heard is None:
                listen = self._emit(self.session.silence()) or listen
            else:
                listen = self._emit(self.session.hear(heard.transcript or heard.text)) or listen
        return RunResult(self.status, self.session.session_id, self.answers)
