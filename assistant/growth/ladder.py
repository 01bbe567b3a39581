"""Exposure ladders: steps per goal, ordered least → most feared, and links from debriefs to steps.

A *step* is one small act of closeness with a predicted fear (0–10). Steps of a goal are kept in
order from least to most feared: a new step goes after the last step feared as much or less, and a
changed fear moves it there again; ``move`` puts a step anywhere by hand; ``reorder_by_fear`` restores
the order. Archived steps keep their attempts but leave the ladder. Step ids are small integers, the
numbers people type; ``sessions.ladder_step_id`` holds ``str(id)`` for a debrief linked with
:func:`link_session`. Attempts and the move-up rule are in ``moveup.py``.

Functions take a sqlite-utils ``Database`` or a ``Store`` (anything with ``.db``); storage never prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

from assistant.growth.config import w
from assistant.text import fail

FEAR_RANGE = (0, 10)


@dataclass(frozen=True)
class Step:
    id: int
    goal_id: int
    goal: str
    text: str
    fear: int
    position: int
    planned_on: str | None = None
    archived: bool = False



def _db(store_or_db: Any) -> Any:
    return getattr(store_or_db, "db", store_or_db)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


# --- Goals and steps -------------------------------------------------------------------------------


def find_goal(db: Any, name: str) -> tuple[int, str] | None:
    row = _db(db).execute("SELECT id, name FROM goals WHERE lower(name) = lower(?) ORDER BY id LIMIT 1",
                          [name.strip()]).fetchone()
    return (row[0], row[1]) if row else None


def goal_id(db: Any, name: str | None, create: bool = False) -> int:
    """The goal called ``name`` (case-blind); None means the goal in use, or the default one."""
    db = _db(db)
    if name is None or not name.strip():
        current = current_goal(db)
        if current is not None:
            return current
        name = w("ladder.default_goal")
    found = find_goal(db, name)
    if found:
        return found[0]
    if not create:
        raise fail("ladder_goal_unknown", goal=name)
    return db["goals"].insert({"name": " ".join(name.split()), "created_at": _now()}).last_pk


def current_goal(db: Any) -> int | None:
    """The goal of the latest attempt, else of the step added or changed last."""
    row = db.execute(
        "SELECT l.goal_id FROM sessions s JOIN ladder_steps l ON CAST(s.ladder_step_id AS INTEGER) = l.id"
        " WHERE l.archived_at IS NULL ORDER BY s.started_at DESC LIMIT 1").fetchone()
    if not row:
        row = db.execute("SELECT goal_id FROM ladder_steps WHERE archived_at IS NULL"
                         " ORDER BY coalesce(updated_at, created_at) DESC, id DESC LIMIT 1").fetchone()
    return row[0] if row else None


_STEP_SQL = ("SELECT l.id, l.goal_id, g.name, l.text, l.fear, l.position, l.planned_on, l.archived_at"
             " FROM ladder_steps l JOIN goals g ON g.id = l.goal_id")


def _step(row: Sequence) -> Step:
    return Step(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7] is not None)


def steps(db: Any, goal: str | None = None, include_archived: bool = False) -> list[Step]:
    """Steps in ladder order (archived ones last when included), all goals unless ``goal``."""
    clauses, args = [], []
    if goal is not None:
        clauses.append("l.goal_id = ?")
        args.append(goal_id(db, goal))
    if not include_archived:
        clauses.append("l.archived_at IS NULL")
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    sql = f"{_STEP_SQL}{where} ORDER BY l.goal_id, l.archived_at IS NOT NULL, l.position, l.id"
    return [_step(r) for r in _db(db).execute(sql, args).fetchall()]


def get_step(db: Any, step_id: int | str) -> Step:
    """The step with this id ("3" or "#3"); one clear error if there is none."""
    text = str(step_id).strip().lstrip("#")
    if not text.isdigit() or int(text) >= 2**63:  # SQLite integers are 64-bit
        raise fail("ladder_step_unknown", id=step_id)
    row = _db(db).execute(f"{_STEP_SQL} WHERE l.id = ?", [int(text)]).fetchone()
    if not row:
        raise fail("ladder_step_unknown", id=step_id)
    return _step(row)


def _check(text: str | None, fear: int | None) -> None:
    if text is not None and not text.strip():
        raise fail("ladder_text_empty")
    if fear is not None and (isinstance(fear, bool) or not FEAR_RANGE[0] <= fear <= FEAR_RANGE[1]):
        raise fail("ladder_bad_fear", fear=fear)


def _active_ids(db: Any, gid: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT id FROM ladder_steps WHERE goal_id = ? AND archived_at IS NULL"
                                     " ORDER BY position, id", [gid]).fetchall()]


def _renumber(db: Any, ordered: list[int]) -> None:
    for position, sid in enumerate(ordered, start=1):
        db.execute("UPDATE ladder_steps SET position = ? WHERE id = ?", [position, sid])


def _by_fear_index(db: Any, gid: int, fear: int, skip: int | None = None) -> int:
    """Where a step feared ``fear`` goes: after the last active step feared as much or less."""
    rows = db.execute("SELECT id, fear FROM ladder_steps WHERE goal_id = ? AND archived_at IS NULL"
                      " ORDER BY position, id", [gid]).fetchall()
    rows = [r for r in rows if r[0] != skip]
    index = 0
    for i, (_, other) in enumerate(rows):
        if other <= fear:
            index = i + 1
    return index


def add_step(db: Any, text: str, fear: int, goal: str | None = None, planned_on: str | None = None) -> Step:
    _check(text, fear)
    db = _db(db)
    with db.atomic():
        gid = goal_id(db, goal, create=True)
        ordered = _active_ids(db, gid)
        index = _by_fear_index(db, gid, fear)
        now = _now()
        new = db["ladder_steps"].insert({"goal_id": gid, "text": " ".join(text.split()), "fear": fear,
                                         "position": 0, "planned_on": planned_on, "created_at": now,
                                         "updated_at": now}).last_pk
        ordered.insert(index, new)
        _renumber(db, ordered)
    return get_step(db, new)


_KEEP = object()


def edit_step(db: Any, step_id: int | str, text: str | None = None, fear: int | None = None,
              planned_on: Any = _KEEP) -> Step:
    """Change a step's words, predicted fear (which moves it to its place by fear) or planned day."""
    _check(text, fear)
    db = _db(db)
    step = get_step(db, step_id)
    changes: dict[str, Any] = {"updated_at": _now()}
    if text is not None:
        changes["text"] = " ".join(text.split())
    if fear is not None:
        changes["fear"] = fear
    if planned_on is not _KEEP:
        changes["planned_on"] = planned_on
    with db.atomic():
        db["ladder_steps"].update(step.id, changes)
        if fear is not None and fear != step.fear and not step.archived:
            ordered = [i for i in _active_ids(db, step.goal_id) if i != step.id]
            ordered.insert(_by_fear_index(db, step.goal_id, fear, skip=step.id), step.id)
            _renumber(db, ordered)
    return get_step(db, step.id)


