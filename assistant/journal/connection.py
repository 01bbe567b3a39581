"""The journal's SQLite connection: writes take the lock at BEGIN, text is always storable, files are
private, and migrations run under one write lock. Used by ``store.Store``."""

from __future__ import annotations

import os
import stat
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from assistant.text import readable


class JournalDatabase(Database):
    """sqlite-utils' Database whose transactions take the write lock at BEGIN (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes (ladder edits do) cannot wait for another
    writer in WAL mode: SQLite answers "database is locked" at once, because its snapshot went
    stale. Taking the lock up front lets the busy timeout queue writers from many processes.

    Every text parameter passes through :func:`readable`, so words that arrived as bytes that are
    not UTF-8 are stored (with U+FFFD for those bytes) rather than crashing the write.
    """

    def execute(self, sql: str, parameters=None):
        return super().execute(sql, _clean_params(parameters) if parameters else parameters)

    @contextmanager
    def atomic(self):
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise


def _clean_params(parameters):
    if isinstance(parameters, dict):
        return {k: readable(v) if isinstance(v, str) else v for k, v in parameters.items()}
    return [readable(v) if isinstance(v, str) else v for v in parameters]


def migrate_locked(db: Database) -> None:
    """Apply pending migrations under one write lock, so that processes opening a new journal at the
    same moment do not both create its tables; the others wait, then find nothing pending."""
    from assistant.journal.migrations import migrate, migrations

    if not migrations.pending(db):
        return
    with db.atomic():
        migrate(db)


def create_private(path: Path) -> None:
    """Create the file 0600 before SQLite opens it (SQLite gives -wal/-shm the same mode)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        os.chmod(path, 0o600)


def tighten_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(str(path) + suffix)
        try:
            if stat.S_IMODE(side.stat().st_mode) & 0o077:
                os.chmod(side, 0o600)
        except FileNotFoundError:
            pass
