"""``scripts/bench told``: the numbers of a told debrief story, typed and spoken.

The corpus is ``tests/corpus/stories_*.toml`` (30 stories, a third held out). Typed: the rules read the story's
text (the ceiling). Spoken: each story said by espeak-ng voices and the Piper voice (made at run time), heard as
a told reflection exactly as ``assistant debrief --audio-in FILE`` hears it (``practice.sources.FileAnswers``'s
path: ``Ear.hear`` over the file's chunks, recorded), and read by the same rules, twice side by side from the one
transcript: as whisper wrote it ("plain"), and with its number slots scored against the audio
(``practice.hearing.story_numbers``, "scored"). Figures: numeric recall (true values read / values said) and
wrong values (stored and not said, or said differently), per set, way and voice; the time the slot scoring adds.

Run alone: ``.venv/bin/python scripts/bench_told.py [--quick] [--sets dev] [--voices en-us,piper] [--misses]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

ESPEAK_VOICES = ("en-us", "en-gb", "en-us+f3")
VOICES = ESPEAK_VOICES + ("piper",)


def _numbers(text: str) -> dict:
    from assistant.dialogue import extract
    from reflections import NUMERIC

    found = extract.extract(text)
    return {f: found.get(f).value for f in NUMERIC if found.get(f) is not None}


def _tally(stories, texts) -> dict:
    from story_corpus import numbers_read

    said = right = wrong = 0
    for story, text in zip(stories, texts):
        r, w = numbers_read(story, _numbers(text))
        said, right, wrong = said + len(story.numbers), right + r, wrong + w
    return {"said": said, "right": right, "wrong": wrong}


def _rate(tally: dict) -> float:
    return round(tally["right"] / tally["said"], 3) if tally["said"] else 0.0


def _clip(text: str, voice: str, folder: Path) -> Path:
    import ear_clips

    return ear_clips.piper(text, folder) if voice == "piper" else ear_clips.espeak(text, folder, voice)


def heard(engine, path: Path) -> tuple[str, str, float]:
    """One story file heard as a told reflection: (whisper's text, the text with its slots scored, seconds the
    scoring took)."""
    from assistant.audio.formats import chunk_bytes, load_for_recognition
    from assistant.practice.hearing import Ear, listen_for, story_numbers

    pcm = load_for_recognition(str(path))
    answer = Ear(story_numbers=False).hear(engine, (c.audio for c in chunk_bytes(pcm, seconds=0.1)),
                                           listen_for("reflection"), recorded=True)
    started = time.perf_counter()
    scored = story_numbers(engine, pcm, answer)
    return answer.text, scored.text, time.perf_counter() - started


def bench(ctx: dict | None = None, sets: tuple[str, ...] = ("heldout", "dev"), voices: tuple[str, ...] = VOICES,
          show_misses: bool = False) -> dict:
    import story_corpus
    from assistant.speech.models.catalog import whisper_model
    from assistant.speech.stt.whisper_engine import WhisperEngine

    ctx = ctx or {}
    quick = bool(ctx.get("quick"))
    loaded = {name: story_corpus.load(name) for name in sets}
    if quick:
        loaded, voices = {"dev": loaded.get("dev", story_corpus.load("dev"))[:1]}, ("en-us",)
    result: dict = {}
    for name, stories in loaded.items():
        typed = _tally(stories, [s.text for s in stories])
        result[f"told_{name}_typed_recall"], result[f"told_{name}_typed_wrong"] = _rate(typed), typed["wrong"]
    found = whisper_model()
    engine = WhisperEngine(found.path, found.name, "en", "bench", found.source)
    folder = Path(ctx["tmp"]) / "told" if "tmp" in ctx else Path(tempfile.mkdtemp(prefix="told-"))
    folder.mkdir(parents=True, exist_ok=True)
    scoring_s: list[float] = []
    for name, stories in loaded.items():
        totals = {"plain": {"said": 0, "right": 0, "wrong": 0}, "scored": {"said": 0, "right": 0, "wrong": 0}}
        per_voice = {}
        for voice in voices:
            plain, scored = [], []
            for story in stories:
                before, after, took = heard(engine, _clip(story.text, voice, folder))
                plain.append(before)
                scored.append(after)
                scoring_s.append(took)
                if show_misses and _numbers(after) != story.numbers:
                    print(f"{name} {story.id} {voice}: {story.numbers} <- {_numbers(after)}\n  {after}",
                          file=sys.stderr)
            tallies = {way: _tally(stories, texts) for way, texts in (("plain", plain), ("scored", scored))}
            for way, tally in tallies.items():
                for key in tally:
                    totals[way][key] += tally[key]
            per_voice[voice] = "{}→{}/{} ({}→{} wrong)".format(
                tallies["plain"]["right"], tallies["scored"]["right"], tallies["plain"]["said"],
                tallies["plain"]["wrong"], tallies["scored"]["wrong"])
        for way, tally in totals.items():
            result[f"told_{name}_spoken_{way}_recall"] = _rate(tally)
            result[f"told_{name}_spoken_{way}_wrong"] = tally["wrong"]
        result[f"told_{name}_by_voice"] = per_voice
    result["told_voices"] = ", ".join(voices)
    result["told_stories"] = sum(len(s) for s in loaded.values())
    result["told_scoring_ms_p50"] = round(1000 * statistics.median(scoring_s), 1)
    result["told_scoring_ms_max"] = round(1000 * max(scoring_s), 1)
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--sets", default="heldout,dev")
    parser.add_argument("--voices", default=",".join(VOICES))
    parser.add_argument("--misses", action="store_true", help="print every story read wrong or short")
    args = parser.parse_args(argv)
    result = bench({"quick": args.quick}, tuple(args.sets.split(",")), tuple(args.voices.split(",")), args.misses)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
