"""Piper voices on this machine: where they are found, what makes one usable, sideloading one.

A voice is two files, ``<name>.onnx`` (the network) and ``<name>.onnx.json`` (its config: sample rate,
phoneme map, espeak voice). They are looked for in this order:

1. the home, ``models/piper/<name>/`` (put there by ``assistant models download|install``)
2. Python packages that ship one (``models/piper.toml``; found with find_spec, never imported)

Only the standard library is used here (the engine that loads a voice is ``speech.tts.piper_engine``;
downloading is ``piper_download``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant import config
from assistant.resources import package_data_dir
from assistant.text import fail, t

PIPER_FOLDER = "piper"
VOICE_NAME = re.compile(r"^(?P<lang>[a-z]{2,3}_[A-Z]{2,3})-(?P<speaker>[\w]+)-(?P<quality>x_low|low|medium|high)$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][\w.+-]*$")


@dataclass(frozen=True)
class PiperVoiceFiles:
    name: str  # e.g. "en_US-joe-medium"
    model: Path  # .onnx
    config: Path  # .onnx.json
    language: str  # "en_US"
    quality: str  # x_low | low | medium | high | ""
    sample_rate: int
    source: str  # "home" | "package:<import name>" | "path"


@dataclass(frozen=True)
class PackagedVoice:
    name: str
    language: str
    quality: str
    size_mb: int
    package: str
    pip: str
    package_dir: str
    licence: str


@lru_cache(maxsize=None)
def packaged() -> tuple[PackagedVoice, ...]:
    path = package_data_dir("models") / "piper.toml"
    try:
        return tuple(PackagedVoice(**raw) for raw in tomllib.loads(path.read_text(encoding="utf-8")).get("voice", []))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError) as exc:
        raise fail("catalog_unreadable", path=path, reason=exc) from exc


def is_voice_name(name: str) -> bool:
    """True for Piper's naming scheme, ``<ll_CC>-<speaker>-<quality>`` (how `models download` tells voices apart)."""
    return bool(VOICE_NAME.match(name))


def voices_dir() -> Path:
    return config.models_dir() / PIPER_FOLDER


def language_matches(wanted: str, have: str) -> bool:
    """"en" matches "en_US"; "en-us" and "en_US" match "en_US"."""
    wanted, have = wanted.lower().replace("_", "-").strip(), have.lower().replace("_", "-")
    return bool(wanted) and bool(have) and (have == wanted or have.startswith(wanted + "-"))


def voice_problem(model: Path, config_file: Path) -> str | None:
    """Why this pair of files is not a usable Piper voice, or None (the network itself is checked on load)."""
    if not model.is_file():
        return t("voices.reason_missing", path=model)
    if model.stat().st_size < 1024:
        return t("voices.reason_tiny", path=model)
    if not config_file.is_file():
        return t("voices.reason_no_config", path=config_file)
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
        rate = int(data["audio"]["sample_rate"])
        if not data["phoneme_id_map"] or rate <= 0:
            raise ValueError("empty phoneme_id_map or no sample rate")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return t("voices.reason_bad_config", path=config_file, reason=exc)
    return None


def describe(model: Path, config_file: Path, source: str, name: str | None = None) -> PiperVoiceFiles:
    """A voice's facts from its config (which must be valid: see ``voice_problem``)."""
    data = json.loads(config_file.read_text(encoding="utf-8"))
    name = name or model.name.removesuffix(".onnx")
    match = VOICE_NAME.match(name)
    language = str((data.get("language") or {}).get("code") or (match.group("lang") if match else ""))
    quality = str((data.get("audio") or {}).get("quality") or (match.group("quality") if match else ""))
    return PiperVoiceFiles(name, model, config_file, language, quality, int(data["audio"]["sample_rate"]), source)


def _package_dir(voice: PackagedVoice) -> Path | None:
    try:
        spec = importlib.util.find_spec(voice.package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or []) or ([str(Path(spec.origin).parent)] if spec.origin else [])
    for location in locations:
        folder = Path(location) / voice.package_dir
        if folder.is_dir():
            return folder
    return None


