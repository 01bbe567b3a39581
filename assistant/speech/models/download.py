"""Downloading Vosk models: the official ``model-list.json``, a resumable ``.part`` file, size and md5
checks, unzip into a temp dir, validation, then an atomic rename into the models folder.

``ASSISTANT_MODELS_URL`` points at a mirror (the tests use a real HTTP server on 127.0.0.1); the zip is
then fetched from ``<base>/<name>.zip``. Offline → one line saying how to sideload with
``assistant models install FILE.zip``. Only this module imports network code.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from assistant.errors import AssistantError
from assistant.speech.models.catalog import (
    _SAFE_NAME,
    ResolvedModel,
    _ensure_models_dir,
    _unpack,
    catalog_entry,
    installed_model,
)
from assistant.text import fail, t

ENV_BASE_URL = "ASSISTANT_MODELS_URL"
DEFAULT_BASE_URL = "https://alphacephei.com/vosk/models"
_TIMEOUT_S = 30
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RemoteModel:
    """One entry of the official ``model-list.json``."""

    name: str
    url: str
    size: int | None
    md5: str
    language: str



def base_url() -> str:
    return os.environ.get(ENV_BASE_URL, "").rstrip("/") or DEFAULT_BASE_URL


def _open(url: str, headers: dict[str, str] | None = None, sideload: str = ""):
    import urllib.error
    import urllib.request
    from urllib.parse import urlsplit

    request = urllib.request.Request(url, headers={"User-Agent": "practice-assistant", **(headers or {})})
    try:
        return urllib.request.urlopen(request, timeout=_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        raise fail("download_http", url=url, status=exc.code, reason=exc.reason) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise fail("download_offline", host=urlsplit(url).netloc, reason=reason, zip_url=sideload or url) from exc


def remote_models(base: str | None = None, sideload: str = "") -> dict[str, RemoteModel]:
    """The official list ``<base>/model-list.json``, by name."""
    import json

    url = f"{base or base_url()}/model-list.json"
    with _open(url, sideload=sideload) as response:
        body = response.read()
    try:
        entries = json.loads(body)
        return {
            e["name"]: RemoteModel(e["name"], e.get("url", ""), int(e["size"]) if e.get("size") else None,
                                   str(e.get("md5", "")).lower(), e.get("lang", ""))
            for e in entries
        }
    except (ValueError, TypeError, KeyError) as exc:
        raise fail("model_list_invalid", url=url, reason=exc) from exc


# Told (bytes so far, total bytes or None) as a download goes; the CLI draws it. Library code never prints.
Progress = Callable[[int, Optional[int]], None]


def _fetch(url: str, part: Path, size: int | None, progress: Progress | None, name: str) -> None:
    """Download into ``part``, resuming with an HTTP Range request when a partial file is there."""
    import http.client

    have = part.stat().st_size if part.exists() else 0
    if size is not None and have > size:
        part.unlink()
        have = 0
    if size is not None and have == size:
        return
    response = _open(url, {"Range": f"bytes={have}-"} if have else None, sideload=url)
    with response:
        if have and response.status != 206:  # the server ignored the range: start over
            have = 0
        total = size or (have + int(response.headers.get("Content-Length") or 0)) or None
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if have else os.O_TRUNC)
        done = have
        with os.fdopen(os.open(part, flags, 0o600), "ab") as out:
            if progress:
                progress(done, total)
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (OSError, http.client.HTTPException) as exc:
                    out.flush()
                    raise fail("download_truncated", name=name, got=part.stat().st_size, size=size or "?") from exc
                if not chunk:
                    break
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)


def _verify(part: Path, remote: RemoteModel) -> None:
    got = part.stat().st_size
    if remote.size is not None and got < remote.size:
        raise fail("download_truncated", name=remote.name, got=got, size=remote.size)  # keep it: a rerun resumes
    digest = hashlib.md5(usedforsecurity=False)
    with open(part, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if (remote.size is not None and got > remote.size) or (remote.md5 and digest.hexdigest() != remote.md5):
        part.unlink()
        raise fail("download_checksum", name=remote.name)


def download(name: str, progress: Progress | None = None) -> ResolvedModel:
    """Fetch a model from the official list (or the ``ASSISTANT_MODELS_URL`` mirror) and install it."""
    existing = installed_model(name)
    if existing is not None:
        return existing
    import difflib

    base = base_url()
    entry = catalog_entry(name)
    available = remote_models(base, sideload=entry.url if entry and entry.url else f"{DEFAULT_BASE_URL}/{name}.zip")
    remote = available.get(name)
    if remote is None:
        close = difflib.get_close_matches(name, list(available), n=3, cutoff=0.6)
        suggestion = t("models.did_you_mean", names=", ".join(close)) if close else ""
        raise fail("model_unknown", name=name, suggestion=suggestion)
    if not _SAFE_NAME.match(name):
        raise fail("model_name_invalid", name=name)
    # A mirror (or test server) serves <base>/<name>.zip even though the list's urls point upstream.
    url = f"{base}/{name}.zip" if os.environ.get(ENV_BASE_URL) or not remote.url else remote.url
    part = _ensure_models_dir() / f"{name}.zip.part"
    _fetch(url, part, remote.size, progress, name)
    _verify(part, remote)
    try:
        model = _unpack(part, name, Path(f"{name}.zip"))
    except AssistantError as exc:
        if exc.code in ("model_invalid", "install_unsafe_zip", "install_bad_zip"):
            part.unlink(missing_ok=True)  # the server's own file is unusable: a rerun must not reuse it
        raise
    part.unlink()
    return model
