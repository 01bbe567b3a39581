"""Exposure ladders: steps per goal, ordered least → most feared, and links from debriefs to steps.

A *step* is one small act of closeness with a predicted fear (0–10). Steps of a goal are kept in
order from least to most feared: a new step goes after the last step feared as much or less, and a
changed fear moves it there again; ``move`` puts a step anywhere by hand; ``reorder_by_fear`` restores
the order. Archived steps keep their attempts but leave the ladder. Step ids are small integers, the
numbers people type; ``sessions.ladder_step_id`` holds ``str(id)`` for a debrief linked with
:func:`link_session`. Attempts and the move-up rule are in ``moveup.py``.

Functions take an open journal ``Store`` and reach the tables through its named methods; they never print.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.growth.config import w
from assistant.journal.plans import Step
from assistant.text import fail

if TYPE_CHECKING:
    from assistant.journal.store import Store

FEAR_RANGE = (0, 10)


# --- Goals and steps -------------------------------------------------------------------------------


def goal_id(store: Store, name: str | None, create: bool = False) -> int:
    """The goal called ``name`` (case-blind); None means the goal in use, or the default one."""
    if name is None or not name.strip():
        current = store.current_goal_id()
        if current is not None:
            return current
        name = w("ladder.default_goal")
    found = store.find_goal(name)
    if found:
        return found.id
    if not create:
        raise fail("ladder_goal_unknown", goal=name)
    return store.add_goal(" ".join(name.split()))


def steps(store: Store, goal: str | None = None, include_archived: bool = False) -> list[Step]:
    """Steps in ladder order (archived ones last when included), all goals unless ``goal``."""
    gid = goal_id(store, goal) if goal is not None else None
    return store.ladder_steps(gid, include_archived)


def get_step(store: Store, step_id: int | str) -> Step:
    """The step with this id ("3" or "#3"); one clear error if there is none."""
    text = str(step_id).strip().lstrip("#")
    if not text.isdigit() or int(text) >= 2**63:  # SQLite integers are 64-bit
        raise fail("ladder_step_unknown", id=step_id)
    found = store.ladder_step(int(text))
    if found is None:
        raise fail("ladder_step_unknown", id=step_id)
    return found


def _check(text: str | None, fear: int | None) -> None:
    if text is not None and not text.strip():
        raise fail("ladder_text_empty")
    if fear is not None and (isinstance(fear, bool) or not FEAR_RANGE[0] <= fear <= FEAR_RANGE[1]):
        raise fail("ladder_bad_fear", fear=fear)


def _active_ids(store: Store, gid: int) -> list[int]:
    return [s.id for s in store.ladder_steps(gid)]


def _by_fear_index(store: Store, gid: int, fear: int, skip: int | None = None) -> int:
    """Where a step feared ``fear`` goes: after the last active step feared as much or less."""
    index = 0
    for i, other in enumerate(s for s in store.ladder_steps(gid) if s.id != skip):
        if other.fear <= fear:
            index = i + 1
    return index


def add_step(store: Store, text: str, fear: int, goal: str | None = None, planned_on: str | None = None) -> Step:
    _check(text, fear)
    with store.atomic():
        gid = goal_id(store, goal, create=True)
        ordered = _active_ids(store, gid)
        index = _by_fear_index(store, gid, fear)
        new = store.insert_step(gid, " ".join(text.split()), fear, planned_on)
        ordered.insert(index, new)
        store.order_steps(ordered)
    return get_step(store, new)


_KEEP = object()


def edit_step(store: Store, step_id: int | str, text: str | None = None, fear: int | None = None,
              planned_on: Any = _KEEP) -> Step:
    """Change a step's words, predicted fear (which moves it to its place by fear) or planned day."""
    _check(text, fear)
    step = get_step(store, step_id)
    changes: dict[str, Any] = {}
    if text is not None:
        changes["text"] = " ".join(text.split())
    if fear is not None:
        changes["fear"] = fear
    if planned_on is not _KEEP:
        changes["planned_on"] = planned_on
    with store.atomic():
        store.update_step(step.id, **changes)
        if fear is not None and fear != step.fear and not step.archived:
            ordered = [i for i in _active_ids(store, step.goal_id) if i != step.id]
            ordered.insert(_by_fear_index(store, step.goal_id, fear, skip=step.id), step.id)
            store.order_steps(ordered)
    return get_step(store, step.id)


def move_step(store: Store, step_id: int | str, before: int | str | None = None,
              after: int | str | None = None) -> Step:
    """Put a step just before or after another step of the same ladder."""
    if (before is None) == (after is None):
        raise fail("ladder_move_needs_one")
    step = get_step(store, step_id)
    other = get_step(store, before if before is not None else str(after))
    if step.archived or other.archived:
        raise fail("ladder_step_archived", id=other.id if other.archived else step.id)
    if other.goal_id != step.goal_id:
        raise fail("ladder_move_other_goal", id=step.id, other=other.id, goal=other.goal)
    if other.id == step.id:
        return step
    with store.atomic():
        ordered = [i for i in _active_ids(store, step.goal_id) if i != step.id]
        index = ordered.index(other.id) + (0 if before is not None else 1)
        ordered.insert(index, step.id)
        store.order_steps(ordered)
        store.update_step(step.id)
    return get_step(store, step.id)


def reorder_by_fear(store: Store, goal: str | None = None) -> list[Step]:
    """Sort a ladder by predicted fear again (steps feared alike keep their order)."""
    gid = goal_id(store, goal)
    with store.atomic():
        store.order_steps([s.id for s in sorted(store.ladder_steps(gid), key=lambda s: s.fear)])
    return [s for s in steps(store) if s.goal_id == gid]


def archive_step(store: Store, step_id: int | str) -> Step:
    step = get_step(store, step_id)
    if step.archived:
        raise fail("ladder_step_archived", id=step.id)
    with store.atomic():
        store.archive_step(step.id)
        store.order_steps(_active_ids(store, step.goal_id))
    return get_step(store, step.id)


def link_session(store: Store, session_id: str, step_id: int | str) -> Step:
    """Mark session ``session_id`` as an attempt at ladder step ``step_id`` (call after "started")."""
    step = get_step(store, step_id)
    if step.archived:
        raise fail("ladder_step_archived", id=step.id)
    if not store.link_session(session_id, step.id):
        raise fail("ladder_session_unknown", session=session_id)
    return step
