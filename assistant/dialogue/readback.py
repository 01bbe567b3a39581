"""How an answer sounds when it is said back ("I heard 2 hours and 30 minutes"), with the words of
``prompts/session.toml`` ([spoken], and [words] dates for weekdays and months)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assistant.events import AnswerKind
from assistant.text import data_file as data


def spoken(kind: str, value: Any) -> str:
    """How an answer sounds when it is said back: "yes", "scared and sad", "2 hours and 30 minutes"."""
    words_for = data("session.toml")["spoken"]
    if isinstance(value, bool):
        return words_for["yes"] if value else words_for["no"]
    if isinstance(value, list) and len(value) > 1:
        return f"{', '.join(value[:-1])} {words_for['list_and']} {value[-1]}"
    if isinstance(value, list):
        return value[0] if value else words_for["missing"]
    if kind == AnswerKind.DURATION and isinstance(value, (int, float)):
        return _spoken_minutes(value, words_for)
    if kind == AnswerKind.DATE and isinstance(value, str):
        return _spoken_date(value, words_for)
    return str(value).strip().rstrip(".!?;, ")  # read back inside a sentence: its own full stop would double


def _spoken_minutes(minutes: float, spoken: dict[str, Any]) -> str:
    def form(unit: str, count: int) -> str:
        return spoken[unit]["one" if count == 1 else "many"].format(count=count)

    if minutes < 1:
        return form("seconds", round(minutes * 60))
    hours, rest = divmod(round(minutes), 60)
    if not hours:
        return form("minutes", rest)
    if not rest:
        return form("hours", hours)
    return spoken["hours_minutes"].format(hours=form("hours", hours), minutes=form("minutes", rest))


def _spoken_date(iso: str, spoken: dict[str, str]) -> str:
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    names = data("session.toml")["words"]["dates"]
    return spoken["date"].format(
        weekday=names["weekdays"][day.weekday()].capitalize(),
        month=names["months"][day.month - 1].capitalize(),
        day=day.day,
    )
