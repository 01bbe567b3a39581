"""Running a guided script for real: picks the answer source for the mode, loads the engine in the
background, opens the journal, and hands everything to ``dialogue.pipeline.Runner``. Captions and notes go
to the ``Console`` it is given (``practice.console``); it never prints.

Modes (every script, the same session underneath):
- voice (default): prompts spoken, answers through the microphone. No microphone → one line, then
  typed answers.
- ``text``: typed answers; prompts still spoken unless ``no_audio``.
- ``audio_in``: one recording per question asked, through the real recogniser. Pause steps do not
  wait (nobody is there to reflect); when the files run out the session stops and can be resumed.

The speech engine loads in a background thread while the first lines are spoken, so the first words
come out at once (the warm-cache start → first audio figure in ``scripts/bench``). The voice does the
same: a Piper voice loads in the background, and the script's fixed lines (steps, help, re-asks, the
session's own lines) are made ahead while the first ones play; only lines with answers filled in are
made when they are said.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.practice.console import Console, QuietConsole
from assistant.text import t


@dataclass(frozen=True)
class Mode:
    text: bool = False
    no_audio: bool = False
    audio_in: tuple[str, ...] = ()
    confirm: str | None = None  # None: the setting (auto)
    guided: bool = False  # one question per field: reflect steps are passed by
    engine: str | None = None
    model: str | None = None
    language: str | None = None
    extra: dict = field(default_factory=dict)


class BackgroundEngine:
    """An engine that is still loading: the first ``recognizer()`` waits for it."""

    def __init__(self, future: Future) -> None:
        self._future = future

    @property
    def engine(self):
        return self._future.result()

    @property
    def info(self):
        return self.engine.info

    def recognizer(self, *args, **kwargs):
        return self.engine.recognizer(*args, **kwargs)


def load_in_background(mode: Mode, console: Console | None = None) -> BackgroundEngine:
    """Start loading the engine the mode and settings ask for; the choice is reported on the console."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-load")
    future = pool.submit(_open_engine, mode, console or QuietConsole())
    pool.shutdown(wait=False)
    return BackgroundEngine(future)


def _open_engine(mode: Mode, console: Console):
    from assistant.speech.stt.select import describe, open_engine

    loaded = open_engine(mode.engine, mode.model, mode.language)
    console.echo(describe(loaded.info), err=True)
    return loaded


def check_audio_files(files: tuple[str, ...]) -> None:
    """Fail before the session starts if any recording is unusable (one clear line)."""
    from assistant.audio.formats import read_wav

    for path in files:
        read_wav(path)


def day_first(language: str) -> bool:
    """Typed numeric dates ("10/12"): month first for US English (the shipped voice and crisis line), day
    first for every other language setting ("en-gb", "de" ...)."""
    return language.lower().replace("_", "-") not in ("en", "en-us")


def first_run_marker() -> Path:
    from assistant.config import home

    return home() / ".welcomed"


def _warm_crisis_check() -> None:
    """Compile the crisis templates in the background (once) while the first lines play."""
    import threading

    from assistant.dialogue.safety.matcher import warm

    threading.Thread(target=warm, name="crisis-warm", daemon=True).start()


class CrisisHeard(Exception):
    """Crisis language was heard outside a session (the menu, the ladder-step question)."""

    def __init__(self, heard, family: str = "", asked: bool = False) -> None:
        super().__init__(heard.text)
        self.heard, self.family, self.asked = heard, family, asked


