"""Private by default: no command but ``models download`` opens a network socket; everything personal
is written 0600; recorded audio is kept only when turned on; ``forget --all`` leaves nothing behind.

The network guard is a ``sitecustomize.py`` put first on PYTHONPATH of every command (and of the
processes they start, such as the speech worker): it makes ``socket.connect``/``connect_ex``/
``sendto``/``bind``, ``getaddrinfo`` and ``create_connection`` record the attempt and fail. AF_UNIX
sockets are allowed: they never leave the machine, and the sound server (PulseAudio) is reached
through one. The guard sees Python's socket calls; native libraries (PortAudio, CTranslate2, Vosk)
open none for what the assistant asks of them, which the guard cannot prove.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
import pytest

from test_practice import remaining_typed_answers

GUARD = textwrap.dedent('''
    import json, os, socket
    _LOG = os.environ["NET_GUARD_LOG"]

    def _note(what, target):
        with open(_LOG, "a") as fh:
            fh.write(json.dumps({"pid": os.getpid(), "what": what, "target": repr(target)}) + "\\n")

    def _blocked(what):
        def guard(*args, **kwargs):
            _note(what, args[:2])
            raise OSError(101, "network blocked by the privacy test")
        return guard

    def _per_socket(name):
        real = getattr(socket.socket, name)
        def guard(self, *args, **kwargs):
            if self.family == socket.AF_UNIX:
                return real(self, *args, **kwargs)
            _note(name, args[:1])
            raise OSError(101, "network blocked by the privacy test")
        return guard

    for _name in ("connect", "connect_ex", "sendto", "bind"):
        setattr(socket.socket, _name, _per_socket(_name))
    socket.getaddrinfo = _blocked("getaddrinfo")
    socket.create_connection = _blocked("create_connection")
''')


@pytest.fixture()
def guarded(tmp_path, cli_process):
    folder = tmp_path / "guard"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(GUARD)
    log = tmp_path / "net.log"
    log.touch()

    def run(home: Path, *args: str, stdin: str = "", timeout: float = 180) -> tuple[subprocess.CompletedProcess, list]:
        before = log.read_text().count("\n")
        env = dict(ASSISTANT_HOME=str(home), NET_GUARD_LOG=str(log),
                   PYTHONPATH=os.pathsep.join([str(folder), *filter(None, [os.environ.get("PYTHONPATH")])]))
        done = cli_process(*args, stdin=stdin, env=env, cwd=home.parent, timeout=timeout)
        attempts = [json.loads(line) for line in log.read_text().splitlines()[before:]]
        return done, attempts

    return run


def test_the_guard_itself_blocks_and_records(guarded, tmp_path):
    done, attempts = guarded(tmp_path / "home", "models", "download", "vosk-model-small-en-us-0.15", "--no-progress")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert len([line for line in done.stderr.splitlines() if line.startswith("error[")]) == 1, done.stderr
    assert attempts and attempts[0]["what"] in ("getaddrinfo", "connect", "create_connection")


def invocations(tmp: Path, wav: str) -> list[tuple[str, list[str], str]]:
    """(name, argv, stdin): a representative run of every command and sub-command."""
    typed = remaining_typed_answers(0)
    return [
        ("settings set", ["settings", "set", "rate", "140"], ""),
        ("settings show", ["settings", "show"], ""),
        ("ladder add", ["ladder", "add", "Ask Sam how he really is", "--fear", "3"], ""),
        ("ladder add 2", ["ladder", "add", "Tell Sam about the panic", "--fear", "6"], ""),
        ("ladder edit", ["ladder", "edit", "1", "--fear", "4"], ""),
        ("ladder list", ["ladder", "list"], ""),
        ("ladder show", ["ladder", "show", "1"], ""),
        ("ladder move", ["ladder", "move", "2", "--before", "1"], ""),
        ("ladder reorder", ["ladder", "reorder"], ""),
        ("ladder build", ["ladder", "build", "--text", "--no-audio"], "closer friends\n"),
        ("debrief", ["debrief", "--guided", "--text", "--no-audio", "--step", "1"], typed),
        ("note", ["note", "--text", "--no-audio"], "I asked Sam for coffee and felt nervous but glad\nyes\n"),
        ("checkin", ["checkin", "--text", "--no-audio"], "lonely\nfour\nyes\nsend a short message\n"),
        ("compassion", ["compassion", "--text", "--no-audio"], "scared\n"),
        ("rehearse", ["rehearse", "--text", "--no-audio"], "to be honest\n"),
        ("repair", ["repair", "--text", "--no-audio"], "I interrupted her\n"),
        ("grounding", ["grounding", "--text", "--no-audio"], "a lamp\n"),
        ("practice", ["practice", "checkin", "--text", "--no-audio"], "calm\n"),
        ("resume", ["resume", "--text", "--no-audio"], "three\nyes\n"),
        ("breathe", ["breathe", "--pattern", "1-1-1", "--cycles", "1", "--text", "--no-audio"],
         "five\nyes\nthree\nyes\n"),
        ("menu", ["menu", "--text", "--no-audio"], ""),
        ("transcribe", ["transcribe", wav], ""),
        ("say", ["say", "--no-audio", "hello"], ""),
        ("say -o", ["say", "-o", str(tmp / "said.wav"), "hello there"], ""),
        ("voices", ["voices"], ""),
        ("devices", ["devices"], ""),
        ("doctor", ["doctor"], ""),
        ("entries list", ["entries", "list"], ""),
        ("entries search", ["entries", "search", "coffee"], ""),
        ("entries export", ["entries", "export", "--format", "json", "-o", str(tmp / "home" / "export.json")], ""),
        ("next", ["next"], ""),
        ("plan set", ["plan", "set", "minutes", "30"], ""),
        ("plan", ["plan"], ""),
        ("today", ["today"], ""),
        ("progress", ["progress"], ""),
        ("report", ["report", "-o", str(tmp / "home" / "report.html")], ""),
        ("rhythm add", ["rhythm", "add", "Coffee with Sam", "--every", "fri 10:00"], ""),
        ("rhythm list", ["rhythm", "list"], ""),
        ("rhythm export", ["rhythm", "export", "-o", str(tmp / "home" / "rhythm.ics")], ""),
        ("rhythm remove", ["rhythm", "remove", "1"], ""),
        ("prompts list", ["prompts", "list"], ""),
        ("prompts show", ["prompts", "show", "debrief"], ""),
        ("models list", ["models", "list"], ""),
        ("models path", ["models", "path"], ""),
        ("models install", ["models", "install", str(tmp / "nothing.zip")], ""),
        ("backup", ["backup"], ""),
        ("restore", ["restore", "BACKUP"], ""),
        ("journal status", ["journal", "status"], ""),
        ("journal encrypt", ["journal", "encrypt"], ""),
        ("journal decrypt", ["journal", "decrypt"], ""),
        ("entries show", ["entries", "show", "ID"], ""),
        ("ladder archive", ["ladder", "archive", "2"], ""),
        ("entries delete", ["entries", "delete", "ID", "--yes"], ""),
        ("forget", ["forget", "--all", "--yes"], ""),
    ]


def covered(table) -> set[str]:
    names = set()
    for _, args, _ in table:
        names.add(args[0])
        if len(args) > 1:
            names.add(f"{args[0]} {args[1]}")
    return names


def every_command() -> set[str]:
    from assistant.cli import cli

    names = set()
    for name, command in cli.commands.items():
        names.add(name)
        if isinstance(command, click.Group):
            names |= {f"{name} {sub}" for sub in command.commands}
    return names - {"models download"}  # the one command that may use the network: tested above


def test_no_command_opens_a_network_socket(guarded, tmp_path, speak, monkeypatch):
    wav = str(speak("I talked to Sam"))
    home = tmp_path / "home"
    table = invocations(tmp_path, wav)
    assert every_command() <= covered(table) | {"demo"}, every_command() - covered(table)
    results = {}

    def demo():
        return guarded(tmp_path / "demo-home", "demo", "--no-audio")

    with ThreadPoolExecutor(max_workers=1) as pool:
        demo_run = pool.submit(demo)
        for name, args, stdin in table:
            env_pass = name.startswith("journal ")
            args = [a.replace("BACKUP", str(next((home / "backups").glob("*.db"), "none"))) for a in args]
            if "ID" in args:
                from assistant.journal.store import Store

                monkeypatch.setenv("ASSISTANT_HOME", str(home))
                with Store.open() as store:
                    args = [store.list_sessions()[0].id if a == "ID" else a for a in args]
            if env_pass:
                os.environ["ASSISTANT_PASSPHRASE"] = "privacy test"
            try:
                results[name] = guarded(home, *args, stdin=stdin)
            finally:
                os.environ.pop("ASSISTANT_PASSPHRASE", None)
        results["demo"] = demo_run.result()
    for name, (done, attempts) in results.items():
        assert not attempts, (name, attempts)
        assert "Traceback" not in done.stderr, (name, done.stderr)
    failed = {name for name, (done, _) in results.items() if done.returncode}
    # Without sound hardware these may fail (one line); a missing zip must; everything else must work.
    assert failed <= {"devices", "doctor", "voices", "menu", "models install", "resume"}, {
        n: results[n][0].stderr[-300:] for n in failed}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_personal_files_are_private(tmp_path, assistant_home, monkeypatch, run_cli):
    assert run_cli("checkin", "--text", "--no-audio", stdin="lonely\nfour\nyes\nsend a short message\n").exit_code == 0
    outputs = {
        "backup": (["backup", "-o", str(tmp_path / "b.db")], tmp_path / "b.db"),
        "report": (["report", "-o", str(tmp_path / "r.html")], tmp_path / "r.html"),
        "export": (["entries", "export", "-o", str(tmp_path / "e.md")], tmp_path / "e.md"),
        "rhythm": (["rhythm", "export", "-o", str(tmp_path / "r.ics")], tmp_path / "r.ics"),
    }
    assert run_cli("rhythm", "add", "Coffee", "--every", "fri 10:00").exit_code == 0
    for name, (args, path) in outputs.items():
        done = run_cli(*args)
        assert done.exit_code == 0, (name, done)
        assert mode(path) == 0o600, name
    assert run_cli("settings", "set", "rate", "130").exit_code == 0
    assert run_cli("say", "-o", str(tmp_path / "said.wav"), "a private sentence").exit_code == 0
    cached = list((assistant_home / "cache" / "tts").glob("*.wav"))
    assert cached and all(mode(p) == 0o600 for p in cached)
    assert mode(assistant_home / "cache" / "tts") == 0o700 and mode(assistant_home) == 0o700
    for path in [assistant_home / "journal.db", assistant_home / "settings.toml",
                 *assistant_home.glob("journal.db-*")]:
        assert mode(path) == 0o600, path


class FakeMic:
    def __init__(self, pcm: bytes) -> None:
        self.pcm = pcm

    def flush(self) -> None:
        pass

    def chunks(self):
        from assistant.audio.formats import chunk_bytes

        yield from chunk_bytes(self.pcm, seconds=0.1)


def test_recorded_audio_is_kept_only_when_turned_on(assistant_home, speak):
    from assistant.audio.formats import load_for_recognition
    from assistant.config import Settings
    from assistant.events import Listen
    from assistant.practice.sources import MicAnswers
    from fakes import ScriptedEngine

    pcm = load_for_recognition(speak("I felt nervous"))
    assert Settings().keep_audio is False
    quiet = MicAnswers(ScriptedEngine(["I felt nervous"]), FakeMic(pcm))
    assert quiet.answer(Listen("feeling", "text")).text == "I felt nervous"
    assert not (assistant_home / "audio").exists() and quiet.kept == []

    Settings().with_value("keep_audio", "true").save()
    kept = MicAnswers(ScriptedEngine(["I felt nervous"]), FakeMic(pcm))
    assert kept.answer(Listen("feeling", "text")).text == "I felt nervous"
    (path,) = (assistant_home / "audio").glob("*.wav")
    assert path.name.endswith("-feeling.wav") and mode(path) == 0o600 and mode(path.parent) == 0o700
    assert kept.kept == [str(path)] and path.stat().st_size > 1000


def test_forget_all_removes_every_trace_but_models(tmp_path, assistant_home, monkeypatch, run_cli):
    monkeypatch.chdir(tmp_path)
    assert run_cli("checkin", "--text", "--no-audio", stdin="lonely\nfour\nyes\nsend a short message\n").exit_code == 0
    assert run_cli("settings", "set", "keep_audio", "true").exit_code == 0
    assert run_cli("backup").exit_code == 0
    assert run_cli("say", "-o", str(tmp_path / "said.wav"), "hello").exit_code == 0
    (assistant_home / "audio").mkdir()
    (assistant_home / "audio" / "x.wav").write_bytes(b"RIFF")
    (assistant_home / "scripts").mkdir()
    (assistant_home / "scripts" / "mine.toml").write_text('title = "mine"\n')
    (assistant_home / "models" / "vosk-model-x").mkdir(parents=True)
    (assistant_home / "notes-of-someone-else.txt").write_text("not ours")
    assert run_cli("entries", "export", "-o", str(assistant_home / "journal.md")).exit_code == 0

    refused = run_cli("forget", "--all", stdin="")  # no answer: nothing goes
    assert refused.one_line_error() and "forget_unconfirmed" in refused.stderr
    declined = run_cli("forget", "--all", stdin="no\n")  # "no" is an answer, not a failure
    assert declined.exit_code == 0 and "error[" not in declined.stderr
    assert "Nothing deleted." in declined.stderr
    assert (assistant_home / "journal.db").exists()
    assert run_cli("forget").one_line_error()

    done = run_cli("forget", "--all", stdin="forget\n")
    assert done.exit_code == 0, done.stderr
    left = sorted(p.name for p in assistant_home.iterdir())
    assert left == ["models", "notes-of-someone-else.txt"], left
    assert (assistant_home / "models" / "vosk-model-x").is_dir()
    assert (tmp_path / "said.wav").exists()  # outside home: not ours to delete
    assert run_cli("entries", "list").stdout.strip() == "No journal entries yet."
