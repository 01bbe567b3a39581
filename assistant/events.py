"""Plain frozen data shared by every stage of the pipeline, and the vocabulary they are written in: the kinds of
answer, the types of session event and the confirmation modes, each defined once here. Imports nothing heavy."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from dataclasses import field as _field
from enum import StrEnum


class AnswerKind(StrEnum):
    """What an answer is, and so how it is heard, parsed, read back and stored."""

    TEXT = "text"
    RATING = "rating"  # 0-10
    YESNO = "yesno"
    CHOICE = "choice"  # one of a question's options
    DURATION = "duration"  # minutes
    DATE = "date"  # ISO day
    EMOTIONS = "emotions"  # a list of feeling words
    COMMAND = "command"  # while paused: only resume or stop
    REFLECTION = "reflection"  # a debrief told in one's own words (heard with reflection patience)
    CORRECTION = "correction"  # what is said at a reflection's summary ("no, the peak was a nine")
    PEOPLE = "people"  # who a note is about (read from it, never asked)


# The kinds a script's question may have.
SCRIPT_KINDS = (AnswerKind.TEXT, AnswerKind.RATING, AnswerKind.YESNO, AnswerKind.CHOICE, AnswerKind.DURATION,
                AnswerKind.EMOTIONS, AnswerKind.DATE)
# The closed kinds: answers from a small known set, which a recogniser can check against it, that end soon after
# the speaker stops, and that a reflection's gaps are asked for first.
CLOSED_KINDS = (AnswerKind.RATING, AnswerKind.YESNO, AnswerKind.CHOICE, AnswerKind.DURATION, AnswerKind.DATE,
                AnswerKind.COMMAND)
# Every kind an answer can be heard as (``assistant transcribe --as``): the closed ones and free speech.
HEARD_KINDS = (*CLOSED_KINDS, AnswerKind.TEXT, AnswerKind.EMOTIONS, AnswerKind.REFLECTION)


class Command(StrEnum):
    """What can be said at any question instead of an answer (its phrasings: session.toml [commands])."""

    REPEAT = "repeat"
    SKIP = "skip"
    BACK = "back"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    HELP = "help"
    SLOWER = "slower"
    FASTER = "faster"


COMMANDS = tuple(Command)


class ConfirmMode(StrEnum):
    """Which answers are read back for confirmation ("I heard 7. Is that right?")."""

    AUTO = "auto"  # a heard rating the recogniser was unsure of
    ALWAYS = "always"
    RATINGS = "ratings"
    NEVER = "never"


@dataclass(frozen=True)
class Word:
    word: str
    start: float  # seconds from the start of the stream
    end: float
    conf: float  # 0..1


@dataclass(frozen=True)
class Transcript:
    """One recognition result. ``final`` results are never revised; partials are."""

    text: str
    final: bool
    words: tuple[Word, ...] = ()
    engine: str = ""
    model: str = ""
    language: str = ""
    confidence: float | None = None  # how sure the recogniser is of the whole answer (0..1), when it knows

    @property
    def start(self) -> float | None:
        return self.words[0].start if self.words else None

    @property
    def end(self) -> float | None:
        return self.words[-1].end if self.words else None

    @property
    def conf(self) -> float | None:
        """The answer's confidence: the recogniser's own, else the mean of the words' (None: no words)."""
        if self.confidence is not None:
            return self.confidence
        if not self.words:
            return None
        return sum(w.conf for w in self.words) / len(self.words)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["words"] = [asdict(w) for w in self.words]
        return data


@dataclass(frozen=True)
class Say:
    """A line the assistant speaks (and prints as a caption)."""

    text: str
    rate_delta: int = 0


@dataclass(frozen=True)
class EngineInfo:
    """What recognised the audio: always reported to the user."""

    engine: str  # "vosk" | "whisper" | "scripted"
    model: str  # model name
    path: str = ""
    language: str = ""
    reason: str = ""  # why this engine was chosen (auto mode)
    extra: dict = _field(default_factory=dict)


# --- Guided sessions -------------------------------------------------------------------------------
# session.py (pure state machine) emits these; pipeline.py routes them: Say → tts, Listen → recognizer,
# SessionEvent → store. Values in SessionEvent.value are JSON-serialisable (int, str, bool, list[str], None).

class EventType(StrEnum):
    """What happened in a session; the journal keeps each event."""

    STARTED = "started"
    ANSWER = "answer"
    SKIPPED = "skipped"
    FLAGGED = "flagged"  # stopped for safety
    PAUSED = "paused"
    RESUMED = "resumed"
    STOPPED = "stopped"
    FINISHED = "finished"
    SETTING = "setting"  # the voice made slower or faster


EVENT_TYPES = tuple(EventType)


@dataclass(frozen=True)
class Listen:
    """The session waits for an answer of ``kind`` (text, reflection, rating, yesno, choice, duration, date,
    emotions, command).

    ``grammar``: the closed vocabulary for constrained recognition (Vosk), or None for free speech.
    ``choices``: the options of a ``choice`` question.
    """

    field: str
    kind: str
    grammar: tuple[str, ...] | None = None
    step_id: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionEvent:
    type: str  # an EventType
    session_id: str
    script: str
    step_id: str = ""
    field: str = ""
    kind: str = ""  # the answer kind for "answer" events
    value: object = None  # parsed value (rating int, bool, str, list[str], minutes int ...)
    text: str = ""  # what the person said, verbatim
    transcript: Transcript | None = None  # engine, model, words, confidence of the final answer
    at: float = 0.0  # unix time
    detail: dict = _field(default_factory=dict)  # e.g. {"reason": "crisis"} for flagged
