"""Downloading Piper voices: the official list (``voices.json`` of rhasspy/piper-voices), each file into a
resumable ``.part``, size and md5 checked against the list, then the voice folder renamed into place.

Same rules as Vosk models (``download``): ``ASSISTANT_PIPER_VOICES_URL`` points at a mirror (the tests use
a real HTTP server on 127.0.0.1) serving ``<base>/voices.json`` and ``<base>/<path in the list>``; offline →
one line saying how to sideload with ``assistant models install VOICE.onnx``.

    voices.json: {"en_US-lessac-medium": {"language": {"code": "en_US"}, "quality": "medium",
                  "files": {"en/en_US/lessac/medium/en_US-lessac-medium.onnx": {"size_bytes": N, "md5_digest": "…"},
                            "…/en_US-lessac-medium.onnx.json": {…}, "…/MODEL_CARD": {…}}}, …}
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from assistant.errors import AssistantError
from assistant.speech.models.download import Progress, _fetch, _open
from assistant.speech.models.piper_voices import PiperVoiceFiles, ensure_voices_dir, installed_voice, place
from assistant.text import fail, t

ENV_VOICES_URL = "ASSISTANT_PIPER_VOICES_URL"
DEFAULT_VOICES_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/v1.0.0"


@dataclass(frozen=True)
class RemoteFile:
    path: str  # inside the repository, e.g. en/en_US/lessac/medium/en_US-lessac-medium.onnx
    size: int | None
    md5: str


@dataclass(frozen=True)
class RemoteVoice:
    """One entry of the official ``voices.json``."""

    name: str
    language: str
    quality: str
    files: tuple[RemoteFile, ...]

    @property
    def size(self) -> int:
        return sum(f.size or 0 for f in self.files)

    def file(self, suffix: str) -> RemoteFile | None:
        return next((f for f in self.files if PurePosixPath(f.path).name == f"{self.name}{suffix}"), None)


def base_url() -> str:
    return os.environ.get(ENV_VOICES_URL, "").rstrip("/") or DEFAULT_VOICES_URL


def _reached(url: str, sideload: str):
    """``download._open``, with the sideload hint a voice needs (its .onnx and .onnx.json)."""
    try:
        return _open(url, sideload=sideload)
    except AssistantError as exc:
        if exc.code == "download_offline":
            from urllib.parse import urlsplit

            raise fail("voice_download_offline", host=urlsplit(url).netloc, url=sideload) from exc
        raise


def remote_voices(base: str | None = None) -> dict[str, RemoteVoice]:
    """The official list ``<base>/voices.json``, by name."""
    url = f"{base or base_url()}/voices.json"
    with _reached(url, sideload=f"{DEFAULT_VOICES_URL}/voices.json") as response:
        body = response.read()
    try:
        voices = {}
        for name, entry in json.loads(body).items():
            files = tuple(RemoteFile(str(path), int(meta["size_bytes"]) if meta.get("size_bytes") else None,
                                     str(meta.get("md5_digest", "")).lower())
                          for path, meta in entry["files"].items())
            voices[name] = RemoteVoice(name, str(entry.get("language", {}).get("code", "")),
                                       str(entry.get("quality", "")), files)
        return voices
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise fail("voice_list_invalid", url=url, reason=exc) from exc


def _verify(part: Path, name: str, remote: RemoteFile) -> None:
    got = part.stat().st_size
    if remote.size is not None and got < remote.size:
        raise fail("download_truncated", name=name, got=got, size=remote.size)  # kept: a rerun resumes
    digest = hashlib.md5(usedforsecurity=False)
    with open(part, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if (remote.size is not None and got > remote.size) or (remote.md5 and digest.hexdigest() != remote.md5):
        part.unlink()
        raise fail("download_checksum", name=name)


def download_voice(name: str, progress: Progress | None = None) -> PiperVoiceFiles:
    """Fetch a voice from the official list (or the ``ASSISTANT_PIPER_VOICES_URL`` mirror) and install it."""
    existing = installed_voice(name)
    if existing is not None:
        return existing
    import difflib

    base = base_url()
    available = remote_voices(base)
    remote = available.get(name)
    if remote is None:
        close = difflib.get_close_matches(name, list(available), n=3, cutoff=0.6)
        suggestion = t("models.did_you_mean", names=", ".join(close)) if close else ""
        raise fail("voice_unknown", name=name, suggestion=suggestion)
    model, config = remote.file(".onnx"), remote.file(".onnx.json")
    if model is None or config is None:
        raise fail("voice_list_invalid", url=f"{base}/voices.json", reason=t("voices.reason_not_listed", name=name))
    wanted = [model, config]
    # One staging folder per voice, kept between runs: its .part files are what a rerun resumes.
    staging = ensure_voices_dir() / f".download-{name}"
    staging.mkdir(mode=0o700, exist_ok=True)
    for remote_file in wanted + [f for f in remote.files if f not in wanted]:
        target = staging / PurePosixPath(remote_file.path).name
        if target.exists():
            continue  # verified on an earlier run
        part = target.with_name(target.name + ".part")
        url = f"{base}/{remote_file.path}"
        _fetch(url, part, remote_file.size, progress, target.name)
        _verify(part, name, remote_file)
        os.replace(part, target)
    try:
        return place(staging, name, staging)
    except AssistantError as exc:
        if exc.code == "voice_invalid":  # the server's own files are unusable: a rerun must not reuse them
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
        raise
