"""Journal commands: ``assistant entries list|show|search|export|delete``."""

from __future__ import annotations

import json

import click

from assistant.cli.options import open_store, usage_errors
from assistant.text import counted, t

DAY_HELP = "YYYY-MM-DD, today, yesterday, 7d or 2w."


def _open():
    return open_store()


def _answers_words(count: int) -> str:
    from assistant.text import counted

    return counted("answer", count)


def _status(status: str) -> str:
    try:
        return t(f"entries.status.{status}")
    except KeyError:  # a status written by a newer version
        return status


@click.group()
def entries() -> None:
    """Read, search, export and delete journal entries."""


@entries.command("list")
@click.option("--since", metavar="DAY", help=f"Only entries from this day on: {DAY_HELP}")
@click.option("--until", metavar="DAY", help=f"Only entries up to this day: {DAY_HELP}")
@click.option("--script", metavar="NAME", help="Only entries of this script.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_entries(since: str | None, until: str | None, script: str | None, as_json: bool) -> None:
    """List journal entries, newest first."""
    from assistant.journal.export import rating_summary
    from assistant.times import day_range, local_time

    with usage_errors("entries_bad_date", "days_reversed"):
        day_range(since, until)
    with _open() as store:
        rows = store.list_sessions(since=since, until=until, script=script)
        if as_json:
            click.echo(json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2))
            return
        if not rows:
            filtered = since or until or script
            click.echo(t("entries.none_in_range" if filtered else "entries.none"))
            return
        for row in rows:
            line = t(
                "entries.list_row",
                id=row.id[:8],
                when=local_time(row.started_at),
                script=row.script,
                status=_status(row.status),
                answers=_answers_words(row.answer_count),
                summary=rating_summary(tuple(store.answers(row.id)), short=True),
            )
            click.echo(line.rstrip())


@entries.command("show")
@click.argument("entry_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_entry(entry_id: str, as_json: bool) -> None:
    """Show one entry with all its answers (ID may be a unique prefix)."""
    from assistant.dialogue.scripts import script_words
    from assistant.journal.export import field_label, from_words, label_for, rating_summary, show_value
    from assistant.times import local_time

    with _open() as store:
        entry = store.get_entry(entry_id)
    if as_json:
        click.echo(json.dumps(entry.to_dict(), ensure_ascii=False, indent=2))
        return
    s = entry.session
    script_title, questions = script_words(s.script)
    title = s.title or script_title or s.script
    lines = [t("entries.show_id", id=s.id), t("entries.show_script", title=title, script=s.script),
             t("entries.show_started", when=local_time(s.started_at))]
    if s.ended_at:
        lines.append(t("entries.show_ended", when=local_time(s.ended_at)))
    lines.append(t("entries.show_status", status=_status(s.status)))
    if s.status == "flagged":
        lines.append(t("entries.show_flagged", reason=s.flagged_reason or ""))
    if s.status == "in_progress":
        lines.append(t("entries.show_position", position=s.position))
    if s.engine:
        lines.append(t("entries.show_engine", engine=s.engine, model=s.model or "").rstrip())
    summary = rating_summary(entry.answers)
    if summary:
        lines.append(t("entries.show_summary", summary=summary))
    lines.append("")
    for a in entry.answers:
        lines.append(t("entries.show_answer", label=label_for(a, questions), value=show_value(a)))
        said = from_words(a)
        if said:
            lines.append(t("entries.show_from", words=said))
    if entry.skipped:
        lines.append(t("entries.show_skipped", fields=", ".join(field_label(f, questions) for f in entry.skipped)))
    click.echo("\n".join(lines))


@entries.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help="Most results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def search_entries(query: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Search the words of all answers (any text is safe to type)."""
    from assistant.dialogue.scripts import script_words
    from assistant.journal.export import label_for
    from assistant.times import local_time

    text = " ".join(query)
    with usage_errors("search_empty"), _open() as store:
        hits = store.search(text, limit=limit, marks=(t("entries.mark_open"), t("entries.mark_close")))
    if as_json:
        rows = [{"session": h.session.to_dict(), "answer": h.answer.to_dict(), "snippet": h.snippet} for h in hits]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not hits:
        click.echo(t("entries.no_matches", query=text))
        return
    questions = {name: script_words(name)[1] for name in {h.session.script for h in hits}}
    for hit in hits:
        click.echo(t("entries.search_row", id=hit.session.id[:8], when=local_time(hit.session.started_at),
                     script=hit.session.script, label=label_for(hit.answer, questions[hit.session.script]),
                     snippet=" ".join(hit.snippet.split())))


@entries.command("export")
@click.option("--format", "fmt", metavar="md|csv|json", default="md", show_default=True, help="Export format.")
@click.option("--since", metavar="DAY", help=f"Only entries from this day on: {DAY_HELP}")
@click.option("--until", metavar="DAY", help=f"Only entries up to this day: {DAY_HELP}")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE (private, 0600).")
def export_entries(fmt: str, since: str | None, until: str | None, output: str | None) -> None:
    """Export entries as Markdown, CSV or JSON (to stdout unless -o FILE)."""
    from assistant.journal.export import FORMATS, write_private
    from assistant.text import fail
    from assistant.times import day_range

    with usage_errors("export_bad_format", "entries_bad_date", "days_reversed"):
        if fmt not in FORMATS:  # checked before touching the journal, as one line
            raise fail("export_bad_format", format=fmt, formats=", ".join(FORMATS))
        day_range(since, until)
    with _open() as store:
        from assistant.dialogue.scripts import script_words

        text = store.export(fmt, since=since, until=until, words=script_words)
        count = len(store.list_sessions(since=since, until=until))
    if output:
        path = write_private(output, text)
        click.echo(t("entries.export_written", path=path, entries=counted("entry", count), format=fmt), err=True)
    else:
        click.echo(text, nl=False)


@entries.command("delete")
@click.argument("entry_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Delete without asking.")
def delete_entry(entry_id: str, yes: bool) -> None:
    """Delete one entry: the session, its answers and its log, for good."""
    from assistant.text import fail
    from assistant.times import local_time

    with _open() as store:
        entry = store.get_entry(entry_id)
        s = entry.session
        if not yes:
            question = t("entries.delete_confirm", id=s.id[:8], when=local_time(s.started_at), script=s.script,
                         answers=_answers_words(len(entry.answers)))
            try:
                confirmed = click.confirm(question, default=False, err=True)
            except click.exceptions.Abort:  # no stdin, or end of input: nobody answered, so it is an error
                click.echo("", err=True)
                raise fail("delete_unconfirmed", id=s.id[:8]) from None
            if not confirmed:  # a "no" is an answer, not a failure: nothing happens and that is success
                click.echo(t("cli.nothing_deleted"), err=True)
                return
        store.delete(s.id)
    click.echo(t("entries.deleted", id=s.id))


COMMANDS = [entries]
