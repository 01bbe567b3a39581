"""The told flow: a ``reflect`` step asks one open question and listens with reflection patience. The whole
answer is stored under its field; the fields in ``fills`` are read from it (``dialogue.extract``), each stored
with ``detail["source"] = "reflection"`` and the words it came from. A short summary is said and, unless
confirming is off, "Is that right?" takes a yes or corrections by voice ("no, the peak was a nine", stored
with ``source = "correction"``). Then only the gaps are asked: the missing closed fields of ``fills`` first,
then the script from after the reflection, leaving out what the reflection already answered."""

from __future__ import annotations

from typing import Any, Callable

from assistant.dialogue import coach, extract, parse
from assistant.dialogue.scripts import Step
from assistant.dialogue.turns import MAX_RETRIES, Output, Turn, Turns
from assistant.events import CLOSED_KINDS, AnswerKind, ConfirmMode, EventType, SessionEvent, Transcript


class Told:
    """A reflection told in one's own words, read into fields, summarised and corrected, through ``turns``;
    ``advance`` runs the script on after it."""

    def __init__(self, turns: Turns, advance: Callable[[list[Output]], None], guided: bool,
                 resuming: bool) -> None:
        self.turns, self.advance = turns, advance
        self.off = guided  # reflect steps are passed by: one question per field
        self.closed_first = False  # asking the reflection's missing closed fields before the rest
        self.extraction: extract.Extraction | None = None
        self.told: set[str] = set()  # fields read from the reflection (or corrected at its summary)
        self.said: set[str] = set()  # fields its summary said back: a read-back of only these is not said again
        self.summary_tries = 0
        self.reopen_summary = False  # resumed while the reflection's summary waited for its "Is that right?"
        if resuming:
            self._resume_after_reflection()

    def _resume_after_reflection(self) -> None:
        """Resumed after a reflection was told: ask every gap again from just after it, closed ones first."""
        t = self.turns
        for step in t.script.steps:
            if step.type == "reflect" and step.field in t.answers and not self.off:
                t.reflected = step
                if t.position <= step.index:  # stopped at its "Is that right?": that question is open
                    t.position, self.reopen_summary = step.index, True
                    return
                self.closed_first = True
                t.position = max(t.position, step.index + 1)
                return

    def passes_by(self, step: Step) -> bool:
        """Whether the reflect ``step`` is not asked: the flow is guided, or it was told already."""
        return self.off or step.field in self.turns.answers

    def answered(self, step: Step) -> bool:
        """Whether the question ``step`` was answered by the reflection, or let go after it."""
        t = self.turns
        fills = t.reflected.filled_fields if t.reflected is not None else ()
        return step.field in fills and (step.field in t.answers or step.field in t.let_go)

    def closed_follow_up(self) -> int | None:
        """While the closed gaps come first: the first question after the reflection for a closed field it
        should have filled and did not (None when none is left: the script goes on after the reflection)."""
        t = self.turns
        if not self.closed_first or t.reflected is None:
            return None
        for step in t.script.steps[t.reflected.index + 1:]:
            if (step.type == "ask" and step.field in t.reflected.filled_fields and step.kind in CLOSED_KINDS
                    and step.field not in t.answers and step.field not in t.let_go and t.applies(step)):
                return step.index
        self.closed_first = False  # the closed gaps are filled: on through the script from the reflection
        t.position = t.reflected.index + 1
        return None

    def ask(self, out: list[Output], step: Step) -> None:
        t = self.turns
        t.mode, t.attempts, t.silences = Turn.REFLECT, 0, 0
        t.remember_asked()
        t.prompt(out, t.fill(t.text(step)), t.listen(AnswerKind.REFLECTION))

    def hear(self, out: list[Output], text: str, said: Transcript | None) -> None:
        """The reflection was told: store it, read the fields from it, and say back what was understood."""
        t = self.turns
        step = t.asked()
        told = " ".join(text.split())
        t.answers[step.field] = told
        detail: dict[str, Any] = {"label": step.label} if step.label else {}
        suggestion = coach.suggest(told, t.coached) if step.coach else None
        if suggestion:
            detail["coach"] = suggestion.to_dict()
            t.coached.add(suggestion.pattern)
        out.append(t.event(EventType.ANSWER, step=step, value=told, text=text, transcript=said, detail=detail))
        self.extraction = extract.extract(told, fields=[src for _, src in step.fills], today=t.today())
        for field, source in step.fills:
            found = self.extraction.get(source)
            if found is None:
                continue
            t.answers[field] = found.value
            self.told.add(field)
            out.append(self._filled_event(step, field, found.value, found.words, "reflection", found.span, said))
        t.reflected = step
        if suggestion:
            t.say(out, suggestion.text)
        self._summary(out, will_ask=self._asks_after(step))
        if step.confirm is False or t.confirm == ConfirmMode.NEVER:
            self.after(out)
            return
        t.mode, t.silences, self.summary_tries = Turn.SUMMARY, 0, 0
        t.prompt(out, t.words("summary_check"), t.listen(AnswerKind.CORRECTION))

    def summary_again(self, out: list[Output]) -> None:
        """After a resume: the summary of what the reflection told (with any corrections) and its question.

        A "yes" said after the resume then answers the question that was open, never the one after it.
        """
        t = self.turns
        step = t.asked()
        told = str(t.answers.get(step.field, ""))
        values = {source: t.answers[field] for field, source in step.fills if field in t.answers}
        self.extraction = extract.with_values(extract.Extraction(told), values)
        self._summary(out)
        t.mode, t.silences, self.summary_tries = Turn.SUMMARY, 0, 0
        t.prompt(out, t.words("summary_check"), t.listen(AnswerKind.CORRECTION))

    def _summary(self, out: list[Output], will_ask: bool = True, changed: tuple[str, ...] = ()) -> None:
        """Say the summary of what was understood (``extract.summary``), and remember which fields it said."""
        assert self.extraction is not None
        self.said.update(extract.said_back(self.extraction, changed))
        self.turns.say(out, extract.summary(self.extraction, will_ask=will_ask, changed=changed))

    def _asks_after(self, step: Step) -> bool:
        """Whether a question for a field ``step`` reads from a reflection follows it ("I'll ask about them")."""
        return any(later.type == "ask" and later.field in step.filled_fields
                   for later in self.turns.script.steps[step.index + 1:])

    def _filled_event(self, step: Step, field: str, value: Any, said: str, source: str,
                      span: tuple[int, int] | None = None, heard: Transcript | None = None) -> SessionEvent:
        """An answer read from a reflection or a correction. It keeps which engine heard the words it came
        from (not their timings: those belong to the whole answer, stored once)."""
        t = self.turns
        detail: dict[str, Any] = {"source": source, "from": said}
        transcript = (Transcript(said, True, engine=heard.engine, model=heard.model, language=heard.language)
                      if heard is not None else None)
        if span is not None:
            detail["span"] = list(span)
        source = dict(step.fills).get(field, field)
        label = t.labels.get(field) or extract.label(field) or extract.label(source)
        if label:
            detail["label"] = label
        if t.kinds.get(field) == AnswerKind.EMOTIONS and isinstance(value, list):
            detail["families"] = parse.families(value)
        return SessionEvent(EventType.ANSWER, t.session_id, t.script.name, step_id=step.id, field=field,
                            kind=t.kinds.get(field, AnswerKind.TEXT), value=value, text=said,
                            transcript=transcript, at=t.clock(), detail=detail)

    def summary_reply(self, out: list[Output], text: str, said: Transcript | None) -> None:
        """At "Is that right?" after the summary: yes, a correction, or a plain no (what should change?)."""
        t = self.turns
        step = t.asked()
        field_of = {source: field for field, source in step.fills}
        current = {source: t.answers.get(field) for field, source in step.fills}
        updates = {src: v for src, v in extract.parse_correction(text, current).items() if src in field_of}
        reply = parse.parse_yesno(text)
        if updates:
            assert self.extraction is not None
            for source, value in updates.items():
                t.answers[field_of[source]] = value
                self.told.add(field_of[source])
                out.append(self._filled_event(step, field_of[source], value, " ".join(text.split()), "correction",
                                              heard=said))
            self.extraction = extract.with_values(self.extraction, updates)
            self.summary_tries += 1
            self._summary(out, changed=tuple(updates))
            if self.summary_tries > MAX_RETRIES:
                self.after(out)
                return
            t.prompt(out, t.words("summary_check"), t.listen(AnswerKind.CORRECTION))
        elif reply.ok and reply.value:
            self.after(out)
        else:
            self.summary_tries += 1
            if self.summary_tries > MAX_RETRIES:
                self.after(out)
                return
            t.prompt(out, t.words("summary_what" if reply.ok else "summary_again"), t.listen(AnswerKind.CORRECTION))

    def after(self, out: list[Output]) -> None:
        """The reflection is done with: on to its gaps, closed ones first."""
        t = self.turns
        step = t.asked()
        t.mode, self.closed_first = Turn.IDLE, True
        t.next(step)
        self.advance(out)