def move_step(db: Any, step_id: int | str, before: int | str | None = None,
              after: int | str | None = None) -> Step:
    """Put a step just before or after another step of the same ladder."""
    db = _db(db)
    if (before is None) == (after is None):
        raise fail("ladder_move_needs_one")
    step = get_step(db, step_id)
    other = get_step(db, before if before is not None else after)
    if step.archived or other.archived:
        raise fail("ladder_step_archived", id=other.id if other.archived else step.id)
    if other.goal_id != step.goal_id:
        raise fail("ladder_move_other_goal", id=step.id, other=other.id, goal=other.goal)
    if other.id == step.id:
        return step
    with db.atomic():
        ordered = [i for i in _active_ids(db, step.goal_id) if i != step.id]
        index = ordered.index(other.id) + (0 if before is not None else 1)
        ordered.insert(index, step.id)
        _renumber(db, ordered)
        db["ladder_steps"].update(step.id, {"updated_at": _now()})
    return get_step(db, step.id)


def reorder_by_fear(db: Any, goal: str | None = None) -> list[Step]:
    """Sort a ladder by predicted fear again (steps feared alike keep their order)."""
    db = _db(db)
    gid = goal_id(db, goal)
    with db.atomic():
        rows = db.execute("SELECT id FROM ladder_steps WHERE goal_id = ? AND archived_at IS NULL"
                          " ORDER BY fear, position, id", [gid]).fetchall()
        _renumber(db, [r[0] for r in rows])
    return [s for s in steps(db) if s.goal_id == gid]


def archive_step(db: Any, step_id: int | str) -> Step:
    db = _db(db)
    step = get_step(db, step_id)
    if step.archived:
        raise fail("ladder_step_archived", id=step.id)
    with db.atomic():
        now = _now()
        db["ladder_steps"].update(step.id, {"archived_at": now, "updated_at": now})
        _renumber(db, _active_ids(db, step.goal_id))
    return get_step(db, step.id)


def link_session(store_or_db: Any, session_id: str, step_id: int | str) -> Step:
    """Mark session ``session_id`` as an attempt at ladder step ``step_id`` (call after "started")."""
    db = _db(store_or_db)
    step = get_step(db, step_id)
    if step.archived:
        raise fail("ladder_step_archived", id=step.id)
    with db.atomic():
        updated = db.execute("UPDATE sessions SET ladder_step_id = ? WHERE id = ?", [str(step.id), session_id])
    if not updated.rowcount:
        raise fail("ladder_session_unknown", session=session_id)
    return step
