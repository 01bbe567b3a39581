"""Progress in words (``assistant progress``) and as one self-contained HTML page (``assistant report``).

The page has no external assets and no script: inline CSS, inline SVG charts, and a Content Security
Policy that forbids loading anything. Every chart is a ``<figure>`` whose ``<svg role="img">`` names its
``<title>`` and ``<desc>`` (the text alternative) and is followed by a ``<figcaption>`` and a table of the
same numbers, so a screen reader, a printer and a therapist all get the data. Every piece of text a
person said is escaped with ``html.escape``. Words come from ``[report]`` in ``prompts/plan.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from html import escape
from typing import TYPE_CHECKING, Any

from assistant.growth.config import answer_fields, plural, w
from assistant.growth.config import rules as load_rules
from assistant.text import counted
from assistant.times import local_day_start, local_time

if TYPE_CHECKING:
    from assistant.journal.store import Store

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 720, 260, 44, 16, 16, 40


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


# --- Progress in words -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    attempts: int
    average_drop: float | None
    goal: str
    current: int
    total: int
    passed: int
    streak: int
    lines: tuple[str, ...]

    @property
    def speech(self) -> str:
        return " ".join(self.lines)

    def to_dict(self) -> dict[str, Any]:
        return {"attempts_this_week": self.attempts, "average_drop": self.average_drop, "goal": self.goal,
                "ladder_step": self.current, "ladder_steps": self.total, "steps_passed": self.passed,
                "streak_weeks": self.streak, "lines": list(self.lines)}


def progress(store: Store, now: datetime | None = None) -> Progress:
    from assistant.growth.moveup import position
    from assistant.growth.plan import Week, count_week, streak

    count = count_week(store, Week.of(now))
    where = position(store, now=now.astimezone(timezone.utc) if now else None)
    weeks = streak(store, now)
    lines = [plural("progress.attempts", count.attempts)]
    drop = count.average_drop
    if drop is None:
        lines.append(w("progress.drop_none"))
    else:
        lines.append(w("progress.drop" if drop >= 0 else "progress.rise", points=_number(round(abs(drop), 1))))
    if where.total:
        lines.append(w("progress.ladder", goal=where.goal, current=where.current, total=where.total,
                       passed=where.passed))
    else:
        lines.append(w("progress.ladder_none"))
    lines.append(plural("plan.streak", weeks))
    return Progress(count.attempts, drop, where.goal, where.current, where.total, where.passed, weeks, tuple(lines))


# --- Data for the report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    when: str  # local date and time, for reading
    title: str
    before: int | None
    peak: int | None
    after: int | None


def _since_stamp(since: date | None) -> str | None:
    return local_day_start(since) if since is not None else None


def _until_stamp(until: date | None) -> str | None:
    """The end of the local day ``until`` (exclusive), stored form: ``--until`` includes that whole day."""
    return local_day_start(until + timedelta(days=1)) if until is not None else None


def anxiety_points(store: Store, since: date | None = None, until: date | None = None) -> list[Point]:
    """Debrief sessions with at least one anxiety rating, oldest first."""
    fields = answer_fields()
    found = store.rated_sessions(fields.before, fields.peak, fields.after, scripts=fields.debrief_scripts,
                                 since=_since_stamp(since), until=_until_stamp(until))
    fmt = w("report.time_format")
    return [Point(local_time(s.started_at, fmt), s.step_text, s.before, s.peak, s.after) for s in found if s.rated]


MOOD_SCRIPTS = ("note", "checkin")  # the quick entries where a person says how they are
MOOD_FEELINGS = ("emotions", "feeling")  # their feelings fields (a note's, a check-in's)


def mood(store: Store, since: date | None = None, top: int = 3, until: date | None = None) -> str:
    """The report's mood line: how many notes and check-ins, the feelings named most, the average strength."""
    from collections import Counter

    found = store.sessions_of(MOOD_SCRIPTS, start=_since_stamp(since), end=_until_stamp(until))
    sessions = [s for s in found if s.answer_count]
    if not sessions:
        return w("report.mood.none")
    answers = store.answers_in([s.id for s in sessions], [*MOOD_FEELINGS, "intensity"])
    named: Counter[str] = Counter()
    strengths = []
    for a in answers:
        if a.field == "intensity" and isinstance(a.value, int) and not isinstance(a.value, bool):
            strengths.append(a.value)
        elif a.field in MOOD_FEELINGS:
            values = a.value if isinstance(a.value, list) else [a.value] if a.value else []
            named.update(str(v).strip().lower() for v in values if str(v).strip())
    parts = [plural("report.mood.entries", len(sessions))]
    if named:
        most = ", ".join(w("report.mood.feeling", feeling=f, count=n) for f, n in named.most_common(top))
        parts.append(w("report.mood.feelings", feelings=most))
    if strengths:
        parts.append(w("report.mood.strength", average=_number(round(sum(strengths) / len(strengths), 1))))
    return w("report.mood.line", parts="; ".join(parts))


