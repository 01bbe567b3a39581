"""kill -9 at random points of a debrief fed by --audio-in: every answer that was stored before the kill
is still there, the journal is whole, and ``assistant resume`` carries on from where it stopped.

20 seeded runs, two at a time (each in its own home). The kill point is random twice over: after a
random number of stored answers, plus a random delay of up to 0.4 s (so it lands while an answer is
being recognised, read back, or written). Three runs are resumed to the end with typed answers; the
others must resume and store the next answer.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from test_practice import DEBRIEF_SPOKEN, remaining_typed_answers

RUNS = 20
RESUME_TO_THE_END = {0, 7, 13}
SEED = 6


def snapshot(db: Path) -> dict[str, str]:
    """field → stored value (JSON text), read without writing anything."""
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        return dict(conn.execute("SELECT field, value_json FROM answers").fetchall())
    finally:
        conn.close()


def session_row(db: Path) -> tuple[str, str, int]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT id, status, position FROM sessions").fetchone()
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = sqlite3.connect(str(db))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def kill_at_random(home: Path, files: list[str], after_answers: int, delay: float) -> dict[str, str]:
    """Start a debrief, kill -9 it once ``after_answers`` are stored and ``delay`` more has passed.
    Returns the last snapshot of stored answers seen before the kill."""
    db = home / "journal.db"
    # One recogniser thread per process: two runs share the CPUs without oversubscribing them.
    env = dict(os.environ, ASSISTANT_HOME=str(home), OMP_NUM_THREADS="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "debrief", "--guided", "--no-audio", "--audio-in", *files],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    seen: dict[str, str] = {}
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.03)
            try:
                seen = snapshot(db)
            except sqlite3.Error:  # not created yet
                continue
            if len(seen) >= after_answers:
                break
        time.sleep(delay)
        try:
            seen = snapshot(db)  # the latest the test saw committed: it must survive the kill
        except sqlite3.Error:
            pass
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    return seen


def one_run(index: int, plan: tuple[int, float], files: list[str], root: Path, cli_process) -> str:
    after_answers, delay = plan
    home = root / f"run{index:02d}"
    in_home = {"ASSISTANT_HOME": str(home)}
    seen = kill_at_random(home, files, after_answers, delay)
    db = home / "journal.db"
    assert integrity(db) == "ok", index
    kept = snapshot(db)
    lost = {f: v for f, v in seen.items() if kept.get(f) != v}
    assert not lost, (index, lost)
    session_id, status, position = session_row(db)
    if status == "finished":  # the kill came after the last write: nothing to resume
        return f"run {index}: killed after the end ({len(kept)} answers)"
    assert status == "in_progress", (index, status)
    if index in RESUME_TO_THE_END:
        done = cli_process("resume", "--text", "--no-audio", stdin=remaining_typed_answers(position), env=in_home)
        assert done.returncode == 0, (index, done.stderr)
        after = snapshot(db)
        assert session_row(db)[1] == "finished", index
        assert all(after[f] == v for f, v in kept.items() if f not in ("wants_break",)), index
        assert "coffee" in after["next_step"]
        return f"run {index}: killed with {len(kept)} answers, resumed to the end ({len(after)} answers)"
    # Resume, answer the next question, then input ends: the session must have moved past the kill point.
    lines = remaining_typed_answers(position).splitlines()
    step = cli_process("resume", "--text", "--no-audio", stdin="\n".join(lines[:2]) + "\n", env=in_home)
    assert step.returncode == 0 and "Traceback" not in step.stderr, (index, step.stderr)
    after = snapshot(db)
    new_id, status, new_position = session_row(db)
    assert new_id == session_id and status in ("stopped", "finished"), (index, status)
    assert new_position > position and len(after) > len(kept), (index, position, new_position, len(kept))
    assert all(after[f] == v for f, v in kept.items()), index
    return f"run {index}: killed with {len(kept)} answers at step {position}, resumed to step {new_position}"


def test_twenty_random_kill_9_runs_lose_nothing_stored_and_resume(speak, tmp_path, cli_process):
    files = [str(speak(text, pad=0.4)) for text, _ in DEBRIEF_SPOKEN]  # short pads: less to recognise
    rng = random.Random(SEED)
    plans = [(rng.randint(1, 12), rng.uniform(0.0, 0.4)) for _ in range(RUNS)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda i: one_run(i, plans[i], files, tmp_path, cli_process), range(RUNS)))
    print("\n".join(results), f"\n{RUNS} runs in {time.monotonic() - started:.1f} s")
    assert len(results) == RUNS
    assert sum("resumed" in r for r in results) >= RUNS - 2  # at most a couple may be killed after the end
