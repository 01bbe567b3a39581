"""``assistant breathe``: paced breathing with spoken cues, optional counts and tones, and a
distress rating before and after (the ``breathe`` guided script around the exercise)."""

from __future__ import annotations

import click

from assistant.cli.options import make_mode, practice_options, unlock_journal, usage_errors


@click.command("breathe")
@click.argument("name", required=False)
@click.option("--list", "list_only", is_flag=True, help="List the breathing patterns.")
@click.option("--pattern", "custom", metavar="SECONDS", help="Custom timings: 4-2-6 (in-hold-out) or 4-4-4-4.")
@click.option("--cycles", type=int, default=None, help="How many rounds (default: the pattern's).")
@click.option("--minutes", type=float, default=None, help="Or: about how many minutes.")
@click.option("--tones/--no-tones", default=False, help="Soft tones at each cue (made in code, no files).")
@click.option("--words/--no-words", default=True, help="Spoken cue words (--no-words --tones: tones only).")
@click.option("--counts", is_flag=True, help="Soft counts on each second within a phase.")
@practice_options
def breathe(name, list_only, custom, cycles, minutes, tones, words, counts, text=False, no_audio=False, audio_in=(),
            confirm=None, engine=None, model=None, language=None):
    """Paced breathing (box, 478, coherent, sigh or 4-2-6), with a rating before and after."""
    from assistant.breathing.exercise import BreathingOptions
    from assistant.breathing.patterns import cycles_for, data, get_pattern, patterns
    from assistant.cli.options import ClickConsole, finish
    from assistant.practice.run import Practice
    from assistant.text import counted, fail

    if list_only:
        for pattern in patterns().values():
            click.echo(data()["words"]["list_line"].format(name=pattern.name, title=pattern.title,
                                                           timings=pattern.timings,
                                                           rounds=counted("round", pattern.cycles)))
        return
    with usage_errors("breathing_bad_pattern", "breathing_unknown_pattern", "breathing_bad_cycles",
                      "breathing_bad_minutes", "breathing_cycles_and_minutes"):
        pattern = get_pattern(name, custom)
        rounds = cycles_for(pattern, cycles, minutes)
    if not words and not tones and not no_audio:
        raise fail("breathing_silent")
    mode = make_mode(text, no_audio, audio_in, confirm, engine, model, language)
    unlock_journal()
    with Practice(mode, console=ClickConsole()) as practice:
        practice.breathing = BreathingOptions(pattern, rounds, counts=counts, tones=tones, words=words)
        result = practice.run("breathe")
    finish(result)


COMMANDS = [breathe]
