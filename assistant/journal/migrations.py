"""The journal's schema, as named migrations applied in order by sqlite-utils' ``Migrations``.

sqlite-utils 4 ships ``sqlite_utils.migrations.Migrations``: each function below runs inside
``db.atomic()`` together with the row in ``_sqlite_migrations`` that records it (set "assistant"),
so a failed migration leaves nothing half-done and stays pending. Never edit a migration that has
shipped; add a new one.

Tables (all timestamps are UTC ISO 8601 text, e.g. ``2026-11-21T13:02:07.123+00:00``):

``sessions``  one row per guided session.
    id (uuid text, pk), script (script id), title (script title, for exports), started_at,
    ended_at, updated_at, status (in_progress | finished | stopped | flagged), position (index of
    the next step, for resume), engine, model, flagged_reason, ladder_step_id (nullable; str(ladder_steps.id)
    of the exposure-ladder step a debrief was an attempt at).

``answers``  the current answer to each question of a session: one row per
    (session_id, field, round); ``round`` > 1 when a script repeats steps. "Go back" replaces the
    answer in place (upsert); the earlier wording stays in ``events``. Skipping never erases an
    answer already given.
    id (integer pk, so the FTS rowid is stable), session_id → sessions.id, step_id, field, round,
    label, kind, value_json (the parsed value as JSON), text (verbatim words), engine, model,
    confidence, words_json (word timings), start_s / end_s (offsets in the stream), detail_json
    (the answer event's detail: coach reframe, emotion families ...), created_at, updated_at.

``events``  append-only log of every SessionEvent as it arrived.
    id, session_id, type, step_id, field, value_json, text, detail_json, at.

``answers_fts``  FTS5 (porter stemming) over answers.text and answers.field, kept current by
    triggers, so deleting an answer row deletes its index rows too.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("assistant")


@migrations()
def m001_journal_tables(db: Database) -> None:
    db.table("sessions").create(
        {
            "id": str,
            "script": str,
            "title": str,
            "started_at": str,
            "ended_at": str,
            "updated_at": str,
            "status": str,
            "position": int,
            "engine": str,
            "model": str,
            "flagged_reason": str,
            "ladder_step_id": str,
        },
        pk="id",
        not_null={"script", "started_at", "status"},
        defaults={"status": "in_progress", "position": 0},
    )
    db.table("sessions").create_index(["started_at"])
    db.table("sessions").create_index(["status", "started_at"])

    db.table("answers").create(
        {
            "id": int,
            "session_id": str,
            "step_id": str,
            "field": str,
            "round": int,
            "label": str,
            "kind": str,
            "value_json": str,
            "text": str,
            "engine": str,
            "model": str,
            "confidence": float,
            "words_json": str,
            "start_s": float,
            "end_s": float,
            "detail_json": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"session_id", "field", "round"},
        defaults={"round": 1},
        foreign_keys=[("session_id", "sessions", "id")],
    )
    # One current answer per question and round; the upsert in store.py relies on this index.
    db.table("answers").create_index(["session_id", "field", "round"], unique=True)

    db.table("events").create(
        {
            "id": int,
            "session_id": str,
            "type": str,
            "step_id": str,
            "field": str,
            "value_json": str,
            "text": str,
            "detail_json": str,
            "at": str,
        },
        pk="id",
        not_null={"session_id", "type", "at"},
        foreign_keys=[("session_id", "sessions", "id")],
    )
    db.table("events").create_index(["session_id"])


@migrations()
def m002_answers_fts(db: Database) -> None:
    # Indexes answers already stored by a journal that predates search.
    db.table("answers").enable_fts(["text", "field"], create_triggers=True, tokenize="porter")


def migrate(db: Database) -> None:
    """Bring ``db`` up to the current schema; safe to call on every open."""
    migrations.apply(db)


# --- Growth plan: exposure ladders, weekly targets, rhythm -----------------------------------------
#
# ``goals``         id (int pk), name, created_at, archived_at. Names are matched case-blind in code.
# ``ladder_steps``  id (int pk, the number people type), goal_id → goals.id, text, fear (predicted 0–10),
#                   position (1..n within the goal, least → most feared unless moved), planned_on (local
#                   date YYYY-MM-DD or NULL), created_at, updated_at, archived_at.
#                   ``sessions.ladder_step_id`` holds str(ladder_steps.id) for a linked debrief.
# ``plan_targets``  measure (pk: disclosures | new_topics | minutes), target (int per week), updated_at.
# ``rhythms``       id (int pk), uid (stable iCalendar UID), title, byday ("FR" or "MO,TH"), at_time
#                   ("HH:MM" local, NULL = all day), interval (weeks), start_date (local date), created_at.


@migrations()
def m003_growth_plan(db: Database) -> None:
    db.table("goals").create(
        {"id": int, "name": str, "created_at": str, "archived_at": str},
        pk="id",
        not_null={"name", "created_at"},
    )
    db.table("ladder_steps").create(
        {
            "id": int,
            "goal_id": int,
            "text": str,
            "fear": int,
            "position": int,
            "planned_on": str,
            "created_at": str,
            "updated_at": str,
            "archived_at": str,
        },
        pk="id",
        not_null={"goal_id", "text", "fear", "position", "created_at"},
        foreign_keys=[("goal_id", "goals", "id")],
    )
    db.table("ladder_steps").create_index(["goal_id", "position"])
    db.table("sessions").create_index(["ladder_step_id"])
    db.table("plan_targets").create(
        {"measure": str, "target": int, "updated_at": str},
        pk="measure",
        not_null={"target"},
    )
    db.table("rhythms").create(
        {
            "id": int,
            "uid": str,
            "title": str,
            "byday": str,
            "at_time": str,
            "interval": int,
            "start_date": str,
            "created_at": str,
        },
        pk="id",
        not_null={"uid", "title", "byday", "interval", "start_date", "created_at"},
        defaults={"interval": 1},
    )
