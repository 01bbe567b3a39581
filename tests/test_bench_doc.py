"""docs/benchmarks.md as ``scripts/bench`` writes it: a full run replaces the sections it ran and keeps the
others; a quick run writes nothing; every figure gets a row with what it means and its goal."""

from __future__ import annotations

import json
import re

import pytest

from test_bench import SCRIPTS, bench

bench_doc = bench.bench_doc
MACHINE = {"when": "2026-12-06 16:00 UTC", "cpu": "Some CPU", "cpus": 2, "memory": "8 GiB", "system": "Linux",
           "python": "3.11.7", "load": "1.0 0.5 0.2"}


def sections(document: str) -> dict[str, str]:
    return {m.group("name"): m.group(0) for m in bench_doc.SECTION.finditer(document)}


def test_the_shipped_document_is_made_of_sections_a_run_can_replace():
    """Each section of docs/benchmarks.md is one the bench runs (a new section has none until its first full run;
    a section the bench does not run would hold figures nobody can renew)."""
    document = bench_doc.DOCUMENT.read_text(encoding="utf-8")
    found = sections(document)
    assert found and set(found) <= set(bench.SECTIONS), sorted(set(found) - set(bench.SECTIONS))
    assert all(f"## {name}\n" in text for name, text in found.items())


@pytest.mark.parametrize("before, ran, kept, replaced", [
    # a run of one section leaves the others as they were
    ({"startup": 1, "store": 2}, {"store": {"x": 9}}, ["startup"], ["store"]),
    # a section measured for the first time is added at the end
    ({"startup": 1}, {"room": {"x": 9}}, ["startup"], ["room"]),
    # a run of every section replaces every one
    ({"startup": 1, "store": 2}, {"startup": {"x": 8}, "store": {"x": 9}}, [], ["startup", "store"]),
])
def test_a_run_replaces_only_the_sections_it_ran(before, ran, kept, replaced):
    old = {name: f"<!-- bench:{name} -->\n## {name}\n\nold figure {n}\n<!-- /bench:{name} -->" for name, n in
           before.items()}
    document = "# Benchmarks\n\nintro kept\n\n" + "\n\n".join(old.values()) + "\n"
    rendered = {name: bench_doc.render(name, figures, MACHINE) for name, figures in ran.items()}
    updated = bench_doc.update(document, rendered)
    assert updated.startswith("# Benchmarks\n\nintro kept\n")
    found = sections(updated)
    assert sorted(found) == sorted(set(before) | set(ran))
    assert [name for name in found if found[name] == old.get(name)] == kept
    assert all(found[name] == rendered[name] for name in replaced)
    assert list(found)[: len(before)] == list(before)  # the order of the document is kept


def test_an_empty_document_gets_its_heading():
    updated = bench_doc.update("", {"store": bench_doc.render("store", {"store_entries": 5}, MACHINE)})
    assert updated.startswith("# Benchmarks\n") and list(sections(updated)) == ["store"]


def test_a_section_has_its_machine_line_and_a_row_per_figure_with_meaning_and_goal():
    text = bench_doc.render("store", {"fts_search_ms_p50": 16.9, "store_new_figure": 3}, MACHINE)
    assert ("Measured 2026-12-06 16:00 UTC, Some CPU, 2 cores, 8 GiB, Linux, Python 3.11.7, load 1.0 0.5 0.2 at the "
            "start.") in text
    assert "| `fts_search_ms_p50` | 16.9 | full-text search, median (ms) | ≤ 20 |" in text
    assert f"| `store_new_figure` | 3 | {bench_doc.UNDESCRIBED} |  |" in text  # written, and said to lack a note


@pytest.mark.parametrize("figures, expected", [
    ({"timing": {"p50_ms": 0.4, "p95_ms": 20}}, [("timing", "p50_ms 0.4, p95_ms 20")]),
    ({"heldout_typed": {"burden": {"n": 10, "recall": 0.8}}}, [("heldout_typed.burden", "n 10, recall 0.8")]),
    ({"tts_worst_lines_piper": ["a | b", "c"]}, [("tts_worst_lines_piper", "a \\| b; c")]),
    ({"help_over_jrnl": None}, [("help_over_jrnl", "—")]),
])
def test_nested_figures_become_readable_rows(figures, expected):
    assert bench_doc.rows(figures) == expected


@pytest.mark.parametrize("section, figure, goal", [
    ("room", "room_babble_5_right", "≥ 0.40"),
    ("room", "room_clean_right", ""),
    ("room", "room_clean_right_speaker1", ""),
    ("room", "room_babble_5_wrong_stored", "≤ 0.01"),
    ("crisis", "summary.heldout_typed_false_alarms", "≤ 2 %"),
    ("reflect", "reflect_corpus_heldout_recall", "recall ≥ 0.95, 0 wrong"),
    ("reflect", "guided_error", ""),
])
def test_notes_match_families_of_figures(section, figure, goal):
    meaning, found = bench_doc.note(section, figure)
    assert meaning != bench_doc.UNDESCRIBED and found == goal


@pytest.fixture
def fake_section(monkeypatch):
    """A section that measures nothing, so ``main`` can run without models or audio."""
    monkeypatch.setitem(bench.SECTIONS, "fake", lambda ctx: {"fake_figure": 1.5, "quick": ctx["quick"]})
    monkeypatch.setattr(bench, "_PULSE", None)
    monkeypatch.setenv("ASSISTANT_HOME", "unused")  # main points it at its scratch home; restored after


def test_a_full_run_writes_its_sections_and_a_quick_run_writes_nothing(fake_section, tmp_path, capsys):
    document = tmp_path / "benchmarks.md"
    seed = "# Benchmarks\n\n<!-- bench:startup -->\n## startup\nkept\n<!-- /bench:startup -->\n"
    document.write_text(seed)
    assert bench.main(["--quick", "fake"], document) == 0
    assert document.read_text() == seed
    assert json.loads(capsys.readouterr().out)["fake"]["quick"] is True
    assert bench.main(["fake"], document) == 0
    found = sections(document.read_text())
    assert found["startup"] == "<!-- bench:startup -->\n## startup\nkept\n<!-- /bench:startup -->"
    assert "| `fake_figure` | 1.5 |" in found["fake"]
    assert re.search(r"Measured \d{4}-\d\d-\d\d \d\d:\d\d UTC, .*, Python 3\.", found["fake"])


def test_a_failed_section_keeps_its_old_figures(fake_section, monkeypatch, tmp_path):
    def broken(ctx):
        raise RuntimeError("no model")

    monkeypatch.setitem(bench.SECTIONS, "fake", broken)
    document = tmp_path / "benchmarks.md"
    seed = "<!-- bench:fake -->\n## fake\nold\n<!-- /bench:fake -->\n"
    document.write_text(seed)
    assert bench.main(["fake"], document) == 0
    assert document.read_text() == seed


def test_the_bench_writes_the_document_in_the_repository():
    assert bench_doc.DOCUMENT == SCRIPTS.parent / "docs" / "benchmarks.md"
