"""The dialogue state machine: a script and what the person says in, things to say and events out.

Knows nothing about audio, speech engines or storage (it imports none of them)::

    session = Session(load_script("debrief"), session_id, confirm="ratings")
    outputs = session.start()              # [SessionEvent(started), Say(...), Listen(...)]
    outputs = session.hear(transcript)     # one final answer utterance (Transcript or str)
    outputs = session.silence()            # no answer came before the timeout
    session.done, session.answers, session.position, session.rate_delta

Outputs come in order and the pipeline handles each in turn: ``Say`` → speak (with ``Say.rate_delta``),
``Listen`` → wait for one answer of ``Listen.kind`` (``grammar`` for constrained recognition; kind
``"command"`` while paused), ``SessionEvent`` → store, ``Wait(seconds)`` → stay quiet (a pause step),
``Breathe(pattern)`` → run the breathing exercise now, then carry on with the outputs after it.

Every utterance meets the crisis check first (``coach.is_crisis``): on a hit the session speaks the crisis
message, emits ``flagged`` ({"reason": "crisis"}) and ``stopped``, and is done. Then commands
(``parse.match_command``: repeat, skip, back, pause, resume, stop, help, slower, faster), then the answer.
Closed answers that do not parse are asked again with a hint at most twice, then skipping is offered.
An ``answer`` event is emitted only once the answer is final (confirmed, when confirmation applies:
``confirm="ratings"`` confirms ratings, ``"always"`` every answer, ``"never"`` none, ``"auto"`` a rating
that was heard (not typed) with a confidence below ``[settings] confirm_below``; a step's own ``confirm``
wins). Skipping clears the field in ``answers``. After a text answer the language coach may
add one gentle reframe, stored in the answer event's ``detail["coach"]``.

Resume: pass the earlier ``answers`` and the ``position`` (index of the step to continue from, as given
in the ``stopped`` event's ``detail["position"]``); ``start()`` then emits ``resumed``.
All wording comes from ``prompts/session.toml`` and the script.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Callable, Union

from assistant.dialogue import coach, parse
from assistant.dialogue.scripts import Script, Step, placeholders
from assistant.events import Listen, Say, SessionEvent, Transcript
from assistant.text import data_file as data

CONFIRM_MODES = ("auto", "always", "ratings", "never")
MAX_RETRIES = 2  # re-asks after an unclear answer before skipping is offered
_CORRECTABLE = ("rating", "choice", "duration", "date")  # "no, it was a six" corrects these


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


def words(key: str, **values: Any) -> str:
    """A line from ``prompts/session.toml`` ``[say]``."""
    template = data("session.toml")["say"][key]
    return template.format(**values) if values else template


class _Fill(dict):
    def __missing__(self, key: str) -> str:
        return data("session.toml")["spoken"]["missing"]


class Session:
    def __init__(
        self,
        script: Script,
        session_id: str,
        *,
        confirm: str = "ratings",
        answers: dict[str, Any] | None = None,
        position: int = 0,
        clock: Callable[[], float] = time.time,
        today: Callable[[], dt.date] | None = None,
        crisis_resources: str | None = None,
        first_run: bool = False,
    ) -> None:
        if confirm not in CONFIRM_MODES:
            raise ValueError(f"confirm must be one of {CONFIRM_MODES}")
        self.script, self.session_id, self.confirm = script, session_id, confirm
        self._answers: dict[str, Any] = dict(answers or {})
        self._position = max(0, min(position, len(script.steps)))
        self._resuming = bool(answers) or position > 0
        self._clock = clock
        self._today = today or (lambda: dt.date.fromtimestamp(self._clock()))
        self._resources = crisis_resources if crisis_resources is not None else words("crisis_resources")
        self._first_run = first_run
        self._kinds = {s.field: s.kind for s in script.steps if s.type == "ask"}
        self._mode = "idle"  # idle | ask | confirm | offer | done
        self._paused = False
        self._attempts = self._silences = 0
        self._pending: tuple[Any, str, Transcript | None] | None = None
        self._history: list[int] = []  # positions of the questions asked, for "go back"
        self._rounds: dict[str, int] = {}
        self._round = 1
        self._coached: set[str] = set()
        self._current: tuple[str, Listen] | None = None  # the prompt "repeat" says again
        self.rate_delta = 0

    # --- public ----------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self._mode == "done"

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self._answers)

    @property
    def position(self) -> int:
        return self._position

    @property
    def step(self) -> Step | None:
        steps = self.script.steps
        return steps[self._position] if self._position < len(steps) else None

    def start(self) -> list[Output]:
        out: list[Output] = []
        if self._resuming:
            out.append(self._event("resumed", detail={"position": self._position}))
            self._say(out, words("resumed"))
        else:
            out.append(self._event("started", detail={"position": self._position}))
            self._say(out, words("started"))
        if self._first_run:
            self._say(out, words("first_run"))
        self._advance(out)
        return out

    def hear(self, transcript: Transcript | str) -> list[Output]:
        if self.done:
            return []
        said = transcript if isinstance(transcript, Transcript) else None
        text = transcript.text if isinstance(transcript, Transcript) else str(transcript)
        if not text.strip():
            return self.silence()
        out: list[Output] = []
        if coach.is_crisis(text):
            self._crisis(out, text, said)
            return out
        command = parse.match_command(text)
        if self._paused:
            if command in ("resume", "stop"):
                self._command(out, command)
            else:
                self._say(out, words("still_paused"))
                out.append(self._listen("command"))
            return out
        if command:
            self._command(out, command)
        elif self._mode == "ask":
            self._answer(out, text, said)
        elif self._mode == "confirm":
            self._confirm(out, text, said)
        elif self._mode == "offer":
            self._offer(out, text, said)
        return out

    def silence(self) -> list[Output]:
        if self.done:
            return []
        out: list[Output] = []
        if self._paused:
            out.append(self._listen("command"))
            return out
        self._silences += 1
        step = self.step
        if self._mode == "offer" or (self._mode == "ask" and step.optional and self._silences > 1):
            self._skip(out)
        elif self._mode == "ask" and self._silences == 1:
            self._reprompt(out, words("take_your_time"))
        elif self._mode == "confirm" and self._silences <= 2:
            self._reprompt(out, words("take_your_time"))
        else:
            self._offer_skip(out)
        return out

    def interrupt(self) -> list[Output]:
        """The input ran out mid-session: stop quietly, keeping the position for a resume."""
        out: list[Output] = []
        if not self.done:
            self._finish(out, "stopped", {"reason": "interrupted", "position": self._position})
        return out

    # --- flow ------------------------------------------------------------------------------------

    def _advance(self, out: list[Output]) -> None:
        """Run steps from the current position until a question waits for an answer, or the end."""
        steps = self.script.steps
        while self._position < len(steps):
            step = steps[self._position]
            if step.when and not step.when.evaluate(self._answers):
                self._position += 1
                continue
            if step.type == "ask":
                self._ask(out, step)
                return
            if step.type == "readback" and any(n not in self._answers for n in placeholders(step.text) if n != "round"):
                pass  # nothing to read back
            elif step.type in ("say", "readback"):
                self._say(out, self._fill(step.text))
            elif step.type == "pause":
                self._say(out, self._fill(step.text))
                out.append(Wait(step.seconds, step.id))
            elif step.type == "breathe":
                self._say(out, self._fill(step.text) or words("breathe"))
                out.append(Breathe(step.pattern, step.id))
            self._next(step)
        self._mode = "done"
        if self.script.closing:
            self._say(out, words("finished"))
        out.append(self._event("finished"))

    def _next(self, step: Step) -> None:
        """Move past ``step``: on to the next one, or back to the start of a rehearsal round."""
        repeat = step.repeat
        done = self._rounds.get(step.id, 1)
        if repeat and done < repeat.rounds and (repeat.condition is None or repeat.condition.evaluate(self._answers)):
            self._rounds[step.id] = self._round = done + 1
            self._position = self.script.index_of(repeat.start)
        else:
            if repeat:
                self._rounds.pop(step.id, None)
                self._round = 1
            self._position += 1

    def _ask(self, out: list[Output], step: Step, before: tuple[str, ...] = ()) -> None:
        self._mode, self._attempts, self._silences, self._pending = "ask", 0, 0, None
        if not self._history or self._history[-1] != self._position:
            self._history.append(self._position)
        self._prompt(out, self._fill(step.text), self._listen(step.kind), before)

    def _answer(self, out: list[Output], text: str, said: Transcript | None) -> None:
        step = self.step
        result = parse.parse_answer(step.kind, text, choices=step.choices, today=self._today())
        if result.ok:
            self._accept(out, step, result.value, text, said)
            return
        self._attempts += 1
        if self._attempts > MAX_RETRIES:
            self._offer_skip(out)
            return
        hint = "retry_out_of_range" if result.problem == "out_of_range" else f"retry_{step.kind}"
        self._prompt(out, self._fill(step.text), self._listen(step.kind), (words(hint, choices=", ".join(step.choices)),))

    def _accept(self, out: list[Output], step: Step, value: Any, text: str, said: Transcript | None) -> None:
        if not self._needs_confirm(step, said):
            self._store(out, step, value, text, said)
            return
        self._mode, self._silences, self._pending = "confirm", 0, (value, text, said)
        answer = " ".join(text.split()) if step.kind in ("text", "emotions") and not value else parse.spoken(step.kind, value)
        if isinstance(step.confirm, str):
            question = step.confirm.format(answer=answer)
        else:
            question = words("confirm_text" if step.kind == "text" else "confirm_value", answer=answer)
        self._prompt(out, question, self._listen("yesno"))

    def _needs_confirm(self, step: Step, said: Transcript | None) -> bool:
        if step.confirm is not None:
            return step.confirm is not False
        if self.confirm == "auto":  # typed answers are never read back; heard ratings when the ear was unsure
            unsure = said is not None and (said.conf is None or said.conf < data("session.toml")["settings"]["confirm_below"])
            return step.kind == "rating" and unsure
        return self.confirm == "always" or (self.confirm == "ratings" and step.kind == "rating")

    def _confirm(self, out: list[Output], text: str, said: Transcript | None) -> None:
        step, (value, first_text, first_said) = self.step, self._pending
        reply = parse.parse_yesno(text)
        if reply.ok and reply.value:
            self._store(out, step, value, first_text, first_said)
            return
        correction = parse.parse_answer(step.kind, text, choices=step.choices, today=self._today())
        if step.kind in _CORRECTABLE and correction.ok and correction.value != value:
            self._accept(out, step, correction.value, text, said)  # "no, it was a six"
        elif reply.ok:  # a plain "no": ask the question again
            self._ask(out, step, (words("ask_again"),))
        else:
            self._reprompt(out, words("confirm_again"))

    def _offer_skip(self, out: list[Output]) -> None:
        self._mode, self._silences = "offer", 0
        self._prompt(out, words("skip_offer"), self._listen("yesno"))

    def _offer(self, out: list[Output], text: str, said: Transcript | None) -> None:
        step = self.step
        reply = parse.parse_yesno(text)
        if reply.ok and reply.value:
            self._skip(out)
        elif reply.ok:
            self._ask(out, step, (words("ask_again"),))
            self._attempts = MAX_RETRIES  # one more try, then the offer again
        else:
            answer = parse.parse_answer(step.kind, text, choices=step.choices, today=self._today())
            if answer.ok and step.kind != "text":  # they answered the question instead
                self._accept(out, step, answer.value, text, said)
            else:
                self._prompt(out, words("skip_offer_again"), self._listen("yesno"))

    def _store(self, out: list[Output], step: Step, value: Any, text: str, said: Transcript | None) -> None:
        self._answers[step.field] = value
        detail: dict[str, Any] = {}
        if self._round > 1:
            detail["round"] = self._round
        if step.kind == "emotions":
            detail["families"] = parse.families(value)
        suggestion = coach.suggest(text, self._coached) if step.kind == "text" else None
        if suggestion:
            detail["coach"] = suggestion.to_dict()
            self._coached.add(suggestion.pattern)
        out.append(self._event("answer", step=step, value=value, text=text, transcript=said, detail=detail))
        if suggestion:
            self._say(out, suggestion.text)
        self._mode, self._pending = "idle", None
        self._next(step)
        detail["position"] = self._position  # where a resume after a crash continues
        self._advance(out)

    def _skip(self, out: list[Output]) -> None:
        step = self.step
        self._answers.pop(step.field, None)
        event = self._event("skipped", step=step)
        out.append(event)
        self._say(out, words("skipped"))
        self._mode, self._pending = "idle", None
        self._next(step)
        event.detail["position"] = self._position
        self._advance(out)

    # --- commands --------------------------------------------------------------------------------

    def _command(self, out: list[Output], command: str) -> None:
        if command == "stop":
            self._say(out, words("stopped"))
            self._finish(out, "stopped", {"position": self._position})
        elif command == "pause":
            self._paused = True
            out.append(self._event("paused", step=self.step))
            self._say(out, words("paused"))
            out.append(self._listen("command"))
        elif command == "resume" and self._paused:
            self._paused = False
            out.append(self._event("resumed", step=self.step, detail={"position": self._position}))
            self._reprompt(out, words("resumed_after_pause"))
        elif command == "skip":
            self._skip(out)
        elif command == "back":
            self._back(out)
        elif command == "help":
            help_text = self.step.help if self._mode == "ask" and self.step.help else words("help")
            self._reprompt(out, help_text)
        elif command in ("slower", "faster"):
            settings = data("session.toml")["settings"]
            change = -settings["rate_step"] if command == "slower" else settings["rate_step"]
            self.rate_delta = max(settings["rate_min"], min(settings["rate_max"], self.rate_delta + change))
            out.append(self._event("setting", step=self.step, detail={"rate_delta": self.rate_delta}))
            self._reprompt(out, words(command))
        else:  # repeat, or "continue" when nothing is paused
            self._reprompt(out)

    def _back(self, out: list[Output]) -> None:
        if self._history and self._history[-1] == self._position:
            self._history.pop()
        target = self._history.pop() if self._history else self._answered_before(self._position)
        if target is None:
            self._reprompt(out, words("no_earlier_question"))
            return
        self._position = target
        self._ask(out, self.script.steps[target], (words("went_back"),))

    def _answered_before(self, position: int) -> int | None:
        """After a resume there is no history: the last earlier question that has an answer."""
        for step in reversed(self.script.steps[:position]):
            if step.type == "ask" and step.field in self._answers:
                return step.index
        return None

    def _crisis(self, out: list[Output], text: str, said: Transcript | None) -> None:
        self._say(out, words("crisis", resources=self._resources))
        out.append(self._event("flagged", step=self.step, text=text, transcript=said, detail={"reason": "crisis"}))
        self._finish(out, "stopped", {"reason": "crisis", "position": self._position})

    def _finish(self, out: list[Output], kind: str, detail: dict[str, Any]) -> None:
        out.append(self._event(kind, step=self.step, detail=detail))
        self._mode, self._paused = "done", False

    # --- output helpers --------------------------------------------------------------------------

    def _prompt(self, out: list[Output], text: str, listen: Listen, before: tuple[str, ...] = ()) -> None:
        self._current = (text, listen)
        for line in before:
            self._say(out, line)
        self._say(out, text)
        out.append(listen)

    def _reprompt(self, out: list[Output], before: str = "") -> None:
        """Say ``before``, then the current question (or confirmation, or skip offer) again."""
        if self._current is None:
            return
        self._prompt(out, self._current[0], self._current[1], (before,) if before else ())

    def _listen(self, kind: str) -> Listen:
        step = self.step
        choices = step.choices if step and kind == "choice" else ()
        return Listen(step.field if step else "", kind, parse.grammar(kind, choices), step.id if step else "", choices)

    def _say(self, out: list[Output], text: str) -> None:
        if text and text.strip():
            out.append(Say(text, self.rate_delta))

    def _event(self, kind: str, step: Step | None = None, **values: Any) -> SessionEvent:
        if step is not None and step.type == "ask":
            values.update(step_id=step.id, field=step.field, kind=step.kind)
        elif step is not None:
            values.update(step_id=step.id)
        return SessionEvent(kind, self.session_id, self.script.name, at=self._clock(), **values)

    def _fill(self, text: str) -> str:
        values = _Fill({name: parse.spoken(self._kinds.get(name, ""), v) for name, v in self._answers.items()})
        values["round"] = str(self._round)
        return text.format_map(values)
