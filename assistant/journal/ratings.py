"""Ratings over a session's rounds: the one rule for folding before / peak / after answers together.

Rating fields are named ``<measure>_<stage>`` (``anxiety_before``, ``anxiety_peak``, ``anxiety_after``).
When a script repeats rounds, a session keeps the first "before", the highest "peak" (or "during") and the
last "after". The journal's exports, the ladder's attempts and the progress report all fold with
:func:`merge_rating`, so they always agree on what a session's ratings were.
"""

from __future__ import annotations

from typing import TypeVar

STAGES = ("before", "peak", "during", "after")

Rating = TypeVar("Rating", int, float)


def merge_rating(got: dict[str, Rating], stage: str, value: Rating) -> None:
    """Fold one rating (answers in the order given) into ``got``, stage → value."""
    if stage == "before":
        got.setdefault(stage, value)
    elif stage == "after":
        got[stage] = value
    else:
        got[stage] = max(value, got.get(stage, value))
