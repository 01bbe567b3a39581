"""The journal: every SessionEvent written the moment it arrives, and read back for the CLI.

One SQLite file, ``home()/journal.db`` (0600, in the 0700 home). WAL mode with
``synchronous=FULL``: once :meth:`Store.record` returns, the row survives a crash or power cut.
A busy timeout lets the CLI read or delete while a session is writing. Schema: ``migrations.py``.

Storage never prints or prompts; user-caused failures raise :class:`AssistantError` via ``fail``.

Session status moves in_progress → finished | stopped, or → flagged. A flagged session stays
flagged when it later ends (the flag is a safety marker, never overwritten) and is never offered
for resume. "resumed" (or a repeated "started") reopens a stopped session.

``event.detail`` keys the store reads: ``position`` (any event: index of the next step),
``title``/``engine``/``model`` ("started"), ``label`` ("answer": the question as the script words it),
``reason`` ("flagged"). The whole detail is kept in ``events.detail_json`` either way.
"""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Iterator

from sqlite_utils import Database

from assistant.errors import AssistantError
from assistant.events import EVENT_TYPES, EventType, SessionEvent
from assistant.journal.connection import JournalDatabase, create_private, migrate_locked, tighten_sidecars
from assistant.journal.plans import PlanTables
from assistant.journal.rows import ANSWER_COLUMNS, AnswerRow, Entry, SearchHit, SessionRow, answer_from_row, dicts
from assistant.journal.search import fts_query, marked, symbols
from assistant.text import fail
from assistant.times import day_bounds, utc_iso

BUSY_TIMEOUT_MS = 5000
OPEN_RETRIES = 8
ENDING = {"finished": "finished", "stopped": "stopped"}


