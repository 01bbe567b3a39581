"""Breathing schedule math with a fake clock: exact cue times, no drift, tempo, pause/resume."""

from __future__ import annotations

import pytest

from assistant.breathing.patterns import Timeline, custom_pattern, cycles_for, get_pattern, patterns
from assistant.errors import AssistantError


def run(timeline: Timeline, until: float = 10_000.0):
    return timeline.due(until)


@pytest.mark.parametrize(
    "name,phases",
    [("box", [4, 4, 4, 4]), ("478", [4, 7, 8]), ("coherent", [5.5, 5.5]), ("sigh", [2, 1, 6, 2])],
)
def test_shipped_patterns(name, phases):
    assert [p.seconds for p in patterns()[name].phases] == phases


@pytest.mark.parametrize(
    "spec,cues,seconds",
    [("4-2-6", ["in", "hold", "out"], [4, 2, 6]), ("4-4-4-4", ["in", "hold", "out", "hold"], [4] * 4),
     ("5.5-5.5", ["in", "out"], [5.5, 5.5])],
)
def test_custom_pattern(spec, cues, seconds):
    pattern = custom_pattern(spec)
    assert [p.cue for p in pattern.phases] == cues and [p.seconds for p in pattern.phases] == seconds


@pytest.mark.parametrize("spec", ["4", "4-x-6", "0-4", "4-4-4-4-4", "", "30-1"])
def test_bad_custom_pattern(spec):
    with pytest.raises(AssistantError):
        custom_pattern(spec)


def test_box_cue_times_are_exact_multiples_without_drift():
    timeline = Timeline(get_pattern("box"), cycles=75)  # 20 minutes
    cues = run(timeline)
    assert len(cues) == 300
    assert [c.at_s for c in cues] == [4.0 * i for i in range(300)]
    assert [c.key for c in cues[:4]] == ["in", "hold", "out", "hold"]
    assert timeline.done and timeline.completed_cycles == 75


def test_fractional_phases_accumulate_exactly():
    cues = run(Timeline(get_pattern("coherent"), cycles=100))
    assert cues[-1].at_s == pytest.approx(5.5 * 199, abs=1e-6)


def test_counts_fall_on_whole_seconds_within_the_phase():
    cues = run(Timeline(get_pattern("478"), cycles=1, counts=True))
    hold = [c for c in cues if c.phase == 1]
    assert [(c.kind, c.key, c.at_s) for c in hold] == [("cue", "hold", 4.0)] + [
        ("count", w, 4.0 + i) for i, w in enumerate(["two", "three", "four", "five", "six", "seven"], 1)]
    assert hold[0].slot_s == 1.0  # the "hold" cue must fit before "two"


def test_due_only_returns_cues_before_the_horizon():
    timeline = Timeline(get_pattern("box"), cycles=2)
    assert [c.at_s for c in timeline.due(8.0)] == [0.0, 4.0]
    assert [c.at_s for c in timeline.due(8.0)] == []
    assert [c.at_s for c in timeline.due(12.5)] == [8.0, 12.0]


def test_slower_stretches_from_the_next_phase():
    timeline = Timeline(get_pattern("box"), cycles=2)
    first = timeline.due(0.1)  # "in" at 0; the next phase (hold at 4) is already planned
    assert [c.at_s for c in first] == [0.0]
    timeline.set_tempo(faster=False)
    later = timeline.due(100)
    # hold at 4.0 was planned before the change; from "out" on every phase is 4 * 1.15 = 4.6 s
    assert [c.at_s for c in later[:3]] == [4.0, 8.0, pytest.approx(12.6)]


def test_pause_then_resume_restarts_the_phase():
    timeline = Timeline(get_pattern("box"), cycles=1)
    assert [c.key for c in timeline.due(5.0)] == ["in", "hold"]  # hold started at 4.0
    timeline.pause(5.0)
    assert timeline.due(100) == []
    timeline.resume(30.0)
    rest = timeline.due(100)
    assert [(c.key, c.at_s) for c in rest] == [("hold", 30.0), ("out", 34.0), ("hold", 38.0)]
    assert timeline.done


@pytest.mark.parametrize("cycles,minutes,expected", [(None, None, 6), (3, None, 3), (None, 2, 8), (None, 0.1, 1)])
def test_cycles_for(cycles, minutes, expected):
    assert cycles_for(get_pattern("box"), cycles, minutes) == expected


@pytest.mark.parametrize("cycles,minutes", [(0, None), (None, 0), (None, 100), (3, 2)])
def test_cycles_for_rejects(cycles, minutes):
    with pytest.raises(AssistantError):
        cycles_for(get_pattern("box"), cycles, minutes)
