"""Every section of ``scripts/bench`` runs once in its quick mode (``ctx["quick"]``: a tiny subset, seconds
not minutes), so a broken section fails the suite instead of the next benchmark run. The sections are read
from ``SECTIONS`` at run time: one added later is covered without touching this file.

What is checked is that each section returns its figures (the keys present, every number finite), never
their values: a quick run measures too little to mean anything, and speed is not asserted in tests.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"

pytestmark = [pytest.mark.slow, pytest.mark.audio]


def _load_bench():
    if "bench" in sys.modules:
        return sys.modules["bench"]
    sys.path.insert(0, str(SCRIPTS))
    spec = importlib.util.spec_from_file_location("bench", SCRIPTS / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()

# The headline figures of each section (docs/benchmarks.md shows them); a section not listed here must still
# return at least one finite number.
FIGURES = {
    "startup": ("help_s",),
    "speech": ("load_s_whisper", "load_s_vosk", "rtf_whisper", "rtf_vosk", "pipeline_over_raw",
               "endpoint_to_final_ms_whisper", "endpoint_to_final_ms_vosk", "closed_answer_accuracy_espeak",
               "closed_answer_accuracy_neural", "closed_answer_wrong_value_rate", "closed_decode_ms_p95",
               "endpoint_to_final_ms_whisper_closed"),
    "tts": ("tts_load_s_piper", "tts_intelligibility_wer_piper", "tts_intelligibility_wer_pyttsx3",
            "tts_rtf_piper", "tts_first_audio_ms_uncached", "tts_cached_first_audio_ms",
            "peak_rss_mb_voice_piper_whisper"),
    "session": ("session_first_audio_ms", "session_first_audio_ms_process", "voice_stop_ms", "answer_store_ms",
                "answer_store_ms_p95"),
    "breathing": ("breathing_cues", "breathing_onset_error_ms_p50", "breathing_onset_error_ms_p95",
                  "breathing_onset_error_ms_max", "breathing_drift_ms"),
    "store": ("store_insert_per_s", "fts_search_ms_p50", "fts_search_over_raw", "export_json_s",
              "export_json_over_raw"),
    "rss": ("peak_rss_mb_voice_whisper", "peak_rss_mb_voice_vosk"),
    "reflect": ("extract_ms_p50", "extract_ms_p95", "reflect_field_recall", "reflect_wrong_value_rate",
                "reflect_field_recall_heldout", "reflect_wrong_value_rate_heldout", "debrief_turns_guided",
                "debrief_turns_reflect", "debrief_wall_ratio_reflect_to_guided"),
    "conversation": ("gap_ms_p50_open", "turns", "wall_s"),
    "told": ("told_dev_typed_recall", "told_dev_spoken_plain_recall", "told_dev_spoken_scored_recall",
             "told_dev_spoken_scored_wrong", "told_scoring_ms_p50"),
    "talk": ("talk_s_piper_full_first_after", "talk_s_piper_full_returning_after", "talk_lines_full_first_after",
             "talk_lines_full_returning_after"),
    "live": ("live_wer_file", "live_wer_live", "live_wer_ratio", "live_wer_windows", "live_wer_pieces",
             "live_answer_ready_ms_p50", "live_stream_ready_ms_p50_windows", "live_stream_ready_ms_p50_pieces"),
}


def _numbers(value):
    """Every number inside a figure (lists and dicts of figures included)."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _numbers(inner)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from _numbers(inner)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory, pulse):
    """One quick context for the module, as one ``scripts/bench --quick`` run shares one (the conversation
    and reflect sections share their two spoken debriefs through it), on the tests' PulseAudio server."""
    saved = os.environ.get("ASSISTANT_HOME")
    made = bench.make_ctx(tmp_path_factory.mktemp("bench"), quick=True)
    if saved is None:
        os.environ.pop("ASSISTANT_HOME", None)
    else:
        os.environ["ASSISTANT_HOME"] = saved
    bench._PULSE = pulse  # the fixture's server: bench.pulse() would start (and leave behind) another
    yield made
    bench._PULSE = None


@pytest.mark.parametrize("name", list(bench.SECTIONS))
def test_each_bench_section_runs_in_quick_mode(name, ctx, monkeypatch):
    monkeypatch.setenv("ASSISTANT_HOME", ctx["env"]["ASSISTANT_HOME"])
    result = bench.SECTIONS[name](ctx)
    assert isinstance(result, dict) and result, name
    json.dumps(result)  # scripts/bench prints every section as one JSON object
    problems = {key: value for key, value in result.items() if key == "error" or key.endswith("_error")}
    assert problems == {}, problems
    for key in FIGURES.get(name, ()):
        assert key in result, f"{name}: {key} missing"
        assert isinstance(result[key], (int, float)) and not isinstance(result[key], bool), (key, result[key])
    numbers = list(_numbers(result))
    assert numbers, f"{name} returned no figure"
    not_finite = {key: value for key, value in result.items() if not all(map(math.isfinite, _numbers(value)))}
    assert not_finite == {}, f"{name}: {not_finite}"


def test_the_quick_flag_is_read_by_the_command_line(monkeypatch, capsys):
    """``scripts/bench --quick SECTION`` runs that section's quick mode and leaves docs/benchmarks.md as it was
    (a quick run's figures mean nothing); an unknown section is refused."""
    monkeypatch.setattr(bench, "_PULSE", None)  # the store section needs no audio server, so none is stopped
    monkeypatch.setenv("ASSISTANT_HOME", os.environ["ASSISTANT_HOME"])  # main points it at its scratch home
    document = bench.bench_doc.DOCUMENT.read_bytes()
    assert bench.main(["--quick", "store"]) == 0
    assert bench.bench_doc.DOCUMENT.read_bytes() == document
    printed = json.loads(capsys.readouterr().out)
    assert printed["machine"]["quick"] is True and printed["store"]["store_entries"] == 1000
    assert bench.main(["--quick", "no-such-section"]) == 2
    assert "unknown section(s): no-such-section" in capsys.readouterr().err
