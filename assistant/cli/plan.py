"""Growth-plan commands: ``ladder``, ``next``, ``plan``, ``rhythm``, ``today``, ``progress``, ``report``.

Thin: options in, one call into ladder / plan / rhythm / report, words from ``prompts/plan.toml`` out.
Everything heavy (sqlite-utils via the store) is imported inside the commands.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

import click

from assistant.cli.options import open_store, usage_errors
from assistant.growth.config import lookup, w
from assistant.text import counted

DAY_HELP = "YYYY-MM-DD, today, tomorrow, a weekday, 'in three days'; none clears."


def _open():
    return open_store()


SPEAK = click.option("--speak/--no-speak", default=None,
                     help="Say it aloud too (default: when run in a terminal).")


def _say(text: str, speak: bool | None) -> None:
    """Speak a summary line (already printed, so no caption) when asked, or when a person is at a
    terminal; piped or scripted output stays silent. Sound problems never fail the command."""
    import sys

    if speak is None:
        speak = sys.stdout.isatty()
    if not speak or not text.strip():
        return
    from assistant.speech.tts.voice import Voice

    voice = Voice(echo=lambda *a, **k: None)
    try:
        voice.say(text)
    finally:
        voice.close()


def _echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _plan_day(text: str | None) -> str | None:
    """A planned day from what a person typed, as YYYY-MM-DD; None clears."""
    from assistant.dialogue.parse import parse_date
    from assistant.text import fail

    word = (text or "").strip().lower()
    if word in lookup("ladder.days.clear"):
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return date.fromisoformat(word).isoformat()
        except ValueError:
            raise fail("ladder_bad_day", value=text) from None
    parsed = parse_date(word)
    if not parsed.ok:
        raise fail("ladder_bad_day", value=text)
    return parsed.value


def _planned(day: str | None) -> str:
    return w("ladder.row_planned", day=day) if day else ""


# --- ladder ----------------------------------------------------------------------------------------


@click.group()
def ladder() -> None:
    """Your exposure ladder: small steps, least feared first."""


@ladder.command("add")
@click.argument("text")
@click.option("--fear", type=int, required=True, help="Predicted fear, 0 (calm) to 10.")
@click.option("--goal", metavar="GOAL", help="Which ladder (made when new); default: the one in use.")
@click.option("--on", "on_day", metavar="DAY", help=f"Plan it for a day: {DAY_HELP}")
def ladder_add(text: str, fear: int, goal: str | None, on_day: str | None) -> None:
    """Add a step; it goes in its place by predicted fear."""
    from assistant.growth import ladder as lad

    planned = _plan_day(on_day) if on_day else None
    with _open() as store:
        with usage_errors("ladder_bad_fear", "ladder_text_empty"):
            step = lad.add_step(store, text, fear, goal, planned)
        total = len(lad.steps(store, step.goal))
    click.echo(w("ladder.added", id=step.id, goal=step.goal, text=step.text, fear=step.fear,
                 position=step.position, total=total))


@ladder.command("list")
@click.option("--goal", metavar="GOAL", help="Only this ladder.")
@click.option("--all", "show_all", is_flag=True, help="Include archived steps.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ladder_list(goal: str | None, show_all: bool, as_json: bool) -> None:
    """List ladder steps in order, per goal."""
    from dataclasses import asdict

    from assistant.growth import ladder as lad
    from assistant.growth import moveup

    with _open() as store:
        found = lad.steps(store, goal, include_archived=show_all)
        tries = moveup.attempts(store)
        names = list(dict.fromkeys(s.goal for s in found if not s.archived))
        nexts = {moveup.suggest(store, name).step for name in names}
    if as_json:
        _echo_json([asdict(s) | {"attempts": len(tries.get(s.id, []))} for s in found])
        return
    if not found:
        click.echo(w("ladder.empty"))
        return
    current = None
    for s in found:
        if s.goal != current:
            current = s.goal
            click.echo(w("ladder.goal_heading", goal=s.goal))
        if s.archived:
            click.echo(w("ladder.row_archived", id=s.id, text=s.text, fear=s.fear))
            continue
        passed = moveup.verdict(tries.get(s.id, [])).kind == "move_up"
        mark = w("ladder.mark_passed") if passed else w("ladder.mark_focus") if s in nexts else ""
        click.echo(w("ladder.row", position=s.position, id=s.id, text=s.text, fear=s.fear,
                     planned=_planned(s.planned_on), mark=mark))


@ladder.command("show")
@click.argument("step_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def ladder_show(step_id: str, as_json: bool) -> None:
    """Show a step: predicted fear against each attempt's before / peak / after."""
    from dataclasses import asdict

    from assistant.growth import ladder as lad
    from assistant.growth import moveup
    from assistant.times import local_time

    with _open() as store:
        step = lad.get_step(store, step_id)
        tries = moveup.attempts(store).get(step.id, [])
        total = len(lad.steps(store, step.goal))
    judged = moveup.verdict(tries)
    if as_json:
        _echo_json({"step": asdict(step), "attempts": [asdict(a) for a in tries], "verdict": asdict(judged)})
        return
    lines = [w("ladder.show_heading", id=step.id, goal=step.goal, text=step.text),
             w("ladder.show_fear", fear=step.fear, position=step.position, total=total,
               planned=_planned(step.planned_on))]
    if step.archived:
        lines.append(w("ladder.show_archived"))
    if not tries:
        lines.append(w("ladder.show_no_attempts", id=step.id))
    else:
        lines.append(w("ladder.show_attempts", fear=step.fear))
        for a in tries:
            state = (w("ladder.show_attempt_ongoing") if a.ongoing else
                     w("ladder.show_attempt_abandoned", reason=w(f"ladder.abandoned.{a.reason}")) if a.abandoned
                     else "")
            lines.append(w("ladder.show_attempt", when=local_time(a.started_at), before=_rating(a.before),
                           peak=_rating(a.peak), after=_rating(a.after), state=state))
        lines.append(w("ladder.show_verdict", why=moveup.explain(judged, step)))
    click.echo("\n".join(lines))


