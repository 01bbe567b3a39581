"""The rhythm: --every parsing, what is due on a day, and the .ics file parsed back with icalendar."""

from __future__ import annotations

import os
import stat
import uuid
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from assistant.errors import AssistantError
from assistant.events import SessionEvent
from assistant.growth import ladder, rhythm
from assistant.growth.rhythm import Rhythm, parse_every
from assistant.journal.store import Store

MONDAY = date(2026, 3, 2)


EVERY_TABLE = [
    # (--every, --interval, days, time, interval)
    ("fri 10:00", None, ("FR",), "10:00", 1),
    ("Friday 10:00", None, ("FR",), "10:00", 1),
    ("sun 18:00", 2, ("SU",), "18:00", 2),
    ("every other Sunday", None, ("SU",), None, 2),
    ("every other sunday at 6pm", None, ("SU",), "18:00", 2),
    ("mon,thu 8:30am", None, ("MO", "TH"), "08:30", 1),
    ("thu, mon 12am", None, ("MO", "TH"), "00:00", 1),
    ("weekdays 7:15", None, ("MO", "TU", "WE", "TH", "FR"), "07:15", 1),
    ("weekend", 3, ("SA", "SU"), None, 3),
    ("every other sunday", 1, ("SU",), None, 1),  # --interval wins
    ("sat 12pm", None, ("SA",), "12:00", 1),
]


@pytest.mark.parametrize("every, interval, days, at, weeks", EVERY_TABLE)
def test_parse_every(every, interval, days, at, weeks):
    assert parse_every(every, interval) == (days, at, weeks)


@pytest.mark.parametrize("every, interval, code", [
    ("10:00", None, "rhythm_bad_every"),
    ("fri 25:00", None, "rhythm_bad_every"),
    ("fri 10:61", None, "rhythm_bad_every"),
    ("fri 13pm", None, "rhythm_bad_every"),
    ("fri 10", None, "rhythm_bad_every"),
    ("someday", None, "rhythm_bad_every"),
    ("fri 10:00", 0, "rhythm_bad_interval"),
    ("fri 10:00", 9, "rhythm_bad_interval"),
])
def test_bad_every(every, interval, code):
    with pytest.raises(AssistantError) as info:
        parse_every(every, interval)
    assert info.value.code == code


OCCURS_TABLE = [
    # (days, interval, start, day, occurs)
    (("FR",), 1, date(2026, 3, 6), date(2026, 3, 6), True),
    (("FR",), 1, date(2026, 3, 6), date(2026, 3, 13), True),
    (("FR",), 1, date(2026, 3, 6), date(2026, 2, 27), False),  # before the start
    (("FR",), 1, date(2026, 3, 6), date(2026, 3, 12), False),
    (("SU",), 2, date(2026, 3, 8), date(2026, 3, 15), False),
    (("SU",), 2, date(2026, 3, 8), date(2026, 3, 22), True),
    (("MO", "TH"), 2, date(2026, 3, 5), date(2026, 3, 9), False),  # Monday of the off week
    (("MO", "TH"), 2, date(2026, 3, 5), date(2026, 3, 16), True),
    (("MO", "TH"), 2, date(2026, 3, 5), date(2026, 3, 19), True),
    (("SA",), 3, date(2026, 12, 26), date(2027, 1, 16), True),  # across the year
]


@pytest.mark.parametrize("days, interval, start, day, occurs", OCCURS_TABLE)
def test_occurs_on(days, interval, start, day, occurs):
    assert Rhythm(1, "u", "x", days, None, interval, start).occurs_on(day) is occurs


def test_add_list_remove(store):
    coffee = rhythm.add_rhythm(store, "Coffee with Sam", "fri 10:00", today=MONDAY)
    mum = rhythm.add_rhythm(store, "Call Mum", "sun 18:00", interval=2, today=MONDAY)
    assert coffee.start_date == date(2026, 3, 6) and mum.start_date == date(2026, 3, 8)
    assert [r.title for r in rhythm.rhythms(store)] == ["Coffee with Sam", "Call Mum"]
    assert mum.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU"
    rhythm.remove_rhythm(store, coffee.id)
    assert [r.id for r in rhythm.rhythms(store)] == [mum.id]
    with pytest.raises(AssistantError) as info:
        rhythm.remove_rhythm(store, coffee.id)
    assert info.value.code == "rhythm_unknown"


