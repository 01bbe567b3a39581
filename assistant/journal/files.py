"""The journal as a file: what a file is (plain SQLite, encrypted, damaged), opening it without
changing a damaged one, and copying, checking and replacing it (backup, restore, encrypt, decrypt).

A damaged journal is never written to: before SQLite opens a file for writing, its 100-byte header
is checked (magic, page size, file length against the page count it records) and its schema is read
through a read-only connection. Anything wrong → one line, and the file stays
byte-for-byte as it was, so a backup can be restored over it or it can be rescued by hand.

Backups are made with ``VACUUM INTO`` (a consistent snapshot while sessions may be writing, the
same encryption and key as the journal) into a 0600 file, then checked before they are kept.
Restore checks the file first (``PRAGMA integrity_check``, the journal's tables and migrations) and
moves the current journal aside as ``journal-before-restore-<UTC time>.db`` before replacing it.
Encrypting or decrypting rewrites the whole file beside it and swaps it in while every other writer is
held off (:func:`change_encryption`).
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import struct
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from assistant.errors import AssistantError
from assistant.journal import encryption
from assistant.text import fail, t

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
SIDECARS = ("-wal", "-shm", "-journal")
REQUIRED_TABLES = ("sessions", "answers", "events", "_sqlite_migrations")
REQUIRED_MIGRATIONS = ("m001_journal_tables", "m002_answers_fts")


class Kind(Enum):
    NEW = "new"  # missing or empty: SQLite makes a fresh journal
    PLAIN = "plain"
    OTHER = "other"  # not a SQLite header but shaped like an encrypted one: encrypted, or random bytes
    NOT_JOURNAL = "not_journal"  # neither: text, or a length no SQLite or SQLCipher file can have


def _cannot_be_encrypted(size: int, header: bytes) -> bool:
    """An SQLCipher file is whole pages (a power of two, at least 512 bytes) of bytes that look random;
    its first 16 bytes are a random salt, which is printable text about once in ten million files."""
    printable = all(32 <= b < 127 or b in (9, 10, 13) for b in header[:16])
    return size < 512 or size % 512 != 0 or printable


def inspect(path: Path) -> Kind:
    """Classify ``path`` from its header alone; raises ``journal_damaged`` for a broken plain file."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return Kind.NEW
    except OSError as exc:
        raise fail("journal_unreadable", path=path, reason=exc) from exc
    if path.is_dir():
        raise fail("journal_unreadable", path=path, reason="it is a directory")
    if size == 0:
        return Kind.NEW
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise fail("journal_unreadable", path=path, reason=exc) from exc
    if not header.startswith(SQLITE_MAGIC):
        return Kind.NOT_JOURNAL if _cannot_be_encrypted(size, header) else Kind.OTHER
    if len(header) < 100:
        raise fail("journal_damaged", path=path, reason="the file ends inside its header")
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise fail("journal_damaged", path=path, reason=f"impossible page size {page_size}")
    change_counter, pages = struct.unpack(">II", header[24:32])
    (valid_for,) = struct.unpack(">I", header[92:96])
    if size % page_size:
        raise fail("journal_damaged", path=path, reason="the file ends in the middle of a page (truncated?)")
    # With a -wal file the journal may be in use: a checkpoint can write page 1 (with the new page count)
    # before the pages after it, so the length is only compared when no one has the file open in WAL mode.
    in_use = Path(str(path) + "-wal").exists()
    if not in_use and pages and valid_for == change_counter and size < pages * page_size:
        raise fail("journal_damaged", path=path,
                   reason=f"the file is shorter than its header says ({size} of {pages * page_size} bytes)")
    return Kind.PLAIN


def probe_plain(path: Path, timeout: float = 5.0) -> None:
    """Read the schema through a read-only connection (it never writes the file); damaged → one line.

    Read-only, not ``immutable``: other processes may be writing, and SQLite's locks must keep this
    read consistent, or a half-written checkpoint would look like damage.
    """
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=timeout)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            return  # in use, so not for us to judge here; opening it properly will wait or say so
        raise fail("journal_damaged", path=path, reason=exc) from exc


def repair_side_files(path: Path) -> None:
    """Make leftover read-only ``-wal``/``-shm`` files writable again, or say which one is in the way.

    They belong to the journal: after a journal was made read-only (with its side files) and only the
    journal was made writable again, every write fails inside SQLite. When the journal itself is writable,
    a side file of ours is set back to 0600; when that is not possible, one line names the file.
    """
    if not path.exists() or not os.access(path, os.W_OK):
        return  # the journal's own permissions are reported when it is opened
    for suffix in ("-wal", "-shm"):
        side = Path(str(path) + suffix)
        if not side.exists() or os.access(side, os.W_OK):
            continue
        try:
            os.chmod(side, 0o600)
        except OSError as exc:
            raise fail("journal_side_readonly", path=side, reason=exc) from exc
        if not os.access(side, os.W_OK):
            raise fail("journal_side_readonly", path=side, reason=t("safety.still_readonly"))


