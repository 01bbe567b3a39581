"""The exposure ladder on real SQLite files: ordering, linking debriefs, attempts, the move-up rule, `next`."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import datetime, timedelta

import pytest

from assistant.errors import AssistantError
from assistant.events import SessionEvent
from assistant.growth import ladder, moveup
from assistant.growth.config import Rules
from assistant.growth.moveup import Attempt, verdict
from assistant.journal.store import Store

T0 = datetime(2026, 3, 2, 18, 0).astimezone()  # a Monday evening, local time


def debrief(store: Store, at: datetime, step: int | None = None, before: int | None = None,
            peak: int | None = None, after: int | None = None, ending: str = "finished",
            extra: tuple = (), script: str = "debrief") -> str:
    """Record a debrief exactly as a session does: started, answers, then how it ended."""
    sid = str(uuid.uuid4())
    t = at.timestamp()
    store.record(SessionEvent("started", sid, script, at=t, detail={"title": "Debrief after a practice step"}))
    if step is not None:
        ladder.link_session(store, sid, step)
    answers = [("anxiety_before", "rating", before), ("anxiety_peak", "rating", peak),
               ("anxiety_after", "rating", after), *extra]
    for i, (name, kind, value) in enumerate(answers, start=1):
        if value is not None:
            store.record(SessionEvent("answer", sid, script, step_id=name, field=name, kind=kind, value=value,
                                      text=str(value), at=t + 10 * i, detail={"position": i}))
    if ending == "finished":
        store.record(SessionEvent("finished", sid, script, at=t + 300))
    elif ending == "stopped":
        store.record(SessionEvent("stopped", sid, script, at=t + 300, detail={"position": 3}))
    elif ending == "interrupted":
        store.record(SessionEvent("stopped", sid, script, at=t + 300, detail={"reason": "interrupted", "position": 2}))
    elif ending == "flagged":
        store.record(SessionEvent("flagged", sid, script, at=t + 200, detail={"reason": "crisis"}))
        store.record(SessionEvent("stopped", sid, script, at=t + 201, detail={"reason": "crisis", "position": 2}))
    return sid


# --- The move-up rule, as a pure function ----------------------------------------------------------


def tries(*spec: object) -> list[Attempt]:
    """Each item: a peak (int), None (finished without a peak), or "stopped"/"flagged"/"interrupted"/"ongoing"."""
    found = []
    for i, item in enumerate(spec):
        at = f"2026-03-0{i + 1}T10:00:00.000+00:00"
        if item == "ongoing":
            found.append(Attempt(f"s{i}", 1, at, "in_progress", ongoing=True))
        elif isinstance(item, str):
            found.append(Attempt(f"s{i}", 1, at, "stopped", abandoned=True, reason=item))
        else:
            found.append(Attempt(f"s{i}", 1, at, "finished", 5, item, 2))
    return found


RULE_TABLE = [
    # (attempts, kind, reason, peaks the rule names)
    ((), "untried", "untried", ()),
    (("ongoing",), "untried", "untried", ()),
    ((3,), "repeat", "need_more", (3,)),
    ((3, 2), "move_up", "calm", (3, 2)),
    ((0, 1), "move_up", "calm", (0, 1)),
    ((7, 3, 3), "move_up", "calm", (3, 3)),
    ((8, 4, 3), "move_up", "dropped", (4, 3)),  # 4 is half of the first peak 8
    ((8, 5, 4), "repeat", "need_more", (4,)),
    ((7, 4, 3), "repeat", "need_more", (3,)),  # 4 is more than half of 7
    ((2, 3, 4), "repeat", "need_more", ()),
    ((2, 2, "ongoing"), "move_up", "calm", (2, 2)),  # a session still going is not judged
    ((6, 3, "stopped"), "smaller", "abandoned_stopped", ()),
    ((2, 2, "interrupted"), "smaller", "abandoned_interrupted", ()),
    (("flagged",), "smaller", "abandoned_flagged", ()),
    ((5, 9), "smaller", "peak_high", (9,)),
    ((10,), "smaller", "peak_high", (10,)),
    ((2, "interrupted", 2), "repeat", "need_more", (2,)),  # abandoning breaks the row
    ((3, None), "repeat", "no_peak", ()),
    ((3, None, 2), "repeat", "need_more", (2,)),  # so does a missing peak rating
    ((9, 4, 4), "move_up", "dropped", (4, 4)),
]


@pytest.mark.parametrize("spec, kind, reason, peaks", RULE_TABLE)
def test_move_up_rule(spec, kind, reason, peaks):
    found = verdict(tries(*spec), Rules())
    assert (found.kind, found.reason, found.peaks) == (kind, reason, peaks)


@pytest.mark.parametrize("rule, spec, kind", [
    (Rules(attempts_in_a_row=3), (2, 2), "repeat"),
    (Rules(attempts_in_a_row=3), (2, 2, 2), "move_up"),
    (Rules(calm_peak=5), (5, 5), "move_up"),
    (Rules(too_high_peak=8), (8,), "smaller"),
    (Rules(drop_fraction=0.25), (8, 6, 6), "move_up"),
])
def test_move_up_rule_is_configurable(rule, spec, kind):
    assert verdict(tries(*spec), rule).kind == kind


def test_rule_defaults_come_from_plan_toml():
    from assistant.growth.config import rules

    assert rules() == Rules()


@pytest.mark.parametrize("below, focus, expected", [
    (None, 6, 4), (None, 1, 0), (2, 8, 5), (4, 5, 4), (5, 5, 3), (0, 0, 0),
])
def test_in_between_fear(below, focus, expected):
    assert moveup.in_between_fear(below, focus) == expected


# --- Ordering --------------------------------------------------------------------------------------


def texts(store, goal=None, archived=False) -> list[str]:
    return [s.text for s in ladder.steps(store, goal, include_archived=archived)]


@pytest.mark.parametrize("added, expected", [
    ([("a", 3), ("b", 5), ("c", 1)], ["c", "a", "b"]),
    ([("a", 3), ("b", 3), ("c", 3)], ["a", "b", "c"]),  # equal fear: the newer one goes after
    ([("a", 10), ("b", 0), ("c", 5), ("d", 5)], ["b", "c", "d", "a"]),
])
def test_steps_are_kept_least_to_most_feared(store, added, expected):
    for text, fear in added:
        ladder.add_step(store, text, fear)
    assert texts(store) == expected
    assert [s.position for s in ladder.steps(store)] == list(range(1, len(expected) + 1))


def test_edit_move_archive_and_reorder(store):
    a, b, c = (ladder.add_step(store, t, f, goal="Friends") for t, f in (("a", 2), ("b", 4), ("c", 6)))
    assert ladder.edit_step(store, a.id, fear=5).position == 2  # a changed fear moves it
    assert texts(store) == ["b", "a", "c"]
    ladder.move_step(store, c.id, before=b.id)
    assert texts(store) == ["c", "b", "a"]
    ladder.move_step(store, c.id, after=a.id)
    assert texts(store) == ["b", "a", "c"]
    ladder.archive_step(store, b.id)
    assert texts(store) == ["a", "c"] and [s.position for s in ladder.steps(store)] == [1, 2]
    assert texts(store, archived=True) == ["a", "c", "b"]
    ladder.move_step(store, c.id, before=a.id)
    assert [s.text for s in ladder.reorder_by_fear(store, "friends")] == ["a", "c"]  # goal names are case-blind


def test_goals_are_separate_ladders(store):
    ladder.add_step(store, "text a friend", 2, goal="Friends")
    other = ladder.add_step(store, "hug Mum", 6, goal="Family")
    first = ladder.steps(store, "Friends")[0]
    assert texts(store, "family") == ["hug Mum"]
    with pytest.raises(AssistantError) as info:
        ladder.move_step(store, first.id, before=other.id)
    assert info.value.code == "ladder_move_other_goal"
    with pytest.raises(AssistantError) as info:
        ladder.steps(store, "Work")
    assert info.value.code == "ladder_goal_unknown"


@pytest.mark.parametrize("call, code", [
    (lambda s: ladder.add_step(s, "  ", 3), "ladder_text_empty"),
    (lambda s: ladder.add_step(s, "x", 11), "ladder_bad_fear"),
    (lambda s: ladder.add_step(s, "x", -1), "ladder_bad_fear"),
    (lambda s: ladder.get_step(s, "abc"), "ladder_step_unknown"),
    (lambda s: ladder.get_step(s, 42), "ladder_step_unknown"),
    (lambda s: ladder.move_step(s, 1), "ladder_move_needs_one"),
    (lambda s: ladder.link_session(s, "no-such-session", 1), "ladder_session_unknown"),
])
def test_bad_input_is_one_worded_error(store, call, code):
    ladder.add_step(store, "first", 1)
    with pytest.raises(AssistantError) as info:
        call(store)
    assert info.value.code == code
    assert "{" not in info.value.line()


# --- Attempts from real debriefs -------------------------------------------------------------------


def test_linked_debriefs_become_attempts_with_predicted_vs_actual(store):
    step = ladder.add_step(store, "Tell Sam I missed them", 6)
    first = debrief(store, T0, step.id, before=6, peak=8, after=4)
    debrief(store, T0 + timedelta(days=1), step.id, ending="stopped")  # stopped before the ratings
    debrief(store, T0 + timedelta(days=2), step.id, before=5, peak=6, ending="stopped")  # stopped after them
    debrief(store, T0 + timedelta(days=3), step.id, ending="interrupted")
    debrief(store, T0 + timedelta(days=4), step.id, before=7, ending="flagged")
    debrief(store, T0 + timedelta(days=5), step.id, before=3, ending="in_progress")  # long ago: interrupted
    debrief(store, T0 + timedelta(days=6))  # not linked
    row = store.db.execute("SELECT ladder_step_id FROM sessions WHERE id = ?", [first]).fetchone()
    assert row[0] == str(step.id)

    found = moveup.attempts(store)[step.id]
    assert [(a.before, a.peak, a.after) for a in found] == [
        (6, 8, 4), (None, None, None), (5, 6, None), (None, None, None), (7, None, None), (3, None, None)]
    assert [a.reason for a in found] == ["", "stopped", "", "interrupted", "flagged", "interrupted"]
    assert [a.abandoned for a in found] == [False, True, False, True, True, True]


def test_a_fresh_unfinished_session_is_ongoing(store):
    step = ladder.add_step(store, "Call Dad", 4)
    debrief(store, T0, step.id, peak=3)
    debrief(store, T0 + timedelta(hours=1), step.id, before=3, ending="in_progress")
    now = T0 + timedelta(hours=2)
    found = moveup.attempts(store, now=now)[step.id]
    assert found[-1].ongoing and not found[-1].abandoned
    assert moveup.attempts(store, now=now + timedelta(days=1))[step.id][-1].abandoned


def test_linking_to_an_archived_step_is_refused(store):
    step = ladder.add_step(store, "x", 1)
    ladder.archive_step(store, step.id)
    sid = str(uuid.uuid4())
    store.record(SessionEvent("started", sid, "debrief", at=T0.timestamp()))
    with pytest.raises(AssistantError) as info:
        ladder.link_session(store, sid, step.id)
    assert info.value.code == "ladder_step_archived"


# --- What to try next ------------------------------------------------------------------------------

LADDER = [("Say hi to a neighbour", 2), ("Tell a friend about my week", 4), ("Say I missed them", 7)]

# (attempts per step index: (step, before, peak, after, ending), suggestion kind, step text suggested or None)
NEXT_TABLE = [
    ([], "start", "Say hi to a neighbour"),
    ([(0, 3, 3, 1, "finished")], "repeat", "Say hi to a neighbour"),
    ([(0, 3, 3, 1, "finished"), (0, 2, 2, 1, "finished")], "move_up", "Tell a friend about my week"),
    ([(0, 3, 3, 1, "finished"), (0, 2, 2, 1, "finished"), (1, 6, 9, 5, "finished")], "smaller", None),
    ([(1, 5, 6, 3, "finished"), (1, None, None, None, "stopped")], "smaller", None),
    ([(2, 5, 8, 3, "finished"), (2, 5, 4, 2, "finished"), (2, 3, 3, 1, "finished")], "top", None),
    ([(2, 5, 8, 3, "finished"), (2, 5, 4, 2, "finished"), (0, 3, 3, 1, "finished"), (0, 2, 2, 1, "finished")],
     "move_up", "Tell a friend about my week"),  # step 3 already passed, step 2 not yet
]


@pytest.mark.parametrize("done, kind, step_text", NEXT_TABLE)
def test_next_suggestion(store, done, kind, step_text):
    ids = [ladder.add_step(store, text, fear, goal="Closer friendships").id for text, fear in LADDER]
    for i, (index, before, peak, after, ending) in enumerate(done):
        debrief(store, T0 + timedelta(days=i), ids[index], before, peak, after, ending)
    found = moveup.suggest(store)
    assert found.kind == kind
    assert (found.step.text if found.step else None) == step_text
    assert found.text and found.why and "{" not in found.speech
    if kind == "smaller":
        assert found.fear_hint is not None and found.fear_hint < found.focus.fear
        assert str(found.fear_hint) in found.text


def test_next_on_an_empty_ladder(store):
    found = moveup.suggest(store)
    assert found.kind == "empty" and found.hint


def test_next_follows_the_goal_practised_last(store):
    friends = ladder.add_step(store, "text a friend", 2, goal="Friends")
    ladder.add_step(store, "hug Mum", 6, goal="Family")
    debrief(store, T0, friends.id, 2, 2, 1)
    assert moveup.suggest(store).goal == "Friends"
    assert moveup.suggest(store, "family").step.text == "hug Mum"
    pos = moveup.position(store, "Friends")
    assert (pos.current, pos.total, pos.passed) == (1, 1, 0)


# --- The commands ----------------------------------------------------------------------------------


def test_ladder_commands(run_cli, store):
    added = run_cli("ladder", "add", "Tell Sam one thing about my week", "--fear", "3", "--goal", "Friends")
    assert added.exit_code == 0
    run_cli("ladder", "add", "Say hi", "--fear", "1", "--on", "2026-03-09")
    run_cli("ladder", "add", "Ask Sam how they really are", "--fear", "5")
    listed = run_cli("ladder", "list")
    assert listed.exit_code == 0
    lines = listed.output.splitlines()
    assert lines[0] == "Friends"
    assert "Say hi" in lines[1] and "2026-03-09" in lines[1] and "next up" in lines[1]
    step = ladder.steps(store)[0]
    debrief(store, T0, step.id, before=4, peak=3, after=1)
    shown = run_cli("ladder", "show", str(step.id))
    assert "Predicted fear: 1/10" in shown.output and "4/10 / 3/10 / 1/10" in shown.output
    assert run_cli("ladder", "edit", str(step.id), "--on", "none").exit_code == 0
    assert ladder.get_step(store, step.id).planned_on is None
    assert run_cli("ladder", "move", "3", "--before", "1").exit_code == 0
    assert [s.id for s in ladder.steps(store)] == [2, 3, 1]
    assert run_cli("ladder", "archive", "3").exit_code == 0
    assert "(archived)" in run_cli("ladder", "list", "--all").output
    said = run_cli("next")
    assert said.exit_code == 0 and said.output.startswith("Next: repeat 'Say hi'")


def test_errors_are_one_line_and_exit_1_or_2_for_usage(store, cli_process):
    for args, status in ((["ladder", "show", "7"], 1), (["ladder", "add", "x", "--fear", "12"], 2),
                         (["ladder", "edit", "1"], 1)):
        done = cli_process(*args, timeout=60)
        assert done.returncode == status, done.stderr
        assert done.stderr.startswith("error[") and len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr


def test_help_imports_nothing_heavy():
    program = ("import sys\nfrom assistant import cli\n"
               "try:\n    cli.cli.main(['ladder', '--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
               "heavy = [m for m in ('sqlite_utils', 'numpy', 'icalendar') if m in sys.modules]\n"
               "print('HEAVY', heavy)\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in done.stdout, done.stdout + done.stderr
