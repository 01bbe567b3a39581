"""Speech commands: ``assistant transcribe``."""

from __future__ import annotations

import json

import click

from assistant.cli.options import engine_options
from assistant.errors import AssistantError
from assistant.text import t


def open_engine(engine: str | None, model: str | None, language: str | None):
    """Load the engine the options and settings ask for, and say which on stderr."""
    from assistant.speech.stt.select import describe
    from assistant.speech.stt.select import open_engine as load

    loaded = load(engine, model, language)
    click.echo(describe(loaded.info), err=True)
    return loaded


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@engine_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file (JSON Lines).")
def transcribe(files: tuple[str, ...], engine: str | None, model: str | None, language: str | None, as_json: bool) -> None:
    """Transcribe WAV files offline and print the text."""
    from assistant.speech.stt.transcribe import transcribe_file

    loaded = open_engine(engine, model, language)
    failed = 0
    for path in files:
        try:
            result = transcribe_file(loaded, path)
        except AssistantError as exc:
            click.echo(exc.line(), err=True)
            failed += 1
            continue
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        elif len(files) > 1:
            click.echo(t("transcribe.line", file=path, text=result["text"]))
        else:
            click.echo(result["text"])
    if failed:
        raise SystemExit(1)


COMMANDS = [transcribe]
