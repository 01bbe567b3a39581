"""Attempts at ladder steps, the move-up rule, and what to try next.

An *attempt* is a debrief session linked to a ladder step (``ladder.link_session``). It carries the
debrief's anxiety answers: the first "before", the highest "peak" and the last "after" when a script
repeats rounds (``journal.ratings.merge_rating``). An attempt is *abandoned* when its session was flagged,
or stopped or interrupted (unfinished for longer than ``stale_hours``) before the peak was rated; an
unfinished session younger than that is *ongoing* and not judged yet. A session stopped *after* the peak
was rated counts as an ordinary attempt.

The move-up rule (numbers in ``[rules]`` of ``prompts/plan.toml``), judged on the step attempted last:

- **Move up** after ``attempts_in_a_row`` (2) attempts in a row, each *calm*: its peak is at most
  ``calm_peak`` (3), or fell by at least ``drop_fraction`` (half) from the peak of the step's first
  attempt with a peak rating. The suggestion is the next step up the ladder not yet passed.
- **Smaller in-between step** when the latest attempt was abandoned or peaked at ``too_high_peak`` (9)
  or more: add a step feared about midway between the step below and this one.
- Otherwise **repeat** the step (an abandoned attempt or one without a peak rating breaks the row).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Sequence

from assistant.growth.config import Fields, Rules, answer_fields, w
from assistant.growth.config import rules as load_rules
from assistant.growth.ladder import Step, goal_id, steps
from assistant.times import utc_iso

if TYPE_CHECKING:
    from assistant.journal.store import Store


@dataclass(frozen=True)
class Attempt:
    session_id: str
    step_id: int
    started_at: str  # UTC ISO, as stored
    status: str
    before: int | None = None
    peak: int | None = None
    after: int | None = None
    abandoned: bool = False
    reason: str = ""  # why abandoned: flagged | stopped | interrupted
    ongoing: bool = False


@dataclass(frozen=True)
class Verdict:
    kind: str  # untried | move_up | smaller | repeat
    reason: str  # untried | calm | dropped | abandoned_<why> | peak_high | need_more | no_peak
    peaks: tuple[int, ...] = ()  # the peaks the rule looked at
    first_peak: int | None = None


@dataclass(frozen=True)
class Suggestion:
    kind: str  # empty | start | move_up | top | smaller | repeat
    reason: str
    goal: str
    text: str  # what to try
    why: str  # the rule's reason, in words
    hint: str = ""  # a command to type (printed, not spoken)
    step: Step | None = None  # the step to try
    focus: Step | None = None  # the step the rule judged
    fear_hint: int | None = None  # for an in-between step

    @property
    def speech(self) -> str:
        return f"{self.text} {self.why}".strip()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["speech"] = self.speech
        return data


# --- Attempts and the move-up rule -----------------------------------------------------------------


def attempts(store: Store, fields: Fields | None = None, rule: Rules | None = None,
             now: datetime | None = None) -> dict[int, list[Attempt]]:
    """Every linked session as an attempt, per step id, oldest first."""
    fields, rule = fields or answer_fields(), rule or load_rules()
    stale = utc_iso((now or datetime.now(timezone.utc)) - timedelta(hours=rule.stale_hours))
    found: dict[int, list[Attempt]] = {}
    for s in store.rated_sessions(fields.before, fields.peak, fields.after, linked=True):
        if not str(s.ladder_step_id).isdigit():
            continue
        ongoing = s.status == "in_progress" and (s.updated_at or s.started_at) >= stale
        reason = ""
        if s.status == "flagged":
            reason = "flagged"
        elif s.status in ("stopped", "in_progress") and not ongoing and s.peak is None:
            reason = "interrupted" if s.status == "in_progress" or s.interrupted else "stopped"
        step = int(str(s.ladder_step_id))
        found.setdefault(step, []).append(Attempt(
            s.session_id, step, s.started_at, s.status, s.before, s.peak, s.after,
            abandoned=bool(reason), reason=reason, ongoing=ongoing))
    return found


def is_calm(peak: int, first_peak: int | None, rule: Rules) -> bool:
    if peak <= rule.calm_peak:
        return True
    if not first_peak:
        return False
    return peak <= first_peak * (1 - rule.drop_fraction)


def verdict(tries: Sequence[Attempt], rule: Rules | None = None) -> Verdict:
    """The move-up rule on one step's attempts (oldest first); see the module docstring."""
    rule = rule or load_rules()
    done = [a for a in tries if not a.ongoing]
    if not done:
        return Verdict("untried", "untried")
    last = done[-1]
    if last.abandoned:
        return Verdict("smaller", f"abandoned_{last.reason}")
    if last.peak is None:
        return Verdict("repeat", "no_peak")
    if last.peak >= rule.too_high_peak:
        return Verdict("smaller", "peak_high", (last.peak,))
    first_peak = next(a.peak for a in done if a.peak is not None)
    run: list[int] = []
    for attempt in reversed(done):
        if attempt.abandoned or attempt.peak is None or not is_calm(attempt.peak, first_peak, rule):
            break
        run.insert(0, attempt.peak)
    if len(run) >= rule.attempts_in_a_row:
        peaks = tuple(run[-rule.attempts_in_a_row:])
        reason = "calm" if all(p <= rule.calm_peak for p in peaks) else "dropped"
        return Verdict("move_up", reason, peaks, first_peak)
    return Verdict("repeat", "need_more", tuple(run), first_peak)