def learnings(store: Store, since: date | None = None, limit: int = 12,
              until: date | None = None) -> list[tuple[str, str]]:
    fields = answer_fields()
    found = store.latest_texts(fields.debrief_scripts, fields.learned, _since_stamp(since), limit,
                               until=_until_stamp(until))
    fmt = w("report.day_format")
    return [(local_time(a.started_at, fmt), a.text or "") for a in found]


# --- SVG -------------------------------------------------------------------------------------------


def _x(index: int, count: int) -> float:
    inner = WIDTH - PAD_LEFT - PAD_RIGHT
    return PAD_LEFT + (inner / 2 if count <= 1 else inner * index / (count - 1))


def _y(value: float, top: float = 10) -> float:
    inner = HEIGHT - PAD_TOP - PAD_BOTTOM
    return PAD_TOP + inner * (1 - value / top)


def _svg_open(ident: str, title: str, desc: str) -> list[str]:
    return [f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc" viewBox="0 0 {WIDTH} {HEIGHT}"'
            f' width="100%" xmlns="http://www.w3.org/2000/svg">',
            f'<title id="{ident}-title">{escape(title)}</title>', f'<desc id="{ident}-desc">{escape(desc)}</desc>']


def _axis(top: float, ticks: list[float]) -> list[str]:
    parts = []
    for tick in ticks:
        y = _y(tick, top)
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="tick" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(tick)}</text>')
    return parts


SERIES = (("before", "s-before", "circle"), ("peak", "s-peak", "square"), ("after", "s-after", "diamond"))


def _marker(shape: str, x: float, y: float, css: str) -> str:
    if shape == "circle":
        return f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="4"/>'
    if shape == "square":
        return f'<rect class="{css}" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8"/>'
    points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
    return f'<polygon class="{css}" points="{points}"/>'