def _rating(value: int | None) -> str:
    return w("ladder.show_no_rating") if value is None else w("ladder.show_rating", value=value)


@ladder.command("edit")
@click.argument("step_id", metavar="ID")
@click.argument("text", metavar="[TEXT]", required=False)  # as in ladder add (--text means typed answers)
@click.option("--fear", type=int, help="New predicted fear, 0 to 10 (the step moves to its place).")
@click.option("--on", "on_day", metavar="DAY", help=f"Plan it for a day: {DAY_HELP}")
def ladder_edit(step_id: str, text: str | None, fear: int | None, on_day: str | None) -> None:
    """Change a step's words (TEXT), predicted fear or planned day.

    For example: assistant ladder edit 3 "Call Mum on Sunday" --fear 5."""
    from assistant.growth import ladder as lad
    from assistant.text import fail

    if text is None and fear is None and on_day is None:
        raise fail("ladder_nothing_to_edit")
    extra = {"planned_on": _plan_day(on_day)} if on_day is not None else {}
    with _open() as store:
        step = lad.edit_step(store, step_id, text, fear, **extra)
        total = len(lad.steps(store, step.goal))
    click.echo(w("ladder.edited", id=step.id, text=step.text, fear=step.fear, position=step.position, total=total))


@ladder.command("move")
@click.argument("step_id", metavar="ID")
@click.option("--before", metavar="ID", help="Put it just before this step.")
@click.option("--after", metavar="ID", help="Put it just after this step.")
def ladder_move(step_id: str, before: str | None, after: str | None) -> None:
    """Move a step before or after another step of the same ladder."""
    from assistant.growth import ladder as lad

    with usage_errors("ladder_move_needs_one"), _open() as store:
        step = lad.move_step(store, step_id, before, after)
        total = len(lad.steps(store, step.goal))
    click.echo(w("ladder.moved", id=step.id, position=step.position, total=total, goal=step.goal))


@ladder.command("reorder")
@click.option("--goal", metavar="GOAL", help="Which ladder; default: the one in use.")
def ladder_reorder(goal: str | None) -> None:
    """Put a ladder back in order of predicted fear."""
    from assistant.growth import ladder as lad

    with _open() as store:
        found = lad.reorder_by_fear(store, goal)
    if found:
        click.echo(w("ladder.reordered", goal=found[0].goal))


@ladder.command("archive")
@click.argument("step_id", metavar="ID")
def ladder_archive(step_id: str) -> None:
    """Take a step off the ladder (its attempts are kept)."""
    from assistant.growth import ladder as lad

    with _open() as store:
        step = lad.archive_step(store, step_id)
    click.echo(w("ladder.archived", id=step.id, text=step.text))


# --- next, plan ------------------------------------------------------------------------------------


@click.command("next")
@click.option("--goal", metavar="GOAL", help="Which ladder; default: the one practised last.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the words to speak).")
@SPEAK
def next_step(goal: str | None, as_json: bool, speak: bool | None) -> None:
    """What to try next on your ladder, and why."""
    from assistant.growth.moveup import suggest

    with _open() as store:
        suggestion = suggest(store, goal)
    if as_json:
        _echo_json(suggestion.to_dict())
        return
    click.echo("\n".join(line for line in (suggestion.text, suggestion.why, suggestion.hint) if line))
    _say(suggestion.speech, speak)


