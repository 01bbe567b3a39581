"""Options and helpers shared by the commands that run a session (practice, breathe, ladder build, menu)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import click

from assistant.events import ConfirmMode

ENGINE_CHOICE = click.Choice(["auto", "vosk", "whisper"])


@contextmanager
def usage_errors(*codes: str) -> Iterator[None]:
    """Mistakes in how a command was called are usage errors (``error[usage]``, status 2), even when the
    library is what notices them: ``AssistantError`` with one of ``codes`` becomes a ``click.UsageError``."""
    from assistant.errors import AssistantError

    try:
        yield
    except AssistantError as exc:
        if exc.code not in codes:
            raise
        raise click.UsageError(f"{exc.message}; {exc.hint}" if exc.hint else exc.message) from exc


def ask_passphrase() -> str:
    """The journal's passphrase, asked at the terminal without echo; handed to the journal, which never prompts."""
    from assistant.text import t

    return click.prompt(t("safety.passphrase_prompt"), hide_input=True, err=True, default="", show_default=False)


def open_store(path: str | None = None):
    """The journal, asking for its passphrase at the terminal when it is encrypted and none was given."""
    from assistant.journal.store import Store

    return Store.open(path, ask_passphrase=ask_passphrase)


def unlock_journal() -> None:
    """Open the journal once before a practice runs: the practice opens it by itself, with no way to ask a
    person, so an encrypted journal's passphrase is asked here (and kept for the rest of the process)."""
    open_store().close()


def engine_options(func):
    """--engine/--model/--language, shared by every command that listens."""
    func = click.option("--language", default=None,
                        help="Language of the speech, e.g. en, ko (default: settings).")(func)
    func = click.option("--model", "model", default=None, metavar="PATH",
                        help="A Vosk or whisper model directory (overrides resolution).")(func)
    func = click.option("--engine", type=ENGINE_CHOICE, default=None,
                        help="Speech engine (default: settings, auto).")(func)
    return func


def practice_options(func):
    func = click.option("--confirm", type=click.Choice([str(m) for m in ConfirmMode]), default=None,
                        help="Which answers are read back for confirmation (default: settings, auto: a heard "
                             "rating the recogniser is unsure of).")(func)
    func = click.option("--audio-in", "audio_in", multiple=True, metavar="FILE",
                        help="Recorded answers, one WAV per question asked "
                             "(repeat the option, or list after --).")(func)
    func = click.option("--no-audio", is_flag=True, help="Print prompts only; do not speak them.")(func)
    func = click.option("--text", is_flag=True, help="Type the answers instead of speaking them.")(func)
    return engine_options(func)


def make_mode(text, no_audio, audio_in, confirm, engine, model, language, extra_files=(), guided=False):
    from assistant.practice.run import Mode

    return Mode(text=text, no_audio=no_audio, audio_in=tuple(audio_in) + tuple(extra_files), confirm=confirm,
                engine=engine, model=model, language=language, guided=guided)


class ClickConsole:
    """The practice console for a terminal: captions on stdout, notes on stderr, typed lines by click."""

    def echo(self, text: str, err: bool = False) -> None:
        click.echo(text, err=err)

    def read_line(self) -> str:
        from assistant.text import t

        try:
            return click.prompt(t("pipeline.typed_prompt"), default="", show_default=False, prompt_suffix=" ")
        except click.exceptions.Abort:  # click.prompt aborts on end of input
            raise EOFError from None


def report(result) -> None:
    """The closing line: where the entry went and how to find or continue it."""
    from assistant.text import counted, t

    key = {"finished": "practice.saved", "flagged": "practice.flagged"}.get(result.status, "practice.stopped")
    if not result.answers and result.status != "flagged":  # kept, but nothing to find or continue
        key = "practice.nothing_answered"
    click.echo(t(key, id=result.session_id[:8], answers=counted("answer", result.answers)), err=True)


# Exit status of a run stopped for safety (crisis language heard), so scripts around the assistant can tell
# it from success (0), an error (1) and a usage mistake (2).
CRISIS_EXIT = 3


def finish(result) -> None:
    """Report a run; a run stopped for safety ends the process with ``CRISIS_EXIT``."""
    report(result)
    if result.status == "flagged":
        raise SystemExit(CRISIS_EXIT)


def run_script(script: str, mode, resume_id: str | None = None, step_id: str | None = None, on_event=None):
    from assistant.practice.run import Practice

    unlock_journal()
    with Practice(mode, console=ClickConsole()) as practice:
        result = practice.run(script, resume_id, on_event=on_event, step_id=step_id)
    finish(result)
    return result


