"""Words and rules of the growth plan (ladder, weekly targets, rhythm, report): ``prompts/plan.toml``.

The numbers that decide suggestions live in ``[rules]`` and the answer fields the plan reads in
``[fields]``, so both can be reviewed and changed without touching code. Imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

PLAN_FILE = "plan.toml"


def _plan() -> dict[str, Any]:
    from assistant.text import data_file

    return data_file(PLAN_FILE)


def lookup(key: str) -> Any:
    from assistant.text import lookup_in

    return lookup_in(PLAN_FILE, key)


def w(key: str, **values: Any) -> str:
    """The words at dotted ``key`` of plan.toml with ``{placeholders}`` filled in."""
    template = lookup(key)
    return template.format(**values) if values else template


def plural(key: str, count: int, **values: Any) -> str:
    """``key.zero`` (when the table has one) for 0, ``key.one`` for 1, else ``key.many`` (``text.plural_in``)."""
    from assistant.text import plural_in

    return plural_in(PLAN_FILE, key, count, **values)


@dataclass(frozen=True)
class Rules:
    """The move-up rule and the week's bookkeeping; defaults match ``[rules]`` in plan.toml."""

    calm_peak: int = 3  # a peak at or under this is calm
    drop_fraction: float = 0.5  # ...or a peak that fell by at least this share of the first attempt's peak
    attempts_in_a_row: int = 2  # calm attempts in a row before moving up
    too_high_peak: int = 9  # a peak at or over this asks for a smaller in-between step
    stale_hours: float = 12.0  # an unfinished session older than this was interrupted
    streak_celebrate_from: int = 2  # weeks in a row before the streak is celebrated
    report_weeks: int = 8  # weeks shown in the report's targets chart


@dataclass(frozen=True)
class Fields:
    """Which scripts and answer fields the plan reads; defaults match ``[fields]`` in plan.toml."""

    debrief_scripts: tuple[str, ...] = ("debrief",)
    before: str = "anxiety_before"
    peak: str = "anxiety_peak"
    after: str = "anxiety_after"
    learned: str = "learned"
    new_topic: str = "new_topic"
    minutes: str = "conversation_minutes"
    repair_script: str = "repair"
    follow_up: str = "follow_up"
    repair_step: str = "repair_steps"


def rules() -> Rules:
    return _typed(Rules, _plan().get("rules", {}))


def answer_fields() -> Fields:
    return _typed(Fields, _plan().get("fields", {}))


def _typed(cls: type, table: dict[str, Any]) -> Any:
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in table:
            default = getattr(cls, f.name)
            raw = table[f.name]
            values[f.name] = tuple(raw) if isinstance(default, tuple) else type(default)(raw)
    return cls(**values)
