"""The dialogue state machine: a script and what the person says in, things to say and events out.

Knows nothing about audio, speech engines or storage (it imports none of them). The guided questions are
``guided``, a told reflection is ``told``, both over the shared turn-taking of ``turns``; this module is the
session's public face::

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
Who is listening: ``first_run`` is a person's first session ever (``when = "first_session"`` steps apply and
the disclaimer of what the assistant is and is not is said; ``disclaimer`` says it, or not, regardless: the
``long_intros`` setting). ``familiar`` names the steps of this script the person answered in earlier
sessions (their ids): a step met before is said in its ``short`` wording (``Turns.heard_before``), so a returning person
hears "Welcome back. Well done for trying." and a one-line invitation instead of the whole first-time wording.

All wording comes from ``prompts/session.toml`` and the script.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Callable, Collection

from assistant.dialogue import crisis, parse
from assistant.dialogue.guided import Guided
from assistant.dialogue.scripts import Script, Step, placeholders
from assistant.dialogue.told import Told
from assistant.dialogue.turns import (
    MAX_HINTS,
    MAX_REASKS,
    MAX_RETRIES,
    Breathe,
    Output,
    Turn,
    Turns,
    Wait,
    fixed_lines,
    words,
)
from assistant.events import AnswerKind, Command, ConfirmMode, EventType, Listen, Say, Transcript
from assistant.text import data_file as data

CONFIRM_MODES = tuple(ConfirmMode)
__all__ = ["CONFIRM_MODES", "MAX_HINTS", "MAX_REASKS", "MAX_RETRIES", "Breathe", "Output", "Session", "Wait",
           "fixed_lines", "words"]


class Session:
    """One session over a script: the public face of the state machine. Turn-taking is ``Turns``; the guided
    questions are ``Guided`` and a told reflection is ``Told``; this class starts, routes what is heard and
    silences to them, runs the script on, and handles the commands and the crisis check."""

    def __init__(
        self,
        script: Script,
        session_id: str,
        *,
        confirm: str = ConfirmMode.RATINGS,
        answers: dict[str, Any] | None = None,
        position: int = 0,
        clock: Callable[[], float] = time.time,
        today: Callable[[], dt.date] | None = None,
        crisis_resources: str | None = None,
        first_run: bool = False,
        day_first: bool = False,
        guided: bool = False,
        typed: bool = False,
        familiar: Collection[str] = (),
        disclaimer: bool | None = None,
    ) -> None:
        if confirm not in CONFIRM_MODES:
            raise ValueError(f"confirm must be one of {CONFIRM_MODES}")
        self.script, self.session_id, self.confirm = script, session_id, ConfirmMode(confirm)
        self._resuming = bool(answers) or position > 0
        self._turns = Turns(
            script, session_id, self.confirm, dict(answers or {}), max(0, min(position, len(script.steps))),
            clock, today or (lambda: dt.date.fromtimestamp(clock())),
            crisis_resources if crisis_resources is not None else words("crisis_resources"), first_run, day_first,
            typed, frozenset(familiar))
        self._disclaimer = first_run if disclaimer is None else disclaimer
        self._guided = Guided(self._turns, self._advance)
        self._told = Told(self._turns, self._advance, guided, self._resuming)
        self._screening: tuple[str, Transcript | None, str] | None = None  # (words, heard, family) asked about
        self._offered_gently = False  # the resources are offered gently once a session

    # --- public ----------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self._turns.mode == Turn.DONE

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self._turns.answers)

    @property
    def position(self) -> int:
        return self._turns.position

    @property
    def step(self) -> Step | None:
        return self._turns.step

    @property
    def rate_delta(self) -> int:
        return self._turns.rate_delta

    def start(self) -> list[Output]:
        t = self._turns
        out: list[Output] = []
        if self._resuming:
            out.append(t.event(EventType.RESUMED, detail={"position": t.position}))
            t.say(out, t.words("resumed"))
        else:
            out.append(t.event(EventType.STARTED, detail={"position": t.position}))
            t.say(out, t.words("started"))
        if self._disclaimer:
            t.say(out, t.words("first_run"))
        if self._told.reopen_summary:
            self._told.summary_again(out)
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
                self._turns.say(out, crisis.gentle_message(self._turns.resources, found.family))
            self._dispatch(out, text, said)
        return out

    def _dispatch(self, out: list[Output], text: str, said: Transcript | None) -> None:
        """An utterance that passed the crisis check: a command, or the answer to what is asked."""
        t = self._turns
        command = parse.match_command(text)
        if t.paused:
            if command in (Command.RESUME, Command.STOP):
                self._command(out, command)
            else:
                t.say(out, t.words("still_paused"))
                out.append(t.listen(AnswerKind.COMMAND))
            return
        if command:
            self._command(out, command)
        elif t.mode == Turn.ASK:
            self._guided.answer(out, text, said)
        elif t.mode == Turn.CONFIRM:
            self._guided.confirm(out, text, said)
        elif t.mode == Turn.OFFER:
            self._guided.offer(out, text, said)
        elif t.mode == Turn.REFLECT:
            self._told.hear(out, text, said)
        elif t.mode == Turn.SUMMARY:
            self._told.summary_reply(out, text, said)

    # --- the gentle question ----------------------------------------------------------------------

    def _screen(self, out: list[Output], text: str, said: Transcript | None, family: str) -> None:
        """Borderline words: ask the one gentle question before anything else; what was said waits."""
        self._screening = (text, said, family)
        self._turns.say(out, crisis.say("ask"))
        step = self.step
        out.append(Listen(step.field if step else "", AnswerKind.TEXT, (), step.id if step else ""))

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
        self._turns.say(out, f"{crisis.say('thanks')} {crisis.gentle_message(self._turns.resources, family)}")
        self._dispatch(out, first_text, first_said)

    def silence(self) -> list[Output]:
        if self.done:
            return []
        t = self._turns
        out: list[Output] = []
        if self._screening is not None:  # no reply to the gentle question: unsure errs to safety
            text, said, family = self._screening
            self._screening = None
            self._crisis(out, text, said, family, asked=True)
            return out
        if t.paused:
            out.append(t.listen(AnswerKind.COMMAND))
            return out
        t.silences += 1
        if t.mode == Turn.SUMMARY:  # nothing said after the summary: keep what was understood
            if t.silences > 1:
                self._told.after(out)
            else:
                t.reprompt(out, t.words("take_your_time"))
            return out
        if t.mode == Turn.REFLECT and t.silences > 1:  # nothing told: ask question by question instead
            t.say(out, t.words("reflect_skipped"))
            self._guided.skip(out, quietly=True)
            return out
        if t.mode == Turn.OFFER or (t.mode == Turn.ASK and t.asked().optional and t.silences > 1):
            self._guided.skip(out)
        elif t.mode == Turn.CONFIRM and t.silences > 1:
            self._guided.keep_pending(out)  # Enter, or nothing said twice: keep what was heard, and say so
        elif t.mode in (Turn.ASK, Turn.CONFIRM, Turn.REFLECT) and t.silences == 1:
            if t.mode != Turn.REFLECT and self._guided.moved_on(out, keep=t.mode == Turn.CONFIRM):
                return out
            t.reprompt(out, t.words("take_your_time"))
        else:
            self._guided.offer_skip(out)
        return out

    def interrupt(self) -> list[Output]:
        """The input ran out mid-session: stop quietly, keeping the position for a resume. While the gentle
        question waits for its reply this is no reply at all, and stops for safety."""
        out: list[Output] = []
        if self._screening is not None:
            return self.silence()
        if not self.done:
            self._finish(out, EventType.STOPPED, {"reason": "interrupted", "position": self._turns.position})
        return out

    # --- flow ------------------------------------------------------------------------------------

    def _advance(self, out: list[Output]) -> None:
        """Run steps from the current position until a question waits for an answer, or the end."""
        t = self._turns
        steps = self.script.steps
        follow_up = self._told.closed_follow_up()
        if follow_up is not None:
            t.position = follow_up
            self._guided.ask(out, steps[follow_up])
            return
        while t.position < len(steps):
            step = steps[t.position]
            if not t.applies(step):
                t.position += 1
                continue
            if step.type == "reflect":
                if self._told.passes_by(step):
                    t.position += 1
                    continue
                self._told.ask(out, step)
                return
            if step.type == "ask":
                if self._told.answered(step):
                    t.position += 1
                    continue
                self._guided.ask(out, step)
                return
            names = [n for n in placeholders(step.text) if n != "round"] if step.type == "readback" else []
            if step.type == "readback" and any(n not in t.answers for n in names):
                pass  # nothing to read back
            elif step.type == "readback" and names and all(n in self._told.said for n in names):
                pass  # the summary of the reflection said these already: the closing does not repeat it
            elif step.type in ("say", "readback"):
                t.say(out, t.fill(t.text(step)))
            elif step.type == "pause":
                t.say(out, t.fill(t.text(step)))
                out.append(Wait(step.seconds, step.id))
            elif step.type == "breathe":
                t.say(out, t.fill(t.text(step)) or t.words("breathe"))
                out.append(Breathe(step.pattern, step.id))
            t.next(step)
        t.mode = Turn.DONE
        if self.script.closing:
            t.say(out, t.words("finished"))
        asks = any(step.type in ("ask", "reflect") for step in self.script.steps)
        # Every question skipped: kept (it happened), but not counted as practice done.
        out.append(t.event(EventType.FINISHED, detail={"empty": True} if asks and not t.answers else {}))

    # --- commands --------------------------------------------------------------------------------

    def _command(self, out: list[Output], command: str) -> None:
        t = self._turns
        if command == Command.STOP:
            t.say(out, t.words("stopped"))
            self._finish(out, EventType.STOPPED, {"position": t.position})
        elif command == Command.PAUSE:
            t.paused = True
            out.append(t.event(EventType.PAUSED, step=self.step))
            t.say(out, t.words("paused"))
            out.append(t.listen(AnswerKind.COMMAND))
        elif command == Command.RESUME and t.paused:
            t.paused = False
            out.append(t.event(EventType.RESUMED, step=self.step, detail={"position": t.position}))
            t.reprompt(out, t.words("resumed_after_pause"))
        elif command == Command.SKIP:
            self._guided.skip(out)
        elif command == Command.BACK:
            self._back(out)
        elif command == Command.HELP:
            own = t.asked().words(t.typed)[1] if t.mode in (Turn.ASK, Turn.REFLECT) else ""  # its own help
            t.reprompt(out, own or t.words("help"))
        elif command in (Command.SLOWER, Command.FASTER):
            settings = data("session.toml")["settings"]
            change = -settings["rate_step"] if command == Command.SLOWER else settings["rate_step"]
            t.rate_delta = max(settings["rate_min"], min(settings["rate_max"], t.rate_delta + change))
            out.append(t.event(EventType.SETTING, step=self.step, detail={"rate_delta": t.rate_delta}))
            t.reprompt(out, t.words(command))
        else:  # repeat, or "continue" when nothing is paused
            t.reprompt(out)

    def _back(self, out: list[Output]) -> None:
        t = self._turns
        if t.history and t.history[-1] == t.position:
            t.history.pop()
        target = t.history.pop() if t.history else self._answered_before(t.position)
        if target is None:
            t.reprompt(out, t.words("no_earlier_question"))
            return
        t.position = target
        if self.script.steps[target].type == "reflect":
            t.say(out, t.words("went_back"))
            self._told.ask(out, self.script.steps[target])
            return
        self._guided.ask(out, self.script.steps[target], (t.words("went_back"),))

    def _answered_before(self, position: int) -> int | None:
        """After a resume there is no history: the last earlier question that has an answer."""
        for step in reversed(self.script.steps[:position]):
            if step.type == "ask" and step.field in self._turns.answers:
                return step.index
        return None

    def _crisis(self, out: list[Output], text: str, said: Transcript | None, family: str = "",
                asked: bool = False) -> None:
        t = self._turns
        step = self.step
        for item in crisis.stop_outputs(self.script.name, self.session_id, text, transcript=said,
                                        resources=t.resources, position=t.position, clock=t.clock,
                                        step_id=step.id if step else "", field=step.field if step else "",
                                        kind=step.kind if step else "", family=family, asked=asked):
            out.append(Say(item.text, t.rate_delta) if isinstance(item, Say) else item)
        t.mode, t.paused = Turn.DONE, False

    def _finish(self, out: list[Output], kind: EventType, detail: dict[str, Any]) -> None:
        t = self._turns
        out.append(t.event(kind, step=self.step, detail=detail))
        t.mode, t.paused = Turn.DONE, False
