"""Speech commands: ``assistant transcribe`` (``--as KIND``: a file heard as a session hears an answer)."""

from __future__ import annotations

import json

import click

from assistant.cli.options import engine_options
from assistant.errors import AssistantError
from assistant.events import HEARD_KINDS, AnswerKind
from assistant.text import t

KINDS = [str(kind) for kind in HEARD_KINDS]  # the answer kinds a session listens for


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
@click.option("--as", "kind", type=click.Choice(KINDS), default=None,
              help="Hear each file as a session hears an answer of this kind, and say what it means.")
@click.option("--choices", default=None, metavar="'A,B,C'",
              help="With --as choice: the question's options, comma-separated.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file (JSON Lines).")
def transcribe(files: tuple[str, ...], engine: str | None, model: str | None, language: str | None,
               kind: str | None, choices: str | None, as_json: bool) -> None:
    """Transcribe WAV files offline and print the text (with --as: the answer heard)."""
    options = _choices(kind, choices)
    loaded = open_engine(engine, model, language)
    failed = 0
    for path in files:
        try:
            result = _hear(loaded, path, kind, options)
        except AssistantError as exc:
            click.echo(exc.line(), err=True)
            failed += 1
            continue
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        elif kind:
            click.echo(t("transcribe.answer", file=path, text=result["text"], value=_shown(result),
                         confidence=_percent(result["confidence"])))
        elif len(files) > 1:
            click.echo(t("transcribe.line", file=path, text=result["text"]))
        else:
            click.echo(result["text"])
    if failed:
        raise SystemExit(1)


def _choices(kind: str | None, given: str | None) -> tuple[str, ...]:
    """--choices "a,b,c": the options of the choice question (required with --as choice, only there)."""
    if (given is not None) != (kind == AnswerKind.CHOICE):
        raise click.UsageError(t("transcribe.choices_need_choice"))
    if given is None:
        return ()
    options = tuple(c.strip() for c in given.split(","))
    if len(options) < 2 or not all(options):
        raise click.UsageError(t("transcribe.choices_bad", given=given))
    return options


def _hear(engine, path: str, kind: str | None, choices: tuple[str, ...]) -> dict:
    if kind is None:
        from assistant.speech.stt.transcribe import transcribe_file

        return transcribe_file(engine, path)
    from assistant.config import Settings
    from assistant.practice.hearing import Ear, hear_file

    return hear_file(engine, path, kind, choices, Ear.from_settings(Settings.load()))


def _shown(result: dict) -> str:
    if result["problem"]:
        return t("transcribe.no_value", problem=result["problem"])
    value = result["value"]
    if isinstance(value, dict):
        return t("transcribe.command", command=value["command"])
    return json.dumps(value, ensure_ascii=False)


def _percent(confidence: float | None) -> str:
    return "-" if confidence is None else f"{confidence:.0%}"


COMMANDS = [transcribe]