def connect(path: Path, timeout: float, ask: encryption.Prompt = None):
    """A connection for the journal at ``path``: plain, or encrypted with the passphrase.

    Returns ``(connection, encrypted)``. Nothing is written to an existing file before it is known
    to be a readable journal.
    """
    kind = inspect(path)
    marked = encryption.is_marked(path)
    if kind is Kind.NOT_JOURNAL:
        raise fail("journal_damaged", path=path, reason=t("safety.not_sqlite"))
    if kind is Kind.PLAIN:
        probe_plain(path, timeout)
        if marked:  # decrypted by hand, or restored: the file is what counts
            encryption.remove_marker(path)
    if kind is Kind.OTHER or (kind is Kind.NEW and marked):
        if kind is Kind.OTHER and not marked and not os.environ.get(encryption.PASSPHRASE_ENV):
            raise fail("journal_damaged", path=path, reason=t("safety.unknown_bytes"))
        secret = encryption.passphrase(path, ask=ask)
        try:
            return encryption.connect(path, secret, timeout=timeout), True
        except Exception as exc:
            if not encryption.is_db_error(exc):
                raise
            if "not a database" in str(exc):
                raise fail("journal_wrong_passphrase", path=path, env=encryption.PASSPHRASE_ENV) from exc
            raise fail("journal_unreadable", path=path, reason=exc) from exc
    return sqlite3.connect(str(path), timeout=timeout, check_same_thread=False), False


# --- Checking a journal file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    path: Path
    encrypted: bool
    sessions: int
    answers: int


