"""Reading a whole reflection: every extractor over one document, in field order."""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from assistant.dialogue.extract.document import document
from assistant.dialogue.extract.durations import read_durations
from assistant.dialogue.extract.feelings import read_body, read_emotions
from assistant.dialogue.extract.fields import ALL_FIELDS, FIELDS, Extraction
from assistant.dialogue.extract.moments import read_ratings
from assistant.dialogue.extract.note import read_intensity, read_people
from assistant.dialogue.extract.texts import read_follow_up, read_new_topic, read_texts, read_what_happened


def extract(transcript: str, fields: Iterable[str] | None = None, today: dt.date | None = None) -> Extraction:
    """Every field clearly said in ``transcript`` (or only ``fields``), each with its words."""
    wanted = tuple(fields) if fields is not None else FIELDS
    doc = document(transcript)
    if not doc.tokens:
        return Extraction(transcript)
    ratings = read_ratings(doc)
    body = read_body(doc)
    found = ratings + read_durations(doc) + read_new_topic(doc) + read_emotions(doc) + body
    texts = read_texts(doc, ratings, body)
    found += texts
    found += read_follow_up(doc, next((e for e in texts if e.field == "next_step"), None), today)
    found += read_what_happened(doc, texts + [e for e in found if e.field == "body_sensations"], ratings)
    if "intensity" in wanted:
        found += read_intensity(doc, ratings)
    if "people" in wanted:
        found += read_people(doc)
    order = {f: k for k, f in enumerate(ALL_FIELDS)}
    kept = sorted((e for e in found if e.field in wanted), key=lambda e: order.get(e.field, len(order)))
    return Extraction(transcript, tuple(kept))
