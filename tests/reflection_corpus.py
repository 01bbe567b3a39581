"""The reflection corpora in ``tests/corpus/`` (see its README): development files to tune on, and a held-out
file written by another hand that rules are never written from. Rows have the shape of
``tests/reflections.Row``."""

from __future__ import annotations

import tomllib
from pathlib import Path

from reflections import NUMERIC, Row

CORPUS = Path(__file__).resolve().parent / "corpus"
DEV_FILES = tuple(f"reflections_dev_{hand}.toml" for hand in "abdefgh")
# Development files the rules do not yet meet the recall goal on (the newest hand: long rambling stories); no
# wrong value is allowed in them either.
IN_PROGRESS = ("reflections_dev_h.toml",)
HELDOUT_FILES = ("reflections_heldout.toml", *(f"reflections_heldout_{hand}.toml" for hand in "defgh"))


def load(name: str) -> list[tuple[str, Row]]:
    """(id, row) for each reflection in ``tests/corpus/NAME``; raises on an entry that does not name every
    numeric field in ``expect`` or ``absent`` (recall and invented values are both measured)."""
    with open(CORPUS / name, "rb") as handle:
        entries = tomllib.load(handle)["reflection"]
    rows = []
    for entry in entries:
        expect, absent = dict(entry.get("expect", {})), tuple(entry.get("absent", ()))
        missing = [f for f in NUMERIC if f not in expect and f not in absent]
        if missing:
            raise ValueError(f"{name} {entry['id']}: {', '.join(missing)} neither expected nor absent")
        rows.append((entry["id"], Row(entry["text"], expect, absent, tuple(entry.get("not_emotions", ())))))
    return rows


def dev(in_progress: bool = True) -> list[tuple[str, Row]]:
    """The development reflections; ``in_progress=False`` leaves out the files in ``IN_PROGRESS``."""
    return [pair for name in DEV_FILES if in_progress or name not in IN_PROGRESS for pair in load(name)]


def heldout() -> list[tuple[str, Row]]:
    return [pair for name in HELDOUT_FILES for pair in load(name)]
