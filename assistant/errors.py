"""One error type for everything the user can cause or fix.

The CLI turns an :class:`AssistantError` into one line on stderr and exit status 1 (a usage mistake: 2;
see ``cli.main`` and ``cli.options.usage_errors``);
library code raises, never prints or exits. Errors are built with their words by ``text.fail(code)``.
This module imports nothing, so every other module can raise it.
"""

from __future__ import annotations


class AssistantError(Exception):
    """A failure with a stable code, a one-line message and an optional fix-it hint."""

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint

    def line(self) -> str:
        text = f"error[{self.code}]: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return " ".join(text.split())
