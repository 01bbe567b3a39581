"""Weekly targets, week counts and the streak, all in local time.

A week is the ISO week in the local time zone, Monday 00:00 to the next Monday 00:00. A session
belongs to the week in which it *started* (local time), so a debrief begun on Sunday 23:30 counts
for that week even if it ends on Monday.

What counts, from debrief sessions (``[fields] debrief_scripts`` in ``prompts/plan.toml``):

- ``disclosures``: debrief sessions finished in the week (stopped or flagged ones do not count).
- ``new_topics``: finished debriefs that were a first attempt at a ladder step, or whose answer to
  ``[fields] new_topic`` (a yes/no question) is yes.
- ``minutes``: the sum of the ``[fields] minutes`` answers (a duration question, in minutes) of
  finished debriefs. Until the debrief script asks it, the plan says so instead of counting zeros.
- the *streak*: weeks in a row with at least one finished debrief, counted back from this week, or
  from last week while this week has none yet (a week not over yet never breaks the streak).

A missed week is reported as information about the week, never as a failure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from assistant.growth.config import Fields, Rules, answer_fields, plural, w
from assistant.growth.config import rules as load_rules
from assistant.journal.ratings import merge_rating
from assistant.text import counted, fail
from assistant.times import local_day_start, local_moment

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from assistant.journal.store import Store

MEASURES = ("disclosures", "new_topics", "minutes")
TARGET_RANGE = {"disclosures": (0, 50), "new_topics": (0, 50), "minutes": (0, 3000)}


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def of(cls, moment: datetime | date | str | None = None) -> "Week":
        """The local ISO week of a moment (aware datetime or UTC ISO string), a local date, or now."""
        if moment is None:
            moment = datetime.now().astimezone()
        elif isinstance(moment, str):
            moment = local_moment(moment)
        elif isinstance(moment, datetime):
            moment = moment.astimezone()
        iso = moment.isocalendar()
        return cls(iso[0], iso[1])

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    def shift(self, weeks: int) -> "Week":
        return Week.of(self.monday + timedelta(weeks=weeks))

    def bounds(self) -> tuple[str, str]:
        """Stored-form [start, end) of local Monday 00:00 to the next Monday 00:00."""
        return local_day_start(self.monday), local_day_start(self.monday + timedelta(days=7))


@dataclass(frozen=True)
class WeekCount:
    week: Week
    disclosures: int = 0
    new_topics: int = 0
    minutes: float = 0
    attempts: int = 0  # debrief sessions started, however they ended
    drops: tuple[int, ...] = ()  # anxiety before minus after, per session that has both

    def value(self, measure: str) -> float:
        return getattr(self, measure)

    @property
    def average_drop(self) -> float | None:
        return sum(self.drops) / len(self.drops) if self.drops else None


def count_week(store: Store, week: Week, fields: Fields | None = None) -> WeekCount:
    fields = fields or answer_fields()
    start, end = week.bounds()
    sessions = store.sessions_of(fields.debrief_scripts, start, end)
    if not sessions:
        return WeekCount(week)
    ids = [s.id for s in sessions]
    stages = {fields.before: "before", fields.after: "after"}
    ratings: dict[str, dict[str, int]] = {}
    answers: dict[str, dict[str, Any]] = {}
    for found in store.answers_in(ids, [*stages, fields.new_topic, fields.minutes]):
        if found.field not in stages:
            answers.setdefault(found.session_id, {})[found.field] = found.value
        elif isinstance(found.value, int) and not isinstance(found.value, bool):
            merge_rating(ratings.setdefault(found.session_id, {}), stages[found.field], found.value)
    finished = [s for s in sessions if s.status == "finished"]
    firsts = store.first_finished_attempts({s.ladder_step_id for s in finished if s.ladder_step_id})
    minutes = 0.0
    new_topics = 0
    for session in finished:
        got = answers.get(session.id, {})
        step = session.ladder_step_id
        if got.get(fields.new_topic) is True or (step and firsts.get(step) == session.id):
            new_topics += 1
        value = got.get(fields.minutes)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            minutes += value
    drops = []
    for session_id in ids:
        got = ratings.get(session_id, {})
        if "before" in got and "after" in got:
            drops.append(got["before"] - got["after"])
    return WeekCount(week, len(finished), new_topics, round(minutes, 1), len(sessions), tuple(drops))


# --- Targets ---------------------------------------------------------------------------------------


def targets(store: Store) -> dict[str, int]:
    return {m: t for m, t in store.plan_targets().items() if m in MEASURES}


def set_target(store: Store, measure: str, target: int) -> None:
    """Set the weekly target for ``measure``; 0 removes it."""
    if measure not in MEASURES:
        raise fail("plan_unknown_measure", measure=measure, measures=", ".join(MEASURES))
    low, high = TARGET_RANGE[measure]
    if isinstance(target, bool) or not low <= target <= high:
        raise fail("plan_bad_target", measure=measure, target=target, low=low, high=high)
    store.set_plan_target(measure, target)


# --- The streak ------------------------------------------------------------------------------------


def practice_weeks(store: Store, fields: Fields | None = None) -> set[Week]:
    """Local weeks with at least one finished debrief."""
    scripts = (fields or answer_fields()).debrief_scripts
    return {Week.of(s.started_at) for s in store.sessions_of(scripts, status="finished")}


def streak(store: Store, now: datetime | None = None, fields: Fields | None = None) -> int:
    weeks = practice_weeks(store, fields)
    week = Week.of(now)
    if week not in weeks:
        week = week.shift(-1)  # this week is not over: it cannot break the streak yet
    count = 0
    while week in weeks:
        count += 1
        week = week.shift(-1)
    return count


# --- The week, in words ----------------------------------------------------------------------------


def asked_fields(fields: Fields | None = None) -> set[str]:
    """Fields the debrief scripts ask (so a target on an unasked field can say so)."""
    from assistant.dialogue.scripts import load_script
    from assistant.errors import AssistantError

    asked: set[str] = set()
    for name in (fields or answer_fields()).debrief_scripts:
        try:
            asked |= {s.field for s in load_script(name).steps if s.field}
        except (AssistantError, OSError) as exc:  # a debrief script broken or gone: its fields are not counted
            log.warning("debrief script %r could not be loaded (%s); its fields are left out of the plan", name,
                        getattr(exc, "code", type(exc).__name__))
            continue
    return asked


@dataclass(frozen=True)
class PlanView:
    count: WeekCount
    last_week: WeekCount
    targets: dict[str, int]
    met: tuple[str, ...]
    streak: int
    lines: tuple[str, ...]  # the week, one line per measure
    celebrations: tuple[str, ...]  # short lines worth saying out loud
    notes: tuple[str, ...]  # information: last week, fields not asked yet

    @property
    def speech(self) -> str:
        return " ".join(self.celebrations + self.notes)

    def to_dict(self) -> dict[str, Any]:
        return {"week": self.count.week.label, "counts": {m: self.count.value(m) for m in MEASURES},
                "targets": self.targets, "met": list(self.met), "streak": self.streak,
                "last_week": {m: self.last_week.value(m) for m in MEASURES}, "lines": list(self.lines),
                "celebrations": list(self.celebrations), "notes": list(self.notes), "speech": self.speech}


def _counted(noun: str, value: float) -> str:
    """"1 disclosure", "3 new topics", "12.5 minutes" (a whole number takes its plural form)."""
    if float(value).is_integer():
        return counted(noun, int(value))
    return counted(noun, 2).replace("2", _number(value), 1)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def plan_view(store: Store, now: datetime | None = None, rule: Rules | None = None,
              fields: Fields | None = None) -> PlanView:
    rule, fields = rule or load_rules(), fields or answer_fields()
    week = Week.of(now)
    count, last = count_week(store, week, fields), count_week(store, week.shift(-1), fields)
    goals = targets(store)
    asked = asked_fields(fields)
    sunday = week.monday + timedelta(days=6)
    lines = [w("plan.heading", week=week.label, monday=week.monday.strftime(w("plan.day_format")),
               sunday=sunday.strftime(w("plan.day_format")))]
    met, notes = [], []
    for measure in MEASURES:
        value = _number(count.value(measure))
        name = w(f"plan.measures.{measure}")
        if measure in goals:
            lines.append(w("plan.line_target", name=name, value=value, target=goals[measure]))
            if count.value(measure) >= goals[measure]:
                met.append(measure)
        else:
            lines.append(w("plan.line_no_target", name=name, value=value, measure=measure))
    if "minutes" in goals and fields.minutes not in asked:
        notes.append(w("plan.minutes_not_asked", field=fields.minutes))
    weeks = streak(store, now, fields)
    lines.append(plural("plan.streak", weeks))
    nouns = {"disclosures": "disclosure", "new_topics": "new_topic", "minutes": "minute"}
    celebrations = [w(f"plan.celebrate.{m}", target=goals[m], value=_number(count.value(m)),
                      counted=_counted(nouns[m], count.value(m))) for m in met]
    if weeks >= rule.streak_celebrate_from:
        celebrations.append(w("plan.celebrate.streak", weeks=weeks, counted=counted("week", weeks)))
    missed = [m for m in MEASURES if m in goals and last.value(m) < goals[m]]
    earlier = any(p < week.shift(-1) for p in practice_weeks(store, fields))
    if last.disclosures == 0:
        if earlier:  # someone who has practised before; a newcomer's empty last week says nothing
            notes.append(w("plan.info.quiet_week"))
    elif missed:
        parts = [w("plan.info.part", name=w(f"plan.measures.{m}"), value=_number(last.value(m)), target=goals[m])
                 for m in missed]
        notes.append(w("plan.info.missed", parts="; ".join(parts)))
    return PlanView(count, last, goals, tuple(met), weeks, tuple(lines), tuple(celebrations), tuple(notes))
