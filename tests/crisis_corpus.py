"""The crisis phrase files (``tests/corpus/crisis_*.toml``) as rows, for ``tests/test_safety.py`` and
``scripts/bench crisis``.

A file holds single ``[[phrase]]`` tables (family, text, expect) and ``[[group]]`` tables: one family, one
expected outcome, where the wordings come from, and many ``texts``. Both come out as the same rows.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
DEV = CORPUS / "crisis_dev.toml"
HELDOUT = CORPUS / "crisis_heldout.toml"


def phrases(path: Path = DEV) -> list[dict]:
    """Every phrase of ``path`` as ``{"family", "text", "expect"}``."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    rows = [{"family": row["family"], "text": row["text"], "expect": row["expect"]} for row in data.get("phrase", [])]
    for group in data.get("group", []):
        rows += [{"family": group["family"], "text": text, "expect": group["expect"]} for text in group["texts"]]
    return rows
