"""Figures for the crisis check (``scripts/bench crisis``): per phrase family, how many crisis phrases are
caught (stop or ask) and how many ordinary ones raise an alarm, typed and spoken, on the development phrases
the rules were written from (tests/corpus/crisis_dev.toml) and on the held-out phrases they were not
(tests/corpus/crisis_heldout.toml, written by someone else); and the time per utterance.

Spoken: every phrase is said by two espeak-ng voices and the Piper voice (made at run time, nothing kept) and
heard by the real whisper recogniser exactly as an open answer of a check-in is (``hear_file(..., "text")``),
then checked. ``quick`` (``ctx["quick"]``): a few phrases per family, one espeak-ng voice.

Run alone: ``.venv/bin/python scripts/bench_crisis.py [--quick] [--misses] [--voices piper,en-us]
[--sets heldout,dev] [--spoken heldout,dev] [--transcripts FILE]``. ``--misses`` prints what was missed or
raised an alarm, with the transcript, for the development phrases only, so that nobody tunes the rules on the
held-out ones; ``--sets dev`` leaves the held-out set out altogether while rules are written (its figures are
taken only now and then); ``--spoken ""`` measures typed only, with no recogniser loaded; ``--transcripts``
keeps what the recogniser heard, so the rules can be measured again on the same hearing.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CORPUS = ROOT / "tests" / "corpus"
DEV = CORPUS / "crisis_dev.toml"
HELDOUT = CORPUS / "crisis_heldout.toml"
FRESH = CORPUS / "crisis_fresh.toml"  # written later by one hand, measured before the rules saw it; now development
CRISIS = ("wish_dead", "burden", "not_missed", "cant_go_on", "plan_method_intent", "self_harm", "harmed_by_someone")
NEGATIVE = ("idiom", "other_person", "fiction")  # a false alarm: any stop or ask
ESPEAK_VOICES = ("en-us", "en-gb")


def phrases(path: Path = DEV) -> list[dict]:
    """Every phrase of a crisis phrase file as ``{"family", "text", "expect"}`` (``tests/test_safety.py`` reads
    the development phrases through this too). A file holds single ``[[phrase]]`` tables and ``[[group]]``
    tables: one family, one expected outcome, where the wordings come from, and many ``texts``."""
    import tomllib

    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    rows = [{"family": row["family"], "text": row["text"], "expect": row["expect"]} for row in data.get("phrase", [])]
    for group in data.get("group", []):
        rows += [{"family": group["family"], "text": text, "expect": group["expect"]} for text in group["texts"]]
    return rows


def verdict(row: dict, outcome) -> bool:
    """Whether ``outcome`` is right for the phrase: crisis → stop or ask; gentle → not stopped, offered gently
    (or asked: the gentle question ends in the same offer); none → no stop and no question."""
    from assistant.dialogue.crisis import Outcome

    if row["expect"] == "crisis":
        return outcome >= Outcome.ASK
    if row["expect"] == "gentle":
        return Outcome.GENTLE <= outcome <= Outcome.ASK
    return outcome <= Outcome.GENTLE


def score(rows: list[dict], texts: list[str]) -> dict:
    """Per family: ``recall`` (crisis families), ``false_alarms`` (idiom, other_person, fiction: stop or ask),
    ``stopped`` (negated: stopped although negated) and ``gentle`` (negated: resources offered gently)."""
    from assistant.dialogue.crisis import Outcome, assess

    counts: dict = defaultdict(lambda: defaultdict(int))
    for row, text in zip(rows, texts):
        found = assess(text).outcome
        family = counts[row["family"]]
        family["n"] += 1
        family["caught"] += found >= Outcome.ASK
        family["stopped"] += found == Outcome.STOP
        family["gentle"] += found == Outcome.GENTLE
        family["right"] += verdict(row, found)
    out = {}
    for name, c in sorted(counts.items()):
        n = c["n"]
        if name in CRISIS:
            out[name] = {"n": n, "recall": round(c["caught"] / n, 3)}
        elif name in NEGATIVE:
            out[name] = {"n": n, "false_alarms": c["caught"], "false_alarm_rate": round(c["caught"] / n, 3)}
        else:
            out[name] = {"n": n, "stopped": c["stopped"], "gentle_or_asked": c["right"]}
    return out


def misses(rows: list[dict], texts: list[str]) -> list[tuple[str, str, str, str]]:
    from assistant.dialogue.crisis import assess

    found = [(row, text, assess(text)) for row, text in zip(rows, texts)]
    return [(r["family"], r["text"], t, str(a.outcome)) for r, t, a in found if not verdict(r, a.outcome)]


def timing(texts: list[str], repeat: int = 5) -> dict:
    """Time per utterance over every phrase, ``repeat`` times after one warm-up pass: wall clock (p50, p95,
    max) and this thread's CPU time (p95: what one check costs, less disturbed by a busy machine); the one-off
    compile of the templates; a two-minute reflection."""
    from assistant.dialogue import crisis
    from assistant.dialogue.safety import matcher, tokens
    from bench_reflect import two_minute_transcript

    matcher.families.cache_clear()
    matcher._one.cache_clear()
    tokens.stem.cache_clear()
    started = time.perf_counter()
    matcher.warm()
    compile_ms = (time.perf_counter() - started) * 1000
    for text in texts:
        crisis.assess(text)
    wall, cpu = [], []
    for _ in range(repeat):
        for text in texts:
            started, started_cpu = time.perf_counter(), time.thread_time()
            crisis.assess(text)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
    wall.sort()
    cpu.sort()
    long_text = two_minute_transcript()
    started = time.perf_counter()
    for _ in range(repeat):
        crisis.assess(long_text)
    reflection_ms = (time.perf_counter() - started) * 1000 / repeat
    return {"p50_ms": round(wall[len(wall) // 2], 3), "p95_ms": round(wall[int(len(wall) * 0.95)], 3),
            "max_ms": round(wall[-1], 3), "cpu_p95_ms": round(cpu[int(len(cpu) * 0.95)], 3),
            "compile_ms": round(compile_ms, 1), "two_minute_reflection_ms": round(reflection_ms, 2)}


def heard(engine, rows: list[dict], voice: str, folder: Path, transcripts: dict | None = None) -> list[str]:
    """Each phrase said by ``voice`` ("piper" or an espeak-ng voice) and heard as an open answer.
    ``transcripts`` ((voice, text) → what was heard) is filled as it goes and reused when given again."""
    import ear_clips
    from assistant.practice.hearing import hear_file

    transcripts = transcripts if transcripts is not None else {}
    texts = []
    for row in rows:
        key = f"{voice}|{row['text']}"
        if key not in transcripts:
            path = ear_clips.piper(row["text"], folder) if voice == "piper" else \
                ear_clips.espeak(row["text"], folder, voice)
            transcripts[key] = hear_file(engine, str(path), "text")["text"]
        texts.append(transcripts[key])
    return texts


def _subset(rows: list[dict], per_family: int) -> list[dict]:
    """``per_family`` phrases of each family, spread evenly over its rows (the first one always among them)."""
    by_family: dict = defaultdict(list)
    for row in rows:
        by_family[row["family"]].append(row)
    out = []
    for family_rows in by_family.values():
        step = max(1, len(family_rows) // per_family)
        out += family_rows[::step][:per_family]
    return out


def bench(ctx: dict | None = None, show_misses: bool = False, voices: tuple[str, ...] | None = None,
          transcripts_file: Path | None = None, spoken_sets: tuple[str, ...] = ("heldout", "dev"),
          typed_sets: tuple[str, ...] = ("heldout", "dev", "fresh")) -> dict:
    """``typed_sets``: the sets measured at all (leave out "heldout" while writing rules, so that its figures are
    not looked at after every change); ``spoken_sets``: those also heard spoken (none: no recogniser loaded)."""
    import tempfile

    ctx = ctx or {}
    quick = bool(ctx.get("quick"))
    per_family = int(ctx.get("per_family") or 0)  # spoken: only N phrases of each family
    sets = {"dev": phrases(DEV)} if "dev" in typed_sets else {}
    if "fresh" in typed_sets:
        sets["fresh"] = phrases(FRESH)
    if HELDOUT.exists() and "heldout" in typed_sets:
        sets = {"heldout": phrases(HELDOUT), **sets}  # the held-out figures first: they are the ones that matter
    result: dict = {"timing": timing([r["text"] for rows in sets.values() for r in rows], repeat=2 if quick else 5)}
    for name, rows in sets.items():
        result[f"{name}_typed"] = score(rows, [r["text"] for r in rows])
        if show_misses and name != "heldout":
            for miss in misses(rows, [r["text"] for r in rows]):
                print("typed miss:", miss, file=sys.stderr)
    if not any(name in spoken_sets for name in sets):
        result["summary"] = summary(result)
        return result
    from assistant.speech.models.catalog import whisper_model
    from assistant.speech.stt.whisper_engine import WhisperEngine

    found = whisper_model()
    engine = WhisperEngine(found.path, found.name, "en", "bench", found.source)
    voices = voices or (ESPEAK_VOICES[:1] if quick else ("piper",) + ESPEAK_VOICES)
    folder = Path(ctx["tmp"]) / "crisis" if "tmp" in ctx else Path(tempfile.mkdtemp(prefix="crisis-"))
    folder.mkdir(parents=True, exist_ok=True)
    transcripts = json.loads(transcripts_file.read_text()) if transcripts_file and transcripts_file.exists() else {}
    for voice in voices:
        for name, rows in sets.items():
            if name not in spoken_sets:
                continue
            rows = _subset(rows, 1 if quick else per_family) if quick or per_family else rows
            started = time.perf_counter()
            texts = heard(engine, rows, voice, folder, transcripts)
            if transcripts_file:
                transcripts_file.write_text(json.dumps(transcripts))
            spoken = score(rows, texts)
            spoken["hear_s"] = round(time.perf_counter() - started, 1)
            result[f"{name}_spoken_{voice}"] = spoken
            print(f"[crisis] {name} spoken {voice}: {json.dumps(spoken)}", file=sys.stderr, flush=True)
            if show_misses and name != "heldout":
                for miss in misses(rows, texts):
                    print(f"{voice} miss:", miss, file=sys.stderr)
    result["summary"] = summary(result)
    return result


def summary(result: dict) -> dict:
    """The goals at a glance: the lowest recall of any crisis family and the false alarms on negatives."""
    out = {}
    for key, scores in result.items():
        if not isinstance(scores, dict) or key in ("timing", "summary"):
            continue
        recalls = [v["recall"] for f, v in scores.items() if f in CRISIS]
        if recalls:
            out[f"{key}_min_recall"] = min(recalls)
            caught = sum(round(v["recall"] * v["n"]) for f, v in scores.items() if f in CRISIS)
            total = sum(v["n"] for f, v in scores.items() if f in CRISIS)
            out[f"{key}_recall"] = round(caught / total, 3)
        alarms = [(v["false_alarms"], v["n"]) for f, v in scores.items() if f in NEGATIVE]
        if alarms:
            out[f"{key}_false_alarms"] = f"{sum(a for a, _ in alarms)}/{sum(n for _, n in alarms)}"
    out["p95_ms"] = result["timing"]["p95_ms"]
    out["cpu_p95_ms"] = result["timing"]["cpu_p95_ms"]
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--per-family", type=int, default=0, help="spoken: only N phrases per family")
    parser.add_argument("--voices", default="", help="comma-separated: piper,en-us,en-gb (default: all)")
    parser.add_argument("--sets", default="heldout,dev,fresh", help="which sets to measure: heldout,dev,fresh")
    parser.add_argument("--spoken", default="heldout,dev", help="which of them to hear spoken (\"\": typed only)")
    parser.add_argument("--transcripts", type=Path, default=None,
                        help="a JSON file of what was heard, kept and reused (the recogniser is the slow part)")
    args = parser.parse_args()
    figures = bench({"quick": args.quick, "per_family": args.per_family}, show_misses=args.misses,
                    voices=tuple(v for v in args.voices.split(",") if v) or None, transcripts_file=args.transcripts,
                    spoken_sets=tuple(s for s in args.spoken.split(",") if s),
                    typed_sets=tuple(s for s in args.sets.split(",") if s))
    print(json.dumps(figures, indent=1))
