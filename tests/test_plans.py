"""The journal's named methods for the growth plan, on real SQLite files: one rating rule, interrupted
sessions found in the stored JSON, several writes kept together or not at all."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.events import SessionEvent
from assistant.growth import ladder, moveup
from assistant.journal.export import rating_summary
from assistant.journal.ratings import merge_rating

T0 = datetime(2026, 3, 2, 18, 0).astimezone().timestamp()


@pytest.mark.parametrize("given, expected", [
    ([("before", 5), ("before", 7)], {"before": 5}),  # the first "before"
    ([("peak", 6), ("peak", 9), ("peak", 4)], {"peak": 9}),  # the highest peak
    ([("during", 3), ("during", 8)], {"during": 8}),
    ([("after", 4), ("after", 2)], {"after": 2}),  # the last "after"
    ([("after", 2), ("before", 6), ("peak", 7), ("before", 1), ("after", 5)], {"before": 6, "peak": 7, "after": 5}),
])
def test_merge_rating(given, expected):
    got: dict = {}
    for stage, value in given:
        merge_rating(got, stage, value)
    assert got == expected


def record_rounds(store, sid: str, rounds: list[tuple[int, int, int]], ending: SessionEvent | None = None) -> None:
    store.record(SessionEvent("started", sid, "debrief", at=T0))
    for n, (before, peak, after) in enumerate(rounds, start=1):
        for i, (name, value) in enumerate((("anxiety_before", before), ("anxiety_peak", peak),
                                           ("anxiety_after", after))):
            store.record(SessionEvent("answer", sid, "debrief", step_id=name, field=name, kind="rating", value=value,
                                      text=str(value), at=T0 + 10 * n + i, detail={"round": n}))
    if ending is not None:
        store.record(ending)


def test_the_ladder_the_report_and_exports_fold_ratings_alike(store):
    step = ladder.add_step(store, "Tell Sam about my week", 6)
    record_rounds(store, "s1", [(5, 6, 4), (7, 9, 2)], SessionEvent("finished", "s1", "debrief", at=T0 + 100))
    ladder.link_session(store, "s1", step.id)
    (attempt,) = moveup.attempts(store)[step.id]
    (rated,) = store.rated_sessions("anxiety_before", "anxiety_peak", "anxiety_after", scripts=("debrief",))
    assert (attempt.before, attempt.peak, attempt.after) == (rated.before, rated.peak, rated.after) == (5, 9, 2)
    assert rated.step_text == "Tell Sam about my week"
    assert rating_summary(tuple(store.answers("s1")), short=True) == "anxiety 5→9→2"


@pytest.mark.parametrize("detail, interrupted", [
    ({"reason": "interrupted", "position": 2}, True),
    ({"reason": "stop", "note": "interrupted"}, False),  # the word elsewhere is not the reason
    ({"position": 2}, False),
])
def test_interrupted_is_read_from_the_stopped_events_reason(store, detail, interrupted):
    step = ladder.add_step(store, "Call Dad", 4)
    record_rounds(store, "s1", [], SessionEvent("stopped", "s1", "debrief", at=T0 + 5, detail=detail))
    ladder.link_session(store, "s1", step.id)
    (found,) = store.rated_sessions("anxiety_before", "anxiety_peak", "anxiety_after", linked=True)
    assert found.interrupted is interrupted
    (attempt,) = moveup.attempts(store)[step.id]
    assert attempt.reason == ("interrupted" if interrupted else "stopped")


def test_a_damaged_event_detail_does_not_break_the_ladder(store):
    step = ladder.add_step(store, "Call Dad", 4)
    record_rounds(store, "s1", [], SessionEvent("stopped", "s1", "debrief", at=T0 + 5, detail={"position": 1}))
    ladder.link_session(store, "s1", step.id)
    store.db.execute("UPDATE events SET detail_json = '{not json' WHERE type = 'stopped'")
    (attempt,) = moveup.attempts(store)[step.id]
    assert attempt.reason == "stopped"


def test_writes_inside_atomic_are_kept_together_or_not_at_all(store):
    first = ladder.add_step(store, "Say hi", 1)
    with pytest.raises(RuntimeError):
        with store.atomic():
            new = store.insert_step(first.goal_id, "Ask for help", 5)
            store.order_steps([new, first.id])
            store.set_plan_target("disclosures", 3)
            raise RuntimeError("power cut")
    assert [s.text for s in ladder.steps(store)] == ["Say hi"] and ladder.steps(store)[0].position == 1
    assert store.plan_targets() == {}
    assert not store.db.conn.in_transaction


def test_update_step_refuses_columns_it_does_not_own(store):
    step = ladder.add_step(store, "Say hi", 1)
    with pytest.raises(ValueError):
        store.update_step(step.id, goal_id=99)
