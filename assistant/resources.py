"""Finding the data that ships with the package: ``prompts/`` (all words) and ``models/`` (the catalog).

The lowest module but ``errors``: the words loader (``text``), errors and
settings can all find their files without an import circle.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def package_data_dir(name: str) -> Path:
    """``prompts`` or ``models``: inside the wheel, or at the repo root for a source checkout."""
    for candidate in (_HERE / "_data" / name, _HERE.parent / name):
        if candidate.is_dir():
            return candidate
    from assistant.errors import AssistantError

    # The one message that cannot come from prompts/: it says that prompts/ itself is missing.
    raise AssistantError("package_data_missing", f"the package's {name}/ folder is missing",
                         "reinstall the assistant: scripts/run")
