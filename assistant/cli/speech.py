"""Speech commands: ``assistant transcribe``."""

from __future__ import annotations

import json
import time
from dataclasses import asdict

import click

from assistant.errors import AssistantError
from assistant.text import t

ENGINE_CHOICE = click.Choice(["auto", "vosk", "whisper"])


def engine_options(func):
    """--engine/--model/--language, shared by every command that listens."""
    func = click.option("--language", default=None, help="Language of the speech, e.g. en, ko (default: settings).")(func)
    func = click.option("--model", "model", default=None, metavar="PATH",
                        help="A Vosk or whisper model directory (overrides resolution).")(func)
    func = click.option("--engine", type=ENGINE_CHOICE, default=None, help="Speech engine (default: settings, auto).")(func)
    return func


def open_engine(engine: str | None, model: str | None, language: str | None):
    """Load the engine the options and settings ask for, and report it on stderr."""
    from assistant.config import Settings
    from assistant.speech.stt.select import describe, load_engine

    settings = Settings.load()
    loaded = load_engine(engine or settings.engine, model, language or settings.language)
    click.echo(describe(loaded.info), err=True)
    return loaded


def transcribe_file(engine, path: str) -> dict:
    """One file through the real recognition path; the JSON object of ``transcribe --json``."""
    from assistant.audio.formats import chunk_bytes, load_for_recognition
    from assistant.speech.stt.base import transcribe_chunks

    pcm = load_for_recognition(path)
    started = time.perf_counter()
    finals = transcribe_chunks(engine, (c.audio for c in chunk_bytes(pcm, seconds=0.5)))
    decode_s = time.perf_counter() - started
    info = engine.info
    return {
        "file": path,
        "text": " ".join(f.text for f in finals),
        "engine": info.engine,
        "model": info.model,
        "language": info.language,
        "duration_s": round(len(pcm) / 32000, 3),
        "decode_s": round(decode_s, 3),
        "words": [asdict(w) for f in finals for w in f.words],
    }


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@engine_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file (JSON Lines).")
def transcribe(files: tuple[str, ...], engine: str | None, model: str | None, language: str | None, as_json: bool) -> None:
    """Transcribe WAV files offline and print the text."""
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
