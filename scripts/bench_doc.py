"""docs/benchmarks.md, written by ``scripts/bench`` after a full run.

Each section of the document sits between two markers (``<!-- bench:NAME -->`` ... ``<!-- /bench:NAME -->``);
a run replaces the sections it ran and keeps every other one, so figures measured on different days stay side
by side, each under its own date and machine line. A quick run (``scripts/bench --quick``) writes nothing: its
figures only show that a section works.

Every figure gets a row: its name, its value, what it means and its goal (``NOTES``, matched by name with
``fnmatch`` patterns, so families of figures such as the room's per-condition ones need one line). A figure no
note describes is still written, marked as undescribed, so a new figure is never dropped.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import time
from fnmatch import fnmatchcase
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

HEAD = """# Benchmarks

Written by `scripts/bench` (README, "Benchmarks"): a full run of `scripts/bench SECTION...` replaces the sections it
ran and keeps the others, each with the date and machine it was measured on. `scripts/bench --quick` writes
nothing. Ratios are measured side by side in one run and are the figures to compare; absolute times depend on
the machine and its load (the figures below come from small shared virtual machines). Speed is never asserted
in the tests, only here.
"""

# (section or "*" for any, figure pattern, what it means, goal); the first match wins.
NOTES: list[tuple[str, str, str, str]] = [
    ("startup", "help_s", "`assistant --help` wall time, median of alternating runs (s)", ""),
    ("startup", "jrnl_help_s", "`jrnl --help` in the same alternating runs (s)", ""),
    ("startup", "help_over_jrnl", "ours ÷ jrnl's, side by side", "≤ 0.5"),
    ("startup", "help_heavy_imports", "heavy libraries `import assistant.cli` loads", "none"),
    ("speech", "load_s_*", "model load time (s)", ""),
    ("speech", "rtf_*", "transcription time ÷ audio length, through the pipeline", ""),
    ("speech", "pipeline_over_raw*", "the pipeline ÷ the bare engine on the same file (the worse of the two when "
     "no engine is named)", "≤ 1.05"),
    ("speech", "endpoint_to_final_ms_whisper", "end of speech → final transcript, whisper, a free answer streamed "
     "at real time, median (ms)", "≤ 600"),
    ("speech", "endpoint_to_final_ms_whisper_closed", "the same for closed answers (ratings, yes/no), median (ms)",
     ""),
    ("speech", "endpoint_to_final_ms_*_max", "the same, slowest clip (ms)", ""),
    ("speech", "endpoint_to_final_ms_vosk", "end of speech → final, Vosk (its own endpointer), median (ms)", ""),
    ("speech", "closed_answer_accuracy_espeak", "closed answers heard right, seven espeak-ng voices", "≥ 0.86"),
    ("speech", "closed_answer_accuracy_neural", "closed answers heard right, the Piper voice at three speeds",
     "≥ 0.96"),
    ("speech", "closed_answer_wrong_value_rate", "ratings stored wrong with read-backs off", "≤ 0.01"),
    ("speech", "closed_answer_read_back_rate_auto", "right ratings read back under `confirm = auto`", ""),
    ("speech", "closed_answer_clips", "clips heard as closed answers", ""),
    ("speech", "closed_decode_ms_p50", "one closed answer's decode, median (ms)", ""),
    ("speech", "closed_decode_ms_p95", "one closed answer's decode, p95 (ms)", "≤ 400"),
    ("tts", "tts_load_s_piper", "Piper voice load (s)", ""),
    ("tts", "tts_intelligibility_wer_piper", "word error rate of whisper tiny.en on every fixed line of the "
     "shipped scripts, spoken by Piper (%)", "≤ 3"),
    ("tts", "tts_intelligibility_wer_*", "the same, spoken by that engine (%)", ""),
    ("tts", "tts_rtf_*", "synthesis time ÷ audio length over the fixed lines", ""),
    ("tts", "tts_worst_lines_*", "the lines heard worst", ""),
    ("tts", "tts_fixed_lines", "fixed lines judged", ""),
    ("tts", "tts_first_audio_ms_uncached", "a new 25-word, two-sentence line → first audio callback, Piper "
     "streaming, median (ms)", "≤ 250"),
    ("tts", "tts_cached_first_audio_ms", "a cached line → first audio callback, median (ms)", "≤ 30"),
    ("tts", "tts_*_max", "the same, slowest (ms)", ""),
    ("tts", "peak_rss_mb_voice_piper_whisper", "peak memory of a voice check-in, Piper and whisper loaded (MB)",
     "≤ ~500"),
    ("session", "session_first_audio_ms", "session start → first audio with a warm cache, in process, median (ms)",
     ""),
    ("session", "session_first_audio_ms_max", "the same, slowest (ms)", ""),
    ("session", "session_first_audio_ms_process", "launching `assistant checkin --text` → its first sound at the "
     "speaker (ms)", "≤ 300"),
    ("session", "voice_stop_ms", "\"stop\" mid-line → silence, slowest (ms)", ""),
    ("session", "answer_store_ms", "final transcript → answer committed, median (ms)", "≤ 20"),
    ("session", "answer_store_ms_p95", "the same, p95 (ms)", "≤ 20"),
    ("breathing", "breathing_cues", "cues of the run, heard at the speaker monitor", ""),
    ("breathing", "breathing_completed_cycles", "rounds completed", ""),
    ("breathing", "breathing_onset_error_ms_p95", "cue onset against the schedule, p95 (ms)", "≤ 15"),
    ("breathing", "breathing_onset_error_ms_*", "cue onset against the schedule (ms)", ""),
    ("breathing", "breathing_drift_ms", "drift of the last cue (ms)", "≤ 20"),
    ("store", "store_entries", "answers in the journal measured", ""),
    ("store", "store_insert_per_s", "inserts per second, each committed alone (`synchronous=FULL`)", ""),
    ("store", "fts_search_ms_p50", "full-text search, median (ms)", "≤ 20"),
    ("store", "fts_search_ms_p95", "full-text search, p95 (ms)", ""),
    ("store", "fts_search_raw_ms_p50", "bare FTS5 `MATCH ? ORDER BY rank LIMIT 50` on the same file (ms)", ""),
    ("store", "fts_search_over_raw", "our search ÷ bare FTS5, side by side", "≤ 1.5"),
    ("store", "export_json_s", "the whole journal as JSON (s)", "≤ 3"),
    ("store", "export_json_raw_s", "`SELECT *` + `json.dumps` on the same file (s)", ""),
    ("store", "export_json_over_raw", "our export ÷ the bare one, side by side", "≤ 2.0"),
    ("store", "export_json_mb", "size of the export (MB)", ""),
    ("rss", "peak_rss_mb_voice_*", "peak memory of a voice check-in with that engine loaded (MB)", ""),
    ("reflect", "extract_words", "words in the two-minute transcript", ""),
    ("reflect", "extract_ms_first", "its first extraction, rules loaded on the way (ms)", ""),
    ("reflect", "extract_ms_p50", "extraction of a two-minute transcript, median (ms)", ""),
    ("reflect", "extract_ms_p95", "the same, p95 (ms)", "≤ 200"),
    ("reflect", "reflect_corpus_dev_*", "the development corpus: numeric fields found of those said, wrong "
     "values, fields said", "recall ≥ 0.95, 0 wrong"),
    ("reflect", "reflect_corpus_heldout_*", "the held-out corpus (never tuned on): the same", "recall ≥ 0.95, 0 wrong"),
    ("reflect", "reflect_field_recall", "the reflection table: numeric fields found of those said", "≥ 0.9"),
    ("reflect", "reflect_wrong_value_rate", "the reflection table: values given that are wrong or invented", "0"),
    ("reflect", "reflect_*_heldout", "the same on the table's held-out rows", ""),
    ("reflect", "reflect_numeric_said", "numeric fields said in the reflection table", ""),
    ("reflect", "debrief_turns_*", "turns of the same debrief by voice (Piper), guided or told", "told ≤ 6"),
    ("reflect", "debrief_wall_s_*", "wall time of that debrief (s)", ""),
    ("reflect", "debrief_wall_ratio_reflect_to_guided", "told ÷ guided wall time", "≤ 0.5"),
    ("told", "told_*_typed_recall", "the story corpus typed: numeric values read right of those said (the "
     "ceiling)", ""),
    ("told", "told_*_typed_wrong", "the same: values stored wrong or not said", "0"),
    ("told", "told_heldout_spoken_scored_recall", "held-out stories spoken (every voice), heard as `--audio-in`, "
     "slots scored: values read right of those said", "≥ 0.85"),
    ("told", "told_*_spoken_scored_wrong", "the same: values stored wrong or not said", "0"),
    ("told", "told_*_spoken_scored_recall", "spoken, slots scored: values read right of those said", ""),
    ("told", "told_*_spoken_plain_recall", "the same stories as whisper wrote them, no slot scored (side by side, "
     "one transcript)", ""),
    ("told", "told_*_spoken_plain_wrong", "the same, values stored wrong or not said", ""),
    ("told", "told_*_by_voice", "per voice: values read right plain → scored / said (wrong plain → scored)", ""),
    ("told", "told_voices", "the voices the stories were said in (espeak-ng, and Piper's en_US-joe-medium)", ""),
    ("told", "told_stories", "stories measured", ""),
    ("told", "told_scoring_ms_*", "time the slot scoring adds to a finished story, median and max (ms)", ""),
    ("crisis", "timing", "time per check: wall p50 / p95 / max, CPU p95, the one-off compile, a two-minute "
     "reflection (ms)", "p95 ≤ 10"),
    ("crisis", "heldout_*", "held-out phrases (written by someone else), per family: recall for crisis families, "
     "false alarms for idioms, other people and fiction, stopped / offered gently for negated ones",
     "recall 1.0 typed, ≥ 0.95 spoken"),
    ("crisis", "dev_*", "development phrases (the rules were written from them), per family as above", ""),
    ("crisis", "summary.*_min_recall", "the lowest recall of any crisis family", ""),
    ("crisis", "summary.*_recall", "recall over every crisis phrase", ""),
    ("crisis", "summary.*_false_alarms", "false alarms on idioms, other people and fiction", "≤ 2 %"),
    ("crisis", "summary.*", "time per check (ms)", "p95 ≤ 10"),
    ("room", "room_clips", "real recorded digits heard as ratings", ""),
    ("room", "room_*_decode_ms_p95", "decode p95 in that condition (ms)", ""),
    ("room", "room_*_right_*", "heard right, per speaker", ""),
    ("room", "room_trimmed_right", "heard right, clips trimmed to their voice", "≥ 0.92"),
    ("room", "room_brown_10_right", "heard right under brown noise 10 dB below", "≥ 0.88"),
    ("room", "room_babble_10_right", "heard right under babble 10 dB below", "≥ 0.60"),
    ("room", "room_babble_5_right", "heard right under babble 5 dB below", "≥ 0.40"),
    ("room", "room_*_right", "heard right in that condition (clean: padded with silence; noise and its level)", ""),
    ("room", "room_*_again", "asked again (nothing stored)", ""),
    ("room", "room_*_read_back", "wrong but read back under `confirm = auto`", ""),
    ("room", "room_*_wrong_stored", "wrong and stored unasked", "≤ 0.01"),
    ("conversation", "gap_ms_p50_open", "end of an open answer → the next sound, median (ms)", "≤ 2,100"),
    ("conversation", "gap_ms_p50_closed", "end of a closed answer → the next sound, median (ms)", "≤ 700"),
    ("conversation", "gap_ms_p95_closed", "the same, p95 (ms)", "≤ 1,200"),
    ("conversation", "gap_ms_max_closed", "the same, slowest (ms)", ""),
    ("conversation", "turns", "turns of the guided debrief answered by voice", ""),
    ("conversation", "wall_s", "its wall time (s)", ""),
    ("talk", "talk_s_piper_full_first_after", "seconds the assistant speaks in a told debrief (every field in the "
     "story, yes to the summary), a first session ever, Piper voice", "≤ 50"),
    ("talk", "talk_s_piper_full_returning_after", "the same, the second debrief in that home (returning)", "≤ 30"),
    ("talk", "talk_s_*_before", "the same line-up said by the code before it talked less (`bench_talk.BEFORE`), "
     "rendered by the same voice", ""),
    ("talk", "talk_s_*", "seconds the assistant speaks in a told debrief: voice (piper, espeak = espeak-ng), story "
     "(full: every field told; short: three ratings, a duration, a feeling, a next step, the gaps then asked and "
     "answered), first session or returning, before or after", ""),
    ("talk", "talk_lines_*", "lines the assistant says in that debrief", ""),
    ("talk", "talk_said_full_returning_after", "what it says to a returning person, the full story", ""),
    ("live", "live_wer_ratio", "word errors of the stories heard live through the virtual microphone ÷ of the same "
     "clips transcribed as files", "≤ 1.2"),
    ("live", "live_wer_reference_words", "words in the stories' texts (pooled over stories and voices)", ""),
    ("live", "live_wer_file", "word error rate, the story clips transcribed as files (`assistant transcribe`)", ""),
    ("live", "live_wer_live", "word error rate, the same clips played into the virtual microphone and heard as a "
     "told story", "≤ 1.2 × file"),
    ("live", "live_wer_windows", "the same fed to the live ear in stream time: an open answer in windows with "
     "context", ""),
    ("live", "live_wer_pieces", "the same heard as pieces cut at every 0.3 s pause (every answer before)", ""),
    ("live", "live_wer_*", "word error rate for that voice and way of hearing", ""),
    ("live", "live_answer_ready_ms_*", "end of the story's voice → its answer over and transcribed, through the "
     "virtual microphone (ms)", ""),
    ("live", "live_stream_ready_ms_p50_*", "the same fed at real time without a microphone, windows and pieces side "
     "by side, Piper, median (ms)", ""),
    ("live", "live_worse_than_file", "stories heard live with more errors than as a file: what was heard", ""),
    ("live", "open_gap_ms_p50", "end of a told story (\"I'm done\") → the assistant's next sound, hands-free "
     "sessions, median (ms)", "≤ 800"),
    ("live", "open_gap_ms_p95", "the same, p95 (ms)", "≤ 1,500"),
    ("live", "open_gaps_measured", "told stories whose gap was measured", ""),
    ("live", "told_turns", "turns of a told debrief by voice, a 25 s story with three anxiety numbers, a duration, "
     "a feeling and a next step, for a returning user", "≤ 5"),
    ("live", "told_wall_s", "its wall time from launch, the person waiting 2.5 s of quiet before each answer (s)",
     "≤ 75"),
    ("live", "told_story_gap_ms", "its story's end → the next sound (ms)", ""),
    ("live", "told_closed_gap_ms_p50", "its closed answers' end → the next sound, median (ms)", ""),
    ("live", "told_numbers_*", "of the story's three anxiety numbers and duration: stored right / stored wrong",
     "0 wrong"),
    ("live", "told_asked", "what the person answered, in order", ""),
    ("live", "told_returncode", "the session's exit status", "0"),
    ("*", "*error", "what went wrong in this part of the run (its figures are missing)", ""),
]
UNDESCRIBED = "(not described: add a note in scripts/bench_doc.py)"


def note(section: str, figure: str) -> tuple[str, str]:
    """What ``figure`` of ``section`` means and its goal."""
    for where, pattern, meaning, goal in NOTES:
        if where in (section, "*") and fnmatchcase(figure, pattern):
            return meaning, goal
    return UNDESCRIBED, ""


def rows(figures: dict, prefix: str = "") -> list[tuple[str, str]]:
    """(name, value) per figure; a dict of dicts becomes one row per inner dict (``outer.inner``)."""
    out = []
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and any(isinstance(inner, dict) for inner in value.values()):
            out += rows(value, f"{name}.")
        else:
            out.append((name, shown(value)))
    return out


def shown(value, limit: int = 160) -> str:
    """One table cell: on one line, ``|`` escaped, long lists cut short."""
    text = " ".join(_plain(value).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{key} {_plain(inner)}" for key, inner in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(_plain(inner) for inner in value)
    return str(value)


def machine_line(machine: dict) -> str:
    """When and where: date, CPU, cores, memory, system, Python, the load when the run began."""
    parts = [machine.get("when", "?"), machine.get("cpu") or "CPU unknown", f"{machine.get('cpus', '?')} cores"]
    parts += [machine[key] for key in ("memory", "system") if machine.get(key)]
    parts.append(f"Python {machine.get('python', '?')}")
    if machine.get("load"):
        parts.append(f"load {machine['load']} at the start")
    return "Measured " + ", ".join(parts) + "."


def render(section: str, figures: dict, machine: dict) -> str:
    lines = [f"<!-- bench:{section} -->", f"## {section}", "", machine_line(machine), "",
             "| figure | value | what it means | goal |", "|---|---|---|---|"]
    for name, value in rows(figures):
        meaning, goal = note(section, name)
        lines.append(f"| `{name}` | {value} | {meaning} | {goal} |")
    lines.append(f"<!-- /bench:{section} -->")
    return "\n".join(lines)


SECTION = re.compile(r"<!-- bench:(?P<name>[\w-]+) -->\n.*?<!-- /bench:(?P=name) -->", re.S)


def update(document: str, rendered: dict[str, str]) -> str:
    """``document`` with each section in ``rendered`` replaced (or added at the end); the others kept."""
    if not document.strip():
        document = HEAD
    done: set[str] = set()

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in rendered:
            return match.group(0)
        done.add(name)
        return rendered[name]

    document = SECTION.sub(replace, document)
    added = [text for name, text in rendered.items() if name not in done]
    if added:
        document = document.rstrip("\n") + "\n\n" + "\n\n".join(added) + "\n"
    return document


def machine() -> dict:
    """The machine line's facts that ``scripts/bench`` does not already record; one the machine does not offer
    is left out of the line. The CPU says whether it has AVX-512: whisper decodes about 2.5 times faster with it."""
    found: dict = {"when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "system": platform.system()}
    with contextlib.suppress(OSError, AttributeError):
        cpuinfo = Path("/proc/cpuinfo").read_text()
        flags = set(re.search(r"^flags\s*:\s*(.+)$", cpuinfo, re.M).group(1).split())
        vector = "AVX-512" if "avx512f" in flags else "AVX2, no AVX-512" if "avx2" in flags else "no AVX2"
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M).group(1)
        found["cpu"] = f"{model} ({vector})"
    with contextlib.suppress(OSError, AttributeError):
        found["system"] = re.search(r'^PRETTY_NAME="?([^"\n]+)', Path("/etc/os-release").read_text(), re.M).group(1)
    with contextlib.suppress(OSError, AttributeError):
        kib = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
        found["memory"] = f"{kib / 1024 ** 2:.0f} GiB"
    with contextlib.suppress(OSError):
        found["load"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return found


def write(results: dict, sections: list[str], path: Path | None = None) -> Path:
    """Replace ``sections`` of the benchmark document with their figures in ``results``."""
    path = path or DOCUMENT
    document = path.read_text(encoding="utf-8") if path.exists() else ""
    info = results.get("machine", {})
    rendered = {name: render(name, results[name], info) for name in sections
                if name in results and set(results[name]) != {"error"}}  # a section that failed keeps its figures
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(update(document, rendered), encoding="utf-8")
    return path
