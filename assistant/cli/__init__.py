"""The ``assistant`` command line: thin click commands that parse options, call into the packages below and
print. No domain logic lives here. Commands are listed in ``prompts/commands.toml`` and imported only when
one runs; ``main`` is the only place where an error becomes one line and an exit status.

May import: everything.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

import click

from assistant import __version__
from assistant.errors import AssistantError
from assistant.text import fail


def _table() -> dict[str, dict]:
    """``prompts/commands.toml``: the command list, read without importing any command module."""
    import tomllib

    from assistant.resources import package_data_dir

    with open(package_data_dir("prompts") / "commands.toml", "rb") as fh:
        return tomllib.load(fh)


class LazyCommands(MutableMapping):
    """The root group's commands, imported only when one is used (``assistant --help`` imports none)."""

    def __init__(self) -> None:
        self._loaded: dict[str, click.Command] = {}
        self._table: dict[str, dict] | None = None

    @property
    def table(self) -> dict[str, dict]:
        if self._table is None:
            self._table = _table()
        return self._table

    def _load(self, name: str) -> click.Command:
        import importlib

        module = importlib.import_module(self.table[name]["module"])
        for command in module.COMMANDS:
            self._loaded.setdefault(command.name, command)
        if name == "ladder":  # built by voice, so it lives with the guided sessions
            from assistant.cli.practice import ladder_build

            group = self._loaded["ladder"]
            assert isinstance(group, click.Group)
            group.add_command(ladder_build)
        return self._loaded[name]

    def __getitem__(self, name: str) -> click.Command:
        if name in self._loaded:
            return self._loaded[name]
        if name not in self.table:
            raise KeyError(name)
        return self._load(name)

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self._loaded.pop(name, None)

    def __iter__(self):
        return iter(sorted(set(self.table) | set(self._loaded)))

    def __len__(self) -> int:
        return len(set(self.table) | set(self._loaded))


class LazyGroup(click.Group):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands: LazyCommands = LazyCommands()  # type: ignore[assignment]

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """An unknown command that is a likely slip (``export`` for ``entries export``) names the command
        meant (``prompts/messages.toml`` ``[likely_commands]``) instead of click's guesses by spelling."""
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            meant = _likely_command(args[0] if args else "")
            if meant is None:
                raise
            from assistant.text import t

            raise click.UsageError(t("cli.no_such_command", name=args[0], meant=meant), ctx) from exc

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        table = self.commands.table
        rows = [(name, table[name]["summary"]) for name in self.list_commands(ctx) if name in table]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _likely_command(word: str) -> str | None:
    """The command a person probably meant by an unknown ``word``, from the table of likely slips."""
    from assistant.text import lookup

    table: dict[str, str] = lookup("likely_commands")
    return table.get(word.casefold())


