"""Turn-taking, shared by both ways a session runs (one question per field: ``guided``; a reflection told in
one's own words: ``told``): where the conversation is, what has been answered, and how a turn is said and
listened for. Pure: no audio, speech or storage (see ``session``)."""

from __future__ import annotations

import datetime as dt
import string
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Callable, Union

from assistant.dialogue import crisis, extract
from assistant.dialogue.closed import grammar
from assistant.dialogue.readback import spoken
from assistant.dialogue.scripts import AS_SAID, Script, Step, placeholders
from assistant.events import AnswerKind, ConfirmMode, EventType, Listen, Say, SessionEvent
from assistant.text import data_file as data

MAX_RETRIES = 2  # unclear replies to a read-back or a skip offer, corrections at a summary
MAX_HINTS = 2  # re-asks with a hint after an unclear answer before skipping is offered
MAX_REASKS = 3  # the same question asked again in a row, in any way, before the session moves on kindly


@dataclass(frozen=True)
class Wait:
    """Stay quiet for ``seconds`` (a pause step), then go on with the next output."""

    seconds: float
    step_id: str = ""


@dataclass(frozen=True)
class Breathe:
    """Hand-off to the breathing exercise ``pattern``; go on with the next output when it is over."""

    pattern: str
    step_id: str = ""


Output = Union[Say, Listen, SessionEvent, Wait, Breathe]


class Turn(StrEnum):
    """What the session waits for."""

    IDLE = "idle"  # nothing: between steps
    ASK = "ask"  # the answer to a question
    CONFIRM = "confirm"  # yes or no to a read-back ("I heard 5. Is that right?")
    OFFER = "offer"  # yes or no to "shall we skip this one?"
    REFLECT = "reflect"  # a reflection told in one's own words
    SUMMARY = "summary"  # yes, or a correction, to the summary of a reflection
    DONE = "done"


def words(key: str, /, typed: bool = False, **values: Any) -> str:
    """A line from ``prompts/session.toml`` ``[say]``; for a person who types (``typed``) its ``[typed]``
    wording when the spoken one only fits speech ("say continue" → "type continue")."""
    lines = data("session.toml")
    template = lines["typed"].get(key, lines["say"][key]) if typed else lines["say"][key]
    return template.format(**values) if values else template


# Lines of [say] that do not depend on an answer, in the order a session is likely to need them.
_OPENING_SAY = ("first_run", "started", "resumed")
_FIXED_SAY = ("take_your_time", "retry_rating", "retry_out_of_range",
              "retry_yesno", "retry_duration", "retry_date", "retry_text", "retry_emotions", "confirm_again",
              "ask_again", "skip_offer", "skip_offer_again", "skipped", "help", "went_back",
              "no_earlier_question", "paused", "still_paused", "resumed_after_pause", "slower", "faster",
              "breathe", "stopped", "finished", "retry_negative_rating", "retry_negative_duration",
              "retry_invalid_date", "retry_past_date", "leave_it", "summary_check", "summary_what", "summary_again",
              "reflect_skipped")


def fixed_lines(script: Script, crisis_resources: str | None = None, typed: bool = False) -> list[str]:
    """Every line a session of ``script`` may say that needs no answer filled in: its steps, their help
    and re-asks, and the session's own lines (what the voice makes ahead while the first lines play).

    Lines with a ``{field}`` of an answer (read-backs, summaries) are left out: they are made when said.
    """
    lines: list[str] = []

    def add(text: str) -> None:
        if text and text.strip():
            lines.append(text)

    say = data("session.toml")["say"]
    for key in _OPENING_SAY:
        add(words(key, typed=typed))
    for step in script.steps:
        for text in (*step.words(typed), step.words(typed, short=True)[0]):
            if text and not placeholders(text):
                add(text.format())
        if step.type == "ask" and step.kind == AnswerKind.CHOICE:
            add(words("retry_choice", typed=typed, choices=", ".join(step.choices)))
    for key in _FIXED_SAY:
        if key in say and not placeholders(say[key]):
            add(words(key, typed=typed))
    add(words("crisis", resources=crisis_resources if crisis_resources is not None else words("crisis_resources")))
    add(crisis.say("ask"))
    return list(dict.fromkeys(lines))


class _Filler(string.Formatter):
    """Fills a line's ``{field}``: the answer in words, a text answer turned towards the person the way the
    summary does ("call my brother" → "Your next step: call your brother."); ``{field:said}`` keeps the words
    exactly as said (a sentence to say to someone, a quote)."""

    def __init__(self, said: dict[str, str], turned: dict[str, str]) -> None:
        self.said, self.turned = said, turned

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        return key  # the field's name; format_field picks its words

    def format_field(self, value: Any, format_spec: str) -> str:
        table = self.said if format_spec == AS_SAID else self.turned
        return table.get(value, data("session.toml")["spoken"]["missing"])


