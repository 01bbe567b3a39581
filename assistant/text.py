"""User-facing words: every file of ``prompts/`` through one loader, messages by dotted key, plural forms,
and errors built with their words (``fail``). Nothing user-visible lives in Python."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Any

from assistant.errors import AssistantError


@lru_cache(maxsize=None)
def data_file(name: str) -> dict[str, Any]:
    """A TOML file of words from the package's ``prompts/`` folder, parsed once."""
    from assistant.resources import package_data_dir

    with open(package_data_dir("prompts") / name, "rb") as fh:
        return tomllib.load(fh)


def lookup_in(name: str, key: str) -> Any:
    """The value at dotted ``key`` of ``prompts/<name>``."""
    node: Any = data_file(name)
    for part in key.split("."):
        node = node[part]
    return node


def lookup(key: str) -> Any:
    return lookup_in("messages.toml", key)


def t(key: str, **values: Any) -> str:
    """The message at dotted ``key`` with ``{placeholders}`` filled in."""
    template = lookup(key)
    return template.format(**values) if values else template


def plural_in(name: str, key: str, count: int, **values: Any) -> str:
    """The form of ``prompts/<name>`` table ``key`` for ``count``: ``zero`` (if the table has one) for 0,
    ``one`` for 1, else ``many``; ``{count}`` and ``values`` filled in."""
    table = lookup_in(name, key)
    form = "zero" if count == 0 and "zero" in table else "one" if count == 1 else "many"
    return table[form].format(count=count, **values)


def counted(noun: str, count: int) -> str:
    """"1 answer", "3 answers", "no answers": ``[counts.<noun>]`` of ``messages.toml``."""
    return plural_in("messages.toml", f"counts.{noun}", count)


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


def reason(exc: BaseException) -> str:
    """Why something failed, in words: "permission denied", "it is a folder, not a file" (never the
    "[Errno 13] ..." form Python prints). Operating-system errors are worded in ``[os_errors]``."""
    import errno

    if isinstance(exc, OSError) and exc.errno is not None:
        name = errno.errorcode.get(exc.errno, "")
        worded = lookup("os_errors").get(name)
        if worded:
            return worded
        if exc.strerror:
            return exc.strerror[:1].lower() + exc.strerror[1:]
    text = str(exc) or type(exc).__name__
    return re.sub(r"^\[Errno \d+\]\s*", "", text)


def fail(code: str, **values: object) -> AssistantError:
    """The error for ``code`` with words from ``prompts/messages.toml`` ``[errors.<code>]``.

    A value that is an exception is put in words with :func:`reason`."""
    values = {k: reason(v) if isinstance(v, BaseException) else v for k, v in values.items()}
    try:
        entry = lookup(f"errors.{code}")
    except KeyError:  # a missing message must not hide the real failure
        return AssistantError(code, f"{code}: {values}")
    message = entry["message"].format(**values)
    hint = entry.get("hint", "").format(**values)
    return AssistantError(code, message, hint)