# -h is --help everywhere (sub-commands inherit the context settings of the root).
@click.group(cls=LazyGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assistant")
@click.option(
    "--home",
    metavar="DIR",
    help="Directory for all data, cache and models (env: ASSISTANT_HOME).",
)
@click.option("--verbose", is_flag=True,
              help="Write a detailed log to assistant.log in the home (the log setting keeps a shorter one).")
@click.pass_context
def cli(ctx: click.Context, home: str | None, verbose: bool) -> None:
    """Offline, voice-guided practice assistant. With no command: the spoken menu."""
    # ASSISTANT_HOME is not checked here: --help must work whatever it holds, and the commands that use the
    # home say what is wrong with it, naming ASSISTANT_HOME (config.home).
    if home:
        path = os.path.abspath(os.path.expanduser(home))
        if os.path.exists(path) and not os.path.isdir(path):
            from assistant.text import t

            raise click.BadParameter(t("cli.home_is_file", path=path), ctx, param_hint="'--home'")
        os.environ["ASSISTANT_HOME"] = path
    _start_log(verbose, ctx.invoked_subcommand)
    if ctx.invoked_subcommand is None:
        from assistant.cli.practice import menu

        ctx.invoke(menu)


LOG_NAME = "assistant.log"


def _start_log(verbose: bool, command: str | None) -> None:
    """With --verbose (everything) or the ``log`` setting (warnings and above): the package's log records
    go to ``assistant.log`` in the home, 0600, at most ~1 MB plus one older file. Only the ``assistant``
    loggers write there, and they never log what a person said: the log holds what went wrong and where."""
    import logging

    _stop_log()
    _quiet_by_default()
    if not verbose:
        from assistant.config import Settings

        try:
            wanted = Settings.load().log
        except AssistantError:  # a home or settings file that cannot be read: the command says so, if it uses them
            wanted = False
        if not wanted:
            return
    import logging.handlers

    from assistant.config import ensure_home, touch_private

    logger = logging.getLogger("assistant")
    try:
        path = ensure_home() / LOG_NAME
        touch_private(path)
    except (AssistantError, OSError):  # no usable home: no log, and the command says why if it needs the home
        return
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=1, encoding="utf-8")
    handler.assistant_log = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    logger.info("assistant %s, command %s", __version__, command or "menu")


def _quiet_by_default() -> None:
    """With no log asked for, the package's records go nowhere (not to Python's last-resort printer on
    stderr, which would add lines to the one-line errors). Imported here, not at start-up: --help stays light."""
    import logging

    package = logging.getLogger("assistant")
    if not any(isinstance(h, logging.NullHandler) for h in package.handlers):
        package.addHandler(logging.NullHandler())


def _stop_log() -> None:
    """Close the log file of this run, if one was opened (``main`` may run more than once in a process)."""
    import logging

    logger = logging.getLogger("assistant")
    for handler in [h for h in logger.handlers if getattr(h, "assistant_log", False)]:
        logger.removeHandler(handler)
        handler.close()
    logger.setLevel(logging.NOTSET)


def _log_error(exc: BaseException) -> None:
    """An error that ends the command, in the log (if one is kept): its code and where it came from; the
    message stays on the screen only, as it may quote what was typed."""
    import logging
    import traceback

    _quiet_by_default()
    log = logging.getLogger("assistant.cli")
    if not isinstance(exc, AssistantError):  # a database error: its own words are the library's
        log.warning("command failed", exc_info=exc)
        return
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
    cause = exc.__cause__
    # The error it was made from (a database or file error) by type and place only: its words may quote a path.
    if cause is None:
        because = ""
    else:
        kind = f"error[{cause.code}]" if isinstance(cause, AssistantError) else f"{type(cause).__module__}." \
            f"{type(cause).__name__}"
        tb = traceback.extract_tb(cause.__traceback__)
        because = f" from {kind}" + (f" at {tb[-1].filename}:{tb[-1].lineno}" if tb else "")
    log.warning("command failed: error[%s] raised at %s%s", exc.code, where, because)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the single place where errors turn into one line and an exit status."""
    try:
        _main(argv)
    finally:
        _stop_log()


def _main(argv: list[str] | None) -> None:
    try:
        status = cli.main(args=argv, prog_name="assistant", standalone_mode=False)
    except AssistantError as exc:
        _log_error(exc)
        click.echo(exc.line(), err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.exceptions.NoArgsIsHelpError as exc:  # a bare group: its help is the answer, not a mistake
        click.echo(exc.ctx.get_help() if exc.ctx else exc.format_message())
        sys.exit(0)
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
    except Exception as exc:  # a database error the journal did not foresee: still one line, never a traceback
        from assistant.journal.encryption import is_db_error

        if not is_db_error(exc):
            raise
        _log_error(exc)
        click.echo(fail("journal_failed", reason=exc).line(), err=True)
        sys.exit(1)
    if isinstance(status, int) and status:  # ctx.exit(n) returns n when not in standalone mode
        sys.exit(status)
