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

Every utterance meets the crisis check first (``crisis.assess``), whatever the session is waiting for (an
answer, a confirmation, a skip offer, a command while paused). ``stop``: the session speaks the crisis
message, emits ``flagged`` ({"reason": "crisis", "family": ...}) and ``stopped``, and is done. ``ask``: the
one gentle question (``Listen.kind`` "text"); a clear no is thanked, the resources are offered gently and
what was said before the question is taken as usual; yes, crisis words, an unclear reply or silence stop
as above (``"asked": true``). ``gentle``: the resources are offered gently (once a session) and the
utterance is taken as usual. Then commands
(``parse.match_command``: repeat, skip, back, pause, resume, stop, help, slower, faster), then the answer.
Closed answers that do not parse are asked again with a hint at most twice (``MAX_HINTS``: a voice the ear
finds hard gets three tries), then skipping is offered; that offer is the third re-ask, so the cap below
leaves the question for now after it unless the person answers or says yes. Every re-ask loop is capped,
so nothing repeats forever:

* a confirmation ("I heard 5. Is that right?") takes yes or no, the same answer again (a yes), a different
  answer of the question's kind (a correction, confirmed in turn) or a plain no (the question again);
  silence gets one gentle re-ask and then the value is kept, and so is it after ``MAX_RETRIES`` unclear
  replies (the session says so);
* the skip offer takes yes or no, or an answer to the question itself; after ``MAX_RETRIES`` unclear replies,
  or silence, the question is skipped, and a question whose skip offer was declined twice is skipped the
  third time rather than offered again.

Over all of these, one question is asked again at most ``MAX_REASKS`` (3) times in a row, in any way (a hint,
"take your time", a read-back, a skip offer, the question after a "no"); the next time the session moves on
kindly instead: it leaves the question for now and says so ("go back" or another session can come back to
it), or, when a heard answer waits for its read-back, keeps that answer and says so. A re-ask the person asked
for (repeat, help, slower) is not counted.

