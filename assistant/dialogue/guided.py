"""The guided flow: one question per field. A question is asked, its answer parsed; a closed answer that does
not parse is asked again with a hint (at most ``MAX_HINTS`` times), then skipping is offered; an answer that
needs it is read back for confirmation; the answer is stored and the script goes on. Every re-ask counts
towards ``MAX_REASKS`` in a row, after which the question is left for now, kindly (see ``session``)."""

from __future__ import annotations

from typing import Any, Callable

from assistant.dialogue import coach, parse
from assistant.dialogue.readback import spoken
from assistant.dialogue.scripts import Step
from assistant.dialogue.turns import MAX_HINTS, MAX_REASKS, MAX_RETRIES, Output, Turn, Turns
from assistant.events import AnswerKind, ConfirmMode, EventType, Transcript
from assistant.text import data_file as data

# "no, it was a six" at a read-back corrects these kinds (a yes/no or a text answer is simply said again).
_CORRECTABLE = (AnswerKind.RATING, AnswerKind.CHOICE, AnswerKind.DURATION, AnswerKind.DATE)


class Guided:
    """Asks the question at the current position and takes its answer, through ``turns``; ``advance`` runs
    the script on once an answer is stored or the question is skipped."""

    def __init__(self, turns: Turns, advance: Callable[[list[Output]], None]) -> None:
        self.turns, self.advance = turns, advance
        self.pending: tuple[Any, str, Transcript | None] | None = None  # an answer waiting for its read-back
        self.declined: dict[int, int] = {}  # position → skip offers declined

    def held(self) -> tuple[Any, str, Transcript | None]:
        """The answer waiting for its confirmation (only called while one waits)."""
        assert self.pending is not None, "no answer waits for confirmation"
        return self.pending

    def ask(self, out: list[Output], step: Step, before: tuple[str, ...] = (), again: bool = False) -> None:
        """Ask ``step``: afresh, or ``again`` (a re-ask, counted towards ``MAX_REASKS`` by the caller)."""
        t = self.turns
        if not again:
            t.reasks = 0
        t.mode, t.attempts, t.silences, self.pending = Turn.ASK, 0, 0, None
        t.remember_asked()
        t.prompt(out, t.fill(t.text(step)), t.listen(step.kind), before)

    def _parse(self, step: Step, text: str) -> parse.Parsed:
        t = self.turns
        return parse.parse_answer(step.kind, text, choices=step.choices, today=t.today(), day_first=t.day_first)

    def answer(self, out: list[Output], text: str, said: Transcript | None) -> None:
        t = self.turns
        step = t.asked()
        result = self._parse(step, text)
        if result.ok:
            self.accept(out, step, result.value, text, said)
            return
        t.attempts += 1
        if t.attempts > MAX_HINTS:
            self.offer_skip(out)
            return
        if self.moved_on(out, keep=False):
            return
        t.prompt(out, t.fill(t.text(step)), t.listen(step.kind), (self._hint(step, result.problem),))

    def _hint(self, step: Step, problem: str) -> str:
        """The re-ask hint for a problem with an answer to ``step`` ("unclear", "out_of_range" ...)."""
        specific = {parse.Problem.OUT_OF_RANGE: "retry_out_of_range",
                    parse.Problem.NEGATIVE: f"retry_negative_{step.kind}",
                    parse.Problem.INVALID_DATE: "retry_invalid_date",
                    parse.Problem.PAST_DATE: "retry_past_date"}.get(parse.Problem(problem))
        key = specific if specific and specific in data("session.toml")["say"] else f"retry_{step.kind}"
        return self.turns.words(key, choices=", ".join(step.choices))

    def accept(self, out: list[Output], step: Step, value: Any, text: str, said: Transcript | None) -> None:
        t = self.turns
        if not self._needs_confirm(step, said):
            self.store(out, step, value, text, said)
            return
        t.mode, t.silences, t.unclear, self.pending = Turn.CONFIRM, 0, 0, (value, text, said)
        if self.moved_on(out, keep=True):  # a read-back is asked again too: past the cap, what was said is kept
            return
        answer = self._spoken_answer(step, value, text)
        if isinstance(step.confirm, str):
            question = step.confirm.format(answer=answer)
        else:
            question = t.words("confirm_text" if step.kind == AnswerKind.TEXT else "confirm_value", answer=answer)
        t.prompt(out, question, t.listen(AnswerKind.YESNO))

    def _needs_confirm(self, step: Step, said: Transcript | None) -> bool:
        confirm = self.turns.confirm
        if step.confirm is not None:
            return step.confirm is not False
        if step.kind == AnswerKind.DATE:  # the read-back names the weekday: worth hearing unless confirming is off
            return confirm != ConfirmMode.NEVER
        if confirm == ConfirmMode.AUTO:  # typed answers are never read back; heard ratings when the ear was unsure
            sure = data("session.toml")["settings"]["confirm_below"]
            return step.kind == AnswerKind.RATING and said is not None and (said.conf is None or said.conf < sure)
        return confirm == ConfirmMode.ALWAYS or (confirm == ConfirmMode.RATINGS and step.kind == AnswerKind.RATING)

    def confirm(self, out: list[Output], text: str, said: Transcript | None) -> None:
        t = self.turns
        step, (value, first_text, first_said) = t.asked(), self.held()
        reply = parse.parse_yesno(text)
        if reply.ok and reply.value:
            self.store(out, step, value, first_text, first_said)
            return
        again = self._parse(step, text)
        if step.kind in _CORRECTABLE and again.ok and again.value == value and not reply.ok:
            self.store(out, step, value, first_text, first_said)  # "five" again at "I heard 5": a yes
        elif step.kind in _CORRECTABLE and again.ok and again.value != value:
            self.accept(out, step, again.value, text, said)  # "no, it was a six": a correction
        elif reply.ok:  # a plain "no": ask the question again
            if not self.moved_on(out, keep=False):
                self.ask(out, step, (t.words("ask_again"),), again=True)
        else:
            t.unclear += 1
            if t.unclear > MAX_RETRIES:
                self.keep_pending(out)
            elif not self.moved_on(out, keep=True):
                t.reprompt(out, t.words("confirm_again"))

    def moved_on(self, out: list[Output], keep: bool) -> bool:
        """Count one more re-ask of the open question. Past ``MAX_REASKS`` in a row the session moves on
        kindly instead and says so: what was heard and waits for its read-back is kept (``keep``), else the
        question is left for now ("go back" or another session can come back to it). True when it moved on.
        """
        t = self.turns
        t.reasks += 1
        if t.reasks <= MAX_REASKS:
            return False
        if keep:
            self.keep_pending(out)
        else:
            t.say(out, t.words("leave_it"))
            self.skip(out, quietly=True)
        return True

    def keep_pending(self, out: list[Output]) -> None:
        """End a confirmation that got no clear reply by keeping what was heard, and saying so."""
        t = self.turns
        step, (value, text, said) = t.asked(), self.held()
        t.say(out, t.words("kept", answer=self._spoken_answer(step, value, text)))
        self.store(out, step, value, text, said)

    def _spoken_answer(self, step: Step, value: Any, text: str) -> str:
        if step.kind in (AnswerKind.TEXT, AnswerKind.EMOTIONS) and not value:
            return " ".join(text.split())
        return spoken(step.kind, value)

    def offer_skip(self, out: list[Output]) -> None:
        t = self.turns
        if self.declined.get(t.position, 0) >= 2:  # declined twice already: no third offer, move on
            t.say(out, t.words("leave_it"))
            self.skip(out, quietly=True)
            return
        if self.moved_on(out, keep=False):
            return
        t.mode, t.silences, t.unclear = Turn.OFFER, 0, 0
        t.prompt(out, t.words("skip_offer"), t.listen(AnswerKind.YESNO))

    def offer(self, out: list[Output], text: str, said: Transcript | None) -> None:
        t = self.turns
        step = t.asked()
        reply = parse.parse_yesno(text)
        answer = self._parse(step, text)
        if answer.ok and not reply.ok:  # they answered the question instead
            self.accept(out, step, answer.value, text, said)
        elif reply.ok and reply.value:
            self.skip(out)
        elif reply.ok:
            self.declined[t.position] = self.declined.get(t.position, 0) + 1
            if self.moved_on(out, keep=False):
                return
            self.ask(out, step, (t.words("ask_again"),), again=True)
            t.attempts = MAX_HINTS  # one more try, then the offer again (or, past the cap, move on)
        else:
            t.unclear += 1
            if t.unclear > MAX_RETRIES:
                t.say(out, t.words("leave_it"))
                self.skip(out, quietly=True)
            elif not self.moved_on(out, keep=False):
                t.prompt(out, t.words("skip_offer_again"), t.listen(AnswerKind.YESNO))

    def store(self, out: list[Output], step: Step, value: Any, text: str, said: Transcript | None) -> None:
        t = self.turns
        t.answers[step.field] = value
        detail: dict[str, Any] = {}
        if t.round > 1:
            detail["round"] = t.round
        if step.label:
            detail["label"] = step.label
        if step.kind == AnswerKind.EMOTIONS:
            detail["families"] = parse.families(value)
        suggestion = coach.suggest(text, t.coached) if step.kind == AnswerKind.TEXT and step.coach else None
        if suggestion:
            detail["coach"] = suggestion.to_dict()
            t.coached.add(suggestion.pattern)
        out.append(t.event(EventType.ANSWER, step=step, value=value, text=text, transcript=said, detail=detail))
        if suggestion:
            t.say(out, suggestion.text)
        t.mode, self.pending = Turn.IDLE, None
        t.next(step)
        detail["position"] = t.position  # where a resume after a crash continues
        self.advance(out)

    def skip(self, out: list[Output], quietly: bool = False) -> None:
        t = self.turns
        step = t.asked()
        t.answers.pop(step.field, None)
        if t.reflected is not None:
            t.let_go.add(step.field)
        event = t.event(EventType.SKIPPED, step=step, detail={"label": step.label} if step.label else {})
        out.append(event)
        if not quietly:
            t.say(out, t.words("skipped"))
        t.mode, self.pending = Turn.IDLE, None
        t.next(step)
        event.detail["position"] = t.position
        self.advance(out)
