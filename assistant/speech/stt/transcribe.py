"""A recording through the real recognition path: what ``assistant transcribe`` prints and the bench times."""

from __future__ import annotations

import time
from dataclasses import asdict


def transcribe_file(engine, path: str) -> dict:
    """One file through the real recognition path; the JSON object of ``transcribe --json``."""
    from assistant.audio.formats import chunk_bytes, load_for_recognition
    from assistant.speech.stt.base import transcribe_chunks

    pcm = load_for_recognition(path)
    started = time.perf_counter()
    finals = transcribe_chunks(engine, (c.audio for c in chunk_bytes(pcm, seconds=0.5)))
    decode_s = time.perf_counter() - started
    info = engine.info
    return {
        "file": path,
        "text": " ".join(f.text for f in finals),
        "engine": info.engine,
        "model": info.model,
        "language": info.language,
        "duration_s": round(len(pcm) / 32000, 3),
        "decode_s": round(decode_s, 3),
        "words": [asdict(w) for f in finals for w in f.words],
    }