@click.group("plan", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@SPEAK
@click.pass_context
def plan(ctx: click.Context, as_json: bool, speak: bool | None) -> None:
    """This week against your weekly targets, and your streak."""
    if ctx.invoked_subcommand is not None:
        return
    from assistant.growth.plan import plan_view

    with _open() as store:
        view = plan_view(store)
    if as_json:
        _echo_json(view.to_dict())
        return
    click.echo("\n".join(view.lines + view.celebrations + view.notes))
    _say(view.speech, speak)


@plan.command("set", context_settings={"ignore_unknown_options": True})  # "-1" is a target, said wrong
@click.argument("measure", metavar="disclosures|new_topics|minutes")
@click.argument("target", type=int)
def plan_set(measure: str, target: int) -> None:
    """Set a weekly target (0 removes it).

    For example: assistant plan set disclosures 3."""
    from assistant.growth.plan import set_target

    with usage_errors("plan_unknown_measure", "plan_bad_target"), _open() as store:
        set_target(store, measure, target)
    name = w(f"plan.measures.{measure}")
    click.echo(w("plan.set", name=name, target=target) if target else w("plan.cleared", name=name))


# --- rhythm, today ---------------------------------------------------------------------------------


@click.group()
def rhythm() -> None:
    """Recurring check-ins, and the calendar file for them."""


@rhythm.command("add")
@click.argument("title")
@click.option("--every", "every", required=True, metavar="WHEN", help='Weekdays and a time: "fri 10:00".')
@click.option("--interval", type=int, metavar="WEEKS", help="Every this many weeks (2 = every other week).")
def rhythm_add(title: str, every: str, interval: int | None) -> None:
    """Add a recurring check-in.

    For example: assistant rhythm add "Call Mum" --every "sun 18:00" --interval 2 (every other Sunday)."""
    from assistant.growth import rhythm as rh

    with usage_errors("rhythm_bad_every", "rhythm_bad_interval", "rhythm_title_empty"), _open() as store:
        found = rh.add_rhythm(store, title, every, interval)
    click.echo(w("rhythm.added", id=found.id, title=found.title, when=rh.describe(found),
                 first=found.start_date.isoformat()))


@rhythm.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def rhythm_list(as_json: bool) -> None:
    """List recurring check-ins."""
    from dataclasses import asdict

    from assistant.growth import rhythm as rh

    with _open() as store:
        found = rh.rhythms(store)
    if as_json:
        _echo_json([asdict(r) | {"rrule": r.rrule} for r in found])
        return
    if not found:
        click.echo(w("rhythm.empty"))
    for r in found:
        click.echo(w("rhythm.row", id=r.id, title=r.title, when=rh.describe(r)))


@rhythm.command("remove")
@click.argument("rhythm_id", metavar="ID")
def rhythm_remove(rhythm_id: str) -> None:
    """Remove a recurring check-in."""
    from assistant.growth import rhythm as rh

    with _open() as store:
        found = rh.remove_rhythm(store, rhythm_id)
    click.echo(w("rhythm.removed", id=found.id, title=found.title))


@rhythm.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="The .ics file to write (0600).")
def rhythm_export(output: str) -> None:
    """Write the rhythm, repair follow-ups and planned steps as an iCalendar file."""
    from assistant.growth.rhythm import to_ics
    from assistant.journal.export import write_private

    with _open() as store:
        text = to_ics(store)
    path = write_private(output, text)
    click.echo(w("rhythm.exported", path=path, events=counted("event", text.count("BEGIN:VEVENT"))), err=True)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON (with the words to speak).")
@SPEAK
def today(as_json: bool, speak: bool | None) -> None:
    """What is due today, the suggested next step and your streak."""
    from assistant.growth.rhythm import today_view

    with _open() as store:
        view = today_view(store)
    if as_json:
        _echo_json(view.to_dict())
        return
    click.echo("\n".join(view.lines))
    _say(view.speech, speak)


# --- progress, report ------------------------------------------------------------------------------


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def progress(as_json: bool) -> None:
    """A short summary: attempts this week, average drop, ladder position, streak."""
    from assistant.growth.report import progress as summary

    with _open() as store:
        found = summary(store)
    if as_json:
        _echo_json(found.to_dict())
        return
    click.echo("\n".join(found.lines))


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="The .html file to write (0600).")
@click.option("--since", metavar="DAY", help="Only sessions from this day on: YYYY-MM-DD, today, yesterday, 7d, 2w.")
@click.option("--until", metavar="DAY", help="Only sessions up to this day: YYYY-MM-DD, today, yesterday, 7d, 2w.")
def report(output: str, since: str | None, until: str | None) -> None:
    """Write a one-file HTML progress report (charts with text alternatives; printable)."""
    from assistant.growth.report import render_html
    from assistant.journal.export import write_private
    from assistant.times import day_range

    with usage_errors("entries_bad_date", "days_reversed"):
        first, last = day_range(since, until)
    with _open() as store:
        html = render_html(store, first, datetime.now().astimezone(), until=last)
    path = write_private(output, html)
    click.echo(w("report.written", path=path), err=True)


COMMANDS = [ladder, next_step, plan, rhythm, today, progress, report]
