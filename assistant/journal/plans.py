"""The growth plan's tables, and the questions the growth plan asks of sessions and answers.

``PlanTables`` is mixed into ``store.Store``: the growth package (ladder, move-up rule, weekly plan, rhythm,
report) reads and writes only through these named methods, which return the frozen rows below. The rules
themselves (where a step goes by fear, when to move up, what a week counts) stay in ``growth``; this module
only stores and finds. Tables: ``migrations.m003_growth_plan``.

Each write method is one transaction; several writes that must happen together go inside
``with store.atomic():`` (a nested transaction becomes a savepoint).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Iterable, Sequence

from assistant.journal.ratings import merge_rating
from assistant.journal.rows import SessionRow
from assistant.times import utc_iso

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass(frozen=True)
class Goal:
    id: int
    name: str


@dataclass(frozen=True)
class Step:
    """A ladder step: ``id`` is the number people type; ``position`` is 1..n within its goal's ladder."""

    id: int
    goal_id: int
    goal: str
    text: str
    fear: int
    position: int
    planned_on: str | None = None  # local date, YYYY-MM-DD
    archived: bool = False


@dataclass(frozen=True)
class RatedSession:
    """A session with its rating answers folded over rounds (``ratings.merge_rating``)."""

    session_id: str
    script: str
    started_at: str
    updated_at: str | None
    status: str
    ladder_step_id: str | None
    step_text: str  # the linked ladder step's words, "" when none
    interrupted: bool  # stopped because input ran out (not by the person)
    before: int | None = None
    peak: int | None = None
    after: int | None = None

    @property
    def rated(self) -> bool:
        return self.before is not None or self.peak is not None or self.after is not None


@dataclass(frozen=True)
class FieldAnswer:
    """One stored answer, reduced to what the growth plan reads."""

    session_id: str
    started_at: str
    field: str
    round: int
    value: object
    text: str | None


@dataclass(frozen=True)
class FollowUp:
    session_id: str
    value: object  # the date answer as stored (YYYY-MM-DD when it parsed)
    title: str | None  # the latest text answer of the title field, if any


@dataclass(frozen=True)
class RhythmRow:
    id: int
    uid: str
    title: str
    days: tuple[str, ...]  # iCalendar weekday codes
    at_time: str | None  # "HH:MM" local, None = all day
    interval: int  # weeks
    start_date: date


_STEP_SQL = ("SELECT l.id, l.goal_id, g.name, l.text, l.fear, l.position, l.planned_on, l.archived_at"
             " FROM ladder_steps l JOIN goals g ON g.id = l.goal_id")
_STEP_CHANGES = ("text", "fear", "planned_on")
# A "stopped" event whose detail says input ran out; CASE keeps a damaged detail from failing the query.
_INTERRUPTED = ("EXISTS (SELECT 1 FROM events e WHERE e.session_id = s.id AND e.type = 'stopped' AND CASE WHEN"
                " json_valid(e.detail_json) THEN json_extract(e.detail_json, '$.reason') END = 'interrupted')")


def _marks(values: Sequence) -> str:
    return ", ".join("?" * len(values))


def _loads(text: str | None) -> object:
    return None if text is None else json.loads(text)


def _step(row: Sequence) -> Step:
    return Step(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] is not None)


