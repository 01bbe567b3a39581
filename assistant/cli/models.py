"""Model commands: ``assistant models list|download|install|path``. The work is in ``assistant.speech.models``
(``catalog`` and ``download`` for Vosk, ``piper_voices`` and ``piper_download`` for Piper voices)."""

from __future__ import annotations

import contextlib
import json

import click

from assistant.text import lookup, t


@click.group()
def models() -> None:
    """List, download and install speech models and Piper voices."""


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [header, *rows]]


def _yes_no(flag: bool) -> str:
    return t("models.yes") if flag else t("models.no")


@models.command(name="list")
@click.option("--language", default=None, help="Language to mark the active model for (default: settings).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
def list_models(language: str | None, as_json: bool) -> None:
    """List installed and known speech models, marking the one in use."""
    from assistant.config import Settings
    from assistant.speech.models import catalog as registry

    settings = Settings.load()
    language = language or settings.language
    installed = registry.installed_models()
    active = registry.active_model(language, settings.engine)
    names = {model.name for model in installed}
    voices = _piper_voices(settings)
    if as_json:
        click.echo(json.dumps({
            "language": language,
            "active": active.name if active else None,
            "installed": [
                {"engine": m.engine, "name": m.name, "path": str(m.path), "language": m.language,
                 "source": m.source, "dynamic_graph": m.dynamic_graph, "active": m == active}
                for m in installed
            ],
            "voices": [{"engine": "piper", "name": v.name, "path": str(v.model), "language": v.language,
                        "quality": v.quality, "source": v.source, "active": speaking}
                       for v, speaking in voices],
            "available": [
                {"name": e.name, "engine": e.engine, "language": e.language, "size_mb": e.size_mb, "kind": e.kind,
                 "dynamic_graph": e.dynamic_graph, "url": e.url, "package": e.package, "pip": e.pip,
                 "wer": dict(e.wer), "installed": e.name in names}
                for e in registry.catalog()
            ],
        }, ensure_ascii=False, indent=2))
        return
    click.echo(t("models.installed_title", language=language))
    rows = [
        ["*" if m == active else "", m.name, m.engine, m.language or t("models.unknown"),
         _yes_no(m.dynamic_graph), m.source, str(m.path)]
        for m in installed
    ]
    click.echo("\n".join("  " + line for line in _table(lookup("models.installed_columns"), rows)) if rows
               else t("models.installed_none"))
    if active is None:
        click.echo(t("models.active_none", language=language))
    click.echo()
    click.echo(t("models.voices_title"))
    rows = [["*" if speaking else "", v.name, "piper", v.language, v.quality, v.source, str(v.model.parent)]
            for v, speaking in voices]
    click.echo("\n".join("  " + line for line in _table(lookup("models.voices_columns"), rows)) if rows
               else t("models.voices_none"))
    click.echo()
    click.echo(t("models.available_title"))
    rows = [
        [t("models.installed_mark") if e.name in names else "", e.name, e.engine, e.language,
         t("models.size_mb", size=e.size_mb), e.kind, _yes_no(e.dynamic_graph),
         "; ".join(t("models.wer", percent=p, test_set=s) for s, p in e.wer)]
        for e in registry.catalog()
    ]
    click.echo("\n".join("  " + line for line in _table(lookup("models.available_columns"), rows)))


def _piper_voices(settings) -> list:
    """Installed Piper voices, each with whether it is the one speaking now."""
    from assistant.speech.models.piper_voices import installed_voices
    from assistant.speech.tts.select import choose

    choice = choose(settings)
    speaking = choice.piper_voice.model if choice.piper_voice is not None else None
    return [(v, v.model == speaking) for v in installed_voices()]


@contextlib.contextmanager
def _progress_bar(name: str, wanted: bool):
    """A progress callback that draws click's bar on stderr (at a terminal, when wanted), made once the size
    is known; None when there is nothing to draw."""
    import sys

    if not wanted or not sys.stderr.isatty():
        yield None
        return
    state: dict = {}

    def progress(done: int, total: int | None) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total or 1, label=t("models.downloading", name=name),
                                             file=sys.stderr).__enter__()
            state["at"] = 0
        state["bar"].update(done - state["at"])
        state["at"] = done

    try:
        yield progress
    finally:
        if "bar" in state:
            state["bar"].__exit__(None, None, None)


@models.command()
@click.argument("name")
@click.option("--no-progress", is_flag=True, help="Do not show a progress bar.")
def download(name: str, no_progress: bool) -> None:
    """Download a Vosk model or a Piper voice (en_US-lessac-medium) by name and install it."""
    from assistant.speech.models import catalog as registry
    from assistant.speech.models.piper_voices import installed_voice, is_voice_name

    if is_voice_name(name):  # Piper's naming scheme: <ll_CC>-<speaker>-<quality>
        existing_voice = installed_voice(name)
        if existing_voice is not None:
            click.echo(t("models.already_installed", name=name, path=existing_voice.model.parent))
            return
        from assistant.speech.models.piper_download import download_voice

        with _progress_bar(name, not no_progress) as progress:
            voice = download_voice(name, progress=progress)
        click.echo(t("models.installed_voice", name=voice.name, path=voice.model.parent))
        return

    existing = registry.installed_model(name)
    if existing is not None:
        click.echo(t("models.already_installed", name=name, path=existing.path))
        return
    from assistant.speech.models.download import download as fetch

    with _progress_bar(name, not no_progress) as progress:
        model = fetch(name, progress=progress)
    click.echo(t("models.installed", name=model.name, path=model.path))


@models.command()
@click.argument("source", metavar="ZIP_DIR_OR_ONNX", type=click.Path())
@click.option("--name", default=None, help="Install under this name (default: the zip's or folder's name).")
def install(source: str, name: str | None) -> None:
    """Install a Vosk model (.zip or folder) or a Piper voice (VOICE.onnx with VOICE.onnx.json beside it)."""
    from assistant.speech.models import catalog as registry

    if source.endswith(".onnx"):
        from assistant.speech.models.piper_voices import install_voice

        voice = install_voice(source, name=name)
        click.echo(t("models.installed_voice", name=voice.name, path=voice.model.parent))
        return

    model = registry.install(source, name=name)
    click.echo(t("models.installed", name=model.name, path=model.path))


@models.command()
def path() -> None:
    """Print the folder where models are installed."""
    from assistant.config import models_dir

    click.echo(str(models_dir()))


COMMANDS = [models]