def verify(path: Path, ask: encryption.Prompt = None) -> Verified:
    """Prove ``path`` is a whole, readable journal of this assistant; never writes to it."""
    path = Path(path)
    if not path.exists():
        raise fail("restore_missing", path=path)
    if path.is_dir():
        raise fail("restore_not_journal", path=path, reason="it is a directory")
    try:
        kind = inspect(path)
    except Exception as exc:
        if getattr(exc, "code", "") == "journal_damaged":
            raise fail("restore_not_journal", path=path, reason=str(exc).split(": ", 1)[-1]) from exc
        raise
    if kind is Kind.NEW:
        raise fail("restore_not_journal", path=path, reason="the file is empty")
    if kind is Kind.NOT_JOURNAL:
        raise fail("restore_not_journal", path=path, reason=t("safety.not_sqlite"))
    encrypted = kind is Kind.OTHER
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        if encrypted:
            if not encryption.can_get_passphrase(ask):
                raise fail("restore_maybe_encrypted", path=path, env=encryption.PASSPHRASE_ENV)
            secret = encryption.passphrase(path, ask=ask)
            try:
                conn = _encrypted_ro(uri, secret)
            except Exception as exc:
                if encryption.is_db_error(exc):
                    raise fail("restore_not_journal", path=path,
                               reason="not an SQLite file, or encrypted with another passphrase") from exc
                raise
        else:
            conn = sqlite3.connect(uri, uri=True)
        try:
            result = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
            if result != ["ok"]:
                raise fail("restore_not_journal", path=path, reason="integrity check: " + "; ".join(result[:3]))
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [t for t in REQUIRED_TABLES if t not in tables]
            if missing:
                raise fail("restore_not_journal", path=path, reason="no table " + ", ".join(missing))
            applied = {row[0] for row in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'assistant'")}
            missing = [m for m in REQUIRED_MIGRATIONS if m not in applied]
            if missing:
                raise fail("restore_not_journal", path=path, reason="migration missing: " + ", ".join(missing))
            known = _known_migrations()
            newer = sorted(applied - known)
            if newer:
                raise fail("restore_newer", path=path, names=", ".join(newer))
            sessions = conn.execute("SELECT count(*) FROM sessions").fetchone()[0]
            answers = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
        finally:
            conn.close()
    except Exception as exc:
        if encryption.is_db_error(exc):
            raise fail("restore_not_journal", path=path, reason=exc) from exc
        raise
    return Verified(path, encrypted, sessions, answers)


def _known_migrations() -> set[str]:
    from assistant.journal.migrations import migrations

    return {m.name for m in migrations._migrations}  # noqa: SLF001 (sqlite-utils has no public list)


def _encrypted_ro(uri: str, secret: str):
    dbapi2 = encryption.driver()
    conn = dbapi2.connect(uri, uri=True)
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = {encryption.quote_key(secret)}")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    return conn


# --- Backup and restore ------------------------------------------------------------------------------


def backup(store, output: Path) -> Verified:
    """A consistent copy of the open journal in ``output`` (0600), checked before it is kept."""
    output = Path(output)
    if output.is_dir():
        raise fail("backup_unwritable", path=output, reason="it is a directory")
    if store.path is not None and output.resolve() == Path(store.path).resolve():
        raise fail("backup_same_file", path=output)
    part = output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        part.unlink(missing_ok=True)
        os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # VACUUM INTO fills an empty file
    except OSError as exc:
        raise fail("backup_unwritable", path=output, reason=exc) from exc
    try:
        store.db.execute("VACUUM INTO ?", [str(part)])
        os.chmod(part, 0o600)
        with open(part, "rb") as fh:
            os.fsync(fh.fileno())
        checked = verify(part)
        os.replace(part, output)
    except Exception as exc:
        part.unlink(missing_ok=True)
        if encryption.is_db_error(exc):
            raise fail("backup_unwritable", path=output, reason=exc) from exc
        if isinstance(exc, OSError):
            raise fail("backup_unwritable", path=output, reason=exc) from exc
        raise
    return Verified(output, checked.encrypted, checked.sessions, checked.answers)


def stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def move_aside(path: Path, label: str) -> Path | None:
    """Rename the journal (with its -wal/-shm and marker, which belong to it) to a dated name."""
    if not path.exists():
        return None
    aside = path.with_name(f"{path.stem}-{label}-{stamp()}{path.suffix}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.stem}-{label}-{stamp()}-{n}{path.suffix}")
    for suffix in (*SIDECARS, encryption.MARKER_SUFFIX):
        side = Path(str(path) + suffix)
        if side.exists():
            os.replace(side, Path(str(aside) + suffix))
    os.replace(path, aside)
    return aside


@dataclass(frozen=True)
class Restored:
    checked: Verified
    old: Path | None  # the journal it replaced, set aside (None when there was none)
    encrypted: bool  # the journal now in place is encrypted
    reencrypted: bool  # a plain backup was encrypted on the way in, like the journal it replaced


def restore(source: Path, journal: Path, ask: encryption.Prompt = None, keep_plain: bool = False) -> Restored:
    """Replace ``journal`` with a verified copy of ``source``; the old journal is set aside.

    Encryption is never turned off by accident: when the journal is encrypted and the backup is not,
    the copy is encrypted with the journal's passphrase before it is swapped in (``keep_plain`` restores
    it as it is). When the result is encrypted, a plain journal set aside is encrypted with the same
    passphrase, so no readable copy stays beside an encrypted journal.
    """
    source = Path(source)
    checked = verify(source, ask=ask)
    if journal.exists() and source.resolve() == journal.resolve():
        raise fail("backup_same_file", path=source)
    key = None
    if checked.encrypted:
        key = encryption.passphrase(source, ask=ask)  # the one that just opened it
    elif not keep_plain and _is_encrypted(journal):
        if not encryption.can_get_passphrase(ask):
            raise fail("restore_would_decrypt", path=source, env=encryption.PASSPHRASE_ENV)
        key = encryption.passphrase(journal, ask=ask)
        _check_key(journal, key)
    journal.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    part = journal.with_name(f".{journal.name}.{os.getpid()}.restore")
    sealed = journal.with_name(f".{journal.name}.{os.getpid()}.sealed")
    try:
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        if Path(str(source) + "-wal").exists():  # a journal copied by hand with its WAL: keep it whole
            shutil.copyfile(Path(str(source) + "-wal"), Path(str(part) + "-wal"))
        reencrypt = key is not None and not checked.encrypted
        if reencrypt:
            assert key is not None
            _seal(part, sealed, key)
            os.replace(sealed, part)
        old = move_aside(journal, "before-restore")
        if Path(str(part) + "-wal").exists():
            os.replace(Path(str(part) + "-wal"), Path(str(journal) + "-wal"))
        os.replace(part, journal)
    except OSError as exc:
        for leftover in (part, sealed, Path(str(part) + "-wal")):
            leftover.unlink(missing_ok=True)
        raise fail("restore_failed", path=journal, reason=exc) from exc
    if key is not None:
        encryption.write_marker(journal)
        if old is not None and inspect(old) is Kind.PLAIN:
            encrypt_in_place(old, key)
    return Restored(checked, old, key is not None, reencrypt)


def _is_encrypted(journal: Path) -> bool:
    """Whether the journal a restore replaces is encrypted (its marker, or a file shaped like SQLCipher's).

    Missing, plain, not a journal at all, or a damaged plain journal: not encrypted (being replaced is what
    a damaged one needs). A journal that cannot be read (permission denied, an I/O error, a folder in its
    place) could be either, so that error is raised as it is, one line, and nothing is restored: taken
    for plain, an encrypted journal would get a readable journal written in its place.
    """
    try:
        if encryption.is_marked(journal):
            return True
    except OSError as exc:  # the folder cannot be looked into
        raise fail("journal_unreadable", path=journal, reason=exc) from exc
    try:
        return inspect(journal) is Kind.OTHER
    except AssistantError as exc:
        if exc.code == "journal_damaged":
            log.warning("%s is damaged; taken as plain, to be replaced", journal)
            return False
        raise


def _check_key(journal: Path, key: str) -> None:
    """The passphrase must open the journal being replaced: a typo would lock the restored one."""
    if inspect(journal) is not Kind.OTHER:
        return
    try:
        encryption.connect(journal, key).close()
    except Exception as exc:
        if encryption.is_db_error(exc) and ("locked" in str(exc) or "busy" in str(exc)):
            raise fail("journal_busy", path=journal) from exc  # in use: says nothing about the passphrase
        if encryption.is_db_error(exc):
            raise fail("journal_wrong_passphrase", path=journal, env=encryption.PASSPHRASE_ENV) from exc
        if isinstance(exc, OSError):
            raise fail("journal_unreadable", path=journal, reason=exc) from exc
        raise


def _seal(plain: Path, target: Path, key: str) -> None:
    """Write an encrypted copy of the plain journal file ``plain`` (no one has it open) to ``target``."""
    conn = sqlite3.connect(str(plain))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a -wal beside it becomes part of the file
        conn.execute("PRAGMA journal_mode = DELETE")
    finally:
        conn.close()
    target.unlink(missing_ok=True)
    _convert(plain, target, None, key)


def _convert(source: Path, target: Path, old_key: str | None, new_key: str | None) -> None:
    """``encryption.convert``; on failure the half-written ``target`` is removed and one line says why."""
    try:
        encryption.convert(source, target, old_key, new_key)
    except Exception as exc:
        target.unlink(missing_ok=True)
        if encryption.is_db_error(exc) or isinstance(exc, OSError):
            raise fail("journal_convert_failed", path=source, reason=exc) from exc
        raise


def encrypt_in_place(path: Path, key: str) -> None:
    """Encrypt a plain journal copy (set aside, or a backup) that no one has open, keeping its name."""
    sealed = path.with_name(f".{path.name}.{os.getpid()}.sealed")
    _seal(path, sealed, key)
    os.replace(sealed, path)
    for suffix in SIDECARS:
        Path(str(path) + suffix).unlink(missing_ok=True)


def plain_copies(journal: Path) -> list[Path]:
    """Plain journal copies in the home: the ones set aside (journal-before-*) and backups/*.db."""
    home = journal.parent
    candidates = [*home.glob(f"{journal.stem}-*{journal.suffix}"), *(home / "backups").glob("*.db")]
    found = []
    for path in sorted(candidates):
        try:
            if path.is_file() and inspect(path) is Kind.PLAIN:
                found.append(path)
        except Exception:  # a damaged copy is left as it is
            log.warning("left %s as it is: it could not be read as a journal", path, exc_info=True)
            continue
    return found


# --- Encrypting and decrypting in place ---------------------------------------------------------------


def change_encryption(store, old_key: str | None, new_key: str | None) -> Path:
    """Rewrite the open journal with ``new_key`` (None: plain SQLite) and swap it in for the old file.

    ``old_key`` opens the current file (None when it is plain). The store stays open on the old file's
    inode until it is closed; the caller closes it right after.
    """
    path = Path(store.path)
    # Out of WAL mode first: then no -wal file belongs to the old file, and closing this connection
    # after the swap touches nothing by name. Fails as "busy" while another process has it open.
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.db.execute("PRAGMA journal_mode = DELETE")
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.unlink(missing_ok=True)
    store.db.conn.execute("BEGIN IMMEDIATE")  # no other process writes to the file being replaced
    try:
        _convert(path, part, old_key, new_key)
        if new_key:
            encryption.write_marker(path)
        os.replace(part, path)
        if not new_key:
            encryption.remove_marker(path)
    finally:
        store.db.conn.execute("ROLLBACK")
    return path