def _peaks(values: Sequence[int]) -> str:
    parts = [str(v) for v in values]
    if len(parts) <= 1:
        return "".join(parts)
    return w("next.and_join", first=", ".join(parts[:-1]), last=parts[-1])


def explain(v: Verdict, focus: Step, rule: Rules | None = None) -> str:
    """The rule's reason for ``v`` on step ``focus``, in words."""
    rule = rule or load_rules()
    return w(f"next.why.{v.reason}", focus=focus.text, peaks=_peaks(v.peaks), first=v.first_peak,
             calm=rule.calm_peak, needed=rule.attempts_in_a_row, run=len(v.peaks),
             peak=v.peaks[0] if v.peaks else "", high=rule.too_high_peak, goal=focus.goal)


def suggest(store: Store, goal: str | None = None, rule: Rules | None = None,
            now: datetime | None = None) -> Suggestion:
    """What to try next on a ladder (the goal in use unless ``goal``), and why."""
    rule = rule or load_rules()
    gid = goal_id(store, goal) if goal is not None else store.current_goal_id()
    ladder = [s for s in steps(store) if s.goal_id == gid] if gid is not None else []
    name = ladder[0].goal if ladder else (goal or w("ladder.default_goal"))
    if not ladder:
        return Suggestion("empty", "empty", name, w("next.text.empty"), w("next.why.empty"), w("next.hint.add"))
    tries = attempts(store, rule=rule, now=now)
    judged = {s.id: verdict(tries.get(s.id, []), rule) for s in ladder}
    tried = [s for s in ladder if tries.get(s.id)]
    total = len(ladder)
    if not tried:
        first = ladder[0]
        return Suggestion("start", "start", name, w("next.text.start", step=first.text, position=1, total=total,
                                                     fear=first.fear),
                          w("next.why.start", goal=name, fear=first.fear), step=first)
    focus = max(tried, key=lambda s: tries[s.id][-1].started_at)
    v = judged[focus.id]
    why = explain(v, focus, rule)
    if v.kind == "move_up":
        index = ladder.index(focus)
        ahead = [s for s in ladder[index + 1:] if judged[s.id].kind != "move_up"]
        if not ahead:
            return Suggestion("top", v.reason, name, w("next.text.top", goal=name), why, w("next.hint.add"),
                              focus=focus)
        step = ahead[0]
        return Suggestion("move_up", v.reason, name, w("next.text.move_up", step=step.text, position=step.position,
                                                        total=total, fear=step.fear), why, step=step, focus=focus)
    if v.kind == "smaller":
        index = ladder.index(focus)
        below = ladder[index - 1] if index > 0 else None
        fear = in_between_fear(below.fear if below else None, focus.fear)
        text = (w("next.text.smaller", below=below.text, focus=focus.text, fear=fear) if below
                else w("next.text.smaller_first", focus=focus.text, fear=fear))
        hint = w("next.hint.smaller", fear=fear, goal=name)
        return Suggestion("smaller", v.reason, name, text, why, hint, focus=focus, fear_hint=fear)
    return Suggestion("repeat", v.reason, name, w("next.text.repeat", step=focus.text, position=focus.position,
                                                   total=total, fear=focus.fear), why, step=focus, focus=focus)


def in_between_fear(below: int | None, focus: int) -> int:
    """The fear to aim for in a step between the step below (if any) and the one that was too much."""
    if below is None or below >= focus:
        return max(focus - 2, 0)
    middle = (below + focus) // 2
    return middle if middle < focus else max(focus - 1, 0)


@dataclass(frozen=True)
class Position:
    goal: str
    current: int  # position of the step being worked on (0 when the ladder is empty)
    total: int
    passed: int  # steps whose latest attempts met the move-up rule


def position(store: Store, goal: str | None = None, rule: Rules | None = None,
             now: datetime | None = None) -> Position:
    rule = rule or load_rules()
    suggestion = suggest(store, goal, rule, now)
    focus = suggestion.step or suggestion.focus
    ladder = steps(store, suggestion.goal) if suggestion.kind != "empty" else []
    tries = attempts(store, rule=rule, now=now)
    passed = sum(1 for s in ladder if verdict(tries.get(s.id, []), rule).kind == "move_up")
    current = len(ladder) if suggestion.kind == "top" else (focus.position if focus else 0)
    return Position(suggestion.goal, current, len(ladder), passed)
