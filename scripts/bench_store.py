"""``scripts/bench store``: the journal at 100k answers (``BENCH_STORE_ENTRIES``), and our search and JSON
export measured side by side with bare sqlite3 on the same file, in the same run, alternating.

Ratios are what to compare between machines (absolute times differ threefold between them):

- ``fts_search_over_raw``: ``Store.search`` (snippets, answer rows, their sessions) ÷ a bare
  ``SELECT rowid, field, text FROM answers_fts WHERE answers_fts MATCH ? ORDER BY rank LIMIT 50`` with the
  same quoted query, fetched through a plain ``sqlite3`` connection. Medians over the same 100 queries.
- ``export_json_over_raw``: ``Store.export("json")`` ÷ ``SELECT *`` of the same sessions and answers turned
  into dicts and ``json.dumps``-ed. Medians of 3 runs each.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import time

VOCAB = ("friend sister brother coffee call walk nervous relieved tight chest hands cold learned kind "
         "questions invite next week talk listen proud scared lonely dinner message work").split()
PER_SESSION = 10
RAW_SEARCH = ("SELECT rowid, field, text FROM answers_fts WHERE answers_fts MATCH ? ORDER BY rank LIMIT 50")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def fill(store, answers: int, rng: random.Random) -> float:
    """Record sessions of ten answers each, event by event as a session does; returns the seconds taken."""
    from assistant.events import SessionEvent

    started = time.perf_counter()
    for s in range(answers // PER_SESSION):
        sid = f"bench-{s:06d}"
        at = 1.7e9 + s * 3600
        store.record(SessionEvent("started", sid, "debrief", at=at))
        for q in range(PER_SESSION):
            text = " ".join(rng.choice(VOCAB) for _ in range(12))
            store.record(SessionEvent("answer", sid, "debrief", step_id=f"q{q}", field=f"f{q}", kind="text",
                                      value=text, text=text, at=at + q))
        store.record(SessionEvent("finished", sid, "debrief", at=at + 60))
    return time.perf_counter() - started


def _timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def raw_export(conn: sqlite3.Connection) -> str:
    """The baseline: every session and answer row as a dict, dumped as JSON."""
    tables = {}
    for table in ("sessions", "answers"):
        cursor = conn.execute(f"SELECT * FROM {table}")
        names = [c[0] for c in cursor.description]
        tables[table] = [dict(zip(names, row)) for row in cursor.fetchall()]
    return json.dumps(tables, ensure_ascii=False)


def bench_store(ctx) -> dict:
    from assistant.journal.store import Store, fts_query

    quick = bool(ctx.get("quick"))  # 1,000 answers and 5 queries: checks the section runs
    n = 1000 if quick else int(os.environ.get("BENCH_STORE_ENTRIES", "100000"))
    rng = random.Random(7)
    queries = [" ".join(rng.sample(VOCAB, 2)) for _ in range(5 if quick else 100)]
    with Store.open() as store:
        insert_s = fill(store, n, rng)
        raw = sqlite3.connect(str(store.path))
        try:
            store.search(queries[0])  # warm both: page cache, FTS structures
            raw.execute(RAW_SEARCH, [fts_query(queries[0])]).fetchall()
            ours, theirs = [], []
            for i, query in enumerate(queries):  # alternating which goes first, so neither gets a warmer cache
                pair = [lambda q=query: store.search(q),
                        lambda q=query: raw.execute(RAW_SEARCH, [fts_query(q)]).fetchall()]
                if i % 2:
                    theirs.append(_timed(pair[1]))
                    ours.append(_timed(pair[0]))
                else:
                    ours.append(_timed(pair[0]))
                    theirs.append(_timed(pair[1]))
            exports, raw_exports = [], []
            for _ in range(3):
                exports.append(_timed(lambda: store.export("json")))
                raw_exports.append(_timed(lambda: raw_export(raw)))
            size = len(store.export("json"))
        finally:
            raw.close()
    search_ms = [s * 1000 for s in ours]
    return {
        "store_entries": n,
        "store_insert_per_s": round(n / insert_s, 1),
        "fts_search_ms_p50": round(percentile(search_ms, 50), 2),
        "fts_search_ms_p95": round(percentile(search_ms, 95), 2),
        "fts_search_raw_ms_p50": round(statistics.median(theirs) * 1000, 2),
        "fts_search_over_raw": round(statistics.median(ours) / statistics.median(theirs), 3),
        "export_json_s": round(statistics.median(exports), 3),
        "export_json_raw_s": round(statistics.median(raw_exports), 3),
        "export_json_over_raw": round(statistics.median(exports) / statistics.median(raw_exports), 3),
        "export_json_mb": round(size / 1e6, 1),
    }
