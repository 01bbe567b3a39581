"""Journal rows as plain frozen dataclasses: what ``store.Store`` returns and exports serialise.

The row classes use ``__slots__`` and read their fields with one ``attrgetter`` in ``to_dict``: an export
makes 100k of them, and without a per-instance ``__dict__`` they are smaller and quicker to turn into JSON.

``to_dict``/``from_dict`` are exact inverses (tests/test_store.py round-trips them through JSON).
Timestamps are UTC ISO 8601 strings as stored; ``value`` is the parsed answer value. ``answer_from_row`` turns a
row read with ``ANSWER_COLUMNS`` into an ``AnswerRow`` (the store's SQL reads answers in that order).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from operator import attrgetter
from typing import Sequence

from assistant.events import Word


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    script: str
    title: str | None
    started_at: str
    ended_at: str | None
    status: str
    position: int
    engine: str | None = None
    model: str | None = None
    flagged_reason: str | None = None
    ladder_step_id: str | None = None
    answer_count: int = 0

    def to_dict(self) -> dict:
        return dict(zip(_SESSION_FIELDS, _session_values(self)))

    @classmethod
    def from_dict(cls, data: dict) -> "SessionRow":
        return cls(**{f: data[f] for f in cls.__dataclass_fields__ if f in data})


_SESSION_FIELDS = tuple(SessionRow.__dataclass_fields__)
_session_values = attrgetter(*_SESSION_FIELDS)


@dataclass(frozen=True, slots=True)
class AnswerRow:
    session_id: str
    field: str
    kind: str | None
    value: object
    text: str | None
    step_id: str | None = None
    label: str | None = None
    engine: str | None = None
    model: str | None = None
    confidence: float | None = None
    words: tuple[Word, ...] = ()
    start_s: float | None = None
    end_s: float | None = None
    round: int = 1
    detail: dict | None = None
    created_at: str | None = None
    updated_at: str | None = None

    def to_dict(self) -> dict:
        # Shallow on purpose: asdict() deep-copies every value and made a 100k-answer export 3x slower.
        data = dict(zip(_ANSWER_FIELDS, _answer_values(self)))
        data["words"] = [{"word": w.word, "start": w.start, "end": w.end, "conf": w.conf}
                         for w in self.words] if self.words else []
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "AnswerRow":
        values = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        values["words"] = tuple(Word(**w) for w in data.get("words") or ())
        return cls(**values)


_ANSWER_FIELDS = tuple(AnswerRow.__dataclass_fields__)
_answer_values = attrgetter(*_ANSWER_FIELDS)


@dataclass(frozen=True)
class Entry:
    """A session with its current answers (in the order first given) and the fields skipped."""

    session: SessionRow
    answers: tuple[AnswerRow, ...]
    skipped: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        data = self.session.to_dict()
        data["answers"] = [a.to_dict() for a in self.answers]
        data["skipped"] = list(self.skipped)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Entry":
        answers = tuple(AnswerRow.from_dict(a) for a in data.get("answers", ()))
        return cls(SessionRow.from_dict(data), answers, tuple(data.get("skipped", ())))


@dataclass(frozen=True)
class SearchHit:
    session: SessionRow
    answer: AnswerRow
    snippet: str
    rank: float = 0.0


# --- Rows read back: the store's SQL reads answers in this column order -------------------------------------

def dicts(cursor: sqlite3.Cursor) -> list[dict]:
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# The answers columns in AnswerRow's field order, so a row becomes an AnswerRow positionally (an export
# builds 100k of them; going through a dict per row cost a third of the export's time).
ANSWER_COLUMNS = ("a.session_id, a.field, a.kind, a.value_json, a.text, a.step_id, a.label, a.engine, a.model,"
                   " a.confidence, a.words_json, a.start_s, a.end_s, a.round, a.detail_json, a.created_at,"
                   " a.updated_at")


# Stored JSON is our own json.dumps output, so raw_decode (the C scanner alone) reads it; json.loads adds
# two whitespace regex checks that were a third of the time spent turning a row into an AnswerRow.
_decode = json.JSONDecoder().raw_decode


def answer_from_row(row: Sequence) -> AnswerRow:
    (session_id, field, kind, value, text, step_id, label, engine, model, confidence, words, start_s, end_s,
     round_, detail, created_at, updated_at) = row
    return AnswerRow(session_id, field, kind, None if value is None else _decode(value)[0], text, step_id, label,
                     engine, model, confidence, tuple(Word(**w) for w in _decode(words)[0]) if words else (),
                     start_s, end_s, round_, None if detail is None else _decode(detail)[0], created_at,
                     updated_at)
