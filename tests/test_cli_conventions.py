"""The command line's conventions, the same in every command: -h, bare groups, a home that is a file, one
meaning per option name, -o/--output for files written, --until wherever --since is, a reversed range, likely
slips for unknown commands, and "no" at a confirmation. Each is checked over the real command tree, so a
command added later is held to them too."""

from __future__ import annotations

import click
import pytest

from assistant.cli import cli
from assistant.text import lookup


def _tree() -> dict[tuple[str, ...], click.Command]:
    """Every command path of ``assistant`` (groups and their sub-commands) → its click command."""
    found: dict[tuple[str, ...], click.Command] = {}

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        found[path] = command
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                assert sub is not None, name
                walk(sub, (*path, name))

    walk(cli, ())
    return found


TREE = _tree()
PATHS = sorted(TREE)
GROUPS = sorted(path for path, command in TREE.items()
                if path and isinstance(command, click.Group) and not command.invoke_without_command)


def _id(path: tuple[str, ...]) -> str:
    return " ".join(path) or "assistant"


# --- -h is --help ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_h_is_help_everywhere(path, run_cli):
    short, long = run_cli(*path, "-h"), run_cli(*path, "--help")
    assert short.exit_code == long.exit_code == 0, short
    assert short.stdout == long.stdout and short.stdout.startswith(f"Usage: assistant {' '.join(path)}".rstrip())


# --- a bare group shows its help ---------------------------------------------------------------------------


def test_the_groups_are_the_ones_named_in_the_readme():
    assert [path[0] for path in GROUPS] == ["entries", "journal", "ladder", "models", "prompts", "rhythm",
                                            "settings"]


@pytest.mark.parametrize("path", GROUPS, ids=_id)
def test_a_bare_group_shows_its_help_and_succeeds(path, run_cli):
    done = run_cli(*path)
    assert done.exit_code == 0 and done.stderr == "", done
    assert done.stdout == run_cli(*path, "--help").stdout
    assert "Commands:" in done.stdout


# --- a home that is a file ---------------------------------------------------------------------------------


@pytest.fixture
def file_home(tmp_path) -> str:
    path = tmp_path / "not-a-folder"
    path.write_text("a file where the home should be\n")
    return str(path)


@pytest.mark.parametrize("path", PATHS, ids=_id)
def test_help_works_whatever_assistant_home_holds(path, file_home, run_cli):
    done = run_cli(*path, "--help", env={"ASSISTANT_HOME": file_home})
    assert done.exit_code == 0 and done.stdout.startswith("Usage:"), done


def test_help_works_with_verbose_and_a_file_home(file_home, run_cli):
    done = run_cli("--verbose", "entries", "-h", env={"ASSISTANT_HOME": file_home})
    assert done.exit_code == 0 and done.stdout.startswith("Usage: assistant entries"), done


HOME_USERS = [["entries", "list"], ["settings", "show"], ["ladder", "list"], ["models", "path"], ["backup"],
              ["plan"], ["report", "-o", "x.html"], ["checkin", "--text", "--no-audio"], ["forget", "--all"]]


@pytest.mark.parametrize("args", HOME_USERS, ids=" ".join)
def test_a_command_that_needs_the_home_names_assistant_home(args, file_home, run_cli):
    done = run_cli(*args, env={"ASSISTANT_HOME": file_home})
    assert done.one_line_error() and done.exit_code == 1, done
    (line,) = done.error_lines
    assert line.startswith("error[home_env_not_folder]: ASSISTANT_HOME points at a file")
    assert file_home in line and "--home" not in line


def test_a_home_flag_that_is_a_file_names_the_flag(file_home, run_cli):
    done = run_cli("--home", file_home, "entries", "list")
    assert done.one_line_error() and done.exit_code == 2, done
    assert "'--home'" in done.stderr and "is a file, not a folder" in done.stderr


# --- one meaning per option name ----------------------------------------------------------------------------


def _kind(option: click.Option) -> str:
    if option.is_flag:
        return "flag"
    if isinstance(option.type, click.Choice):
        return "choice " + ",".join(map(str, option.type.choices))
    if isinstance(option.type, click.Path):
        return "path"
    return option.type.name


