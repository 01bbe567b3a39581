"""Many processes writing to one journal at once: no "database is locked", every row present.

The journal takes the write lock at BEGIN (``journal_db.JournalDatabase``) so the busy timeout queues
writers instead of failing read-then-write transactions, and migrations run under that lock so
processes opening a brand-new journal together do not both create its tables.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from assistant.journal.store import Store
from test_practice import remaining_typed_answers

BREATHE_WRITER = textwrap.dedent('''
    import sys, time
    from assistant.events import SessionEvent
    from assistant.journal.store import Store
    worker, sessions = sys.argv[1], int(sys.argv[2])
    with Store.open() as store:
        for n in range(sessions):
            sid = f"breathe-{worker}-{n}"
            store.record(SessionEvent("started", sid, "breathe", detail={"title": "Breathing", "position": 0}))
            store.record(SessionEvent("answer", sid, "breathe", step_id="exercise", field="distress_before",
                                      kind="rating", value=6, text="six"))
            store.record(SessionEvent("answer", sid, "breathe", step_id="exercise", field="distress_after",
                                      kind="rating", value=3, text="three"))
            store.record(SessionEvent("finished", sid, "breathe", detail={"position": 1}))
''')

LADDER_WRITER = textwrap.dedent('''
    import subprocess, sys
    worker, count = sys.argv[1], int(sys.argv[2])
    for n in range(count):
        for args in (["ladder", "add", f"step {worker}-{n}", "--fear", str((n * 3) % 11)],
                     ["ladder", "edit", "1", "--fear", str((n + int(worker)) % 11)]):
            done = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True)
            if done.returncode:
                sys.stderr.write(done.stderr)
                sys.exit(done.returncode)
''')


def spawn(args: list[str], stdin: str | None = None) -> subprocess.Popen:
    proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ))
    if stdin is not None:
        proc.stdin.write(stdin)
    proc.stdin.close()
    return proc


def finish(procs: list[subprocess.Popen]) -> list[tuple[int, str]]:
    return [(p.wait(120), p.stderr.read()) for p in procs]


def assert_no_lock_errors(results: list[tuple[int, str]]) -> None:
    for status, stderr in results:
        assert "locked" not in stderr and "journal_busy" not in stderr and "Traceback" not in stderr, stderr
        assert status == 0, stderr


def test_eight_processes_write_at_once_without_locking_errors(cli_process):
    python = sys.executable
    done = cli_process("ladder", "add", "Warm-up call", "--fear", "2")
    assert done.returncode == 0, done.stderr
    typed = remaining_typed_answers(0)
    debrief = [python, "-m", "assistant", "debrief", "--guided", "--text", "--no-audio", "--step", "1"]
    procs = [spawn(debrief, stdin=typed) for _ in range(3)]
    procs += [spawn([python, "-c", BREATHE_WRITER, str(worker), "25"]) for worker in range(3)]
    procs += [spawn([python, "-c", LADDER_WRITER, str(worker), "6"]) for worker in range(2)]
    assert len(procs) == 8
    assert_no_lock_errors(finish(procs))

    with Store.open() as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        debriefs = store.list_sessions(script="debrief")
        breathing = store.list_sessions(script="breathe")
        steps = store.db.execute("SELECT goal_id, position FROM ladder_steps WHERE archived_at IS NULL").fetchall()
        linked = store.db.execute("SELECT count(*) FROM sessions WHERE ladder_step_id = '1'").fetchone()[0]
    assert len(debriefs) == 3 and all(s.status == "finished" and s.answer_count >= 14 for s in debriefs)
    assert len(breathing) == 75 and all(s.status == "finished" and s.answer_count == 2 for s in breathing)
    assert len(steps) == 1 + 2 * 6 and linked == 3
    positions = sorted(p for _, p in steps)
    assert positions == list(range(1, len(steps) + 1))  # renumbering never interleaved


def test_eight_processes_opening_a_brand_new_journal_together(assistant_home):
    code = textwrap.dedent('''
        import sys
        from assistant.events import SessionEvent
        from assistant.journal.store import Store
        with Store.open() as store:
            store.record(SessionEvent("started", "s" + sys.argv[1], "checkin", detail={"position": 0}))
    ''')
    procs = [spawn([sys.executable, "-c", code, str(n)]) for n in range(8)]
    assert_no_lock_errors(finish(procs))
    assert Path(assistant_home / "journal.db").exists()
    with Store.open() as store:
        assert len(store.list_sessions()) == 8
        applied = [r[0] for r in store.db.execute("SELECT name FROM _sqlite_migrations").fetchall()]
    assert len(applied) == len(set(applied))