def repair(store: Store, at: datetime, follow_up: str, step: str = "Say sorry for cutting her off") -> str:
    sid = str(uuid.uuid4())
    t = at.timestamp()
    store.record(SessionEvent("started", sid, "repair", at=t))
    store.record(SessionEvent("answer", sid, "repair", step_id="repair_steps", field="repair_steps", kind="text",
                              value=step, text=step, at=t + 1))
    store.record(SessionEvent("answer", sid, "repair", step_id="follow_up", field="follow_up", kind="date",
                              value=follow_up, text="on friday", at=t + 2))
    store.record(SessionEvent("finished", sid, "repair", at=t + 3))
    return sid


def test_due_today_has_rhythms_follow_ups_and_planned_steps(store):
    friday = date(2026, 3, 6)
    rhythm.add_rhythm(store, "Coffee with Sam", "fri 10:00", today=MONDAY)
    rhythm.add_rhythm(store, "Evening walk", "fri", today=MONDAY)
    rhythm.add_rhythm(store, "Call Mum", "sun 18:00", today=MONDAY)
    repair(store, datetime(2026, 3, 3, 20, 0).astimezone(), friday.isoformat())
    repair(store, datetime(2026, 3, 3, 21, 0).astimezone(), "2026-03-07", step="Text Lee")
    ladder.add_step(store, "Tell Sam about the job", 4, planned_on=friday.isoformat())
    old = ladder.add_step(store, "Ask Sam how they are", 3, planned_on="2026-03-04")  # planned Wednesday, not done
    done = ladder.add_step(store, "Say hi", 1, planned_on="2026-03-03")
    sid = str(uuid.uuid4())
    store.record(SessionEvent("started", sid, "debrief", at=datetime(2026, 3, 3, 19).astimezone().timestamp()))
    ladder.link_session(store, sid, done.id)

    due = rhythm.due_on(store, friday)
    assert [(d.kind, d.title) for d in due] == [
        ("rhythm", "Coffee with Sam"), ("rhythm", "Evening walk"), ("follow_up", "Say sorry for cutting her off"),
        ("ladder", "Ask Sam how they are"), ("ladder", "Tell Sam about the job")]
    assert due[3].since == date(2026, 3, 4) and due[3].ref == str(old.id)
    assert "(planned for 2026-03-04)" in due[3].line()
    assert [d.title for d in rhythm.due_on(store, date(2026, 3, 8))] == ["Call Mum", "Ask Sam how they are",
                                                                         "Tell Sam about the job"]


# --- iCalendar -------------------------------------------------------------------------------------


def parse(text: str) -> Calendar:
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    return Calendar.from_ical(text)


def events(cal: Calendar) -> dict[str, object]:
    return {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}