class Practice:
    """Everything one run needs, opened together and closed together.

    Every place that listens goes through the crisis check: inside a session the session does it; outside
    one (the menu, "which ladder step was it?") :meth:`listen` does, and :meth:`stop_for_safety` says the
    crisis words and records a flagged entry. During a breathing exercise the exercise hears it and the
    session is handed the words.
    """

    def __init__(self, mode: Mode, settings=None, source=None, console: Console | None = None) -> None:
        from assistant.config import Settings, ensure_home
        from assistant.speech.tts.voice import Voice

        ensure_home()
        self.console = console or QuietConsole()
        self.mode = mode
        self.settings = settings or Settings.load()
        if mode.audio_in:
            check_audio_files(mode.audio_in)
        self.gate = None
        self.mic = None
        self.typed = bool(mode.text)  # answers are typed (also after a missing microphone): typed wording
        self._store: Any = None
        self._session_id, self._script = "", ""
        self.voice = Voice(self.settings, no_audio=mode.no_audio, gate=None if source else self._gate(),
                           echo=self.console.echo)
        _warm_crisis_check()
        self.source = source if source is not None else self._source()

    def _gate(self):
        if self.mode.text or self.mode.audio_in:
            return None
        from assistant.audio.devices import Gate

        self.gate = Gate()
        return self.gate

    def _source(self):
        from assistant.practice.hearing import Ear
        from assistant.practice.sources import FileAnswers, MicAnswers, TypedAnswers

        if self.mode.audio_in:
            return FileAnswers(load_in_background(self.mode, self.console), self.mode.audio_in,
                               Ear.from_settings(self.settings))
        if self.mode.text:
            return TypedAnswers(read_line=self.console.read_line)
        try:
            from assistant.audio.devices import Microphone

            self.mic = Microphone.from_settings(self.settings, gate=self.gate)
            self.mic.start()
        except AssistantError as exc:
            self.console.echo(t("practice.no_microphone", reason=exc.message), err=True)
            self.mic, self.typed = None, True
            return TypedAnswers(read_line=self.console.read_line)
        return MicAnswers(load_in_background(self.mode, self.console), self.mic, Ear.from_settings(self.settings))

    def wait(self, seconds: float) -> None:
        if not self.mode.audio_in:
            time.sleep(seconds)

    breathing = None  # BreathingOptions from `assistant breathe`; None: the script's pattern, defaults

    def breathe(self, pattern: str):
        """A script hands off to a breathing exercise; its figures are stored as answers of the session."""
        from assistant.breathing.exercise import run_exercise
        from assistant.dialogue.pipeline import Heard

        engine = getattr(self.source, "engine", None) if self.mic is not None else None
        result = run_exercise(self.voice, pattern, self.breathing, settings=self.settings, microphone=self.mic,
                              engine=engine, instant=bool(self.mode.audio_in))
        if self._store is not None and self._session_id:
            from assistant.breathing.exercise import result_events

            for event in result_events(result, self._session_id, self._script):
                self._store.record(event)
        return Heard(result.crisis_text) if result.crisis_text else None

    def run(self, script_name: str, resume_id: str | None = None, on_event=None, step_id: str | None = None):
        from assistant.dialogue.pipeline import Runner
        from assistant.dialogue.scripts import load_script
        from assistant.dialogue.session import Session, fixed_lines
        from assistant.journal.store import Store

        script = load_script(script_name)
        marker = first_run_marker()
        self.voice.warm(fixed_lines(script, self.settings.crisis_resources or None, typed=self.typed))
        with Store.open() as store:
            store.close_abandoned()  # sessions a killed process left "in progress"
            first_run, familiar = self.returning(store, script_name, marker)
            answers, position, session_id = None, 0, uuid.uuid4().hex
            self._store, self._script = store, script_name
            if resume_id:
                row = store.session(resume_id)
                if row is None:
                    from assistant.text import fail

                    raise fail("nothing_to_resume")
                answers, position, session_id = store.answers_for(row.id), row.position, row.id
                told = [s.field for s in script.steps if s.type == "reflect"]
                if told and answers and not any(f in answers for f in told):
                    self.mode = replace(self.mode, guided=True)  # it was begun question by question: carry on so
            if script_name == "debrief" and not resume_id and not step_id:
                try:
                    step_id = self.ask_ladder_step(store)
                except CrisisHeard as hit:
                    self._store = None
                    return self.stop_for_safety(script_name, hit.heard, store, hit.family, hit.asked)
            self._session_id = session_id
            session = Session(script, session_id, confirm=self.mode.confirm or self.settings.confirm,
                              answers=answers, position=position,
                              first_run=first_run, crisis_resources=self.settings.crisis_resources or None,
                              day_first=day_first(self.mode.language or self.settings.language),
                              guided=self.mode.guided, typed=self.typed, familiar=familiar,
                              disclaimer=first_run or self.settings.long_intros)

            def hook(event):
                if event.type == "started" and step_id:
                    from assistant.growth.ladder import link_session

                    link_session(store, event.session_id, step_id)
                if on_event:
                    on_event(event)

            runner = Runner(session, self.source, self.voice, store, on_event=hook, wait=self.wait,
                            breathe=self.breathe)
            result = runner.run()
            self._store = None
            row = store.session(session_id)  # one count, from the journal (go back, resume and breathing included)
            if row is not None:
                result = replace(result, answers=row.answer_count)
        if first_run:
            from assistant.config import touch_private

            touch_private(marker)
        return result

    def returning(self, store, script_name: str, marker: Path) -> tuple[bool, frozenset[str]]:
        """(first run, the steps of ``script_name`` answered before). A first run is one with no first-run
        marker and nothing answered in the journal: a journal restored into a new home is a returning person.
        A step answered before is one the person has been asked before, so it may be said in its short
        wording; with the ``long_intros`` setting nothing counts as heard."""
        first_run = not marker.exists() and not store.answered_steps()
        return first_run, frozenset() if self.settings.long_intros else store.answered_steps(script_name)

    _offered_gently = False

    def listen(self, listen):
        """One answer outside a session, through the crisis check as a session does it (``dialogue.crisis``):
        ``stop`` raises :class:`CrisisHeard`; ``ask`` asks the gentle question first (no → thanks, resources
        offered gently, and the answer is returned; anything else raises); ``gentle`` offers the resources once.

        None when nothing was said; raises ``EndOfInput`` when the input is over.
        """
        from assistant.dialogue import crisis

        heard = self.source.answer(listen)
        if heard is None:
            return None
        found = crisis.assess(heard.text)
        resources = self.settings.crisis_resources or None
        if found.outcome == crisis.Outcome.STOP:
            raise CrisisHeard(heard, found.family)
        if found.outcome == crisis.Outcome.ASK:
            self._ask_gently(heard, found.family)
            self.voice.say(f"{crisis.say('thanks')} {crisis.gentle_message(resources, found.family)}")
            self._offered_gently = True
        elif found.outcome == crisis.Outcome.GENTLE and not self._offered_gently:
            self.voice.say(crisis.gentle_message(resources, found.family))
            self._offered_gently = True
        return heard

    def _ask_gently(self, heard, family: str) -> None:
        """The one gentle question; returns on a clear no, raises :class:`CrisisHeard` on anything else."""
        from assistant.dialogue import crisis
        from assistant.dialogue.pipeline import EndOfInput
        from assistant.practice.hearing import listen_for

        self.voice.say(crisis.say("ask"))
        try:
            reply = self.source.answer(listen_for("text"))
        except EndOfInput:
            reply = None
        if not crisis.reply_to_question(reply.text if reply is not None else None):
            said = reply if reply is not None and crisis.assess(reply.text).alarm else heard
            raise CrisisHeard(said, crisis.assess(said.text).family or family, asked=True)

    def choose(self, field: str, choices: tuple[str, ...], first: str, again: str, tries: int = 3) -> str | None:
        """Ask a closed question outside a session: the choice picked, or None (stop, silence, input over)."""
        from assistant.dialogue import parse
        from assistant.dialogue.pipeline import EndOfInput
        from assistant.events import Listen

        listen = Listen(field, "choice", parse.grammar("choice", choices), choices=choices)
        for attempt in range(tries):
            self.voice.say(first if attempt == 0 else again)
            try:
                heard = self.listen(listen)
            except EndOfInput:
                return None
            if heard is None:
                continue
            if parse.match_command(heard.text) == "stop":
                return None
            picked = parse.parse_choice(heard.text, choices)
            if picked.ok:
                return picked.value
        return None

    def stop_for_safety(self, script: str, heard, store=None, family: str = "", asked: bool = False):
        """Crisis language outside a session: say the crisis words and keep a flagged entry of ``script``."""
        from assistant.dialogue import crisis
        from assistant.dialogue.pipeline import RunResult
        from assistant.events import Say, SessionEvent
        from assistant.journal.store import Store

        session_id = uuid.uuid4().hex
        outputs = crisis.stop_outputs(script, session_id, heard.text, transcript=heard.transcript,
                                      resources=self.settings.crisis_resources or None, family=family,
                                      asked=asked)
        opened = store is None
        journal = Store.open() if opened else store
        try:
            journal.record(SessionEvent("started", session_id, script, at=time.time()))
            for out in outputs:
                if isinstance(out, SessionEvent):
                    journal.record(out)
        finally:
            if opened:
                journal.close()
        for out in outputs:
            if isinstance(out, Say):
                self.voice.say(out.text)
        return RunResult("flagged", session_id, 0)

    def ask_ladder_step(self, store) -> str | None:
        """Before a debrief: which ladder step was this? (None when there is no ladder, or "none")."""
        from assistant.growth import ladder

        steps = ladder.steps(store)
        if not steps:
            return None
        shown = steps[:6]  # a spoken list longer than this is hard to follow
        choices = tuple(s.text for s in shown) + (t("practice.no_step"),)
        listing = " ".join(t("practice.step_choice", n=i, text=s.text) for i, s in enumerate(shown, 1))
        typed = "_typed" if self.typed else ""
        picked = self.choose("ladder_step", choices, t(f"practice.which_step{typed}", steps=listing, none=choices[-1]),
                             t(f"practice.which_step_again{typed}", steps=listing, none=choices[-1]))
        if picked is None or picked == choices[-1]:
            return None
        step = shown[choices.index(picked)]
        self.voice.say(t("practice.step_linked", text=step.text))
        return str(step.id)

    def close(self) -> None:
        if self.mic is not None:
            self.mic.close()
        if hasattr(self.source, "close"):
            self.source.close()
        self.voice.close()

    def __enter__(self) -> "Practice":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

