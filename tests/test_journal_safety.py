"""Backup, restore, damaged journals and encryption at rest, through the real CLI entry point."""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.events import SessionEvent
from assistant.journal.store import Store

SECRET_WORDS = "my panic attacks at work"
PASS = "correct horse battery staple"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_entries(count: int = 3, text: str = SECRET_WORDS) -> None:
    with Store.open() as store:
        for n in range(count):
            sid = f"session-{n}"
            store.record(SessionEvent("started", sid, "checkin", detail={"title": "Check-in", "position": 0}))
            store.record(SessionEvent("answer", sid, "checkin", step_id="what", field="what_happened", kind="text",
                                      value=f"{text} {n}", text=f"{text} {n}"))
            store.record(SessionEvent("finished", sid, "checkin", detail={"position": 1}))


def counts(path: Path | None = None) -> tuple[int, int]:
    with Store.open(path) as store:
        return (store.db.execute("SELECT count(*) FROM sessions").fetchone()[0],
                store.db.execute("SELECT count(*) FROM answers").fetchone()[0])


# --- backup ----------------------------------------------------------------------------------------


def test_backup_is_a_private_checked_copy(tmp_path, run_cli):
    write_entries()
    target = tmp_path / "out" / "backup.db"
    target.parent.mkdir()
    done = run_cli("backup", "-o", str(target))
    assert done.exit_code == 0, done.stderr
    assert mode(target) == 0o600 and "3 sessions" in done.stderr
    conn = sqlite3.connect(target)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM answers_fts WHERE answers_fts MATCH 'panic'").fetchone()[0] == 3
    conn.close()
    assert not list(target.parent.glob(".*part"))  # no temporary left behind


def test_backup_without_output_goes_to_home_backups(assistant_home, run_cli):
    write_entries(1)
    done = run_cli("backup")
    assert done.exit_code == 0, done.stderr
    (made,) = (assistant_home / "backups").glob("journal-*.db")
    assert mode(made) == 0o600 and mode(assistant_home / "backups") == 0o700


def test_backup_while_a_session_is_writing_is_consistent(tmp_path, run_cli):
    write_entries(2)
    with Store.open() as store:  # an open session with an uncommitted write in flight
        store.record(SessionEvent("started", "live", "debrief", detail={"position": 0}))
        store.db.conn.execute("BEGIN")
        store.db.conn.execute("INSERT INTO events (session_id, type, at) VALUES ('live', 'note', 'x')")
        done = run_cli("backup", "-o", str(tmp_path / "b.db"))
        store.db.conn.execute("ROLLBACK")
    assert done.exit_code == 0, done.stderr
    assert counts(tmp_path / "b.db")[0] == 3


@pytest.mark.parametrize("where", ["dir", "journal", "missing_dir"])
def test_backup_to_an_impossible_place_is_one_line(tmp_path, assistant_home, where, run_cli):
    write_entries(1)
    target = {"dir": tmp_path, "journal": assistant_home / "journal.db",
              "missing_dir": tmp_path / "no" / "such" / "b.db"}[where]
    done = run_cli("backup", "-o", str(target))
    assert done.one_line_error(), done


# --- restore ---------------------------------------------------------------------------------------


def test_restore_replaces_the_journal_and_keeps_the_old_one(tmp_path, assistant_home, run_cli):
    write_entries(3)
    assert run_cli("backup", "-o", str(tmp_path / "three.db")).exit_code == 0
    write_entries(5, text="later words")  # sessions 0-4: the journal moves on
    assert counts() == (5, 5)
    done = run_cli("restore", str(tmp_path / "three.db"))
    assert done.exit_code == 0, done.stderr
    assert counts() == (3, 3)
    (old,) = assistant_home.glob("journal-before-restore-*.db")
    assert counts(old) == (5, 5) and mode(assistant_home / "journal.db") == 0o600
    assert "kept as" in done.stderr