def _inserted(cursor: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made."""
    if cursor.lastrowid is None:
        raise RuntimeError("the INSERT made no row")
    return cursor.lastrowid


class PlanTables:
    """Goals, ladder steps, weekly targets and rhythms; sessions and answers as the growth plan asks."""

    db: Database

    def atomic(self) -> AbstractContextManager:  # provided by Store
        raise NotImplementedError

    def _sessions(self, where: str, args: list) -> list[SessionRow]:  # provided by Store
        raise NotImplementedError

    # --- Goals -------------------------------------------------------------------------------------

    def find_goal(self, name: str) -> Goal | None:
        """The goal called ``name``, case-blind (the oldest, if two differ only in case)."""
        row = self.db.execute("SELECT id, name FROM goals WHERE lower(name) = lower(?) ORDER BY id LIMIT 1",
                              [name.strip()]).fetchone()
        return Goal(row[0], row[1]) if row else None

    def add_goal(self, name: str) -> int:
        with self.atomic():
            cursor = self.db.execute("INSERT INTO goals (name, created_at) VALUES (?, ?)", [name, utc_iso()])
        return _inserted(cursor)

    def current_goal_id(self) -> int | None:
        """The goal of the latest linked session, else of the step added or changed last (active steps only)."""
        row = self.db.execute(
            "SELECT l.goal_id FROM sessions s JOIN ladder_steps l ON CAST(s.ladder_step_id AS INTEGER) = l.id"
            " WHERE l.archived_at IS NULL ORDER BY s.started_at DESC LIMIT 1").fetchone()
        if not row:
            row = self.db.execute("SELECT goal_id FROM ladder_steps WHERE archived_at IS NULL"
                                  " ORDER BY coalesce(updated_at, created_at) DESC, id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    # --- Ladder steps ------------------------------------------------------------------------------

    def ladder_steps(self, goal_id: int | None = None, include_archived: bool = False) -> list[Step]:
        """Steps by goal, in ladder order (archived ones last when included)."""
        clauses, args = [], []
        if goal_id is not None:
            clauses.append("l.goal_id = ?")
            args.append(goal_id)
        if not include_archived:
            clauses.append("l.archived_at IS NULL")
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        sql = f"{_STEP_SQL}{where} ORDER BY l.goal_id, l.archived_at IS NOT NULL, l.position, l.id"
        return [_step(r) for r in self.db.execute(sql, args).fetchall()]

    def ladder_step(self, step_id: int) -> Step | None:
        row = self.db.execute(f"{_STEP_SQL} WHERE l.id = ?", [step_id]).fetchone()
        return _step(row) if row else None

    def insert_step(self, goal_id: int, text: str, fear: int, planned_on: str | None = None) -> int:
        """A new active step at position 0; the caller puts it in place with :meth:`order_steps`."""
        now = utc_iso()
        with self.atomic():
            cursor = self.db.execute(
                "INSERT INTO ladder_steps (goal_id, text, fear, position, planned_on, created_at, updated_at)"
                " VALUES (?, ?, ?, 0, ?, ?, ?)", [goal_id, text, fear, planned_on, now, now])
        return _inserted(cursor)

    def update_step(self, step_id: int, **changes: object) -> None:
        """Change a step's ``text``, ``fear`` and/or ``planned_on``; it is marked changed either way."""
        unknown = set(changes) - set(_STEP_CHANGES)
        if unknown:
            raise ValueError(f"not a step column: {', '.join(sorted(unknown))}")
        values = {**changes, "updated_at": utc_iso()}
        sets = ", ".join(f"{column} = ?" for column in values)
        with self.atomic():
            self.db.execute(f"UPDATE ladder_steps SET {sets} WHERE id = ?", [*values.values(), step_id])

    def archive_step(self, step_id: int) -> None:
        now = utc_iso()
        with self.atomic():
            self.db.execute("UPDATE ladder_steps SET archived_at = ?, updated_at = ? WHERE id = ?",
                            [now, now, step_id])

    def order_steps(self, step_ids: Sequence[int]) -> None:
        """Number these steps 1..n in the order given."""
        with self.atomic():
            for position, step_id in enumerate(step_ids, start=1):
                self.db.execute("UPDATE ladder_steps SET position = ? WHERE id = ?", [position, step_id])

    def link_session(self, session_id: str, step_id: int) -> bool:
        """Mark a session as an attempt at a step; False when there is no such session."""
        with self.atomic():
            cursor = self.db.execute("UPDATE sessions SET ladder_step_id = ? WHERE id = ?",
                                     [str(step_id), session_id])
        return cursor.rowcount > 0

    def attempted_since(self, step_id: int, since: str) -> bool:
        """Whether a session linked to the step started at or after ``since`` (stored form)."""
        return self.db.execute("SELECT 1 FROM sessions WHERE ladder_step_id = ? AND started_at >= ? LIMIT 1",
                               [str(step_id), since]).fetchone() is not None

    def first_finished_attempts(self, step_ids: Iterable[str]) -> dict[str, str]:
        """Step id (as stored) → the id of the first finished session linked to it."""
        firsts: dict[str, str] = {}
        for step in step_ids:
            row = self.db.execute("SELECT id FROM sessions WHERE ladder_step_id = ? AND status = 'finished'"
                                  " ORDER BY started_at, rowid LIMIT 1", [step]).fetchone()
            if row:
                firsts[step] = row[0]
        return firsts

    # --- Sessions and answers, as the plan reads them --------------------------------------------

    def rated_sessions(self, before: str, peak: str, after: str, scripts: Sequence[str] | None = None,
                       since: str | None = None, linked: bool = False, until: str | None = None) -> list[RatedSession]:
        """Sessions oldest first, each with its ratings from the fields named ``before``/``peak``/``after``
        (whole numbers only). ``scripts``: only these; ``since``: started at or after, ``until``: started
        before (stored form); ``linked``: only sessions linked to a ladder step."""
        clauses, args = [], []
        if scripts is not None:
            clauses.append(f"s.script IN ({_marks(scripts)})")
            args += list(scripts)
        if since:
            clauses.append("s.started_at >= ?")
            args.append(since)
        if until:
            clauses.append("s.started_at < ?")
            args.append(until)
        if linked:
            clauses.append("s.ladder_step_id IS NOT NULL")
        where = " WHERE " + " AND ".join(clauses) if clauses else ""
        rows = self.db.execute(
            "SELECT s.id, s.script, s.started_at, s.updated_at, s.status, s.ladder_step_id, coalesce(l.text, ''),"
            f" {_INTERRUPTED} FROM sessions s LEFT JOIN ladder_steps l ON CAST(s.ladder_step_id AS INTEGER) = l.id"
            f"{where} ORDER BY s.started_at, s.rowid", args).fetchall()
        stages = {before: "before", peak: "peak", after: "after"}
        ratings: dict[str, dict[str, int]] = {}
        cursor = self.db.execute(
            f"SELECT a.session_id, a.field, a.value_json FROM answers a WHERE a.field IN ({_marks(list(stages))})"
            f" AND a.session_id IN (SELECT s.id FROM sessions s{where}) ORDER BY a.round, a.id",
            [*stages, *args])
        for session_id, name, raw in cursor.fetchall():
            value = _loads(raw)
            if isinstance(value, int) and not isinstance(value, bool):  # a rating is a whole number
                merge_rating(ratings.setdefault(session_id, {}), stages[name], value)
        found = []
        for session_id, script, started, updated, status, step, step_text, interrupted in rows:
            got = ratings.get(session_id, {})
            found.append(RatedSession(session_id, script, started, updated, status, step, step_text,
                                      bool(interrupted), got.get("before"), got.get("peak"), got.get("after")))
        return found

    def sessions_of(self, scripts: Sequence[str], start: str | None = None, end: str | None = None,
                    status: str | None = None) -> list[SessionRow]:
        """Sessions of these scripts, oldest first; started in [start, end) (stored form) when given."""
        clauses, args = [f"s.script IN ({_marks(scripts)})"], list(scripts)
        if start is not None:
            clauses.append("s.started_at >= ?")
            args.append(start)
        if end is not None:
            clauses.append("s.started_at < ?")
            args.append(end)
        if status is not None:
            clauses.append("s.status = ?")
            args.append(status)
        return self._sessions("WHERE " + " AND ".join(clauses) + " ORDER BY s.started_at, s.rowid", args)

    def answers_in(self, session_ids: Sequence[str], fields: Sequence[str]) -> list[FieldAnswer]:
        """The answers to ``fields`` of these sessions, in the order given (round by round)."""
        if not session_ids or not fields:
            return []
        cursor = self.db.execute(
            "SELECT a.session_id, s.started_at, a.field, a.round, a.value_json, a.text FROM answers a"
            f" JOIN sessions s ON s.id = a.session_id WHERE a.session_id IN ({_marks(session_ids)})"
            f" AND a.field IN ({_marks(fields)}) ORDER BY a.round, a.id", [*session_ids, *fields])
        return [FieldAnswer(r[0], r[1], r[2], r[3], _loads(r[4]), r[5]) for r in cursor.fetchall()]

    def latest_texts(self, scripts: Sequence[str], field: str, since: str | None = None,
                     limit: int = 12, until: str | None = None) -> list[FieldAnswer]:
        """The newest non-empty answers to ``field`` in sessions of these scripts started in [since, until)
        (stored form, either open), newest first."""
        cursor = self.db.execute(
            "SELECT a.session_id, s.started_at, a.field, a.round, a.value_json, a.text FROM answers a"
            f" JOIN sessions s ON s.id = a.session_id WHERE s.script IN ({_marks(scripts)}) AND a.field = ?"
            " AND s.started_at >= ? AND (? IS NULL OR s.started_at < ?) AND coalesce(a.text, '') != ''"
            " ORDER BY s.started_at DESC LIMIT ?",
            [*scripts, field, since or "", until, until, limit])
        return [FieldAnswer(r[0], r[1], r[2], r[3], _loads(r[4]), r[5]) for r in cursor.fetchall()]

    def follow_ups(self, script: str, date_field: str, title_field: str) -> list[FollowUp]:
        """Every ``date_field`` answer of sessions of ``script``, oldest session first, with the latest
        round's text of ``title_field`` in the same session as its title."""
        cursor = self.db.execute(
            "SELECT a.session_id, a.value_json, (SELECT b.text FROM answers b WHERE b.session_id = a.session_id"
            " AND b.field = ? ORDER BY b.round DESC LIMIT 1) FROM answers a JOIN sessions s ON s.id = a.session_id"
            " WHERE s.script = ? AND a.field = ? ORDER BY s.started_at", [title_field, script, date_field])
        return [FollowUp(r[0], _loads(r[1]), r[2]) for r in cursor.fetchall()]

    # --- Weekly targets ----------------------------------------------------------------------------

    def plan_targets(self) -> dict[str, int]:
        """Measure → weekly target, for the targets that are set (above 0)."""
        return dict(self.db.execute("SELECT measure, target FROM plan_targets WHERE target > 0").fetchall())

    def set_plan_target(self, measure: str, target: int) -> None:
        with self.atomic():
            self.db.execute(
                "INSERT INTO plan_targets (measure, target, updated_at) VALUES (?, ?, ?) ON CONFLICT(measure)"
                " DO UPDATE SET target = excluded.target, updated_at = excluded.updated_at",
                [measure, target, utc_iso()])

    # --- Rhythms -----------------------------------------------------------------------------------

    def add_rhythm(self, title: str, days: Sequence[str], at_time: str | None, interval: int,
                   start_date: date) -> RhythmRow:
        """A new rhythm with a fresh, stable iCalendar UID."""
        with self.atomic():
            cursor = self.db.execute(
                "INSERT INTO rhythms (uid, title, byday, at_time, interval, start_date, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [str(uuid.uuid4()), title, ",".join(days), at_time, interval, start_date.isoformat(), utc_iso()])
        return self._rhythms("WHERE id = ?", [_inserted(cursor)])[0]

    def rhythms(self) -> list[RhythmRow]:
        return self._rhythms("ORDER BY id", [])

    def _rhythms(self, where: str, args: list) -> list[RhythmRow]:
        rows = self.db.execute(f"SELECT id, uid, title, byday, at_time, interval, start_date FROM rhythms {where}",
                               args).fetchall()
        return [RhythmRow(r[0], r[1], r[2], tuple(r[3].split(",")), r[4], r[5], date.fromisoformat(r[6]))
                for r in rows]

    def remove_rhythm(self, rhythm_id: int) -> None:
        with self.atomic():
            self.db.execute("DELETE FROM rhythms WHERE id = ?", [rhythm_id])
