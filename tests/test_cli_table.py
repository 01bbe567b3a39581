"""The lazy command table in prompts/commands.toml must match the real commands."""

from __future__ import annotations

import subprocess
import sys

from assistant.cli import _table, cli


def test_every_listed_command_loads_and_its_summary_is_its_help():
    table = _table()
    for name, entry in table.items():
        command = cli.commands[name]
        assert command.name == name
        assert command.callback.__module__ == entry["module"]
        assert entry["summary"] == command.get_short_help_str(200), name


def test_no_command_is_missing_from_the_table():
    import importlib

    modules = {entry["module"] for entry in _table().values()}
    for module in modules:
        for command in importlib.import_module(module).COMMANDS:
            assert command.name in _table(), f"{command.name} is not in prompts/commands.toml"


def test_help_lists_commands_without_importing_them():
    code = ("import sys; from assistant.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('assistant.cli.')), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "transcribe" in proc.stdout and "debrief" in proc.stdout
    assert proc.stderr.strip() == "[]"