def bad_backups(tmp_path: Path, good: Path) -> dict[str, Path]:
    made = {}
    rng = random.Random(1)
    for name, data in {
        "random_bytes": bytes(rng.getrandbits(8) for _ in range(8192)),
        "empty": b"",
        "truncated_half": good.read_bytes()[: len(good.read_bytes()) // 2],
        "truncated_header": good.read_bytes()[:60],
        "text": b"hello, this is not a journal\n" * 50,
        "zeroed_page_2": good.read_bytes()[:4096] + b"\x00" * 4096 + good.read_bytes()[8192:],
    }.items():
        path = tmp_path / f"{name}.db"
        path.write_bytes(data)
        made[name] = path
    other = tmp_path / "other_sqlite.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    made["other_sqlite"] = other
    made["directory"] = tmp_path
    made["missing"] = tmp_path / "nope.db"
    return made


def test_restore_refuses_anything_but_a_whole_journal_and_touches_nothing(tmp_path, assistant_home, run_cli):
    write_entries(2)
    assert run_cli("backup", "-o", str(tmp_path / "good.db")).exit_code == 0
    journal = assistant_home / "journal.db"
    with Store.open() as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = journal.read_bytes()
    for name, path in bad_backups(tmp_path, tmp_path / "good.db").items():
        done = run_cli("restore", str(path))
        assert done.one_line_error(), (name, done)
        assert journal.read_bytes() == before, name
    assert not list(assistant_home.glob("journal-before-restore-*"))
    assert counts() == (2, 2)


# --- a damaged journal -----------------------------------------------------------------------------

COMMANDS = [
    ["entries", "list"], ["entries", "search", "panic"], ["entries", "export", "--format", "json"],
    ["entries", "show", "abc"], ["checkin", "--text", "--no-audio"], ["resume", "--text", "--no-audio"],
    ["ladder", "list"], ["ladder", "add", "Call Sam", "--fear", "3"], ["next"], ["plan"], ["today"],
    ["progress"], ["rhythm", "list"], ["backup"], ["journal", "encrypt"],
]


def damage(journal: Path, how: str) -> None:
    data = journal.read_bytes()
    if how == "random_bytes":
        rng = random.Random(len(data))
        journal.write_bytes(bytes(rng.getrandbits(8) for _ in range(len(data))))
    elif how == "truncated":
        journal.write_bytes(data[: len(data) // 2])
    elif how == "truncated_mid_page":
        journal.write_bytes(data[:5000])
    elif how == "header_only":
        journal.write_bytes(data[:100])
    elif how == "schema_zeroed":
        journal.write_bytes(data[:100] + b"\x00" * (4096 - 100) + data[4096:])


@pytest.mark.parametrize("how", ["random_bytes", "truncated", "truncated_mid_page", "header_only", "schema_zeroed"])
def test_a_damaged_journal_is_one_line_everywhere_and_left_untouched(assistant_home, tmp_path, how, run_cli):
    write_entries(40, text="a longer answer so that the journal spans many pages " * 4)
    with Store.open() as store:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    journal = assistant_home / "journal.db"
    for side in ("-wal", "-shm"):
        Path(str(journal) + side).unlink(missing_ok=True)
    damage(journal, how)
    before, before_mode = journal.read_bytes(), mode(journal)
    for args in COMMANDS:
        done = run_cli(*args, stdin="")
        assert done.one_line_error(), (how, args, done)
        assert "journal_damaged" in done.stderr or "journal_unreadable" in done.stderr, (how, args, done.stderr)
        assert journal.read_bytes() == before and mode(journal) == before_mode, (how, args)
    # and a good backup brings it back
    assert not list(tmp_path.glob("*.db"))


def test_a_damaged_journal_can_be_replaced_by_restore(assistant_home, tmp_path, run_cli):
    write_entries(2)
    assert run_cli("backup", "-o", str(tmp_path / "good.db")).exit_code == 0
    journal = assistant_home / "journal.db"
    for side in ("-wal", "-shm"):
        Path(str(journal) + side).unlink(missing_ok=True)
    journal.write_bytes(b"\x13" * 9000)
    assert run_cli("entries", "list").one_line_error()
    done = run_cli("restore", str(tmp_path / "good.db"))
    assert done.exit_code == 0, done.stderr
    assert counts() == (2, 2)
    (old,) = assistant_home.glob("journal-before-restore-*.db")
    assert old.read_bytes() == b"\x13" * 9000  # the damaged file is kept as it was, for rescue


# --- encryption ------------------------------------------------------------------------------------


def raw_bytes(home: Path) -> bytes:
    return b"".join(p.read_bytes() for p in home.glob("journal.db*") if p.is_file())


def test_encrypted_journal_is_unreadable_without_the_passphrase(assistant_home, monkeypatch, run_cli):
    write_entries(3)
    assert SECRET_WORDS.encode() in raw_bytes(assistant_home)
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    done = run_cli("journal", "encrypt")
    assert done.exit_code == 0, done.stderr
    journal = assistant_home / "journal.db"
    assert SECRET_WORDS.encode() not in raw_bytes(assistant_home) and b"panic" not in raw_bytes(assistant_home)
    assert not journal.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(journal).execute("SELECT * FROM answers").fetchall()
    assert run_cli("journal", "status").stdout.startswith("encrypted")

    # Everything still works once unlocked, search included; new answers are encrypted too.
    found = run_cli("entries", "search", "panic")
    assert found.exit_code == 0 and found.stdout.count("[panic]") == 3, found
    typed = run_cli("checkin", "--text", "--no-audio", stdin="lonely\nfour\nyes\nsend a short message\n")
    assert typed.exit_code == 0, typed.stderr
    assert b"lonely" not in raw_bytes(assistant_home) and b"short message" not in raw_bytes(assistant_home)
    exported = run_cli("entries", "export", "--format", "csv")
    assert exported.exit_code == 0 and SECRET_WORDS in exported.stdout and "lonely" in exported.stdout

    # Locked: no passphrase (and no terminal) or a wrong one → one line, nothing shown or exported.
    monkeypatch.delenv("ASSISTANT_PASSPHRASE")
    for args in (["entries", "export", "--format", "json"], ["entries", "list"], ["entries", "search", "panic"],
                 ["checkin", "--text", "--no-audio"], ["ladder", "list"], ["backup"], ["report", "-o", "r.html"]):
        locked = run_cli(*args)
        assert locked.one_line_error() and "journal_locked" in locked.stderr and SECRET_WORDS not in locked.stdout, args
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", "not it")
    wrong = run_cli("entries", "export")
    assert wrong.one_line_error() and "journal_wrong_passphrase" in wrong.stderr and wrong.stdout == ""


def test_encrypted_backups_restore_and_decrypt(assistant_home, tmp_path, monkeypatch, run_cli):
    write_entries(2)
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    assert run_cli("journal", "encrypt").exit_code == 0
    again = run_cli("journal", "encrypt")
    assert again.one_line_error() and "already_encrypted" in again.stderr
    done = run_cli("backup", "-o", str(tmp_path / "enc.db"))
    assert done.exit_code == 0 and "encrypted" in done.stderr
    assert SECRET_WORDS.encode() not in (tmp_path / "enc.db").read_bytes() and mode(tmp_path / "enc.db") == 0o600
    assert run_cli("journal", "decrypt").exit_code == 0
    assert SECRET_WORDS.encode() in raw_bytes(assistant_home)
    assert run_cli("journal", "status").stdout.startswith("not encrypted")
    monkeypatch.delenv("ASSISTANT_PASSPHRASE")
    assert run_cli("entries", "list").exit_code == 0
    refused = run_cli("restore", str(tmp_path / "enc.db"))  # an encrypted backup needs its passphrase
    assert refused.one_line_error() and "restore_maybe_encrypted" in refused.stderr
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", "wrong one")
    assert run_cli("restore", str(tmp_path / "enc.db")).one_line_error()
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    assert run_cli("restore", str(tmp_path / "enc.db")).exit_code == 0
    assert run_cli("journal", "status").stdout.startswith("encrypted")
    assert counts() == (2, 2)


def test_encrypt_needs_a_new_passphrase_and_a_journal(assistant_home, monkeypatch, run_cli):
    monkeypatch.delenv("ASSISTANT_PASSPHRASE", raising=False)
    nothing = run_cli("journal", "encrypt")
    assert nothing.one_line_error() and "journal_none" in nothing.stderr
    write_entries(1)
    no_terminal = run_cli("journal", "encrypt")
    assert no_terminal.one_line_error() and "passphrase_needed" in no_terminal.stderr
    assert run_cli("journal", "decrypt").one_line_error()
    assert SECRET_WORDS.encode() in raw_bytes(assistant_home)


def test_passphrase_is_asked_hidden_in_a_terminal(assistant_home, monkeypatch, run_cli):
    from assistant.journal import encryption

    write_entries(1)
    monkeypatch.setattr(encryption, "_stdin_is_terminal", lambda: True)
    made = run_cli("journal", "encrypt", stdin=f"{PASS}\n{PASS}\n")
    assert made.exit_code == 0, made.output
    assert PASS not in made.output  # hidden
    encryption.forget_passphrase()
    listed = run_cli("entries", "list", stdin=f"{PASS}\n")
    assert listed.exit_code == 0 and "checkin" in listed.output and PASS not in listed.output
    encryption.forget_passphrase()
    mismatch = run_cli("journal", "decrypt", stdin="wrong\n")
    assert mismatch.exit_code != 0
    encryption.forget_passphrase()


def test_the_journal_never_prompts_the_caller_hands_in_how_to_ask(assistant_home, monkeypatch, run_cli):
    """The passphrase prompt is a parameter: without one the journal stops with one line even at a terminal;
    with one it is asked once. A practice opens the journal itself, so the CLI unlocks it first."""
    from assistant.errors import AssistantError
    from assistant.journal import encryption

    write_entries(1)
    monkeypatch.setenv(encryption.PASSPHRASE_ENV, PASS)
    assert run_cli("journal", "encrypt").exit_code == 0
    monkeypatch.delenv(encryption.PASSPHRASE_ENV)
    encryption.forget_passphrase()
    monkeypatch.setattr(encryption, "_stdin_is_terminal", lambda: True)
    with pytest.raises(AssistantError) as locked:
        Store.open()
    assert locked.value.code == "journal_locked"
    asked: list[str] = []
    with Store.open(ask_passphrase=lambda: asked.append("asked") or PASS) as store:
        assert store.encrypted
    assert asked == ["asked"]
    encryption.forget_passphrase()
    done = run_cli("checkin", "--text", "--no-audio", stdin=f"{PASS}\nstop\n")
    assert done.exit_code == 0, done.output
    assert PASS not in done.output
    encryption.forget_passphrase()


# --- telling "encrypted" from "not a journal", and keeping encryption on ---------------------------


@pytest.mark.parametrize("name, data, told", [
    ("garbage.db", bytes(random.Random(2).getrandbits(8) for _ in range(8192)), "restore_maybe_encrypted"),
    ("e.csv", b"date,answer\n2026-12-01,six\n", "restore_not_journal"),
    ("odd.bin", bytes(random.Random(3).getrandbits(8) for _ in range(5000)), "restore_not_journal"),
    ("notes.db", b"just some notes, not a journal\n" * 300, "restore_not_journal"),
])
def test_restore_tells_not_a_journal_from_encrypted(tmp_path, monkeypatch, name, data, told, run_cli):
    monkeypatch.delenv("ASSISTANT_PASSPHRASE", raising=False)
    write_entries(1)
    (tmp_path / name).write_bytes(data)
    done = run_cli("restore", str(tmp_path / name))
    assert done.one_line_error() and told in done.stderr, done
    assert "is encrypted and no passphrase" not in done.stderr
    if told == "restore_not_journal":
        assert "neither an SQLite file nor an encrypted journal" in done.stderr
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)  # with a passphrase: it does not open, so not a journal
    again = run_cli("restore", str(tmp_path / name))
    assert again.one_line_error() and "restore_not_journal" in again.stderr, again
    assert counts() == (1, 1)


@pytest.mark.parametrize("size, says", [(8192, "not marked as encrypted"), (5000, "journal_damaged")])
def test_journal_status_does_not_call_random_bytes_encrypted(assistant_home, monkeypatch, size, says, run_cli):
    monkeypatch.delenv("ASSISTANT_PASSPHRASE", raising=False)
    assistant_home.mkdir(parents=True, exist_ok=True)
    (assistant_home / "journal.db").write_bytes(bytes(random.Random(size).getrandbits(8) for _ in range(size)))
    done = run_cli("journal", "status")
    assert "encrypted (SQLCipher)" not in done.stdout
    assert says in done.stdout + done.stderr, done


def test_a_plain_backup_restored_over_an_encrypted_journal_is_encrypted(assistant_home, tmp_path, monkeypatch, run_cli):
    write_entries(2)
    assert run_cli("backup", "-o", str(tmp_path / "plain.db")).exit_code == 0
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    assert run_cli("journal", "encrypt").exit_code == 0
    write_entries(3, text="later words")
    monkeypatch.delenv("ASSISTANT_PASSPHRASE")
    refused = run_cli("restore", str(tmp_path / "plain.db"))  # no passphrase: it would turn encryption off
    assert refused.one_line_error() and "restore_would_decrypt" in refused.stderr and "--keep-plain" in refused.stderr
    assert not list(assistant_home.glob("journal-before-restore-*"))
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", "a typo")
    typo = run_cli("restore", str(tmp_path / "plain.db"))
    assert typo.one_line_error() and "journal_wrong_passphrase" in typo.stderr
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    done = run_cli("restore", str(tmp_path / "plain.db"))
    assert done.exit_code == 0 and "encrypted with your journal's passphrase" in done.stderr, done
    assert run_cli("journal", "status").stdout.startswith("encrypted")
    assert SECRET_WORDS.encode() not in raw_bytes(assistant_home)
    assert counts() == (2, 2)
    (old,) = assistant_home.glob("journal-before-restore-*.db")
    assert b"later words" not in old.read_bytes() and not old.read_bytes().startswith(b"SQLite format 3")
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    assert run_cli("restore", str(old)).exit_code == 0 and counts() == (3, 3)  # the one set aside opens with it


def test_keep_plain_restores_a_plain_backup_as_it_is_and_says_so(assistant_home, tmp_path, monkeypatch, run_cli):
    write_entries(1)
    assert run_cli("backup", "-o", str(tmp_path / "plain.db")).exit_code == 0
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    assert run_cli("journal", "encrypt").exit_code == 0
    monkeypatch.delenv("ASSISTANT_PASSPHRASE")
    done = run_cli("restore", "--keep-plain", str(tmp_path / "plain.db"))
    assert done.exit_code == 0 and "not encrypted now" in done.stderr, done
    assert run_cli("journal", "status").stdout.startswith("not encrypted")


def test_an_encrypted_backup_over_a_plain_journal_leaves_no_plain_copy(assistant_home, tmp_path, monkeypatch, run_cli):
    write_entries(1)
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    assert run_cli("journal", "encrypt").exit_code == 0
    assert run_cli("backup", "-o", str(tmp_path / "enc.db")).exit_code == 0
    assert run_cli("journal", "decrypt").exit_code == 0
    write_entries(2, text="plain words")
    done = run_cli("restore", str(tmp_path / "enc.db"))
    assert done.exit_code == 0 and "encrypted with the same passphrase" in done.stderr, done
    (old,) = assistant_home.glob("journal-before-restore-*.db")
    assert b"plain words" not in old.read_bytes()


def test_encrypting_the_journal_encrypts_plain_copies_in_the_home(assistant_home, monkeypatch, run_cli):
    write_entries(2)
    assert run_cli("backup").exit_code == 0
    (plain_backup,) = (assistant_home / "backups").glob("*.db")
    assert SECRET_WORDS.encode() in plain_backup.read_bytes()
    monkeypatch.setenv("ASSISTANT_PASSPHRASE", PASS)
    done = run_cli("journal", "encrypt")
    assert done.exit_code == 0 and "1 plain copy" in done.stderr, done
    assert SECRET_WORDS.encode() not in plain_backup.read_bytes()
    assert run_cli("restore", str(plain_backup)).exit_code == 0 and counts() == (2, 2)


# --- leftover read-only side files ------------------------------------------------------------------

LEAVE_SIDE_FILES = ("import os, sqlite3, sys\n"
                    "conn = sqlite3.connect(sys.argv[1])\n"
                    "conn.execute('SELECT count(*) FROM sessions').fetchone()\n"
                    "os._exit(0)  # killed while open: -wal and -shm stay\n")


def as_plain_user(*args: str) -> subprocess.CompletedProcess:
    """The CLI without root's permission override (CI runs as root, a person does not)."""
    drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner"]
    return subprocess.run([*drop, sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


@pytest.mark.parametrize("situation", ["journal_fixed_sides_not", "journal_read_only", "sides_not_ours"])
def test_read_only_side_files_are_repaired_or_named(assistant_home, situation):
    write_entries(1)
    journal = assistant_home / "journal.db"
    subprocess.run([sys.executable, "-c", LEAVE_SIDE_FILES, str(journal)], check=True)
    sides = [Path(str(journal) + "-wal"), Path(str(journal) + "-shm")]
    assert all(side.exists() for side in sides)
    for side in sides:
        side.chmod(0o444)
    if situation == "journal_read_only":
        journal.chmod(0o444)
    if situation == "sides_not_ours":
        os.chown(sides[1], 65534, 65534)
    done = as_plain_user("ladder", "add", "say hello first", "--fear", "2")
    assert "Traceback" not in done.stderr, done.stderr
    if situation == "journal_fixed_sides_not":
        assert done.returncode == 0, done.stderr
        assert "say hello first" in as_plain_user("ladder", "list").stdout
    else:
        lines = [line for line in done.stderr.splitlines() if line.startswith("error[")]
        assert done.returncode == 1 and len(lines) == 1, done.stderr
        assert ("journal_unreadable" if situation == "journal_read_only" else "journal_side_readonly") in lines[0]
    journal.chmod(0o600)
    assert counts() == (1, 1)  # nothing stored was lost
