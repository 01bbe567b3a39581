"""The log: off by default; --verbose or the log setting write assistant.log in the home (0600), with what went
wrong and where but never the words of a message; errors swallowed on purpose are still logged."""

from __future__ import annotations

import logging
import os
import stat

import pytest


def _log(home) -> str:
    path = home / "assistant.log"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def test_no_log_unless_asked(assistant_home, run_cli):
    assert run_cli("entries", "show", "private-words-here").exit_code == 1
    assert not (assistant_home / "assistant.log").exists()


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_the_log_names_the_error_and_where_not_its_words(assistant_home, run_cli, how):
    if how == "setting":
        assert run_cli("settings", "set", "log", "true").exit_code == 0
        done = run_cli("entries", "show", "private-words-here")
    else:
        done = run_cli("--verbose", "entries", "show", "private-words-here")
    assert done.exit_code == 1 and "private-words-here" in done.stderr  # the screen says it all
    path = assistant_home / "assistant.log"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = _log(assistant_home)
    assert "error[entry_not_found] raised at" in text and "store.py:" in text
    assert "private-words-here" not in text
    assert ("command entries" in text) == (how == "flag")  # --verbose also keeps what ran, the setting only problems


def test_forget_removes_the_log(assistant_home, run_cli):
    assert run_cli("--verbose", "entries", "list").exit_code == 0
    assert (assistant_home / "assistant.log").exists()
    assert run_cli("forget", "--all", "--yes").exit_code == 0
    assert not (assistant_home / "assistant.log").exists()


def test_a_copy_that_cannot_be_read_is_left_alone_and_logged(assistant_home, caplog, monkeypatch):
    """``journal encrypt`` skips plain copies it cannot read; it says so in the log instead of nothing."""
    from assistant.journal import files

    (assistant_home / "backups").mkdir(parents=True)
    copy = assistant_home / "backups" / "journal-old.db"
    copy.write_bytes(b"SQLite format 3\x00")

    def unreadable(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(files, "inspect", unreadable)
    with caplog.at_level(logging.WARNING, logger="assistant"):
        found = files.plain_copies(assistant_home / "journal.db")
    assert found == []
    (record,) = [r for r in caplog.records if r.name == "assistant.journal.files"]
    assert "could not be read as a journal" in record.getMessage() and record.exc_info is not None


def test_a_script_that_cannot_be_loaded_is_logged_not_hidden(assistant_home, caplog):
    """Showing an entry of a script that is gone falls back to the stored names, and the log says why."""
    from assistant.dialogue.scripts import script_words

    with caplog.at_level(logging.WARNING, logger="assistant"):
        assert script_words("no-such-script") == (None, {})
    (record,) = [r for r in caplog.records if r.name == "assistant.dialogue.scripts"]
    assert "no-such-script" in record.getMessage() and "could not be loaded" in record.getMessage()


def test_the_log_names_what_an_error_was_made_from(assistant_home, tmp_path, run_cli):
    """An error raised from another (a database or file error) is logged with that error's type and place."""
    backup = tmp_path / "backup.db"
    backup.write_bytes(b"SQLite format 3\x00" + b"\x00" * 84 + b"broken" * 50)
    done = run_cli("--verbose", "restore", str(backup))
    assert done.exit_code == 1 and done.one_line_error()
    text = _log(assistant_home)
    assert "command failed: error[" in text
    assert "error[restore_not_journal] raised at" in text and " from error[journal_damaged] at " in text, text