def _options() -> dict[str, dict[str, list[str]]]:
    """Option spelling → kind of value → the commands that take it so."""
    found: dict[str, dict[str, list[str]]] = {}
    for path, command in TREE.items():
        for param in command.params:
            if isinstance(param, click.Option):
                for spelling in (*param.opts, *param.secondary_opts):
                    found.setdefault(spelling, {}).setdefault(_kind(param), []).append(_id(path))
    return found


def test_each_option_name_means_one_thing():
    found = _options()
    two_meanings = {name: kinds for name, kinds in found.items() if len(kinds) > 1}
    assert two_meanings == {}
    assert list(found["--engine"]) == ["choice auto,vosk,whisper"]  # the recogniser, everywhere
    assert list(found["--voice-engine"]) == ["choice auto,piper,pyttsx3"]


def test_a_file_written_is_always_o_output():
    found = _options()
    assert "--out" not in found
    for path, command in TREE.items():
        for param in command.params:
            if isinstance(param, click.Option) and "--output" in param.opts:
                assert "-o" in param.opts, _id(path)
    assert "say" in found["--output"]["path"]


def test_until_is_wherever_since_is():
    for path, command in TREE.items():
        names = {spelling for param in command.params for spelling in getattr(param, "opts", ())}
        assert ("--since" in names) == ("--until" in names), _id(path)
    assert len(_options()["--since"]["text"]) >= 3  # entries list, entries export, report


@pytest.mark.parametrize("args", [["entries", "list"], ["entries", "export"], ["report", "-o", "x.html"]],
                         ids=" ".join)
def test_since_after_until_is_one_usage_line(store, args, run_cli):
    done = run_cli(*args, "--since", "2w", "--until", "3w")
    assert done.one_line_error() and done.exit_code == 2, done
    (line,) = done.error_lines
    assert line.startswith("error[usage]: --since 2w (") and "is after --until 3w" in line
    assert "--since 3w --until 2w" in line  # the fix: swapped
    assert done.stdout == ""


@pytest.mark.parametrize("args", [["entries", "list"], ["entries", "export"], ["report", "-o", "x.html"]],
                         ids=" ".join)
def test_since_on_the_day_of_until_is_fine(store, args, run_cli, tmp_path):
    done = run_cli(*[str(tmp_path / a) if a.endswith(".html") else a for a in args], "--since", "3d",
                   "--until", "3d")
    assert done.exit_code == 0, done


# --- unknown commands ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, meant", sorted(lookup("likely_commands").items()))
def test_a_likely_slip_names_the_command_meant(typed, meant, run_cli):
    assert tuple(meant.split()) in TREE, f"{typed} → {meant}: no such command"
    done = run_cli(typed)
    assert done.one_line_error() and done.exit_code == 2, done
    assert f"No such command '{typed}'. Did you mean 'assistant {meant}'?" in done.stderr


def test_another_unknown_command_is_still_one_usage_line(run_cli):
    done = run_cli("frobnicate")
    assert done.one_line_error() and done.exit_code == 2
    assert "No such command 'frobnicate'" in done.stderr


def test_the_old_spellings_are_gone(run_cli):
    for args in (["say", "--engine", "pyttsx3", "hi"], ["say", "--out", "x.wav", "hi"]):
        done = run_cli(*args)
        assert done.one_line_error() and done.exit_code == 2 and "No such option" in done.stderr, done


# --- ladder edit takes its words as ladder add does ------------------------------------------------------------


def test_ladder_edit_takes_new_words_as_an_argument(store, run_cli):
    assert run_cli("ladder", "add", "Say hi", "--fear", "2").exit_code == 0
    done = run_cli("ladder", "edit", "1", "Say hello to the neighbour", "--fear", "3")
    assert done.exit_code == 0, done
    from assistant.growth import ladder

    step = ladder.get_step(store, "1")
    assert (step.text, step.fear) == ("Say hello to the neighbour", 3)
