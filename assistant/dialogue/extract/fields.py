"""The fields a reflection is read into, their kinds, and what reading returns (:class:`Extraction`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from assistant.events import AnswerKind

TEXTS = ("felt_easy", "stayed_hard", "helped_most", "learned", "next_step")  # free text after a cue
FIELDS = ("what_happened", "disclosure_level", "new_topic", "conversation_minutes", "anxiety_before",
          "anxiety_peak", "anxiety_after", "anxiety_duration", "emotions", "body_sensations", "felt_easy",
          "stayed_hard", "helped_most", "learned", "next_step", "follow_up")
NOTE_FIELDS = ("intensity", "people")  # read only when asked for (a note): how strong, and who
ALL_FIELDS = FIELDS + NOTE_FIELDS

_TEXT, _RATING, _DURATION = AnswerKind.TEXT, AnswerKind.RATING, AnswerKind.DURATION
KINDS = {"what_happened": _TEXT, "disclosure_level": _RATING, "new_topic": AnswerKind.YESNO,
         "conversation_minutes": _DURATION, "anxiety_before": _RATING, "anxiety_peak": _RATING,
         "anxiety_after": _RATING, "anxiety_duration": _DURATION, "emotions": AnswerKind.EMOTIONS,
         "body_sensations": _TEXT, "felt_easy": _TEXT, "stayed_hard": _TEXT, "helped_most": _TEXT,
         "learned": _TEXT, "next_step": _TEXT, "follow_up": AnswerKind.DATE, "intensity": _RATING,
         "people": AnswerKind.PEOPLE}


@dataclass(frozen=True)
class Extracted:
    """One field read from the transcript: its value and the words it came from."""

    field: str
    value: Any
    span: tuple[int, int]  # character offsets into the transcript
    words: str  # transcript[span[0]:span[1]]
    cue: str = ""  # the words that tied the value to its field ("at the worst"), if any


@dataclass(frozen=True)
class Extraction:
    """Everything read from one reflection, in field order."""

    transcript: str
    found: tuple[Extracted, ...] = ()

    def get(self, field: str) -> Extracted | None:
        return next((e for e in self.found if e.field == field), None)

    def value(self, field: str, default: Any = None) -> Any:
        item = self.get(field)
        return default if item is None else item.value

    @property
    def values(self) -> dict[str, Any]:
        return {e.field: e.value for e in self.found}

    def __contains__(self, field: object) -> bool:
        return any(e.field == field for e in self.found)

    def missing(self, fields: Iterable[str]) -> list[str]:
        """The fields of ``fields`` that were not found, in their order (what is still to be asked)."""
        return [f for f in fields if f not in self]
