"""Choosing and loading an engine: ``--engine auto|vosk|whisper`` and ``--model PATH``.

auto = a Vosk model for the language if one is installed (resolution order in ``assistant.speech.models.catalog``),
else the embedded whisper tiny.en for English. The choice is always reported (``describe``).
"""

from __future__ import annotations

from pathlib import Path

from assistant.text import fail, t

ENGINES = ("auto", "vosk", "whisper")


def _is_whisper_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def load_engine(engine: str = "auto", model: str | None = None, language: str = "en"):
    """Return a loaded engine (``VoskEngine`` or ``WhisperEngine``)."""
    from assistant.speech.models import catalog as models

    if engine not in ENGINES:
        raise fail("engine_unknown", engine=engine, choices=", ".join(ENGINES))
    english = language.lower().startswith("en")
    if model and engine != "vosk" and _is_whisper_dir(Path(model).expanduser()):
        if engine == "auto":
            engine = "whisper"
        return _whisper(Path(model).expanduser(), Path(model).name, t("engine.reason_explicit"), "--model")
    if engine in ("auto", "vosk"):
        found = models.find_vosk_model(language, explicit=model)
        if found is not None:
            from assistant.speech.stt.vosk_engine import VoskEngine

            if engine == "vosk" or model:
                reason = t("engine.reason_explicit")
            else:
                reason = t("engine.reason_auto_vosk", language=language)
            return VoskEngine(found.path, found.name, found.language, found.dynamic_graph, reason, found.source)
        if engine == "vosk":
            raise fail("vosk_model_missing", language=language)
    if model:
        raise fail("whisper_model_path_invalid", path=model)
    if not english:
        raise fail("no_model_for_language", language=language)
    found = models.whisper_model()
    reason = t("engine.reason_explicit") if engine == "whisper" else t("engine.reason_auto_whisper", language=language)
    return _whisper(found.path, found.name, reason, found.source)


def _whisper(path: Path, name: str, reason: str, source: str):
    from assistant.speech.stt.whisper_engine import WhisperEngine

    return WhisperEngine(path, name, "en", reason, source)


def describe(info) -> str:
    """The one stderr line that says which engine and model are in use, and why."""
    return t("engine.using", engine=info.engine, model=info.model, reason=info.reason)


def open_engine(engine: str | None = None, model: str | None = None, language: str | None = None):
    """The engine the arguments ask for, the settings filling in what they leave out."""
    from assistant.config import Settings

    settings = Settings.load()
    return load_engine(engine or settings.engine, model, language or settings.language)