An ``answer`` event is emitted only once the answer is final (confirmed, when confirmation applies:
``confirm="ratings"`` confirms ratings, ``"always"`` every answer, ``"never"`` none, ``"auto"`` a rating that
was heard (not typed) with a confidence below ``[settings] confirm_below``; dates are always read back unless
confirmation is ``"never"``, since the read-back names the weekday; a step's own ``confirm`` wins). Skipping
clears the field in ``answers``. After a text answer to a step marked ``coach = true`` the language coach
may add one gentle reframe, stored in the answer event's ``detail["coach"]``. The step's short ``label`` goes
with every answer event (``detail["label"]``) for the journal.

A ``reflect`` step asks one open question and listens with reflection patience (``Listen.kind`` is
``"reflection"``). The whole answer is stored under its field; the fields in ``fills`` are read from it
(``dialogue.extract``) and each is stored as an answer with ``detail["source"] = "reflection"`` and the words it
came from (``detail["from"]``). A short summary of what was understood is said; unless confirming is
``"never"`` (or the step says ``confirm = false``) the session asks whether it is right and takes
corrections by voice ("no, the peak was a nine"), stored with ``source = "correction"``. Then only the
gaps are asked: first the missing *closed* fields of ``fills`` (rating, yes/no, duration ...), then the
script carries on from after the reflection, leaving out every question a reflection or follow-up already
answered. ``guided=True`` passes reflect steps by (one question per field, as before).

Resume: pass the earlier ``answers`` and the ``position`` (index of the step to continue from, as given
in the ``stopped`` event's ``detail["position"]``); ``start()`` then emits ``resumed``. A session stopped at
the reflection's "Is that right?" (the reflection told, the position still at it) says the summary again and
asks that question again, so a "yes" after the resume confirms the summary and answers nothing else.
All wording comes from ``prompts/session.toml`` and the script.
"""

from __future__ import annotations

import datetime as dt
import string
import time
from dataclasses import dataclass
from typing import Any, Callable, Union

from assistant.dialogue import coach, crisis, extract, parse
from assistant.dialogue.scripts import AS_SAID, Script, Step, placeholders
from assistant.events import Listen, Say, SessionEvent, Transcript
from assistant.text import data_file as data

CONFIRM_MODES = ("auto", "always", "ratings", "never")
MAX_RETRIES = 2  # unclear replies to a read-back or a skip offer, corrections at a summary
MAX_HINTS = 2  # re-asks with a hint after an unclear answer before skipping is offered
MAX_REASKS = 3  # the same question asked again in a row, in any way, before the session moves on kindly
_CORRECTABLE = ("rating", "choice", "duration", "date")  # "no, it was a six" corrects these
_CLOSED = ("rating", "yesno", "choice", "duration", "date")  # asked first after a reflection


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
        for text in step.words(typed):
            if text and not placeholders(text):
                add(text.format())
        if step.type == "ask" and step.kind == "choice":
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
        day_first: bool = False,
        guided: bool = False,
        typed: bool = False,
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
        self._day_first = day_first  # typed numeric dates: 10/12 is the 10th of December (see parse.parse_date)
        self._kinds = {f: extract.KINDS.get(src, "text") for s in script.steps if s.type == "reflect"
                       for f, src in s.fills}
        self._kinds |= {s.field: s.kind for s in script.steps if s.type == "ask"}
        self._labels = {s.field: s.label for s in script.steps if s.type == "ask" and s.label}
        self._mode = "idle"  # idle | ask | confirm | offer | reflect | summary | done
        self._guided = guided
        self._typed = typed  # answers are typed: lines that only fit speech have their typed wording
        self._reflected: Step | None = None  # the reflect step answered in this session
        self._closed_first = False  # asking the reflection's missing closed fields before the rest
        self._extraction: extract.Extraction | None = None
        self._told: set[str] = set()  # fields read from the reflection (or corrected at its summary)
        self._let_go: set[str] = set()  # follow-up questions skipped after the reflection: not asked again
        self._summary_tries = 0
        self._reopen_summary = False  # resumed while the reflection's summary waited for its "Is that right?"
        self._resume_after_reflection()
        self._paused = False
        self._attempts = self._silences = 0
        self._unclear = 0  # unclear replies to the current confirmation or skip offer
        self._reasks = 0  # the open question asked again in a row (hints, read-backs, skip offers ...)
        self._declined: dict[int, int] = {}  # position → skip offers declined
        self._pending: tuple[Any, str, Transcript | None] | None = None
        self._history: list[int] = []  # positions of the questions asked, for "go back"
        self._rounds: dict[str, int] = {}
        self._round = 1
        self._coached: set[str] = set()
        self._current: tuple[str, Listen] | None = None  # the prompt "repeat" says again
        self._screening: tuple[str, Transcript | None, str] | None = None  # (words, heard, family) asked about
        self._offered_gently = False  # the resources are offered gently once a session
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

    def _asked(self) -> Step:
        """The question being answered (only called while one is asked)."""
        step = self.step
        assert step is not None, "no question is being asked"
        return step

    def _held(self) -> tuple[Any, str, Transcript | None]:
        """The answer waiting for its confirmation (only called while one waits)."""
        assert self._pending is not None, "no answer waits for confirmation"
        return self._pending

    def start(self) -> list[Output]:
        out: list[Output] = []
        if self._resuming:
            out.append(self._event("resumed", detail={"position": self._position}))
            self._say(out, self._words("resumed"))
        else:
            out.append(self._event("started", detail={"position": self._position}))
            self._say(out, self._words("started"))
        if self._first_run:
            self._say(out, self._words("first_run"))
        if self._reopen_summary:
            self._summary_again(out)
        else:
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
        found = crisis.assess(text)
        if self._screening is not None:
            self._screen_reply(out, text, said, found)
        elif found.outcome == crisis.Outcome.STOP:
            self._crisis(out, text, said, found.family)
        elif found.outcome == crisis.Outcome.ASK:
            self._screen(out, text, said, found.family)
        else:
            if found.outcome == crisis.Outcome.GENTLE and not self._offered_gently:
                self._offered_gently = True
                self._say(out, crisis.gentle_message(self._resources, found.family))
            self._dispatch(out, text, said)
        return out

    def _dispatch(self, out: list[Output], text: str, said: Transcript | None) -> None:
        """An utterance that passed the crisis check: a command, or the answer to what is asked."""
        command = parse.match_command(text)
        if self._paused:
            if command in ("resume", "stop"):
                self._command(out, command)
            else:
                self._say(out, self._words("still_paused"))
                out.append(self._listen("command"))
            return
        if command:
            self._command(out, command)
        elif self._mode == "ask":
            self._answer(out, text, said)
        elif self._mode == "confirm":
            self._confirm(out, text, said)
        elif self._mode == "offer":
            self._offer(out, text, said)
        elif self._mode == "reflect":
            self._reflect(out, text, said)
        elif self._mode == "summary":
            self._summary_reply(out, text, said)

    # --- the gentle question ----------------------------------------------------------------------

    def _screen(self, out: list[Output], text: str, said: Transcript | None, family: str) -> None:
        """Borderline words: ask the one gentle question before anything else; what was said waits."""
        self._screening = (text, said, family)
        self._say(out, crisis.say("ask"))
        step = self.step
        out.append(Listen(step.field if step else "", "text", (), step.id if step else ""))

    def _screen_reply(self, out: list[Output], text: str, said: Transcript | None,
                      found: crisis.Assessment) -> None:
        """The reply to the gentle question: a clear no (and nothing crisis-like) goes on with what was said
        before it, after thanks and the resources offered gently; anything else stops for safety."""
        assert self._screening is not None
        first_text, first_said, family = self._screening
        self._screening = None
        if not crisis.reply_to_question(text):
            self._crisis(out, text, said, found.family if found.alarm else family, asked=True)
            return
        self._offered_gently = True
        self._say(out, f"{crisis.say('thanks')} {crisis.gentle_message(self._resources, family)}")
        self._dispatch(out, first_text, first_said)

    def silence(self) -> list[Output]:
        if self.done:
            return []
        out: list[Output] = []
        if self._screening is not None:  # no reply to the gentle question: unsure errs to safety
            text, said, family = self._screening
            self._screening = None
            self._crisis(out, text, said, family, asked=True)
            return out
        if self._paused:
            out.append(self._listen("command"))
            return out
        self._silences += 1
        if self._mode == "summary":  # nothing said after the summary: keep what was understood
            if self._silences > 1:
                self._after_reflection(out)
            else:
                self._reprompt(out, self._words("take_your_time"))
            return out
        if self._mode == "reflect" and self._silences > 1:  # nothing told: ask question by question instead
            self._say(out, self._words("reflect_skipped"))
            self._skip(out, quietly=True)
            return out
        if self._mode == "offer" or (self._mode == "ask" and self._asked().optional and self._silences > 1):
            self._skip(out)
        elif self._mode == "confirm" and self._silences > 1:
            self._keep_pending(out)  # Enter, or nothing said twice: keep what was heard, and say so
        elif self._mode in ("ask", "confirm", "reflect") and self._silences == 1:
            if self._mode != "reflect" and self._moved_on(out, keep=self._mode == "confirm"):
                return out
            self._reprompt(out, self._words("take_your_time"))
        else:
            self._offer_skip(out)
        return out

    def interrupt(self) -> list[Output]:
        """The input ran out mid-session: stop quietly, keeping the position for a resume. While the gentle
        question waits for its reply this is no reply at all, and stops for safety."""
        out: list[Output] = []
        if self._screening is not None:
            return self.silence()
        if not self.done:
            self._finish(out, "stopped", {"reason": "interrupted", "position": self._position})
        return out

    # --- flow ------------------------------------------------------------------------------------

    def _advance(self, out: list[Output]) -> None:
        """Run steps from the current position until a question waits for an answer, or the end."""
        steps = self.script.steps
        if self._closed_first and self._reflected is not None:
            follow_up = self._closed_follow_up()
            if follow_up is not None:
                self._position = follow_up
                self._ask(out, steps[follow_up])
                return
            self._closed_first = False  # the closed gaps are filled: on through the script from the reflection
            self._position = self._reflected.index + 1
        while self._position < len(steps):
            step = steps[self._position]
            if not self._applies(step):
                self._position += 1
                continue
            if step.type == "reflect":
                if self._guided or step.field in self._answers:
                    self._position += 1
                    continue
                self._reflect_ask(out, step)
                return
            if step.type == "ask":
                if self._answered_by_reflection(step):
                    self._position += 1
                    continue
                self._ask(out, step)
                return
            names = [n for n in placeholders(step.text) if n != "round"] if step.type == "readback" else []
            if step.type == "readback" and any(n not in self._answers for n in names):
                pass  # nothing to read back
            elif step.type == "readback" and names and all(n in self._told for n in names):
                pass  # the summary of the reflection said these already
            elif step.type in ("say", "readback"):
                self._say(out, self._fill(self._text(step)))
            elif step.type == "pause":
                self._say(out, self._fill(self._text(step)))
                out.append(Wait(step.seconds, step.id))
            elif step.type == "breathe":
                self._say(out, self._fill(self._text(step)) or self._words("breathe"))
                out.append(Breathe(step.pattern, step.id))
            self._next(step)
        self._mode = "done"
        if self.script.closing:
            self._say(out, self._words("finished"))
        asks = any(step.type in ("ask", "reflect") for step in self.script.steps)
        # Every question skipped: kept (it happened), but not counted as practice done.
        out.append(self._event("finished", detail={"empty": True} if asks and not self._answers else {}))

    # --- reflection ----------------------------------------------------------------------------------

    def _resume_after_reflection(self) -> None:
        """Resumed after a reflection was told: ask every gap again from just after it, closed ones first."""
        if not self._resuming:
            return
        for step in self.script.steps:
            if step.type == "reflect" and step.field in self._answers and not self._guided:
                self._reflected = step
                if self._position <= step.index:  # stopped at its "Is that right?": that question is open
                    self._position, self._reopen_summary = step.index, True
                    return
                self._closed_first = True
                self._position = max(self._position, step.index + 1)
                return

    def _answered_by_reflection(self, step: Step) -> bool:
        fills = self._reflected.filled_fields if self._reflected is not None else ()
        return step.field in fills and (step.field in self._answers or step.field in self._let_go)

    def _closed_follow_up(self) -> int | None:
        """The first question after the reflection for a closed field it should have filled and did not."""
        assert self._reflected is not None
        for step in self.script.steps[self._reflected.index + 1:]:
            if (step.type == "ask" and step.field in self._reflected.filled_fields and step.kind in _CLOSED
                    and step.field not in self._answers and step.field not in self._let_go
                    and self._applies(step)):
                return step.index
        return None

    def _reflect_ask(self, out: list[Output], step: Step) -> None:
        self._mode, self._attempts, self._silences = "reflect", 0, 0
        if not self._history or self._history[-1] != self._position:
            self._history.append(self._position)
        self._prompt(out, self._fill(self._text(step)), self._listen("reflection"))

    def _reflect(self, out: list[Output], text: str, said: Transcript | None) -> None:
        """The reflection was told: store it, read the fields from it, and say back what was understood."""
        step = self._asked()
        told = " ".join(text.split())
        self._answers[step.field] = told
        detail: dict[str, Any] = {"label": step.label} if step.label else {}
        suggestion = coach.suggest(told, self._coached) if step.coach else None
        if suggestion:
            detail["coach"] = suggestion.to_dict()
            self._coached.add(suggestion.pattern)
        out.append(self._event("answer", step=step, value=told, text=text, transcript=said, detail=detail))
        self._extraction = extract.extract(told, fields=[src for _, src in step.fills], today=self._today())
        for field, source in step.fills:
            found = self._extraction.get(source)
            if found is None:
                continue
            self._answers[field] = found.value
            self._told.add(field)
            out.append(self._filled_event(step, field, found.value, found.words, "reflection", found.span, said))
        self._reflected = step
        if suggestion:
            self._say(out, suggestion.text)
        self._say(out, extract.summary(self._extraction, will_ask=self._asks_after(step)))
        if step.confirm is False or self.confirm == "never":
            self._after_reflection(out)
            return
        self._mode, self._silences, self._summary_tries = "summary", 0, 0
        self._prompt(out, self._words("summary_check"), self._listen("correction"))

    def _summary_again(self, out: list[Output]) -> None:
        """After a resume: the summary of what the reflection told (with any corrections) and its question.

        A "yes" said after the resume then answers the question that was open, never the one after it.
        """
        step = self._asked()
        told = str(self._answers.get(step.field, ""))
        values = {source: self._answers[field] for field, source in step.fills if field in self._answers}
        self._extraction = extract.with_values(extract.Extraction(told), values)
        self._say(out, extract.summary(self._extraction))
        self._mode, self._silences, self._summary_tries = "summary", 0, 0
        self._prompt(out, self._words("summary_check"), self._listen("correction"))

    def _asks_after(self, step: Step) -> bool:
        """Whether a question for a field ``step`` reads from a reflection follows it ("I'll ask about them")."""
        return any(later.type == "ask" and later.field in step.filled_fields
                   for later in self.script.steps[step.index + 1:])

    def _filled_event(self, step: Step, field: str, value: Any, said: str, source: str,
                      span: tuple[int, int] | None = None, heard: Transcript | None = None) -> SessionEvent:
        """An answer read from a reflection or a correction. It keeps which engine heard the words it came
        from (not their timings: those belong to the whole answer, stored once)."""
        detail: dict[str, Any] = {"source": source, "from": said}
        transcript = (Transcript(said, True, engine=heard.engine, model=heard.model, language=heard.language)
                      if heard is not None else None)
        if span is not None:
            detail["span"] = list(span)
        source = dict(step.fills).get(field, field)
        label = self._labels.get(field) or extract.label(field) or extract.label(source)
        if label:
            detail["label"] = label
        if self._kinds.get(field) == "emotions" and isinstance(value, list):
            detail["families"] = parse.families(value)
        return SessionEvent("answer", self.session_id, self.script.name, step_id=step.id, field=field,
                            kind=self._kinds.get(field, "text"), value=value, text=said, transcript=transcript,
                            at=self._clock(), detail=detail)

    def _summary_reply(self, out: list[Output], text: str, said: Transcript | None) -> None:
        """At "Is that right?" after the summary: yes, a correction, or a plain no (what should change?)."""
        step = self._asked()
        field_of = {source: field for field, source in step.fills}
        current = {source: self._answers.get(field) for field, source in step.fills}
        updates = {src: v for src, v in extract.parse_correction(text, current).items() if src in field_of}
        reply = parse.parse_yesno(text)
        if updates:
            assert self._extraction is not None
            for source, value in updates.items():
                self._answers[field_of[source]] = value
                self._told.add(field_of[source])
                out.append(self._filled_event(step, field_of[source], value, " ".join(text.split()), "correction",
                                              heard=said))
            self._extraction = extract.with_values(self._extraction, updates)
            self._summary_tries += 1
            self._say(out, extract.summary(self._extraction))
            if self._summary_tries > MAX_RETRIES:
                self._after_reflection(out)
                return
            self._prompt(out, self._words("summary_check"), self._listen("correction"))
        elif reply.ok and reply.value:
            self._after_reflection(out)
        else:
            self._summary_tries += 1
            if self._summary_tries > MAX_RETRIES:
                self._after_reflection(out)
                return
            self._prompt(out, self._words("summary_what" if reply.ok else "summary_again"), self._listen("correction"))

    def _after_reflection(self, out: list[Output]) -> None:
        step = self._asked()
        self._mode, self._closed_first = "idle", True
        self._next(step)
        self._advance(out)

    def _applies(self, step: Step) -> bool:
        """Whether ``step`` is taken: its ``when`` is true of the answers so far and the session's flags."""
        return step.when is None or step.when.evaluate(self._answers | {"first_session": self._first_run})

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

    def _ask(self, out: list[Output], step: Step, before: tuple[str, ...] = (), again: bool = False) -> None:
        """Ask ``step``: afresh, or ``again`` (a re-ask, counted towards ``MAX_REASKS`` by the caller)."""
        if not again:
            self._reasks = 0
        self._mode, self._attempts, self._silences, self._pending = "ask", 0, 0, None
        if not self._history or self._history[-1] != self._position:
            self._history.append(self._position)
        self._prompt(out, self._fill(self._text(step)), self._listen(step.kind), before)

    def _answer(self, out: list[Output], text: str, said: Transcript | None) -> None:
        step = self._asked()
        result = parse.parse_answer(step.kind, text, choices=step.choices, today=self._today(),
                                  day_first=self._day_first)
        if result.ok:
            self._accept(out, step, result.value, text, said)
            return
        self._attempts += 1
        if self._attempts > MAX_HINTS:
            self._offer_skip(out)
            return
        if self._moved_on(out, keep=False):
            return
        self._prompt(out, self._fill(self._text(step)), self._listen(step.kind), (self._hint(step, result.problem),))

    def _hint(self, step: Step, problem: str) -> str:
        """The re-ask hint for a problem with an answer to ``step`` ("unclear", "out_of_range" ...)."""
        specific = {"out_of_range": "retry_out_of_range", "negative": f"retry_negative_{step.kind}",
                    "invalid_date": "retry_invalid_date", "past_date": "retry_past_date"}.get(problem)
        key = specific if specific and specific in data("session.toml")["say"] else f"retry_{step.kind}"
        return self._words(key, choices=", ".join(step.choices))

    def _accept(self, out: list[Output], step: Step, value: Any, text: str, said: Transcript | None) -> None:
        if not self._needs_confirm(step, said):
            self._store(out, step, value, text, said)
            return
        self._mode, self._silences, self._unclear, self._pending = "confirm", 0, 0, (value, text, said)
        if self._moved_on(out, keep=True):  # a read-back is asked again too: past the cap, what was said is kept
            return
        answer = self._spoken_answer(step, value, text)
        if isinstance(step.confirm, str):
            question = step.confirm.format(answer=answer)
        else:
            question = self._words("confirm_text" if step.kind == "text" else "confirm_value", answer=answer)
        self._prompt(out, question, self._listen("yesno"))

    def _needs_confirm(self, step: Step, said: Transcript | None) -> bool:
        if step.confirm is not None:
            return step.confirm is not False
        if step.kind == "date":  # the read-back names the weekday: worth hearing unless confirming is off
            return self.confirm != "never"
        if self.confirm == "auto":  # typed answers are never read back; heard ratings when the ear was unsure
            sure = data("session.toml")["settings"]["confirm_below"]
            return step.kind == "rating" and said is not None and (said.conf is None or said.conf < sure)
        return self.confirm == "always" or (self.confirm == "ratings" and step.kind == "rating")

    def _confirm(self, out: list[Output], text: str, said: Transcript | None) -> None:
        step, (value, first_text, first_said) = self._asked(), self._held()
        reply = parse.parse_yesno(text)
        if reply.ok and reply.value:
            self._store(out, step, value, first_text, first_said)
            return
        again = parse.parse_answer(step.kind, text, choices=step.choices, today=self._today(),
                                  day_first=self._day_first)
        if step.kind in _CORRECTABLE and again.ok and again.value == value and not reply.ok:
            self._store(out, step, value, first_text, first_said)  # "five" again at "I heard 5": a yes
        elif step.kind in _CORRECTABLE and again.ok and again.value != value:
            self._accept(out, step, again.value, text, said)  # "no, it was a six": a correction
        elif reply.ok:  # a plain "no": ask the question again
            if not self._moved_on(out, keep=False):
                self._ask(out, step, (self._words("ask_again"),), again=True)
        else:
            self._unclear += 1
            if self._unclear > MAX_RETRIES:
                self._keep_pending(out)
            elif not self._moved_on(out, keep=True):
                self._reprompt(out, self._words("confirm_again"))

    def _moved_on(self, out: list[Output], keep: bool) -> bool:
        """Count one more re-ask of the open question. Past ``MAX_REASKS`` in a row the session moves on
        kindly instead and says so: what was heard and waits for its read-back is kept (``keep``), else the
        question is left for now ("go back" or another session can come back to it). True when it moved on.
        """
        self._reasks += 1
        if self._reasks <= MAX_REASKS:
            return False
        if keep:
            self._keep_pending(out)
        else:
            self._say(out, self._words("leave_it"))
            self._skip(out, quietly=True)
        return True

    def _keep_pending(self, out: list[Output]) -> None:
        """End a confirmation that got no clear reply by keeping what was heard, and saying so."""
        step, (value, text, said) = self._asked(), self._held()
        self._say(out, self._words("kept", answer=self._spoken_answer(step, value, text)))
        self._store(out, step, value, text, said)

    def _spoken_answer(self, step: Step, value: Any, text: str) -> str:
        if step.kind in ("text", "emotions") and not value:
            return " ".join(text.split())
        return parse.spoken(step.kind, value)

    def _offer_skip(self, out: list[Output]) -> None:
        if self._declined.get(self._position, 0) >= 2:  # declined twice already: no third offer, move on
            self._say(out, self._words("leave_it"))
            self._skip(out, quietly=True)
            return
        if self._moved_on(out, keep=False):
            return
        self._mode, self._silences, self._unclear = "offer", 0, 0
        self._prompt(out, self._words("skip_offer"), self._listen("yesno"))

    def _offer(self, out: list[Output], text: str, said: Transcript | None) -> None:
        step = self._asked()
        reply = parse.parse_yesno(text)
        answer = parse.parse_answer(step.kind, text, choices=step.choices, today=self._today(),
                                  day_first=self._day_first)
        if answer.ok and not reply.ok:  # they answered the question instead
            self._accept(out, step, answer.value, text, said)
        elif reply.ok and reply.value:
            self._skip(out)
        elif reply.ok:
            self._declined[self._position] = self._declined.get(self._position, 0) + 1
            if self._moved_on(out, keep=False):
                return
            self._ask(out, step, (self._words("ask_again"),), again=True)
            self._attempts = MAX_HINTS  # one more try, then the offer again (or, past the cap, move on)
        else:
            self._unclear += 1
            if self._unclear > MAX_RETRIES:
                self._say(out, self._words("leave_it"))
                self._skip(out, quietly=True)
            elif not self._moved_on(out, keep=False):
                self._prompt(out, self._words("skip_offer_again"), self._listen("yesno"))

    def _store(self, out: list[Output], step: Step, value: Any, text: str, said: Transcript | None) -> None:
        self._answers[step.field] = value
        detail: dict[str, Any] = {}
        if self._round > 1:
            detail["round"] = self._round
        if step.label:
            detail["label"] = step.label
        if step.kind == "emotions":
            detail["families"] = parse.families(value)
        suggestion = coach.suggest(text, self._coached) if step.kind == "text" and step.coach else None
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

    def _skip(self, out: list[Output], quietly: bool = False) -> None:
        step = self._asked()
        self._answers.pop(step.field, None)
        if self._reflected is not None:
            self._let_go.add(step.field)
        event = self._event("skipped", step=step, detail={"label": step.label} if step.label else {})
        out.append(event)
        if not quietly:
            self._say(out, self._words("skipped"))
        self._mode, self._pending = "idle", None
        self._next(step)
        event.detail["position"] = self._position
        self._advance(out)

    # --- commands --------------------------------------------------------------------------------

    def _command(self, out: list[Output], command: str) -> None:
        if command == "stop":
            self._say(out, self._words("stopped"))
            self._finish(out, "stopped", {"position": self._position})
        elif command == "pause":
            self._paused = True
            out.append(self._event("paused", step=self.step))
            self._say(out, self._words("paused"))
            out.append(self._listen("command"))
        elif command == "resume" and self._paused:
            self._paused = False
            out.append(self._event("resumed", step=self.step, detail={"position": self._position}))
            self._reprompt(out, self._words("resumed_after_pause"))
        elif command == "skip":
            self._skip(out)
        elif command == "back":
            self._back(out)
        elif command == "help":
            own = self._asked().words(self._typed)[1] if self._mode in ("ask", "reflect") else ""  # its own help
            help_text = own or self._words("help")
            self._reprompt(out, help_text)
        elif command in ("slower", "faster"):
            settings = data("session.toml")["settings"]
            change = -settings["rate_step"] if command == "slower" else settings["rate_step"]
            self.rate_delta = max(settings["rate_min"], min(settings["rate_max"], self.rate_delta + change))
            out.append(self._event("setting", step=self.step, detail={"rate_delta": self.rate_delta}))
            self._reprompt(out, self._words(command))
        else:  # repeat, or "continue" when nothing is paused
            self._reprompt(out)

    def _back(self, out: list[Output]) -> None:
        if self._history and self._history[-1] == self._position:
            self._history.pop()
        target = self._history.pop() if self._history else self._answered_before(self._position)
        if target is None:
            self._reprompt(out, self._words("no_earlier_question"))
            return
        self._position = target
        if self.script.steps[target].type == "reflect":
            self._say(out, self._words("went_back"))
            self._reflect_ask(out, self.script.steps[target])
            return
        self._ask(out, self.script.steps[target], (self._words("went_back"),))

    def _answered_before(self, position: int) -> int | None:
        """After a resume there is no history: the last earlier question that has an answer."""
        for step in reversed(self.script.steps[:position]):
            if step.type == "ask" and step.field in self._answers:
                return step.index
        return None

    def _crisis(self, out: list[Output], text: str, said: Transcript | None, family: str = "",
                asked: bool = False) -> None:
        step = self.step
        for item in crisis.stop_outputs(self.script.name, self.session_id, text, transcript=said,
                                        resources=self._resources, position=self._position, clock=self._clock,
                                        step_id=step.id if step else "", field=step.field if step else "",
                                        kind=step.kind if step else "", family=family, asked=asked):
            out.append(Say(item.text, self.rate_delta) if isinstance(item, Say) else item)
        self._mode, self._paused = "done", False

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
        if step is not None and step.type in ("ask", "reflect"):
            values.update(step_id=step.id, field=step.field, kind=step.kind)
        elif step is not None:
            values.update(step_id=step.id)
        return SessionEvent(kind, self.session_id, self.script.name, at=self._clock(), **values)

    def _words(self, key: str, **values: Any) -> str:
        return words(key, typed=self._typed, **values)

    def _text(self, step: Step) -> str:
        return step.words(self._typed)[0]

    def _fill(self, text: str) -> str:
        said = {name: parse.spoken(self._kinds.get(name, ""), v) for name, v in self._answers.items()}
        said["round"] = str(self._round)
        turned = {name: extract.towards_you(words) if self._kinds.get(name) == "text" and words else words
                  for name, words in said.items()}
        return _Filler(said, turned).format(text)