@dataclass
class Turns:
    """One conversation over a script: where it is, what was answered, and how it speaks and listens."""

    script: Script
    session_id: str
    confirm: ConfirmMode
    answers: dict[str, Any]
    position: int
    clock: Callable[[], float]
    today: Callable[[], dt.date]
    resources: str  # the crisis line and resources, as said
    first_run: bool
    day_first: bool  # typed numeric dates: 10/12 is the 10th of December (see parse.parse_date)
    typed: bool  # answers are typed: lines that only fit speech have their typed wording
    familiar: frozenset[str] = frozenset()  # ids of this script's steps the person answered in earlier sessions
    mode: Turn = Turn.IDLE
    paused: bool = False
    attempts: int = 0  # unclear answers to the open question
    silences: int = 0
    unclear: int = 0  # unclear replies to the current confirmation or skip offer
    reasks: int = 0  # the open question asked again in a row (hints, read-backs, skip offers ...)
    history: list[int] = field(default_factory=list)  # positions of the questions asked, for "go back"
    rounds: dict[str, int] = field(default_factory=dict)
    round: int = 1
    coached: set[str] = field(default_factory=set)  # coach patterns offered already
    current: tuple[str, Listen] | None = None  # the prompt "repeat" says again
    reflected: Step | None = None  # the reflect step answered in this session
    let_go: set[str] = field(default_factory=set)  # follow-up questions skipped after the reflection
    rate_delta: int = 0

    def __post_init__(self) -> None:
        steps = self.script.steps
        self.kinds: dict[str, str] = {f: extract.KINDS.get(src, AnswerKind.TEXT) for s in steps
                                      if s.type == "reflect" for f, src in s.fills}
        self.kinds |= {s.field: s.kind for s in steps if s.type == "ask"}
        self.labels = {s.field: s.label for s in steps if s.type == "ask" and s.label}

    @property
    def step(self) -> Step | None:
        steps = self.script.steps
        return steps[self.position] if self.position < len(steps) else None

    def asked(self) -> Step:
        """The question being answered (only called while one is asked)."""
        step = self.step
        assert step is not None, "no question is being asked"
        return step

    def applies(self, step: Step) -> bool:
        """Whether ``step`` is taken: its ``when`` is true of the answers so far and the session's flags."""
        return step.when is None or step.when.evaluate(self.answers | {"first_session": self.first_run})

    def next(self, step: Step) -> None:
        """Move past ``step``: on to the next one, or back to the start of a rehearsal round."""
        repeat = step.repeat
        done = self.rounds.get(step.id, 1)
        if repeat and done < repeat.rounds and (repeat.condition is None or repeat.condition.evaluate(self.answers)):
            self.rounds[step.id] = self.round = done + 1
            self.position = self.script.index_of(repeat.start)
        else:
            if repeat:
                self.rounds.pop(step.id, None)
                self.round = 1
            self.position += 1

    def remember_asked(self) -> None:
        """The question at the current position is asked: "go back" returns to it."""
        if not self.history or self.history[-1] != self.position:
            self.history.append(self.position)

    # --- saying and listening ----------------------------------------------------------------------

    def prompt(self, out: list[Output], text: str, listen: Listen, before: tuple[str, ...] = ()) -> None:
        self.current = (text, listen)
        for line in before:
            self.say(out, line)
        self.say(out, text)
        out.append(listen)

    def reprompt(self, out: list[Output], before: str = "") -> None:
        """Say ``before``, then the current question (or confirmation, or skip offer) again."""
        if self.current is None:
            return
        self.prompt(out, self.current[0], self.current[1], (before,) if before else ())

    def listen(self, kind: str) -> Listen:
        step = self.step
        choices = step.choices if step and kind == AnswerKind.CHOICE else ()
        return Listen(step.field if step else "", kind, grammar(kind, choices), step.id if step else "", choices)

    def say(self, out: list[Output], text: str) -> None:
        if text and text.strip():
            out.append(Say(text, self.rate_delta))

    def event(self, kind: EventType, step: Step | None = None, **values: Any) -> SessionEvent:
        if step is not None and step.type in ("ask", "reflect"):
            values.update(step_id=step.id, field=step.field, kind=step.kind)
        elif step is not None:
            values.update(step_id=step.id)
        return SessionEvent(kind, self.session_id, self.script.name, at=self.clock(), **values)

    def words(self, key: str, **values: Any) -> str:
        return words(key, typed=self.typed, **values)

    def heard_before(self, step: Step) -> bool:
        """Whether the person met ``step`` in an earlier session, so its ``short`` wording is enough: they
        answered it before or, for a step that takes no answer (a welcome), anything in this script."""
        return step.id in self.familiar if step.type in ("ask", "reflect") else bool(self.familiar)

    def text(self, step: Step) -> str:
        return step.words(self.typed, short=self.heard_before(step))[0]

    def fill(self, text: str) -> str:
        said = {name: spoken(self.kinds.get(name, ""), v) for name, v in self.answers.items()}
        said["round"] = str(self.round)
        turned = {name: extract.towards_you(words) if self.kinds.get(name) == AnswerKind.TEXT and words else words
                  for name, words in said.items()}
        return _Filler(said, turned).format(text)
