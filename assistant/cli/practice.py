"""Guided practice commands: one sub-command per shipped script, ``practice NAME``, ``resume``,
``prompts list|show``. The work happens in ``assistant.practice.run``."""

from __future__ import annotations

import json

import click

from assistant.cli.options import (
    ClickConsole,
    engine_options,
    finish,
    make_mode,
    open_store,
    practice_options,
    run_script,
    unlock_journal,
)
from assistant.text import counted, t

SHIPPED = {  # command name → script name
    "debrief": "debrief",
    "checkin": "checkin",
    "compassion": "compassion",
    "rehearse": "rehearse",
    "repair": "repair",
    "grounding": "grounding",
    "note": "note",
}
REFLECTING = ("debrief", "checkin", "repair")  # scripts that open with a reflection: --guided skips it


def _check_step(step_id: str | None) -> None:
    """A bad --step fails before anything is said (one line)."""
    if step_id is None:
        return
    from assistant.growth.ladder import get_step

    with open_store() as store:
        get_step(store, step_id)


def _make(command_name: str, script: str) -> click.Command:
    @click.command(command_name, help=t(f"commands.{command_name}"))
    @practice_options
    @click.argument("files", nargs=-1, metavar="[AUDIO_FILES]...")
    def command(text, no_audio, audio_in, confirm, engine, model, language, files, step=None, guided=False):
        _check_step(step)
        mode = make_mode(text, no_audio, audio_in, confirm, engine, model, language, files, guided=guided)
        run_script(script, mode, step_id=step)

    if script in REFLECTING:
        command = click.option("--guided", is_flag=True,
                               help="One question per field, instead of telling it in your own words first.")(command)
    if script == "debrief":
        command = click.option("--step", metavar="ID", default=None,
                               help="The ladder step this was an attempt at (otherwise you are asked).")(command)
    return command


def build_ladder(mode) -> None:
    """Run the ladder-build script, then turn its answers into ladder steps."""
    from assistant.growth.ladder import add_step

    answers: dict[int, dict] = {}
    goal: list[str] = []

    def collect(event):
        if event.type != "answer":
            return
        if event.field == "goal":
            goal[:] = [tidy(event.value)]
        elif event.field in ("step_text", "step_fear"):
            answers.setdefault(event.detail.get("round", 1), {})[event.field] = event.value

    def tidy(text) -> str:  # spoken answers come back as sentences: "Closer friendships."
        return str(text).strip().rstrip(".!?")

    run_script("ladder-build", mode, on_event=collect)
    if not goal:
        return
    added = 0
    with open_store() as store:
        for _round, step in sorted(answers.items()):
            if "step_text" not in step:
                continue
            if "step_fear" not in step:
                click.echo(t("practice.ladder_step_without_fear", text=step["step_text"]), err=True)
                continue
            add_step(store, tidy(step["step_text"]), int(step["step_fear"]), goal[0])
            added += 1
    click.echo(t("practice.ladder_built", steps=counted("step", added), goal=goal[0]))


@click.command("build")
@practice_options
@click.argument("files", nargs=-1, metavar="[AUDIO_FILES]...")
def ladder_build(text, no_audio, audio_in, confirm, engine, model, language, files):
    """Build a ladder by voice: a goal, then steps and how scary each would be."""
    build_ladder(make_mode(text, no_audio, audio_in, confirm, engine, model, language, files))


@click.command("practice")
@click.argument("name")
@practice_options
@click.argument("files", nargs=-1, metavar="[AUDIO_FILES]...")
def practice(name, text, no_audio, audio_in, confirm, engine, model, language, files):
    """Run any guided script, including your own (see: assistant prompts list)."""
    from assistant.dialogue.scripts import load_script

    load_script(name)  # an unknown or broken script is one line before a voice or an engine starts loading
    run_script(name, make_mode(text, no_audio, audio_in, confirm, engine, model, language, files))


@click.command("resume")
@click.option("--script", "script_name", default=None, help="Only continue a session of this script.")
@practice_options
@click.argument("files", nargs=-1, metavar="[AUDIO_FILES]...")
def resume(script_name, text, no_audio, audio_in, confirm, engine, model, language, files):
    """Continue the last unfinished session where it stopped."""
    from assistant.text import fail
    from assistant.times import local_time

    with open_store() as store:
        store.close_abandoned()
        row = store.unfinished(script_name)
    if row is None:
        raise fail("nothing_to_resume")
    click.echo(t("practice.resuming", script=row.script, when=local_time(row.started_at)), err=True)
    run_script(row.script, make_mode(text, no_audio, audio_in, confirm, engine, model, language, files), row.id)


@click.group("prompts", help=t("prompts_cli.help"))
def prompts_group():
    pass