@pytest.mark.parametrize("zone_name", ["Pacific/Auckland", "America/New_York", "Europe/Berlin", "Asia/Tokyo"])
def test_ics_has_rrules_tzid_uids_and_a_matching_vtimezone(store, local_zone, zone_name):
    local_zone(zone_name)
    rhythm.add_rhythm(store, "Coffee with Sam", "fri 10:00", today=MONDAY)
    rhythm.add_rhythm(store, "Call Mum", "sun 18:00", interval=2, today=MONDAY)
    long_title = "Walk, talk; and \"listen\" — ünïcödé " + "long " * 12
    rhythm.add_rhythm(store, long_title, "mon,thu 8:30am", today=MONDAY)
    rhythm.add_rhythm(store, "Letter to Gran", "every other saturday", today=MONDAY)
    repair(store, datetime(2026, 3, 3, 20).astimezone(), "2026-03-06")
    repair(store, datetime(2026, 3, 1, 20).astimezone(), "2026-03-01", step="already past")
    ladder.add_step(store, "Tell Sam about the job", 4, planned_on="2026-03-10")
    text = rhythm.to_ics(store, today=MONDAY, now=datetime(2026, 3, 2, 9, tzinfo=timezone.utc))
    cal = parse(text)

    assert str(cal["VERSION"]) == "2.0" and "practice-assistant" in str(cal["PRODID"])
    found = events(cal)
    assert len(found) == 6  # 4 rhythms, the follow-up still ahead, the planned step
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
    assert all("DTSTAMP" in e for e in cal.walk("VEVENT"))

    mum = found["Call Mum"]
    assert mum["RRULE"].to_ical().decode() == "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU"
    assert mum["DTSTART"].params["TZID"] == zone_name
    start = mum.decoded("DTSTART")
    assert (start.date(), start.hour, start.minute) == (date(2026, 3, 8), 18, 0)
    assert start.utcoffset() == datetime(2026, 3, 8, 18, tzinfo=ZoneInfo(zone_name)).utcoffset()
    assert found["Coffee with Sam"]["RRULE"].to_ical().decode() == "FREQ=WEEKLY;BYDAY=FR"
    walk = next(e for name, e in found.items() if name.startswith("Walk, talk"))
    assert str(walk["SUMMARY"]).startswith('Walk, talk; and "listen" — ünïcödé long')  # escaped and folded
    assert walk["RRULE"]["BYDAY"] == ["MO", "TH"]
    gran = found["Letter to Gran"]
    assert gran.decoded("DTSTART") == date(2026, 3, 7) and gran["RRULE"]["INTERVAL"] == [2]
    follow = found["Follow up: Say sorry for cutting her off"]
    assert follow.decoded("DTSTART") == date(2026, 3, 6) and "RRULE" not in follow
    assert found["Practice step: Tell Sam about the job"].decoded("DTSTART") == date(2026, 3, 10)

    # The VTIMEZONE agrees with zoneinfo across the year's changes.
    (vtz,) = cal.walk("VTIMEZONE")
    assert str(vtz["TZID"]) == zone_name
    tz = vtz.to_tz()
    for month in range(1, 13):
        moment = datetime(2026, month, 15, 12)
        assert tz.utcoffset(moment) == moment.replace(tzinfo=ZoneInfo(zone_name)).utcoffset(), month

    # Expanding the RRULE gives exactly the days the rhythm is due on.
    rule = rrulestr(mum["RRULE"].to_ical().decode(), dtstart=start.replace(tzinfo=None))
    expanded = {d.date() for d in rule.between(datetime(2026, 3, 1), datetime(2026, 5, 1), inc=True)}
    mum_row = next(r for r in rhythm.rhythms(store) if r.title == "Call Mum")
    expected = {MONDAY + timedelta(days=i) for i in range(60) if mum_row.occurs_on(MONDAY + timedelta(days=i))}
    assert expanded == expected and len(expanded) == 4


def test_ics_without_a_zone_name_uses_utc_and_shifts_weekdays(store, local_zone):
    local_zone("Pacific/Auckland")
    rhythm.add_rhythm(store, "Coffee with Sam", "fri 10:00", today=MONDAY)  # Friday 10:00 NZDT = Thursday 21:00 UTC
    cal = parse(rhythm.to_ics(store, today=MONDAY, zone=None))
    (event,) = cal.walk("VEVENT")
    assert not cal.walk("VTIMEZONE")
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 3, 5, 21, tzinfo=timezone.utc)
    assert event["RRULE"].to_ical().decode() == "FREQ=WEEKLY;BYDAY=TH"


def test_empty_rhythm_is_still_a_valid_calendar(store):
    cal = parse(rhythm.to_ics(store, today=MONDAY))
    assert cal.walk("VEVENT") == [] and "PRODID" in cal


def test_rhythm_and_today_commands(store, tmp_path, run_cli):
    added = run_cli("rhythm", "add", "Coffee with Sam", "--every", "fri 10:00")
    assert added.exit_code == 0 and "Coffee with Sam" in added.output
    everyday = run_cli("rhythm", "add", "Check in with myself", "--every", "daily")
    assert everyday.exit_code == 0
    assert "every week on Friday, at 10:00" in run_cli("rhythm", "list").output
    out = tmp_path / "plan.ics"
    exported = run_cli("rhythm", "export", "-o", str(out))
    assert exported.exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert len(parse(out.read_bytes().decode()).walk("VEVENT")) == 2
    today = run_cli("today")
    assert today.exit_code == 0 and "any time  Check in with myself" in today.output and "Next:" not in today.output[:5]
    data = run_cli("today", "--json")
    assert '"speech"' in data.output
    assert run_cli("rhythm", "remove", "1").exit_code == 0
    bad = run_cli("rhythm", "add", "x", "--every", "whenever")
    assert bad.exit_code == 2 and "whenever" in bad.output  # a usage mistake
