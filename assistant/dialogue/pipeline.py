"""Drives a guided session between an answer source, a voice and a journal, all given as small
contracts. The session itself (``session.py``) knows nothing of any of this, and this loop knows
nothing of how answers are heard or lines are spoken (``practice.sources`` has the real sources).

    source ──Heard──▶ session ──Say──▶ voice (caption + tts + speaker)
                              ──Listen──▶ source (what kind of answer, which grammar)
                              ──SessionEvent──▶ store (written at once) and on_event
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from assistant.events import EventType, Listen, Say, SessionEvent, Transcript


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


class Voice(Protocol):
    def say(self, text: str) -> object:
        """Say ``text`` (and show it as a caption)."""


class Journal(Protocol):
    def record(self, event: SessionEvent) -> None:
        """Write ``event`` before anything else happens (nothing confirmed is lost)."""


@dataclass
class RunResult:
    status: str  # finished | stopped | flagged | interrupted (input ran out)
    session_id: str
    answers: int


class Runner:
    """Drives one session to its end.

    ``wait(seconds)`` serves pause steps (a no-op for recorded answers); ``breathe(pattern)`` runs the
    breathing exercise when a script hands off to it, and returns what the person said during it that the
    session must hear at once (crisis words), or None; the outputs after the hand-off are then dropped.
    ``Say.rate_delta`` is the speech-rate offset in force (absolute, not a step), passed to
    ``voice.set_rate_offset`` when the voice supports it.
    """

    def __init__(self, session, source: AnswerSource, voice: Voice, store: Journal | None = None,
                 on_event: Callable[[SessionEvent], None] | None = None,
                 wait: Callable[[float], None] | None = None,
                 breathe: Callable[[str], Heard | None] | None = None) -> None:
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
                if out.type == EventType.ANSWER:
                    self.answers += 1
                if out.type in (EventType.FINISHED, EventType.STOPPED, EventType.FLAGGED):
                    flagged = out.type == EventType.FLAGGED or self.status == "flagged"
                    self.status = "flagged" if flagged else out.type
                if self.on_event:
                    self.on_event(out)
            elif isinstance(out, Wait) and self.wait:
                self.wait(out.seconds)
            elif isinstance(out, Breathe) and self.breathe:
                said = self.breathe(out.pattern)
                if said is not None:  # something said during the exercise (crisis words) is heard now
                    return self._emit(self.session.hear(said.transcript or said.text))
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
