"""Opt-in encryption at rest for the journal: the whole SQLite file encrypted with SQLCipher.

Turn it on with ``assistant journal encrypt`` and off with ``assistant journal decrypt``. The
passphrase comes from ``ASSISTANT_PASSPHRASE`` or, in a terminal, a hidden prompt (asked once per
command); with neither, every command that needs the journal stops with one line. Without the
passphrase the file is unreadable: no answer text, no search index, no timestamps.

Why SQLCipher and not field-level encryption (evaluated on Python 3.11, x86_64):

* ``pip download --no-deps`` finds manylinux wheels for all three SQLCipher bindings on PyPI:
  ``sqlcipher3`` 0.6.4 (SQLCipher 4.19 on SQLite 3.53, manylinux_2_28), ``sqlcipher3-binary`` 0.6.0
  and ``sqlcipher3-wheels`` 0.5.7 (both SQLCipher 4.12 on SQLite 3.51). Each one works as the
  connection under sqlite-utils: ``Migrations``, ``enable_fts`` + triggers, FTS5 ``MATCH``,
  WAL and ``VACUUM INTO`` all behave as with the standard library, and a wrong key fails at the
  first read with "file is not a database". We use ``sqlcipher3``: the newest SQLCipher, from the
  same maintainer as the other two, which are now repackagings of it.
* Field-level encryption with ``cryptography`` (AES-GCM per answer, key from scrypt) would need a
  second, hand-written storage path: FTS5 cannot index ciphertext, so search would have to decrypt
  every answer (or keep a plaintext index, which defeats the point); ``events``, ladder steps,
  titles and timestamps would stay readable unless each column got the same treatment; and every
  module that reads the journal (ladder, plan, report, export) would need to know. SQLCipher
  encrypts every page (data, index, FTS shadow tables and the WAL) below SQL, so nothing above
  ``Store.open`` changes and search keeps working.
* Cost: SQLCipher's key derivation (PBKDF2-HMAC-SHA512, 256 000 iterations, a random salt per file)
  runs on each open, a fraction of a second; pages are AES-256-CBC with an HMAC-SHA512 each.

A journal is known to be encrypted by the marker file ``journal.db.encrypted`` next to it (an
encrypted file looks like random bytes, exactly like a damaged one, so the marker is what lets the
assistant say "locked" rather than "damaged"). The marker holds no secret.

Limits, said plainly: the plaintext file that ``encrypt`` replaces is deleted, not shredded (on an
SSD nothing can promise more); the passphrase in ``ASSISTANT_PASSPHRASE`` is visible to processes
of the same user; a lost passphrase cannot be recovered.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Callable

from assistant.text import fail

PASSPHRASE_ENV = "ASSISTANT_PASSPHRASE"
MARKER_SUFFIX = ".encrypted"
CIPHER = {"cipher": "sqlcipher", "version": 4}

# How to ask a person for the passphrase (the CLI hands in a hidden terminal prompt); storage itself never
# prompts, and with no prompt given only ``ASSISTANT_PASSPHRASE`` or one asked earlier opens the journal.
Prompt = Callable[[], str] | None
_remembered: str | None = None  # asked once per process


def forget_passphrase() -> None:
    global _remembered
    _remembered = None


def marker(path: Path) -> Path:
    return Path(str(path) + MARKER_SUFFIX)


def is_marked(path: Path) -> bool:
    return marker(path).exists()


def write_marker(path: Path) -> None:
    target = marker(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(CIPHER) + "\n")


def remove_marker(path: Path) -> None:
    marker(path).unlink(missing_ok=True)


def passphrase(path: Path, ask: Prompt = None) -> str:
    """The passphrase for ``path``: the environment, one asked earlier, or ``ask`` (at a terminal only)."""
    global _remembered
    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    if _remembered:
        return _remembered
    if ask is not None and _stdin_is_terminal():
        value = ask()
        if not value:
            raise fail("passphrase_empty")
        _remembered = value
        return value
    raise fail("journal_locked", path=path, env=PASSPHRASE_ENV)


def can_get_passphrase(ask: Prompt = None) -> bool:
    """Whether :func:`passphrase` would find one (given, remembered, or asked at a terminal)."""
    return bool(os.environ.get(PASSPHRASE_ENV) or _remembered
                or (ask is not None and _stdin_is_terminal()))


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):  # closed stdin
        return False


def driver():
    """The SQLCipher DB-API module; one clear line when it is not installed."""
    try:
        from sqlcipher3 import dbapi2
    except ImportError as exc:
        raise fail("encryption_unavailable", package="sqlcipher3") from exc
    return dbapi2


def quote_key(secret: str) -> str:
    """``PRAGMA key`` takes no bound parameters: a string literal with quotes doubled."""
    if "\x00" in secret:
        raise fail("passphrase_bad")
    return "'" + secret.replace("'", "''") + "'"


def connect(path: Path, secret: str, timeout: float = 5.0, uri: bool = False):
    """A DB-API connection to an encrypted file; raises the driver's DatabaseError on a wrong key."""
    dbapi2 = driver()
    conn = dbapi2.connect(str(path), timeout=timeout, check_same_thread=False, uri=uri)
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key must give one line, not a log on stderr
    conn.execute(f"PRAGMA key = {quote_key(secret)}")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the key is checked on the first read
    return conn


def is_db_error(exc: BaseException) -> bool:
    """True for errors from either SQLite driver (stdlib sqlite3 or sqlcipher3)."""
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    return type(exc).__module__.startswith("sqlcipher3") and isinstance(exc, Exception)


def convert(source: Path, target: Path, source_key: str | None, target_key: str | None) -> None:
    """Copy the journal ``source`` into the new file ``target``, changing its encryption.

    ``sqlcipher_export`` copies schema and rows (FTS shadow tables included) into an attached
    database opened with the other key; ``''`` as the key means plaintext.
    """
    dbapi2 = driver()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    conn = dbapi2.connect(str(source), timeout=5.0)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if source_key:
            conn.execute(f"PRAGMA key = {quote_key(source_key)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute(f"ATTACH DATABASE ? AS converted KEY {quote_key(target_key or '')}", [str(target)])
        conn.execute("SELECT sqlcipher_export('converted')").fetchone()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"PRAGMA converted.user_version = {int(version)}")
        conn.execute("DETACH DATABASE converted")
    finally:
        conn.close()
    check = dbapi2.connect(str(target))
    try:
        check.execute("PRAGMA cipher_log_level = NONE")
        if target_key:
            check.execute(f"PRAGMA key = {quote_key(target_key)}")
        check.execute("PRAGMA journal_mode = wal").fetchone()
        ok = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if ok != "ok":
        raise fail("journal_convert_failed", path=target, reason=ok)
    with open(target, "rb") as fh:
        os.fsync(fh.fileno())