def _packaged_voices() -> list[PiperVoiceFiles]:
    found = []
    for voice in packaged():
        folder = _package_dir(voice)
        if folder is None:
            continue
        model, config_file = folder / f"{voice.name}.onnx", folder / f"{voice.name}.onnx.json"
        if voice_problem(model, config_file) is None:
            found.append(describe(model, config_file, f"package:{voice.package}", voice.name))
    return found


def _home_voices() -> list[PiperVoiceFiles]:
    folder = voices_dir()
    if not folder.is_dir():
        return []
    found = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith(".") or not child.is_dir():
            continue
        model, config_file = child / f"{child.name}.onnx", child / f"{child.name}.onnx.json"
        if voice_problem(model, config_file) is None:
            found.append(describe(model, config_file, "home", child.name))
    return found


def installed_voices() -> list[PiperVoiceFiles]:
    """Every usable Piper voice: those shipped by packages first (the default), then the home's."""
    return _packaged_voices() + _home_voices()


def find_voice(wanted: str = "", language: str = "en") -> PiperVoiceFiles | None:
    """The voice called ``wanted`` (a name, or a path to an .onnx file), or for ``language`` when "".

    None when there is no such voice (an espeak voice name, or nothing installed for the language).
    """
    if wanted.endswith(".onnx") and ("/" in wanted or os.sep in wanted):
        model = Path(wanted).expanduser()
        config_file = Path(f"{model}.json")
        return describe(model, config_file, "path") if voice_problem(model, config_file) is None else None
    voices = installed_voices()
    if wanted:
        return next((v for v in voices if v.name.casefold() == wanted.casefold()), None)
    return next((v for v in voices if language_matches(language, v.language)), None)


def installed_voice(name: str) -> PiperVoiceFiles | None:
    """The voice called ``name`` in the home, if it is there and valid."""
    folder = voices_dir() / name
    if not _SAFE_NAME.match(name):
        return None
    model, config_file = folder / f"{name}.onnx", folder / f"{name}.onnx.json"
    return describe(model, config_file, "home", name) if voice_problem(model, config_file) is None else None


# --- install --------------------------------------------------------------------------------------------

def ensure_voices_dir() -> Path:
    config.ensure_home()
    folder = voices_dir()
    try:
        for path in (config.models_dir(), folder):
            path.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise fail("home_unwritable", path=folder, reason=exc.strerror or exc) from exc
    return folder


def place(staging: Path, name: str, shown: Path) -> PiperVoiceFiles:
    """Validate the voice in ``staging`` (a folder inside ``voices_dir()`` holding ``<name>.onnx`` and
    ``<name>.onnx.json``) and rename it to ``voices_dir()/name`` in one step: a voice is there whole or not at all."""
    if not _SAFE_NAME.match(name):
        raise fail("model_name_invalid", name=name)
    problem = voice_problem(staging / f"{name}.onnx", staging / f"{name}.onnx.json")
    if problem:
        raise fail("voice_invalid", path=shown, reason=problem)
    target = voices_dir() / name
    if target.exists():
        raise fail("model_already_installed", name=name, path=target)
    os.chmod(staging, 0o700)
    os.rename(staging, target)
    return describe(target / f"{name}.onnx", target / f"{name}.onnx.json", "home", name)


def install_voice(source: str | Path, name: str | None = None) -> PiperVoiceFiles:
    """Sideload a Piper voice: ``VOICE.onnx`` with ``VOICE.onnx.json`` beside it, copied into the home."""
    model = Path(source).expanduser().resolve()
    config_file = Path(f"{model}.json")
    problem = voice_problem(model, config_file)
    if problem:
        raise fail("voice_invalid", path=model, reason=problem)
    name = name or model.name.removesuffix(".onnx")
    if not _SAFE_NAME.match(name):
        raise fail("model_name_invalid", name=name)
    if (voices_dir() / name).exists():
        raise fail("model_already_installed", name=name, path=voices_dir() / name)
    staging = Path(tempfile.mkdtemp(prefix=".copy-", dir=ensure_voices_dir()))
    try:
        shutil.copyfile(model, staging / f"{name}.onnx")
        shutil.copyfile(config_file, staging / f"{name}.onnx.json")
        card = model.parent / "MODEL_CARD"
        if card.is_file():
            shutil.copyfile(card, staging / "MODEL_CARD")
        return place(staging, name, model)
    except OSError as exc:
        raise fail("install_failed", path=model, reason=exc) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