@prompts_group.command("list")
def prompts_list():
    """List the guided scripts (shipped and your own); a broken one is marked with what is wrong."""
    from assistant.dialogue.scripts import survey_scripts

    broken = 0
    for listed in survey_scripts():
        if listed.script is None:
            broken += 1
            click.echo(t("prompts_cli.broken_line", name=listed.name, problem=listed.problem))
            continue
        script = listed.script
        click.echo(t("prompts_cli.line", name=script.name, title=script.title, description=script.description))
    if broken:
        raise SystemExit(1)


@prompts_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Every step with its field and kind, in order, as JSON.")
def prompts_show(name, as_json):
    """Show a script's steps."""
    from assistant.dialogue.scripts import load_script

    script = load_script(name)
    data = script.to_dict()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(t("prompts_cli.title", title=script.title, name=script.name))
    for i, step in enumerate(data["steps"], 1):
        label = f"{step['type']}" + (f" {step['field']} ({step['kind']})" if step.get("field") else "")
        click.echo(t("prompts_cli.step", n=i, label=label, text=step.get("text", "")))
        if "fills" in step:
            fills = ", ".join(field if field == source else f"{field} ← {source}"
                              for field, source in step["fills"].items())
            click.echo(t("prompts_cli.fills", fields=fills))
        if "when" in step:
            click.echo(t("prompts_cli.when", expression=step["when"]))
        if "repeat" in step:
            repeat = step["repeat"]
            key = "prompts_cli.repeat_while" if "while" in repeat else "prompts_cli.repeat"
            click.echo(t(key, start=repeat["from"], rounds=repeat["rounds"], expression=repeat.get("while", "")))


@click.command("demo")
@click.option("--no-audio", is_flag=True, help="Print prompts only; do not speak them.")
@engine_options
@click.pass_context
def demo(ctx, no_audio, engine, model, language):
    """Watch a complete debrief answered by synthetic voices, then see the stored entry."""
    from assistant.cli.entries import show_entry
    from assistant.cli.options import report
    from assistant.dialogue.scripts import load_script
    from assistant.practice.demo import SpokenAnswers, data, kinds_of
    from assistant.practice.run import Practice, load_in_background

    mode = make_mode(False, no_audio, (), None, engine, model, language)
    click.echo(data()["intro"], err=True)
    source = SpokenAnswers(load_in_background(mode, ClickConsole()), kinds_of(load_script("debrief")),
                           on_say=lambda voice, text: click.echo(data()["says"].format(voice=voice, text=text)))
    unlock_journal()
    with Practice(mode, source=source, console=ClickConsole()) as practice:
        result = practice.run("debrief")
    report(result)
    click.echo(data()["done"])
    ctx.invoke(show_entry, entry_id=result.session_id, as_json=False)


MENU = ("debrief", "checkin", "breathe", "compassion", "rehearse", "repair", "grounding", "review")


@click.command("menu")
@practice_options
@click.pass_context
def menu(ctx, text, no_audio, audio_in, confirm, engine, model, language):
    """The spoken menu (what plain `assistant` starts): choose an exercise by voice."""
    from assistant.practice.run import CrisisHeard, Practice

    mode = make_mode(text, no_audio, audio_in, confirm, engine, model, language)
    spoken = tuple(t(f"menu.{key}") for key in MENU)
    unlock_journal()  # a crisis heard at the menu is flagged in the journal
    with Practice(mode, console=ClickConsole()) as practice:
        try:
            again = t("menu.again_typed" if practice.typed else "menu.again")
            picked = practice.choose("menu", spoken, t("menu.prompt"), again)
        except CrisisHeard as hit:
            finish(practice.stop_for_safety("menu", hit.heard, family=hit.family, asked=hit.asked))
            return
        if picked is None:  # stop, silence or the end of input
            practice.voice.say(t("menu.bye"))
            return
        choice = MENU[spoken.index(picked)]
        if mode.audio_in:  # the remaining recordings answer the chosen exercise
            mode = make_mode(text, no_audio, mode.audio_in[practice.source.used:], confirm, engine, model, language)
        else:
            mode = make_mode(text or practice.mic is None, no_audio, (), confirm, engine, model, language)
    if choice == "review":
        _review(ctx)
    elif choice == "breathe":
        ctx.invoke(_breathe_command(), text=mode.text, no_audio=no_audio)
    else:
        run_script(choice, mode)


def _review(ctx) -> None:
    from assistant.cli.entries import list_entries

    ctx.invoke(list_entries, since="7d", until=None, script=None, as_json=False)


def _breathe_command():
    from assistant.cli.breathe import breathe

    return breathe


COMMANDS = [menu, demo, *(_make(name, script) for name, script in SHIPPED.items()), practice, resume, prompts_group]
