"""Weekly targets, week counting in local time (across week, year and time-zone boundaries), the streak."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from assistant.errors import AssistantError
from assistant.events import SessionEvent
from assistant.growth import ladder
from assistant.growth.plan import Week, count_week, plan_view, set_target, streak, targets
from assistant.journal.store import Store


def debrief(store: Store, at: datetime, ending: str = "finished", step: int | None = None,
            answers: tuple = ()) -> str:
    sid = str(uuid.uuid4())
    t = at.timestamp()
    store.record(SessionEvent("started", sid, "debrief", at=t))
    if step is not None:
        ladder.link_session(store, sid, step)
    for i, (name, kind, value) in enumerate(answers, start=1):
        store.record(SessionEvent("answer", sid, "debrief", step_id=name, field=name, kind=kind, value=value,
                                  text=str(value), at=t + i, detail={"position": i}))
    if ending != "in_progress":
        store.record(SessionEvent(ending, sid, "debrief", at=t + 600))
    return sid


def at(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


AUCKLAND_MONDAY = at("2026-03-09T00:30", "Pacific/Auckland")  # = Sunday 2026-03-08 11:30 UTC
AUCKLAND_SUNDAY = at("2026-03-08T23:30", "Pacific/Auckland")  # = Sunday 10:30 UTC
LA_SUNDAY = at("2026-03-08T20:00", "America/Los_Angeles")  # = Monday 2026-03-09 03:00 UTC (PDT, DST began that day)

WEEK_TABLE = [
    # (local zone, when the session started, the local week it counts for)
    ("Pacific/Auckland", AUCKLAND_MONDAY, Week(2026, 11)),
    ("UTC", AUCKLAND_MONDAY, Week(2026, 10)),
    ("Pacific/Auckland", AUCKLAND_SUNDAY, Week(2026, 10)),
    ("UTC", AUCKLAND_SUNDAY, Week(2026, 10)),
    ("America/Los_Angeles", LA_SUNDAY, Week(2026, 10)),
    ("UTC", LA_SUNDAY, Week(2026, 11)),
    ("Asia/Kolkata", LA_SUNDAY, Week(2026, 11)),
    ("UTC", at("2025-12-28T23:59", "UTC"), Week(2025, 52)),
    ("UTC", at("2025-12-29T00:00", "UTC"), Week(2026, 1)),  # ISO week 1 of 2026 starts in December
    ("UTC", at("2027-01-02T12:00", "UTC"), Week(2026, 53)),  # 2026 has 53 ISO weeks
    ("Pacific/Auckland", at("2027-01-03T23:59", "Pacific/Auckland"), Week(2026, 53)),
    ("America/Los_Angeles", at("2027-01-03T23:59", "America/Los_Angeles"), Week(2026, 53)),
]


@pytest.mark.parametrize("zone, started, week", WEEK_TABLE)
def test_a_session_counts_for_the_local_week_it_started_in(store, local_zone, zone, started, week):
    local_zone(zone)
    debrief(store, started)
    assert Week.of(started) == week
    assert Week.of(started.astimezone(timezone.utc).isoformat()) == week  # as stored
    assert count_week(store, week).disclosures == 1
    assert count_week(store, week.shift(-1)).disclosures == 0
    assert count_week(store, week.shift(1)).disclosures == 0
    start, end = week.bounds()
    monday = datetime.fromisoformat(start).astimezone()
    assert (monday.weekday(), monday.hour, monday.minute) == (0, 0, 0)
    length = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    assert length in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=7, hours=-1))  # DST weeks


def test_week_labels_and_shifts():
    assert Week(2026, 1).label == "2026-W01"
    assert Week(2026, 1).shift(-1) == Week(2025, 52)
    assert Week(2026, 53).shift(1) == Week(2027, 1)
    assert Week(2026, 10).monday.isoformat() == "2026-03-02"


NOW = at("2026-03-18T12:00", "UTC")  # Wednesday of 2026-W12

STREAK_TABLE = [
    # (weeks before this one with a finished debrief, 0 = this week; other endings), expected streak
    ([0, 1, 2], 3),
    ([1, 2], 2),  # this week is not over: no debrief yet does not break the streak
    ([0, 2], 1),
    ([2, 3, 4], 0),
    ([], 0),
    ([0], 1),
    ([0, 0, 0], 1),
    ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 11),
]


@pytest.mark.parametrize("weeks_ago, expected", STREAK_TABLE)
def test_streak(store, local_zone, weeks_ago, expected):
    local_zone("UTC")
    for i, ago in enumerate(weeks_ago):
        debrief(store, NOW - timedelta(weeks=ago, hours=i))
    assert streak(store, NOW) == expected


@pytest.mark.parametrize("ending", ["stopped", "flagged", "in_progress"])
def test_only_finished_debriefs_count(store, local_zone, ending):
    local_zone("UTC")
    debrief(store, NOW - timedelta(hours=1), ending)
    assert count_week(store, Week.of(NOW)).disclosures == 0
    assert count_week(store, Week.of(NOW)).attempts == 1
    assert streak(store, NOW) == 0


def test_other_scripts_do_not_count(store, local_zone):
    local_zone("UTC")
    sid = str(uuid.uuid4())
    store.record(SessionEvent("started", sid, "checkin", at=NOW.timestamp() - 60))
    store.record(SessionEvent("finished", sid, "checkin", at=NOW.timestamp() - 30))
    assert count_week(store, Week.of(NOW)).disclosures == 0


def test_streak_in_a_far_time_zone(store, local_zone):
    local_zone("Pacific/Auckland")
    now = at("2026-03-11T12:00", "Pacific/Auckland")  # W11 local
    debrief(store, AUCKLAND_MONDAY)  # W11 in Auckland, W10 in UTC
    debrief(store, at("2026-03-04T09:00", "Pacific/Auckland"))  # W10
    assert streak(store, now) == 2
    local_zone("UTC")
    assert streak(store, now) == 1  # in UTC both fall in W10, and W11 has none yet


# --- Targets and the week's view -------------------------------------------------------------------


def test_targets_are_set_changed_and_removed(store):
    set_target(store, "disclosures", 3)
    set_target(store, "minutes", 60)
    set_target(store, "disclosures", 4)
    assert targets(store) == {"disclosures": 4, "minutes": 60}
    set_target(store, "minutes", 0)
    assert targets(store) == {"disclosures": 4}


@pytest.mark.parametrize("measure, value, code", [
    ("hugs", 3, "plan_unknown_measure"),
    ("disclosures", -1, "plan_bad_target"),
    ("disclosures", 51, "plan_bad_target"),
    ("minutes", 3001, "plan_bad_target"),
])
def test_bad_targets(store, measure, value, code):
    with pytest.raises(AssistantError) as info:
        set_target(store, measure, value)
    assert info.value.code == code


def test_new_topics_and_minutes_are_counted_from_debriefs(store, local_zone):
    local_zone("UTC")
    step = ladder.add_step(store, "Tell Sam about the job", 5).id
    other = ladder.add_step(store, "Ask Sam about theirs", 4).id
    debrief(store, NOW - timedelta(weeks=1), step=other)  # other's first attempt was last week
    debrief(store, NOW - timedelta(hours=5), step=step, answers=(("conversation_minutes", "duration", 25),))
    debrief(store, NOW - timedelta(hours=4), step=step, answers=(("conversation_minutes", "duration", 12.5),))
    debrief(store, NOW - timedelta(hours=3), step=other, answers=(("new_topic", "yesno", True),))
    debrief(store, NOW - timedelta(hours=2), answers=(("new_topic", "yesno", False),))
    debrief(store, NOW - timedelta(hours=1), ending="stopped", answers=(("new_topic", "yesno", True),))
    count = count_week(store, Week.of(NOW))
    assert (count.disclosures, count.new_topics, count.minutes, count.attempts) == (4, 2, 37.5, 5)


def test_plan_view_celebrates_and_frames_a_missed_week_as_information(store, local_zone):
    local_zone("UTC")
    set_target(store, "disclosures", 2)
    set_target(store, "minutes", 30)
    debrief(store, NOW - timedelta(weeks=2))
    debrief(store, NOW - timedelta(weeks=1))  # last week: 1 of 2
    debrief(store, NOW - timedelta(hours=2), answers=(("anxiety_before", "rating", 6), ("anxiety_after", "rating", 3)))
    debrief(store, NOW - timedelta(hours=1))
    view = plan_view(store, NOW)
    assert view.met == ("disclosures",)
    assert view.streak == 3
    assert view.lines[0].startswith("Week 2026-W12")
    assert "Disclosures: 2 of 2" in view.lines
    assert any("target" in line for line in view.celebrations)
    assert any("3 weeks in a row" in line for line in view.celebrations)
    missed = [n for n in view.notes if n.startswith("Last week")]
    assert missed and "1 of 2" in missed[0] and "information, not failure" in missed[0]
    assert not any("conversation_minutes" in n for n in view.notes)  # the shipped debrief asks it
    assert view.to_dict()["counts"]["disclosures"] == 2


def test_a_quiet_week_after_practice_is_information(store, local_zone):
    local_zone("UTC")
    debrief(store, NOW - timedelta(weeks=3))
    notes = plan_view(store, NOW).notes
    assert any("information, not failure" in n for n in notes)


def test_a_newcomer_hears_no_missed_week(store, local_zone):
    local_zone("UTC")
    set_target(store, "disclosures", 3)
    view = plan_view(store, NOW)
    assert not [n for n in view.notes if "Last week" in n]
    assert view.celebrations == ()


def test_plan_commands(store, local_zone, run_cli):
    done = run_cli("plan", "set", "disclosures", "3")
    assert done.exit_code == 0 and "3" in done.output
    debrief(store, datetime.now(timezone.utc) - timedelta(minutes=5))
    shown = run_cli("plan")
    assert shown.exit_code == 0 and "Disclosures: 1 of 3" in shown.output
    data = run_cli("plan", "--json")
    assert '"disclosures": 1' in data.output
    bad = run_cli("plan", "set", "hugs", "3")
    assert bad.exit_code == 2 and "unknown weekly measure 'hugs'" in bad.stderr  # a usage mistake
