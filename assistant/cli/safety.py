"""Keeping the journal safe: ``backup``, ``restore``, ``journal encrypt|decrypt|status``, ``forget``.

The work lives in ``journal_file`` (checking, copying, replacing), ``encryption`` (SQLCipher,
passphrases) and ``forget`` (what counts as a trace); this module asks, calls and prints.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from assistant.cli.options import ask_passphrase, open_store
from assistant.text import counted, fail, t


def _journal_path() -> Path:
    from assistant.config import home

    return home() / "journal.db"


@click.command()
@click.option("-o", "--output", type=click.Path(), metavar="FILE",
              help="Where to write the backup (0600). Default: backups/journal-<time>.db in the home.")
def backup(output: str | None) -> None:
    """Copy the journal to a file, safely, even while a session is running."""
    from assistant.config import ensure_home
    from assistant.journal import files as journal_file

    if output is None:
        folder = ensure_home() / "backups"
        folder.mkdir(exist_ok=True, mode=0o700)
        output = str(folder / f"journal-{journal_file.stamp()}.db")
    with open_store() as store:
        done = journal_file.backup(store, Path(output))
    click.echo(t("safety.backup_written", path=done.path, sessions=counted("session", done.sessions),
                 answers=counted("answer", done.answers),
                 encrypted=t("safety.backup_encrypted") if done.encrypted else ""), err=True)


@click.command()
@click.argument("file", type=click.Path())
@click.option("--keep-plain", is_flag=True,
              help="Restore a backup that is not encrypted as it is, even over an encrypted journal.")
def restore(file: str, keep_plain: bool) -> None:
    """Replace the journal with a backup, after checking the backup; the old journal is kept aside.

    An encrypted journal stays encrypted: a plain backup is encrypted with its passphrase on the way in
    (--keep-plain restores it unencrypted)."""
    from assistant.config import ensure_home
    from assistant.journal import files as journal_file

    ensure_home()
    done = journal_file.restore(Path(file), _journal_path(), ask=ask_passphrase, keep_plain=keep_plain)
    checked = done.checked
    click.echo(t("safety.restored", path=_journal_path(), sessions=counted("session", checked.sessions),
                 answers=counted("answer", checked.answers)),
               err=True)
    if done.reencrypted:
        click.echo(t("safety.restored_reencrypted"), err=True)
    elif keep_plain and not done.encrypted:
        click.echo(t("safety.restored_plain"), err=True)
    if done.old is not None:
        click.echo(t("safety.restored_old_encrypted" if done.encrypted else "safety.restored_old", path=done.old),
                   err=True)


@click.group()
def journal() -> None:
    """Encrypt the journal with a passphrase, or turn that off again."""


def _new_passphrase() -> str:
    from assistant.journal import encryption

    given = os.environ.get(encryption.PASSPHRASE_ENV)
    if given:
        return given
    if not encryption._stdin_is_terminal():  # noqa: SLF001
        raise fail("passphrase_needed")
    first = click.prompt(t("safety.new_passphrase_prompt"), hide_input=True, err=True, default="",
                         show_default=False)
    if not first:
        raise fail("passphrase_empty")
    second = click.prompt(t("safety.repeat_passphrase_prompt"), hide_input=True, err=True, default="",
                          show_default=False)
    if first != second:
        raise fail("passphrase_mismatch")
    return first


def _convert(encrypt: bool) -> tuple[Path, str | None]:
    """Rewrite the journal with or without encryption; writers are held off while it happens."""
    from assistant.config import ensure_home
    from assistant.journal import encryption
    from assistant.journal import files as journal_file

    ensure_home()
    path = _journal_path()
    if journal_file.inspect(path) is journal_file.Kind.NEW and not encryption.is_marked(path):
        raise fail("journal_none", path=path)
    with open_store() as store:  # checks the file (and the old passphrase) and brings the schema up to date
        if store.encrypted == encrypt:
            raise fail("journal_already_encrypted" if encrypt else "journal_not_encrypted")
        old_key = encryption.passphrase(path, ask=ask_passphrase) if store.encrypted else None
        new_key = _new_passphrase() if encrypt else None
        journal_file.change_encryption(store, old_key, new_key)
    return path, new_key


@journal.command("encrypt")
def journal_encrypt() -> None:
    """Encrypt the journal (SQLCipher); from now on every command needs the passphrase.

    Plain copies in the home (backups/*.db, journals set aside by restore) are encrypted with the same
    passphrase too: a readable copy beside an encrypted journal would defeat it. Copies kept elsewhere
    are yours to handle, and the message says so."""
    from assistant.journal import files as journal_file

    path, key = _convert(encrypt=True)
    click.echo(t("safety.encrypted", path=path), err=True)
    assert key is not None
    copies = journal_file.plain_copies(path)
    for copy in copies:
        journal_file.encrypt_in_place(copy, key)
    if copies:
        click.echo(t("safety.copies_encrypted", copies=counted("plain_copy", len(copies))), err=True)
    click.echo(t("safety.backups_elsewhere"), err=True)


@journal.command("decrypt")
def journal_decrypt() -> None:
    """Turn encryption off: the journal is stored as a plain SQLite file again."""
    path, _ = _convert(encrypt=False)
    click.echo(t("safety.decrypted", path=path), err=True)
    click.echo(t("safety.backups_note"), err=True)


@journal.command("status")
def journal_status() -> None:
    """Say whether the journal is encrypted (without asking for the passphrase)."""
    from assistant.journal import encryption
    from assistant.journal import files as journal_file

    path = _journal_path()
    kind = journal_file.inspect(path)
    marked = encryption.is_marked(path)
    if kind is journal_file.Kind.NOT_JOURNAL:
        raise fail("journal_damaged", path=path, reason=t("safety.not_sqlite"))
    if kind is journal_file.Kind.NEW and not marked:
        click.echo(t("safety.status_none", path=path))
    elif kind is journal_file.Kind.OTHER and not marked:
        click.echo(t("safety.status_unmarked", path=path))
    elif kind is journal_file.Kind.OTHER or marked:
        click.echo(t("safety.status_encrypted", path=path))
    else:
        click.echo(t("safety.status_plain", path=path))


@click.command()
@click.option("--all", "everything", is_flag=True,
              help="Delete the journal, settings, scripts, cache, audio and backups.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def forget(everything: bool, yes: bool) -> None:
    """Delete every trace of you the assistant keeps (installed speech models stay)."""
    from assistant.config import home
    from assistant.journal import forget as forgetting

    where = home()
    if not everything:
        raise fail("forget_needs_all", home=where)
    found = forgetting.plan(where)
    if not found.remove:
        click.echo(t("safety.forget_nothing", home=where), err=True)
        return
    if not yes:
        click.echo(t("safety.forget_list", home=where), err=True)
        for path in found.remove:
            click.echo(t("safety.forget_item", path=path.name + ("/" if path.is_dir() else "")), err=True)
        word = t("safety.forget_word")
        try:
            typed = click.prompt(t("safety.forget_confirm", word=word), default="", show_default=False, err=True)
        except click.exceptions.Abort:  # no stdin, or end of input: nobody answered, so it is an error
            click.echo("", err=True)
            raise fail("forget_unconfirmed") from None
        if typed.strip().lower() != word:  # anything but the word is a "no": an answer, not a failure
            click.echo(t("cli.nothing_deleted"), err=True)
            return
    count = forgetting.carry_out(found)
    from assistant.journal import encryption

    encryption.forget_passphrase()
    click.echo(t("safety.forgotten", items=counted("item", count), home=where), err=True)
    click.echo(t("safety.forget_outside", home=where), err=True)


COMMANDS = [backup, restore, journal, forget]
