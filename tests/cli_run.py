"""Run the real entry point, ``assistant.cli.main``, in this process: exit status and both streams.

Fast (no interpreter start) for tables of one-line-error checks. ``main`` turns every
AssistantError into one line and a status through ``sys.exit``; this catches that SystemExit.
Anything else escaping ``main`` is exactly the crash these tests look for, so it becomes a
"Traceback" in the captured stderr instead of stopping the table.
"""

from __future__ import annotations

import io
import sys
import traceback
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error")]

    def one_line_error(self) -> bool:
        """Exactly one ``error[...]`` line (usage errors too: ``error[usage]``), no traceback, status > 0."""
        lines = [line for line in self.err.splitlines() if line.strip()]
        ours = [line for line in lines if line.startswith("error[")]
        return self.code not in (0, None) and "Traceback" not in self.err and len(ours) == 1


def run(*args: str, stdin: str = "") -> Ran:
    from assistant.cli import main

    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    code = 0
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # noqa: BLE001 - a crash is what the caller checks for
                err.write(traceback.format_exc())
                code = 99
    finally:
        sys.stdin = old_stdin
    return Ran(code, out.getvalue(), err.getvalue())
