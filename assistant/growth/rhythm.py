"""The rhythm: recurring check-ins, repair follow-ups and planned ladder steps; what is due; iCalendar.

A rhythm repeats weekly on one or more weekdays, every ``interval`` weeks, from its ``start_date`` (the
first matching day on or after the day it was added), at a local wall-clock time or all day.
``--every`` takes weekday words and a time, e.g. "fri 10:00", "every other sunday 6pm", "mon,thu 8:30";
the words are in ``[rhythm.words]`` of ``prompts/plan.toml``.

Due on a day: rhythms occurring that day, repair follow-ups (the ``[fields] follow_up`` date answer of a
repair session) dated that day, and active ladder steps planned for that day (or planned earlier and not
attempted since).

:func:`to_ics` writes RFC 5545 text by hand (no dependency): one VEVENT per rhythm with an RRULE
(never expanded copies), DTSTART with the local zone's TZID and a VTIMEZONE built from zoneinfo, or in
UTC when the local zone has no IANA name; follow-ups and planned steps are single all-day events.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant import __version__
from assistant.growth.config import Fields, answer_fields, lookup, plural, w
from assistant.text import fail
from assistant.times import local_day_start

if TYPE_CHECKING:
    from assistant.journal.plans import RhythmRow, Step
    from assistant.journal.store import Store

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_INTERVAL = 8
EVENT_MINUTES = 30
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)?$")


@dataclass(frozen=True)
class Rhythm:
    id: int
    uid: str
    title: str
    days: tuple[str, ...]  # iCalendar weekday codes, Monday first
    at_time: str | None  # "HH:MM" local wall clock, None = all day
    interval: int
    start_date: date

    def occurs_on(self, day: date) -> bool:
        if day < self.start_date or DAYS[day.weekday()] not in self.days:
            return False
        weeks = ((day - timedelta(days=day.weekday())) - (self.start_date - timedelta(days=self.start_date.weekday())))
        return (weeks.days // 7) % self.interval == 0

    @property
    def rrule(self) -> str:
        return _rrule(self.days, self.interval)

    @classmethod
    def from_row(cls, row: RhythmRow) -> "Rhythm":
        return cls(row.id, row.uid, row.title, row.days, row.at_time, row.interval, row.start_date)


def _rrule(days: tuple[str, ...], interval: int) -> str:
    rule = "FREQ=WEEKLY"
    if interval > 1:
        rule += f";INTERVAL={interval}"
    return rule + ";BYDAY=" + ",".join(days)


def parse_every(text: str, interval: int | None = None) -> tuple[tuple[str, ...], str | None, int]:
    """("fri 10:00") → (("FR",), "10:00", 1); "every other sunday 6pm" → (("SU",), "18:00", 2)."""
    words = lookup("rhythm.words")
    days: set[str] = set()
    at: str | None = None
    every = 1
    for token in re.split(r"[\s,]+", str(text).strip().lower()):
        token = token.strip(".")
        if not token or token in words["ignore"]:
            continue
        if token in words["other"]:
            every = 2
        elif token in words["days"]:
            days.update(words["days"][token])
        elif _TIME.match(token) and at is None:
            at = _clock(token, text)
        else:
            raise fail("rhythm_bad_every", every=text)
    if not days:
        raise fail("rhythm_bad_every", every=text)
    every = interval if interval is not None else every
    if not 1 <= every <= MAX_INTERVAL:
        raise fail("rhythm_bad_interval", interval=every, most=MAX_INTERVAL)
    return tuple(d for d in DAYS if d in days), at, every


def _clock(token: str, text: str) -> str:
    hour_text, minute_text, half = _TIME.match(token).groups()  # type: ignore[union-attr]
    hour, minute = int(hour_text), int(minute_text or 0)
    if half:
        if not 1 <= hour <= 12:
            raise fail("rhythm_bad_every", every=text)
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif minute_text is None:
        raise fail("rhythm_bad_every", every=text)  # a bare number is not a time
    if hour > 23 or minute > 59:
        raise fail("rhythm_bad_every", every=text)
    return f"{hour:02d}:{minute:02d}"


def add_rhythm(store: Store, title: str, every: str, interval: int | None = None,
               today: date | None = None, now: datetime | None = None) -> Rhythm:
    """Add a rhythm; it starts on its first day still ahead (today only when its time has not passed).

    The exact same rhythm (title, days, time and interval) is refused: added twice it would be due twice.
    """
    if not title.strip():
        raise fail("rhythm_title_empty")
    days, at, every_n = parse_every(every, interval)
    title = " ".join(title.split())
    for existing in rhythms(store):
        if (existing.title.casefold(), existing.days, existing.at_time, existing.interval) == (
                title.casefold(), tuple(days), at, every_n):
            raise fail("rhythm_duplicate", id=existing.id, title=existing.title)
    now = now or datetime.now()
    today = today or now.date()
    passed = at is not None and today == now.date() and time.fromisoformat(at) <= now.time()
    start = next(today + timedelta(days=i) for i in range(int(passed), 8)
                 if DAYS[(today + timedelta(days=i)).weekday()] in days)
    return Rhythm.from_row(store.add_rhythm(title, days, at, every_n, start))


def rhythms(store: Store) -> list[Rhythm]:
    return [Rhythm.from_row(row) for row in store.rhythms()]


def get_rhythm(store: Store, rhythm_id: int | str) -> Rhythm:
    text = str(rhythm_id).strip().lstrip("#")
    found = [r for r in rhythms(store) if text.isdigit() and r.id == int(text)]
    if not found:
        raise fail("rhythm_unknown", id=rhythm_id)
    return found[0]


def remove_rhythm(store: Store, rhythm_id: int | str) -> Rhythm:
    found = get_rhythm(store, rhythm_id)
    store.remove_rhythm(found.id)
    return found


def describe(r: Rhythm) -> str:
    names = lookup("rhythm.day_names")
    days = ", ".join(names[d] for d in r.days)
    every = w("rhythm.every_weeks", weeks=r.interval) if r.interval > 1 else w("rhythm.every_week")
    when = w("rhythm.at", time=r.at_time) if r.at_time else w("rhythm.all_day")
    return w("rhythm.describe", every=every, days=days, when=when)


# --- What is due -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    kind: str  # rhythm | follow_up | ladder
    title: str
    day: date
    at_time: str | None = None
    ref: str = ""  # rhythm id, repair session id or ladder step id
    since: date | None = None  # a planned step still open from an earlier day

    def line(self) -> str:
        when = self.at_time or w("rhythm.any_time")
        key = "today.item_since" if self.since else "today.item"
        return w(key, when=when, title=w(f"today.kinds.{self.kind}", title=self.title),
                 since=self.since.isoformat() if self.since else "")


def follow_ups(store: Store, fields: Fields | None = None) -> list[Due]:
    """Every repair follow-up date, with the repair step said (or the session's date) as the title."""
    fields = fields or answer_fields()
    found = []
    for follow in store.follow_ups(fields.repair_script, fields.follow_up, fields.repair_step):
        try:
            day = date.fromisoformat(follow.value) if isinstance(follow.value, str) else None
        except ValueError:
            day = None
        if day:
            found.append(Due("follow_up", follow.title or w("today.follow_up_untitled"), day, ref=follow.session_id))
    return found


def _planned(store: Store) -> list[tuple[date, Step]]:
    """Active ladder steps with a planned day, by day then ladder position."""
    planned = [(date.fromisoformat(s.planned_on), s) for s in store.ladder_steps() if s.planned_on]
    return sorted(planned, key=lambda pair: (pair[0], pair[1].position))


def planned_steps(store: Store, day: date) -> list[Due]:
    """Active ladder steps planned for ``day``, or planned earlier and not attempted since."""
    found = []
    for planned_day, step in _planned(store):
        if planned_day > day:
            continue
        if planned_day < day and store.attempted_since(step.id, local_day_start(planned_day)):
            continue
        found.append(Due("ladder", step.text, day, ref=str(step.id),
                         since=planned_day if planned_day < day else None))
    return found


def due_on(store: Store, day: date | None = None, fields: Fields | None = None) -> list[Due]:
    day = day or date.today()
    items = [Due("rhythm", r.title, day, r.at_time, str(r.id)) for r in rhythms(store) if r.occurs_on(day)]
    items += [f for f in follow_ups(store, fields) if f.day == day]
    items += planned_steps(store, day)
    order = ("rhythm", "follow_up", "ladder")
    return sorted(items, key=lambda d: (d.at_time or "99:99", order.index(d.kind)))  # stable: ladder order kept


@dataclass(frozen=True)
class Today:
    """What ``assistant today`` prints and says: what is due, the suggested next step, the streak."""

    day: date
    items: tuple[Due, ...]
    suggestion: Any  # moveup.Suggestion
    streak: int

    @property
    def streak_line(self) -> str:
        return plural("plan.streak", self.streak)

    @property
    def lines(self) -> tuple[str, ...]:
        due = [i.line() for i in self.items] or [w("today.nothing_due")]
        return (w("today.heading", day=self.day.strftime(w("today.day_format"))), *due, "",
                self.suggestion.text, self.suggestion.why, self.streak_line)

    @property
    def speech(self) -> str:
        titles = [w(f"today.kinds.{i.kind}", title=i.title) for i in self.items]
        if not titles:
            due = w("today.spoken.nothing")
        elif len(titles) == 1:
            due = w("today.spoken.due_one", items=titles[0])
        else:
            due = w("today.spoken.due_many", count=len(titles), items="; ".join(titles))
        return " ".join([due, self.suggestion.speech, self.streak_line])

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(),
                "due": [{"kind": i.kind, "title": i.title, "at": i.at_time, "ref": i.ref} for i in self.items],
                "next": self.suggestion.to_dict(), "streak_weeks": self.streak, "speech": self.speech}


