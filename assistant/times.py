"""Time as the journal stores it and as a person reads it.

Stored timestamps are UTC ISO 8601 text with milliseconds, always in one shape
(``2026-11-21T13:02:07.123+00:00``), so comparing them as text orders them in time: :func:`utc_iso` is the
only place that shape is made. Everything a person types or reads is local time: a *day* is a whole local
calendar day (:func:`day_bounds`), shown times are local (:func:`local_time`).

Day words for ``--since``/``--until`` (:func:`parse_day`): ``YYYY-MM-DD``, ``today``, ``yesterday``, ``Nd``
(days ago), ``Nw`` (weeks ago).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone

from assistant.text import fail, t

_RELATIVE = re.compile(r"^(\d{1,4})([dw])$")


def utc_iso(moment: float | datetime | None = None) -> str:
    """``moment`` (unix seconds, or a datetime; a naive one is local time) as stored: UTC ISO 8601 with
    milliseconds. None, or 0 (an event whose time was not set), means now."""
    if isinstance(moment, datetime):
        instant = moment.astimezone(timezone.utc)
    elif moment:
        instant = datetime.fromtimestamp(moment, timezone.utc)
    else:
        instant = datetime.now(timezone.utc)
    return instant.isoformat(timespec="milliseconds")


def local_day_start(day: date) -> str:
    """The stored form of local midnight at the start of ``day`` (its UTC instant)."""
    return utc_iso(datetime.combine(day, time.min).astimezone())


def day_bounds(value: str | date | datetime) -> tuple[str, str]:
    """Stored-form bounds [start, end) of the local day ``value`` names (a datetime is an exact instant)."""
    if isinstance(value, datetime):
        stamp = utc_iso(value)
        return stamp, stamp
    day = value if isinstance(value, date) else parse_day(value)
    return local_day_start(day), local_day_start(day + timedelta(days=1))


def parse_day(text: str, today: date | None = None) -> date:
    """A local calendar day from what a person typed; one clear error for anything else."""
    today = today or date.today()
    word = str(text).strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    relative = _RELATIVE.match(word)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        return today - timedelta(days=count * (7 if unit == "w" else 1))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            pass
    raise fail("entries_bad_date", value=text)


def day_range(since: str | None, until: str | None, today: date | None = None) -> tuple[date | None, date | None]:
    """The days ``--since`` and ``--until`` name (either may be absent), checked: a ``since`` after ``until``
    would silently match nothing, so it is one clear error (``days_reversed``) instead."""
    first = parse_day(since, today) if since is not None else None
    last = parse_day(until, today) if until is not None else None
    if first is not None and last is not None and first > last:
        raise fail("days_reversed", since=since, until=until, since_day=first.isoformat(),
                   until_day=last.isoformat())
    return first, last


def local_moment(stamp: str) -> datetime:
    """A stored timestamp as an aware datetime in local time."""
    return datetime.fromisoformat(stamp).astimezone()


def local_time(stamp: str | None, fmt: str | None = None) -> str:
    """A stored timestamp shown in local time, in ``fmt`` (default: ``entries.time_format`` of messages.toml)."""
    if not stamp:
        return ""
    return local_moment(stamp).strftime(fmt or t("entries.time_format"))


def local_now(fmt: str | None = None) -> str:
    """Now, shown in local time (same default format as :func:`local_time`)."""
    return datetime.now().astimezone().strftime(fmt or t("entries.time_format"))
