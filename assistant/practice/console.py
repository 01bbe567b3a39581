"""How a practice run talks to the person outside speech: captions and notes, and typed lines.

The CLI hands in a console backed by click (``cli.options.ClickConsole``); library code never prints.
"""

from __future__ import annotations

from typing import Protocol


class Console(Protocol):
    def echo(self, text: str, err: bool = False) -> None:
        """Show a line: a caption on stdout, or a note on stderr (``err``)."""

    def read_line(self) -> str:
        """One typed line; raises EOFError when input is over."""


class QuietConsole:
    """Shows nothing and has no typed input: for runs driven entirely by files or code."""

    def echo(self, text: str, err: bool = False) -> None:
        pass

    def read_line(self) -> str:
        raise EOFError
