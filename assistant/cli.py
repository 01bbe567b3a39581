"""The ``assistant`` command line: parses options, calls into the package, prints.

Heavy libraries (vosk, faster-whisper, sounddevice, numpy) are imported inside commands only, so
``assistant --help`` stays fast. Every :class:`AssistantError` becomes one line and exit 1 in ``main``.
"""

from __future__ import annotations

import os
import sys

import click

from assistant import __version__
from assistant.errors import AssistantError


@click.group(invoke_without_command=True)
@click.version_option(__version__, prog_name="assistant")
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="ASSISTANT_HOME",
    help="Directory for all data, cache and models (env: ASSISTANT_HOME).",
)
@click.pass_context
def cli(ctx: click.Context, home: str | None) -> None:
    """Offline, voice-guided practice assistant. With no command: the spoken menu."""
    if home:
        os.environ["ASSISTANT_HOME"] = os.path.abspath(os.path.expanduser(home))
    if ctx.invoked_subcommand is None:
        from assistant.cli_practice import menu

        ctx.invoke(menu)


def _register() -> None:
    from assistant import (cli_audio, cli_breathe, cli_entries, cli_models, cli_plan, cli_practice, cli_safety,
                           cli_speech)

    for module in (cli_practice, cli_breathe, cli_plan, cli_entries, cli_speech, cli_models, cli_audio, cli_safety):
        for command in module.COMMANDS:
            cli.add_command(command)
    cli_safety.install_passphrase_prompt()
    cli_plan.ladder.add_command(cli_practice.ladder_build)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: the single place where errors turn into one line and an exit status."""
    try:
        status = cli.main(args=argv, prog_name="assistant", standalone_mode=False)
    except AssistantError as exc:
        click.echo(exc.line(), err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.UsageError as exc:  # one line, like every other error, with where to look
        command = exc.ctx.command_path if exc.ctx else "assistant"
        click.echo(AssistantError("usage", exc.format_message(), f"see {command} --help").line(), err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(AssistantError("input", exc.format_message()).line(), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    if isinstance(status, int) and status:  # ctx.exit(n) returns n when not in standalone mode
        sys.exit(status)