def _process_alive(pid: int) -> bool:
    """Whether ``pid`` is a running assistant (a reused pid of another program does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to judge
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"assistant" in fh.read()
    except OSError:
        return True  # no /proc: the pid exists, assume it is the one


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _loads(text: str | None) -> object:
    return None if text is None else json.loads(text)


__all__ = ["AnswerRow", "Entry", "SearchHit", "SessionRow", "Store", "fts_query"]


# --- The store -----------------------------------------------------------------------------------


class Store(PlanTables):
    """The open journal: sessions, answers and events (this module) and the growth plan's tables
    (``plans.PlanTables``), asked only through named methods."""

    def __init__(self, db: Database, path: Path | None = None) -> None:
        self.db = db
        self.path = path
        self._stamp = utc_iso
        self._lock = threading.RLock()
        self.encrypted = False

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, ask_passphrase: Callable[[], str] | None = None,
             _attempt: int = 0) -> "Store":
        """Open (creating and migrating if needed) the journal at ``path`` or ``home()/journal.db``.

        A damaged file is refused before anything is written to it; an encrypted one needs the
        passphrase (``encryption.passphrase``): from the environment, one given earlier in this process, or
        ``ask_passphrase`` (the caller's way to ask a person; the journal itself never prompts). See
        ``journal_file``.
        """
        from assistant.config import ensure_home
        from assistant.journal import files as journal_file
        from assistant.journal.encryption import is_db_error

        if path is None:
            db_path = ensure_home() / "journal.db"
        else:
            db_path = Path(path)
            try:
                db_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise fail("journal_unreadable", path=db_path, reason=exc) from exc
        conn = None
        try:
            if not db_path.exists():
                create_private(db_path)
            journal_file.repair_side_files(db_path)
            # The pipeline may record from its audio thread; writes are serialised by ``_lock``.
            conn, encrypted = journal_file.connect(db_path, BUSY_TIMEOUT_MS / 1000, ask_passphrase)
            create_private(db_path)  # tightens the mode of a file made elsewhere
            db = JournalDatabase(conn, execute_plugins=False)
            db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            db.enable_wal()
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            migrate_locked(db)
        except Exception as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, AssistantError):
                raise
            if is_db_error(exc):
                text = str(exc)
                if ("locked" in text or "busy" in text) and _attempt < OPEN_RETRIES:
                    # Switching a brand-new file to WAL takes a lock the busy handler does not wait
                    # for; when several processes create the journal at once, try again shortly.
                    time.sleep(0.05 * (_attempt + 1))
                    return cls.open(path, ask_passphrase=ask_passphrase, _attempt=_attempt + 1)
                if "locked" in text or "busy" in text:
                    raise fail("journal_busy", path=db_path) from exc
                if "malformed" in text or "not a database" in text:
                    raise fail("journal_damaged", path=db_path, reason=exc) from exc
                raise fail("journal_unreadable", path=db_path, reason=exc) from exc
            if isinstance(exc, OSError):
                raise fail("journal_unreadable", path=db_path, reason=exc) from exc
            raise
        tighten_sidecars(db_path)
        store = cls(db, db_path)
        store.encrypted = encrypted
        return store

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def atomic(self) -> Iterator["Store"]:
        """One transaction around several writes, holding the write lock from its start (nested: a savepoint)."""
        with self._lock, self.db.atomic():
            yield self

    # --- Writing ---------------------------------------------------------------------------------

    def record(self, event: SessionEvent) -> None:
        """Write one event, and its effect on the session and answers, in one committed transaction."""
        if event.type not in EVENT_TYPES:
            raise ValueError(f"unknown SessionEvent type {event.type!r}")
        at = self._stamp(event.at)
        detail = dict(event.detail)
        if event.type in (EventType.STARTED, EventType.RESUMED):
            detail.setdefault("pid", os.getpid())  # which process runs it: see close_abandoned()
        try:
            with self._lock, self.db.atomic():
                self._ensure_session(event, at, detail)
                self._log(event, at, detail)
                if event.type == EventType.ANSWER:
                    self._upsert_answer(event, at, detail)
                self._update_session(event, at, detail)
        except Exception as exc:
            from assistant.journal.encryption import is_db_error

            if is_db_error(exc) and ("locked" in str(exc) or "busy" in str(exc)):
                raise fail("journal_busy", path=self.path) from exc
            raise
        if self.path is not None and event.type == EventType.STARTED:
            tighten_sidecars(self.path)

    def _ensure_session(self, event: SessionEvent, at: str, detail: dict) -> None:
        # "started" normally creates the row; any event creates it if missing, so nothing is dropped.
        self.db.execute(
            "INSERT INTO sessions (id, script, title, started_at, updated_at, status, position, engine, model)"
            " VALUES (?, ?, ?, ?, ?, 'in_progress', 0, ?, ?) ON CONFLICT(id) DO NOTHING",
            [event.session_id, event.script, detail.get("title"), at, at, detail.get("engine"), detail.get("model")],
        )

    def _log(self, event: SessionEvent, at: str, detail: dict) -> None:
        is_answer = event.type == EventType.ANSWER
        self.db.execute(
            "INSERT INTO events (session_id, type, step_id, field, value_json, text, detail_json, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event.session_id, event.type, event.step_id or None, event.field or None,
                _dumps(event.value) if is_answer else None, event.text or None,
                _dumps(detail) if detail else None, at,
            ],
        )

    def _upsert_answer(self, event: SessionEvent, at: str, detail: dict) -> None:
        tr = event.transcript
        words = _dumps([asdict(w) for w in tr.words]) if tr and tr.words else None
        self.db.execute(
            """
            INSERT INTO answers (session_id, step_id, field, round, label, kind, value_json, text, engine, model,
                                 confidence, words_json, start_s, end_s, detail_json, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(session_id, field, round) DO UPDATE SET
                step_id = excluded.step_id, label = coalesce(excluded.label, label), kind = excluded.kind,
                value_json = excluded.value_json, text = excluded.text, engine = excluded.engine,
                model = excluded.model, confidence = excluded.confidence, words_json = excluded.words_json,
                start_s = excluded.start_s, end_s = excluded.end_s, detail_json = excluded.detail_json,
                updated_at = excluded.updated_at
            """,
            [
                event.session_id, event.step_id or None, event.field, _round(detail), detail.get("label"),
                event.kind or None,
                _dumps(event.value), event.text or (tr.text if tr else None),
                tr.engine or None if tr else None, tr.model or None if tr else None,
                tr.conf if tr else None, words, tr.start if tr else None, tr.end if tr else None,
                _dumps(detail) if detail else None, at, at,
            ],
        )

    def _update_session(self, event: SessionEvent, at: str, detail: dict) -> None:
        sets: list[str] = ["updated_at = ?"]
        args: list[object] = [at]
        if isinstance(detail.get("position"), int):
            sets.append("position = ?")
            args.append(detail["position"])
        tr = event.transcript
        if tr and tr.engine:
            sets.append("engine = coalesce(engine, ?)")
            sets.append("model = coalesce(model, ?)")
            args += [tr.engine, tr.model or None]
        if event.type == EventType.FLAGGED:
            sets.append("status = 'flagged'")
            sets.append("flagged_reason = ?")
            args.append(str(detail.get("reason") or event.text or "") or None)
        elif event.type in ENDING:
            sets.append("ended_at = ?")
            sets.append("status = CASE WHEN status = 'flagged' THEN status ELSE ? END")
            empty = event.type == EventType.FINISHED and detail.get("empty")
            args += [at, "empty" if empty else ENDING[event.type]]
        elif event.type in (EventType.RESUMED, EventType.STARTED):
            # Carrying on with a stopped session reopens it; a flagged one stays flagged.
            sets.append("ended_at = CASE WHEN status = 'flagged' THEN ended_at ELSE NULL END")
            sets.append("status = CASE WHEN status = 'flagged' THEN status ELSE 'in_progress' END")
        self.db.execute(f"UPDATE sessions SET {', '.join(sets)} WHERE id = ?", args + [event.session_id])

    def delete(self, session_id: str) -> int:
        """Delete a session, its answers (and their search index rows) and events. Returns rows removed."""
        with self._lock, self.db.atomic():
            removed = 0
            for table in ("answers", "events", "sessions"):
                column = "id" if table == "sessions" else "session_id"
                removed += self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", [session_id]).rowcount
        return removed

    # --- Reading ---------------------------------------------------------------------------------

    _SESSION_SQL = (
        "SELECT s.*, (SELECT count(*) FROM answers a WHERE a.session_id = s.id) AS answer_count FROM sessions s"
    )

    def session(self, session_id: str) -> SessionRow | None:
        rows = self._sessions("WHERE s.id = ?", [session_id])
        return rows[0] if rows else None

    def close_abandoned(self, alive: Callable[[int], bool] | None = None) -> list[str]:
        """Mark sessions left "in progress" by a process that no longer runs (killed, a closed pipe) as
        stopped with the reason "interrupted", so lists and the plan stop calling them in progress;
        ``assistant resume`` continues them as before. A session whose process is unknown (written by an
        older version) or still running is left alone. Returns the ids closed."""
        alive = alive or _process_alive
        rows = self.db.execute(
            "SELECT s.id, s.script, (SELECT e.detail_json FROM events e WHERE e.session_id = s.id"
            " AND e.type IN ('started', 'resumed') ORDER BY e.id DESC LIMIT 1)"
            " FROM sessions s WHERE s.status = 'in_progress'").fetchall()
        closed = []
        for session_id, script, detail_json in rows:
            detail = _loads(detail_json) if detail_json else None
            pid = detail.get("pid") if isinstance(detail, dict) else None
            if isinstance(pid, int) and pid != os.getpid() and not alive(pid):
                self.record(SessionEvent("stopped", session_id, script, detail={"reason": "interrupted"}))
                closed.append(session_id)
        return closed

    def unfinished(self, script: str | None = None) -> SessionRow | None:
        """The latest session that can be continued (optionally of ``script``), for ``assistant resume``:
        in progress (cut off by a crash) or stopped (the person said stop, or input ran out), with at least
        one answer. Finished and flagged sessions are never resumed, and neither is one stopped before
        anything was answered: there is nothing in it to continue."""
        where = ("WHERE s.status IN ('in_progress', 'stopped')"
                 " AND EXISTS (SELECT 1 FROM answers a WHERE a.session_id = s.id)")
        args: list = []
        if script is not None:
            where += " AND s.script = ?"
            args.append(script)
        rows = self._sessions(where + " ORDER BY s.started_at DESC, s.rowid DESC LIMIT 1", args)
        return rows[0] if rows else None

    def last_step(self, session_id: str) -> str | None:
        """The step id of the latest answer or skip: where to carry on after a crash, when no event
        since then carried ``detail["position"]`` (resume at the step after it)."""
        row = self.db.execute(
            "SELECT step_id FROM events WHERE session_id = ? AND type IN ('answer', 'skipped')"
            " AND step_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            [session_id],
        ).fetchone()
        return row[0] if row else None

    def answers_for(self, session_id: str) -> dict[str, object]:
        """Field → value, the latest round winning: what ``Session(answers=...)`` resumes with."""
        return {a.field: a.value for a in sorted(self.answers(session_id), key=lambda a: a.round)}

    def answered_steps(self, script: str | None = None) -> frozenset[str]:
        """The ids of the steps answered in any session so far (only sessions of ``script`` when given): the
        questions the person has been asked, and so heard, before. A value read from a reflection is the
        reflection's answer, not its question's. Empty for a new journal."""
        if script is None:
            cursor = self.db.execute("SELECT DISTINCT step_id FROM answers WHERE step_id IS NOT NULL")
        else:
            cursor = self.db.execute("SELECT DISTINCT a.step_id FROM answers a JOIN sessions s ON s.id = a.session_id"
                                     " WHERE s.script = ? AND a.step_id IS NOT NULL", [script])
        return frozenset(step for (step,) in cursor.fetchall())

    def answers(self, session_id: str) -> list[AnswerRow]:
        cursor = self.db.execute(f"SELECT {ANSWER_COLUMNS} FROM answers a WHERE session_id = ? ORDER BY id",
                                 [session_id])
        return [answer_from_row(row) for row in cursor.fetchall()]

    def list_sessions(self, since=None, until=None, script: str | None = None,
                      limit: int | None = None) -> list[SessionRow]:
        """Sessions newest first. ``since``/``until``: dates or words accepted by ``times.parse_day``."""
        where, args = self._range(since, until, script)
        sql = where + " ORDER BY s.started_at DESC, s.rowid DESC"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return self._sessions(sql, args)

    def entries(self, since=None, until=None, script: str | None = None) -> list[Entry]:
        """Sessions with answers, oldest first (the order a journal is read in).

        Three queries in all, whatever the number of sessions (an export of 100k answers is one pass)."""
        sessions = list(reversed(self.list_sessions(since, until, script)))
        if not sessions:
            return []
        where, args = self._range(since, until, script)
        # The whole journal needs no filter (the IN over every session id cost a sixth of an export).
        scope = f" AND session_id IN (SELECT s.id FROM sessions s {where})" if where else ""
        answers: dict[str, list[AnswerRow]] = {}
        cursor = self.db.execute(f"SELECT {ANSWER_COLUMNS} FROM answers a WHERE 1{scope} ORDER BY id", args)
        for row in cursor.fetchall():
            answer = answer_from_row(row)
            answers.setdefault(answer.session_id, []).append(answer)
        skips: dict[str, list[str]] = {}
        cursor = self.db.execute(
            f"SELECT session_id, field FROM events WHERE type = 'skipped' AND field IS NOT NULL{scope} ORDER BY id",
            args)
        for session_id, name in cursor.fetchall():
            skips.setdefault(session_id, []).append(name)
        return [self._entry(s, answers.get(s.id, []), skips.get(s.id, [])) for s in sessions]

    def get_entry(self, id_or_prefix: str) -> Entry:
        """The session whose id is, or uniquely starts with, ``id_or_prefix`` (like git)."""
        wanted = (id_or_prefix or "").strip()
        if not wanted:
            raise fail("entry_not_found", id=id_or_prefix)
        rows = self._sessions("WHERE s.id = ? OR substr(s.id, 1, ?) = ? ORDER BY s.id = ? DESC LIMIT 3",
                              [wanted, len(wanted), wanted, wanted])
        if not rows:
            raise fail("entry_not_found", id=wanted)
        if len(rows) > 1 and rows[0].id != wanted:
            raise fail("entry_ambiguous", id=wanted, matches=", ".join(r.id[:12] for r in rows[:2]))
        return self._entry(rows[0])

    def search(self, query: str, limit: int = 50, marks: tuple[str, str] = ("[", "]"),
               ellipsis: str = "…") -> list[SearchHit]:
        """Answers matching the words of ``query`` (any text is safe), best match first."""
        if not (query or "").strip():
            raise fail("search_empty")
        match, signs = fts_query(query), symbols(query)
        if not match and not signs:
            return []
        also = "".join(" AND instr(a.text, ?) > 0" for _ in signs)
        if match:
            cursor = self.db.execute(
                f"""
                SELECT snippet(answers_fts, 0, ?, ?, ?, 12), answers_fts.rank, {ANSWER_COLUMNS}
                FROM answers_fts JOIN answers a ON a.id = answers_fts.rowid
                WHERE answers_fts MATCH ?{also} ORDER BY answers_fts.rank LIMIT ?
                """,
                [marks[0], marks[1], ellipsis, match, *signs, int(limit)],
            )
        else:  # only emoji or symbols: newest first, the snippet made here
            cursor = self.db.execute(
                f"SELECT NULL, 0.0, {ANSWER_COLUMNS} FROM answers a WHERE 1{also} ORDER BY a.id DESC LIMIT ?",
                [*signs, int(limit)],
            )
        rows = [(snippet, rank, answer_from_row(row)) for snippet, rank, *row in cursor.fetchall()]
        found = [(marked(answer.text or "", signs[0], marks, ellipsis) if snippet is None else snippet, rank,
                  answer) for snippet, rank, answer in rows]
        ids = sorted({answer.session_id for _, _, answer in found})
        sessions = {s.id: s for s in self._sessions(f"WHERE s.id IN ({','.join('?' * len(ids))})", ids)} if ids else {}
        return [SearchHit(sessions[answer.session_id], answer, snippet or answer.text or "", rank)
                for snippet, rank, answer in found]

    def export(self, format: str, since=None, until=None, words=None) -> str:
        """The journal (optionally a date range) as ``md``, ``csv`` or ``json`` text; ``words`` gives each
        script's title and questions for Markdown (``export.ScriptWords``)."""
        from assistant.journal.export import render

        with _cycle_collector_paused():
            return render(format, self.entries(since, until), words)

    # --- Helpers ---------------------------------------------------------------------------------

    def _range(self, since, until, script) -> tuple[str, list]:
        clauses, args = [], []
        if since is not None:
            clauses.append("s.started_at >= ?")
            args.append(day_bounds(since)[0])
        if until is not None:
            clauses.append("s.started_at < ?")
            args.append(day_bounds(until)[1])
        if script is not None:
            clauses.append("s.script = ?")
            args.append(script)
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), args

    def _sessions(self, where: str, args: list) -> list[SessionRow]:
        cursor = self.db.execute(f"{self._SESSION_SQL} {where}", args)
        return [SessionRow(**{k: v for k, v in row.items() if k != "updated_at"}) for row in dicts(cursor)]

    def _entry(self, session: SessionRow, answers: list[AnswerRow] | None = None,
               skips: list[str] | None = None) -> Entry:
        if answers is None:
            answers = self.answers(session.id)
        if skips is None:
            cursor = self.db.execute("SELECT field FROM events WHERE session_id = ? AND type = 'skipped'"
                                     " AND field IS NOT NULL ORDER BY id", [session.id])
            skips = [name for (name,) in cursor.fetchall()]
        answered = {a.field for a in answers}  # a skip never erases an answer given earlier
        skipped = []
        for name in skips:
            if name not in answered and name not in skipped:
                skipped.append(name)
        return Entry(session, tuple(answers), tuple(skipped))


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """An export builds several objects per answer, none of them in a reference cycle (reference counting
    frees them all); with the cyclic collector running, its rescans of the growing heap were 10-20 % of a
    100k-answer export (scripts/bench store), so it waits until the export is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _round(detail: dict) -> int:
    value = detail.get("round", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1
