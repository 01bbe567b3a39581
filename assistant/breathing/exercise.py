"""Running a breathing exercise: cue audio prepared up front, then rendered sample-exactly.

Audio: every cue clip is synthesised (or generated, for tones) and cached before the first cue, then
mixed into ONE continuous output stream at the sample where the timeline says it is due. The sound
card's sample clock is the schedule, so onsets cannot drift with Python's timing or with speech
length. A spoken cue longer than its slot is re-synthesised faster, and if it still does not fit it
is replaced by its tone: nothing is allowed to push the schedule.

Captions only (``--no-audio``): each cue is printed with its time, waiting on a monotonic clock
against the exercise start (never sleep-after-sleep).

Voice control while it runs: stop, pause, resume, slower, faster — heard through the microphone
with a small grammar; the microphone is gated while a cue is sounding (half-duplex), so the
assistant's own voice cannot trigger a command. In ``--text`` mode the same words can be typed.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from assistant.breathing.patterns import Cue, Pattern, Timeline, data

if TYPE_CHECKING:
    import numpy as np

STREAM_RATE = 22050  # Piper's and espeak-ng's native rate: cue speech needs no resampling
LEAD_S = 0.5  # the exercise starts this long after the stream opens
FIT_MARGIN_S = 0.15  # a cue must end this long before the next one starts
FAST_RATE_FACTOR = 1.45
TONE_S = 0.35
COMMANDS = ("stop", "pause", "resume", "slower", "faster")
TONE_HZ = {"in": (330.0, 495.0), "top_up": (495.0, 587.0), "hold": (440.0, 440.0), "out": (495.0, 294.0),
           "rest": (392.0, 392.0), "count": (660.0, 660.0)}


def tone(key: str, rate: int = STREAM_RATE, seconds: float = TONE_S, level: float = 0.25) -> "np.ndarray":
    """A soft gliding sine (rising for in, level for hold, falling for out) with smooth edges."""
    import numpy as np

    low, high = TONE_HZ.get(key, TONE_HZ["count"])
    if key == "count":
        seconds = 0.12
    n = int(seconds * rate)
    freq = np.linspace(low, high, n)
    phase = 2 * np.pi * np.cumsum(freq) / rate
    ramp = max(1, int(0.02 * rate))
    envelope = np.ones(n)
    envelope[:ramp] = np.linspace(0, 1, ramp)
    envelope[-ramp:] = np.linspace(1, 0, ramp)
    return (level * envelope * np.sin(phase)).astype(np.float32)


@dataclass(frozen=True)
class CueSounds:
    """For each (kind, key): the clips to try in order — normal speech, faster speech, the tone alone.
    The mixer plays the first that ends ``FIT_MARGIN_S`` before the next cue is due."""

    variants: dict

    def pick(self, cue: Cue) -> "np.ndarray":
        options = self.variants[(cue.kind, cue.key)]
        for clip in options:
            if len(clip) / STREAM_RATE <= cue.slot_s - FIT_MARGIN_S:
                return clip
        return options[-1][: max(0, int((cue.slot_s - FIT_MARGIN_S) * STREAM_RATE))]

    def too_long(self, cue: Cue) -> bool:
        """True when no spoken version fits (the cue sounds as a tone)."""
        return self.pick(cue) is self.variants[(cue.kind, cue.key)][-1]


def _to_stream(pcm: bytes, rate: int) -> "np.ndarray":
    from assistant.audio.formats import convert, to_float

    return convert(to_float(pcm, 2), 1, rate, STREAM_RATE)


def prepare(pattern: Pattern, synthesizer, fast_synthesizer=None, *, words: bool = True, tones: bool = False,
            counts: bool = False) -> CueSounds:
    """Every clip the exercise can need, made before the first cue (from the TTS cache after once)."""
    cue_words = data()["cues"]
    keys = {(c.kind, c.key) for c in Timeline(pattern, 1, counts).due(1e9)}
    variants = {}
    for kind, key in sorted(keys):
        beep = tone("count" if kind == "count" else key)
        options = []
        if words:
            text = cue_words[key] if kind == "cue" else key
            for synth in (synthesizer, fast_synthesizer):
                if synth is not None:
                    audio = synth.synthesize(text)
                    speech = _trim(_to_stream(audio.pcm, audio.rate))
                    options.append(_mix(beep, speech) if tones else speech)
        variants[(kind, key)] = tuple(options) + (beep,)
    return CueSounds(variants)


def _trim(clip: "np.ndarray", threshold: float = 0.003) -> "np.ndarray":
    """Cut leading/trailing silence so the audible onset is the scheduled onset."""
    import numpy as np

    loud = np.flatnonzero(np.abs(clip) > threshold)
    return clip[loud[0] : loud[-1] + 1] if len(loud) else clip[:0]


def _mix(a: "np.ndarray", b: "np.ndarray") -> "np.ndarray":
    import numpy as np

    out = np.zeros(max(len(a), len(b)), np.float32)
    out[: len(a)] += a
    out[: len(b)] += b
    return out


class Mixer:
    """Places clips at absolute sample positions of one output stream. Called from the audio thread."""

    def __init__(self, timeline: Timeline, sounds: CueSounds, lead_s: float = LEAD_S) -> None:
        self.timeline, self.sounds = timeline, sounds
        self.lead = int(lead_s * STREAM_RATE)
        self.position = 0  # samples rendered so far
        self.playing: list[tuple[int, "np.ndarray"]] = []  # (start sample, clip)
        self.given: "queue.Queue[tuple[Cue, int]]" = queue.Queue()  # cues scheduled, with their sample
        self.lock = threading.Lock()

    def session_time(self, sample: int) -> float:
        return (sample - self.lead) / STREAM_RATE

    def sample_at(self, at_s: float) -> int:
        return self.lead + round(at_s * STREAM_RATE)

    def add(self, clip: "np.ndarray", at_sample: int) -> None:
        with self.lock:
            self.playing.append((at_sample, clip))

    def render(self, frames: int) -> "np.ndarray":
        import numpy as np

        with self.lock:
            start, end = self.position, self.position + frames
            horizon = self.session_time(end)
            for cue in self.timeline.due(horizon):
                sample = self.sample_at(cue.at_s)
                self.playing.append((sample, self.sounds.pick(cue)))
                self.given.put((cue, sample))
            out = np.zeros(frames, np.float32)
            keep = []
            for at, clip in self.playing:
                lo, hi = max(at, start), min(at + len(clip), end)
                if hi > lo:
                    out[lo - start : hi - start] += clip[lo - at : hi - at]
                if at + len(clip) > end:
                    keep.append((at, clip))
            self.playing = keep
            self.position = end
        return out

    def sounding(self) -> bool:
        with self.lock:
            return any(at <= self.position < at + len(clip) for at, clip in self.playing)


@dataclass(frozen=True)
class BreathingResult:
    pattern: str
    planned_cycles: int
    completed_cycles: int
    duration_s: float
    stopped: bool
    crisis_text: str = ""  # crisis words heard during the exercise: it stopped, the session must hear them


class Commands:
    """Spoken or typed control words, collected on a background thread into a queue."""

    def __init__(self) -> None:
        self.queue: "queue.Queue[str]" = queue.Queue()
        self.heard: list[str] = []  # every final transcript, for diagnostics
        self.crisis_text = ""
        self._stop = threading.Event()

    def get(self) -> str | None:
        try:
            return self.queue.get_nowait()
        except queue.Empty:
            return None

    def put_text(self, text: str) -> None:
        from assistant.dialogue import crisis
        from assistant.dialogue.parse import match_command

        self.heard.append(text)
        if crisis.check(text):  # the one crisis check, here too: the exercise stops at once
            self.crisis_text = text
            self.queue.put("crisis")
            return
        command = match_command(text)
        if command in COMMANDS:
            self.queue.put(command)

    def listen_voice(self, engine, microphone) -> "Commands":
        def loop() -> None:
            # Free speech, not a grammar of the commands: a grammar would hear crisis words as "[unk]", and
            # everything said here must reach the crisis check (``put_text``).
            rec = engine.recognizer(grammar=None, partials=False)
            while not self._stop.is_set():  # chunks() returns after a quiet spell; keep listening
                for chunk in microphone.chunks(timeout=0.5):
                    if self._stop.is_set():
                        return
                    for result in rec.accept(chunk.audio):
                        if result.final:
                            self.put_text(result.text)

        self._thread = threading.Thread(target=loop, name="breathing-commands", daemon=True)
        self._thread.start()
        return self

    def listen_typed(self, readline: Callable[[], str]) -> "Commands":
        def loop() -> None:
            while not self._stop.is_set():
                line = readline()
                if not line:
                    return
                self.put_text(line)

        threading.Thread(target=loop, name="breathing-typed", daemon=True).start()
        return self

    def close(self) -> None:
        """Stop listening; wait briefly so the next question gets the microphone to itself."""
        self._stop.set()
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.join(timeout=1.0)


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60):02d}:{seconds % 60:04.1f}"


class Exercise:
    """One run of a pattern, with audio (mixer) or captions only."""

    def __init__(self, pattern: Pattern, cycles: int, voice, *, counts: bool = False, tones: bool = False,
                 words: bool = True, commands: Commands | None = None, echo: Callable[[str], None] | None = None,
                 settings=None, instant: bool = False, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.pattern, self.cycles, self.voice = pattern, cycles, voice
        self.counts, self.tones, self.words = counts, tones, words
        self.commands, self.settings = commands, settings or voice.settings
        self.echo: Callable[[str], None] = echo or voice.echo
        self.clock, self.sleep = clock, sleep
        self.timeline = Timeline(pattern, cycles, counts)
        self.stopped = False
        self.instant = instant  # recorded answers: print the timed captions without waiting in real time

    def _caption(self, at_s: float, cue: Cue) -> None:
        text = data()["cues"][cue.key] if cue.kind == "cue" else cue.key
        self.echo(data()["words"]["caption"].format(clock=_clock(at_s), text=text))

    def run(self) -> BreathingResult:
        started = self.clock()
        try:
            if self.instant:
                for cue in self.timeline.due(1e9):
                    self._caption(cue.at_s, cue)
            elif self.voice.no_audio:
                self._run_captions()
            else:
                self._run_audio()
        except KeyboardInterrupt:  # Ctrl-C ends the exercise gently, like saying "stop"
            self.stopped = True
        return BreathingResult(self.pattern.name, self.cycles, self.timeline.completed_cycles,
                               round(self.clock() - started, 2), self.stopped,
                               self.commands.crisis_text if self.commands else "")

    # --- commands shared by both runners ------------------------------------------------------------

    def _handle(self, command: str, now_s: float, say: Callable[[str], float]) -> bool:
        """Apply a command at session time ``now_s``; False when the exercise should end."""
        words = data()["words"]
        if command in ("stop", "crisis"):
            self.stopped = True
            return False
        if command == "pause":
            self.timeline.pause(now_s)
            say(words["paused"])
        elif command == "resume" and self.timeline.paused_at is not None:
            length = say(words["resumed"])
            self.timeline.resume(now_s + length + 1.0)
        elif command in ("slower", "faster"):
            self.timeline.set_tempo(faster=command == "faster")
            say(words[command])
        return True

    # --- captions only ------------------------------------------------------------------------------

    def _run_captions(self) -> None:
        start = self.clock()
        while not self.timeline.done:
            now_s = self.clock() - start
            for cue in self.timeline.due(now_s + 1e-3):
                self._caption(cue.at_s, cue)
            command = self.commands.get() if self.commands else None
            if command and not self._handle(command, now_s, lambda text: (self.echo(text), 0.0)[1]):
                return
            nxt = self.timeline.next_at()
            wait = 0.05 if nxt is None else min(0.05, max(0.0, nxt - (self.clock() - start)))
            self.sleep(wait)
        # let the last phase run its length before the closing line
        end = self.timeline.end_s
        while self.clock() - start < end and not self.stopped:
            self.sleep(min(0.05, max(0.0, end - (self.clock() - start))))

    # --- audio ---------------------------------------------------------------------------------------

    def _run_audio(self) -> None:
        from assistant.audio.devices import device_from_settings
        from assistant.audio.stream import StreamPlayer
        from assistant.config import clamp_rate

        # The faster voice for cues too long for their slot: espeak at a higher rate, or Piper with a
        # shorter length scale (the same loaded voice).
        fast = self.voice.synthesizer.with_rate(clamp_rate(int(self.settings.rate * FAST_RATE_FACTOR))) \
            if self.words else None
        sounds = prepare(self.pattern, self.voice.synthesizer if self.words else None, fast, words=self.words,
                         tones=self.tones, counts=self.counts)
        mixer = Mixer(self.timeline, sounds)
        self.mixer = mixer

        def say(text: str) -> float:
            self.echo(text)
            audio = self.voice.synthesizer.synthesize(text)
            clip = _trim(_to_stream(audio.pcm, audio.rate))
            mixer.add(clip, mixer.position + int(0.05 * STREAM_RATE))
            return len(clip) / STREAM_RATE

        player = StreamPlayer(mixer.render, STREAM_RATE, device_from_settings(self.settings, "output"),
                              gate=self.voice.gate, sounding=mixer.sounding)
        try:
            player.start()
            while not (self.timeline.done and mixer.position >= mixer.sample_at(self.timeline.end_s)):
                while not mixer.given.empty():
                    cue, _sample = mixer.given.get_nowait()
                    self._caption(cue.at_s, cue)
                command = self.commands.get() if self.commands else None
                if command and not self._handle(command, mixer.session_time(mixer.position), say):
                    break
                self.sleep(0.02)
            self.played_to = mixer.position
        finally:
            player.close()
            if fast is not None:
                fast.close()


@dataclass(frozen=True)
class BreathingOptions:
    pattern: Pattern
    cycles: int
    counts: bool = False
    tones: bool = False
    words: bool = True


def run_exercise(voice, pattern_name: str, options: BreathingOptions | None = None, *, settings=None,
                 microphone=None, engine=None, instant: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> BreathingResult:
    """Run the exercise with the collaborators it is handed: safety note once, intro, cues, closing line.

    ``voice`` says the lines and shows the captions; with a ``microphone`` and a recognising ``engine`` the
    person can say stop, pause, resume, slower or faster (grammar-constrained on Vosk). Without them
    (typed answers) Ctrl-C stops the exercise, so stdin stays with the questions that follow. ``instant``:
    recorded answers, nobody is there to breathe, so the timed captions are printed without waiting.
    """
    from assistant.breathing.patterns import get_pattern
    from assistant.config import home, touch_private
    from assistant.text import counted

    if options is None:
        pattern = get_pattern(pattern_name)
        options = BreathingOptions(pattern, pattern.cycles)
    words = data()["words"]
    marker = home() / ".breathing-note"
    if not marker.exists():
        voice.say(words["safety"])
        touch_private(marker)
    minutes = round(options.pattern.cycle_s * options.cycles / 60)
    duration = words["about_a_minute"] if minutes <= 1 else words["about_minutes"].format(minutes=minutes)
    voice.say(words["intro"].format(title=options.pattern.title, rounds=counted("round", options.cycles),
                                    duration=duration))
    commands = None
    if microphone is not None and engine is not None:
        commands = Commands().listen_voice(engine, microphone)
    exercise = Exercise(options.pattern, options.cycles, voice, counts=options.counts, tones=options.tones,
                        words=options.words, commands=commands, echo=voice.echo, settings=settings,
                        instant=instant, clock=clock)
    try:
        result = exercise.run()
    finally:
        if commands is not None:
            commands.close()
    if not result.crisis_text:  # after crisis words the session speaks, not the exercise
        voice.say(words["stopped"] if result.stopped else words["closing"])
    return result


def result_events(result: BreathingResult, session_id: str, script: str) -> list:
    """The exercise's figures as answer events of the running session (shown by `assistant entries`)."""
    import time as _time

    from assistant.events import SessionEvent

    values = (("breathing_pattern", "text", result.pattern), ("cycles_planned", "number", result.planned_cycles),
              ("cycles_completed", "number", result.completed_cycles), ("breathing_s", "number", result.duration_s),
              ("breathing_stopped_early", "yesno", result.stopped))
    now = _time.time()
    labels = data()["labels"]
    return [SessionEvent("answer", session_id, script, step_id="exercise", field=field, kind=kind, value=value,
                         text=str(value), at=now, detail={"label": labels[field]}) for field, kind, value in values]
