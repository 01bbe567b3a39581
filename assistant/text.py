"""User-facing words, loaded from ``prompts/messages.toml`` (nothing user-visible lives in Python)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=None)
def _messages() -> dict[str, Any]:
    from assistant.config import package_data_dir

    path = package_data_dir("prompts") / "messages.toml"
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def lookup(key: str) -> Any:
    node: Any = _messages()
    for part in key.split("."):
        node = node[part]
    return node


def t(key: str, **values: Any) -> str:
    """The message at dotted ``key`` with ``{placeholders}`` filled in."""
    template = lookup(key)
    return template.format(**values) if values else template


def readable(text: str) -> str:
    """Text that can be stored: bytes that were not UTF-8 (argv or stdin decoded with surrogateescape)
    become U+FFFD instead of failing the write with UnicodeEncodeError."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode(
            "utf-8", "replace").decode("utf-8")