def today_view(store: Store, day: date | None = None) -> Today:
    from assistant.growth.moveup import suggest
    from assistant.growth.plan import streak

    day = day or date.today()
    return Today(day, tuple(due_on(store, day)), suggest(store), streak(store))


# --- iCalendar -------------------------------------------------------------------------------------


def local_zone() -> tuple[str, tzinfo] | None:
    """The local zone's IANA name and zone, when one can be found and matches the clock in use."""
    from zoneinfo import ZoneInfo

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    now = datetime.now().astimezone()
    for name in candidates:
        if not name or name.startswith("/") or ".." in name:
            continue
        try:
            zone = ZoneInfo(name)
        except (ValueError, OSError, KeyError):
            continue
        if now.astimezone(zone).utcoffset() == now.utcoffset():
            return name, zone
    return None


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> str:
    """Fold at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def _offset(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")


def _vtimezone(name: str, zone: tzinfo, first_year: int, last_year: int) -> list[str]:
    """Observances of ``zone`` from ``first_year`` to ``last_year``, found by scanning zoneinfo."""
    moment = datetime(first_year, 1, 1, tzinfo=timezone.utc)
    end = datetime(last_year + 1, 1, 1, tzinfo=timezone.utc)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{name}"]
    changes = []
    while moment < end:
        later = moment + timedelta(days=1)
        if moment.astimezone(zone).utcoffset() != later.astimezone(zone).utcoffset():
            low, high = moment, later
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            changes.append(high.replace(microsecond=0))
        moment = later
    if not changes:
        at = datetime(first_year, 1, 1, tzinfo=timezone.utc).astimezone(zone)
        changes_lines = [("STANDARD", "19700101T000000", _utcoffset(at), _utcoffset(at), at.tzname())]
    else:
        changes_lines = []
        for change in changes:
            before = (change - timedelta(seconds=1)).astimezone(zone)
            after = change.astimezone(zone)
            kind = "DAYLIGHT" if after.dst() else "STANDARD"
            local_start = (change + _utcoffset(before)).strftime("%Y%m%dT%H%M%S")
            changes_lines.append((kind, local_start, _utcoffset(before), _utcoffset(after), after.tzname()))
    for kind, start, offset_from, offset_to, tzname in changes_lines:
        lines += [f"BEGIN:{kind}", f"DTSTART:{start}", f"TZOFFSETFROM:{_offset(offset_from)}",
                  f"TZOFFSETTO:{_offset(offset_to)}"]
        if tzname:
            lines.append(f"TZNAME:{_escape(tzname)}")
        lines.append(f"END:{kind}")
    return lines + ["END:VTIMEZONE"]


def _utcoffset(moment: datetime) -> timedelta:
    return moment.utcoffset() or timedelta(0)  # always set: every moment here is aware


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _rhythm_event(r: Rhythm, zone: tuple[str, tzinfo] | None, stamp: str) -> list[str]:
    lines = ["BEGIN:VEVENT", f"UID:rhythm-{r.uid}@practice-assistant", f"DTSTAMP:{stamp}"]
    if r.at_time is None:
        lines += [f"DTSTART;VALUE=DATE:{r.start_date:%Y%m%d}", f"RRULE:{r.rrule}"]
    else:
        wall = datetime.combine(r.start_date, time.fromisoformat(r.at_time))
        if zone:
            lines.append(f"DTSTART;TZID={zone[0]}:{wall:%Y%m%dT%H%M%S}")
            lines.append(f"RRULE:{r.rrule}")
        else:  # no zone name: the first occurrence in UTC, weekdays shifted with it
            utc = wall.astimezone().astimezone(timezone.utc)
            shift = (utc.date() - r.start_date).days
            days = tuple(DAYS[(DAYS.index(d) + shift) % 7] for d in r.days)
            lines.append(f"DTSTART:{_utc_stamp(utc)}")
            lines.append(f"RRULE:{_rrule(days, r.interval)}")
        lines.append(f"DURATION:PT{EVENT_MINUTES}M")
    lines += [f"SUMMARY:{_escape(r.title)}", f"DESCRIPTION:{_escape(w('ics.rhythm_description'))}", "END:VEVENT"]
    return lines


def _day_event(uid: str, day: date, summary: str, stamp: str) -> list[str]:
    return ["BEGIN:VEVENT", f"UID:{uid}@practice-assistant", f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(summary)}", "TRANSP:TRANSPARENT", "END:VEVENT"]


def to_ics(store: Store, today: date | None = None, now: datetime | None = None,
           zone: tuple[str, tzinfo] | None | bool = True, fields: Fields | None = None) -> str:
    """The whole rhythm as one iCalendar text (CRLF lines). ``zone=True`` finds the local zone."""
    today = today or date.today()
    stamp = _utc_stamp(now or datetime.now(timezone.utc))
    found = local_zone() if zone is True else (zone or None)
    items = rhythms(store)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//practice-assistant//growth plan {__version__}//EN",
             "CALSCALE:GREGORIAN", f"X-WR-CALNAME:{_escape(w('ics.calendar_name'))}"]
    timed = [r for r in items if r.at_time]
    if found and timed:
        first = min(r.start_date for r in timed).year
        lines += _vtimezone(found[0], found[1], first - 1, max(first, today.year) + 5)
    for r in items:
        lines += _rhythm_event(r, found, stamp)
    for f in follow_ups(store, fields):
        if f.day >= today:
            lines += _day_event(f"follow-up-{f.ref}", f.day, w("ics.follow_up", title=f.title), stamp)
    for planned_day, step in _planned(store):
        if planned_day >= today:
            lines += _day_event(f"ladder-step-{step.id}-{step.planned_on}", planned_day,
                                w("ics.ladder", title=step.text), stamp)
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