def anxiety_chart(points: list[Point]) -> str:
    desc = w("report.anxiety.desc", attempts=counted("attempt", len(points))) if points else w("report.anxiety.empty")
    svg = _svg_open("anxiety", w("report.anxiety.title"), desc) + _axis(10, [0, 2, 4, 6, 8, 10])
    for stage, css, shape in SERIES:
        coords = [(_x(i, len(points)), _y(getattr(p, stage))) for i, p in enumerate(points)
                  if getattr(p, stage) is not None]
        if len(coords) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
            svg.append(f'<polyline class="line {css}" points="{path}"/>')
        svg += [_marker(shape, x, y, f"dot {css}") for x, y in coords]
    step = max(1, len(points) // 6)
    for i, p in enumerate(points):
        if i % step == 0:
            anchor = "start" if i == 0 and len(points) > 1 else "end" if i == len(points) - 1 else "middle"
            svg.append(f'<text class="tick" x="{_x(i, len(points)):.1f}" y="{HEIGHT - 20}" text-anchor="{anchor}">'
                       f'{escape(p.when.split(" ")[0])}</text>')
    legend_x = PAD_LEFT
    for stage, css, shape in SERIES:
        svg.append(_marker(shape, legend_x + 5, HEIGHT - 6, f"dot {css}"))
        name = escape(w(f"report.stage.{stage}"))
        svg.append(f'<text class="tick" x="{legend_x + 14}" y="{HEIGHT - 2}">{name}</text>')
        legend_x += 110
    svg.append("</svg>")
    head = [w("report.anxiety.col_when"), w("report.anxiety.col_step")] + [w(f"report.stage.{s}") for s, _, _ in SERIES]
    rows = [[p.when, p.title or w("report.none"), *(_cell(getattr(p, s)) for s, _, _ in SERIES)] for p in points]
    return _figure("anxiety", svg, w("report.anxiety.caption"), head, rows)


def _cell(value: Any) -> str:
    return w("report.none") if value is None else _number(value)


def ladder_chart(store: Store, now: datetime | None = None) -> str:
    from assistant.growth.ladder import steps
    from assistant.growth.moveup import attempts, verdict

    rule = load_rules()
    ladder = steps(store)
    tries = attempts(store, rule=rule, now=now)
    bar_h, gap = 18, 8
    height = max(60, PAD_TOP + len(ladder) * (bar_h + gap) + 30)
    desc = w("report.ladder.desc", steps=counted("ladder_step", len(ladder))) if ladder else w("report.ladder.empty")
    svg = [f'<svg role="img" aria-labelledby="ladder-title ladder-desc" viewBox="0 0 {WIDTH} {height}"'
           f' width="100%" xmlns="http://www.w3.org/2000/svg">',
           f'<title id="ladder-title">{escape(w("report.ladder.title"))}</title>',
           f'<desc id="ladder-desc">{escape(desc)}</desc>']
    label_w, inner = 250, WIDTH - 250 - 140
    rows = []
    for i, s in enumerate(ladder):
        y = PAD_TOP + i * (bar_h + gap)
        done = [a for a in tries.get(s.id, []) if not a.ongoing]
        state = verdict(done, rule).kind
        status = w(f"report.ladder.state.{'passed' if state == 'move_up' else 'untried' if not done else 'working'}")
        last_peak = next((a.peak for a in reversed(done) if a.peak is not None), None)
        label = f"{s.goal} · {s.position}. {s.text}"
        short = label if len(label) <= 38 else label[:37] + "…"
        svg.append(f'<text class="tick" x="{label_w - 8}" y="{y + 13}" text-anchor="end">{escape(short)}</text>')
        svg.append(f'<rect class="bar-fear" x="{label_w}" y="{y}" width="{inner * s.fear / 10:.1f}" height="{bar_h}"/>')
        if last_peak is not None:
            x = label_w + inner * last_peak / 10
            svg.append(f'<line class="peak-mark" x1="{x:.1f}" x2="{x:.1f}" y1="{y - 2}" y2="{y + bar_h + 2}"/>')
        svg.append(f'<text class="tick" x="{label_w + inner + 6}" y="{y + 13}">{escape(status)}</text>')
        rows.append([s.goal, str(s.position), s.text, str(s.fear), str(len(done)), _cell(last_peak), status])
    svg.append("</svg>")
    head = [w(f"report.ladder.col_{c}") for c in ("goal", "position", "step", "fear", "attempts", "peak", "state")]
    return _figure("ladder", svg, w("report.ladder.caption"), head, rows)


def targets_chart(store: Store, now: datetime | None = None) -> str:
    from assistant.growth.plan import MEASURES, Week, count_week, targets

    weeks = [Week.of(now).shift(-i) for i in range(load_rules().report_weeks - 1, -1, -1)]
    counts = [count_week(store, week) for week in weeks]
    goals = targets(store)
    top = max([4] + [c.disclosures for c in counts] + [goals.get("disclosures", 0)])
    top += top % 2  # even, so the middle tick is a whole number
    target = goals.get("disclosures", w("report.none"))
    desc = w("report.targets.desc", weeks=counted("week", len(weeks)), target=target)
    svg = _svg_open("targets", w("report.targets.title"), desc) + _axis(top, [0, top // 2, top])
    slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / len(weeks)
    for i, c in enumerate(counts):
        x = PAD_LEFT + i * slot + slot * 0.2
        y = _y(c.disclosures, top)
        svg.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.6:.1f}"'
                   f' height="{_y(0, top) - y:.1f}"/>')
        svg.append(f'<text class="tick" x="{x + slot * 0.3:.1f}" y="{HEIGHT - 20}" text-anchor="middle">'
                   f'{escape(c.week.label)}</text>')
    if goals.get("disclosures"):
        y = _y(goals["disclosures"], top)
        svg.append(f'<line class="target" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
    svg.append("</svg>")
    head = [w("report.targets.col_week")] + [w(f"plan.measures.{m}") for m in MEASURES]
    rows = [[c.week.label] + [_with_target(c.value(m), goals.get(m)) for m in MEASURES] for c in counts]
    return _figure("targets", svg, w("report.targets.caption"), head, rows)


def _with_target(value: float, target: int | None) -> str:
    return w("report.of_target", value=_number(value), target=target) if target else _number(value)


def _figure(ident: str, svg: list[str], caption: str, head: list[str], rows: list[list[str]]) -> str:
    parts = [f'<figure id="fig-{ident}">', "\n".join(svg), f"<figcaption>{escape(caption)}</figcaption>",
             f'<table><caption class="visually-hidden">{escape(caption)}</caption><thead><tr>']
    parts += [f'<th scope="col">{escape(h)}</th>' for h in head]
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
    if not rows:
        parts.append(f'<tr><td colspan="{len(head)}">{escape(w("report.no_data"))}</td></tr>')
    parts.append("</tbody></table></figure>")
    return "\n".join(parts)


STYLE = """
body{font:16px/1.5 system-ui,sans-serif;color:#111;background:#fff;max-width:780px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
figure{margin:1rem 0;break-inside:avoid}figcaption{font-style:italic;margin:.3rem 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #bbb;padding:.2rem .4rem;text-align:left}
svg{display:block;max-width:100%;height:auto}.grid{stroke:#ddd}.tick{font-size:12px;fill:#333}
.line{fill:none;stroke-width:2}.s-before{stroke:#1f5fa8;fill:#1f5fa8}.s-peak{stroke:#a83232;fill:#a83232}
.s-after{stroke:#2e7d32;fill:#2e7d32}.line.s-before,.line.s-peak,.line.s-after{fill:none}
.s-peak.line{stroke-dasharray:5 3}.bar{fill:#5b7fa6}.bar-fear{fill:#c9d6e6}.peak-mark{stroke:#a83232;stroke-width:3}
.target{stroke:#111;stroke-dasharray:6 4}
blockquote{margin:.3rem 0 .8rem 1rem;padding-left:.6rem;border-left:3px solid #bbb}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}}
"""


def render_html(store: Store, since: date | None = None, now: datetime | None = None,
                until: date | None = None) -> str:
    """The whole report page; ``since`` and ``until`` (whole local days, either open) limit the sessions
    charted, the mood line and what was learned."""
    summary = progress(store, now)
    stamp = (now or datetime.now()).astimezone().strftime(w("report.time_format"))
    scope = (w("report.between", since=since.isoformat(), until=until.isoformat()) if since and until
             else w("report.since", day=since.isoformat()) if since
             else w("report.until", day=until.isoformat()) if until else w("report.all_time"))
    parts = ["<!DOCTYPE html>", f'<html lang="{escape(w("report.lang"))}">', "<head>", '<meta charset="utf-8">',
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{escape(w('report.title'))}</title>", f"<style>{STYLE}</style>", "</head>", "<body>", "<main>",
             f"<h1>{escape(w('report.title'))}</h1>",
             f"<p>{escape(w('report.made', when=stamp, scope=scope))}</p>",
             f"<p>{escape(w('report.note'))}</p>",
             f"<h2>{escape(w('report.summary_heading'))}</h2>", "<ul>"]
    parts += [f"<li>{escape(line)}</li>" for line in (*summary.lines, mood(store, since, until=until))]
    parts += ["</ul>", f"<h2>{escape(w('report.anxiety.heading'))}</h2>",
              anxiety_chart(anxiety_points(store, since, until)),
              f"<h2>{escape(w('report.ladder.heading'))}</h2>", ladder_chart(store, now),
              f"<h2>{escape(w('report.targets.heading'))}</h2>", targets_chart(store, now),
              f"<h2>{escape(w('report.learned.heading'))}</h2>"]
    learned = learnings(store, since, until=until)
    if learned:
        for day, text in learned:
            parts.append(f"<p><strong>{escape(day)}</strong></p><blockquote>{escape(text)}</blockquote>")
    else:
        parts.append(f"<p>{escape(w('report.learned.empty'))}</p>")
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
