"""What is said at the summary ("no, the peak was a nine", "change the next step to text him first") →
field updates."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any, Mapping

from assistant.dialogue import parse
from assistant.dialogue.extract.document import Doc, document, has_any
from assistant.dialogue.extract.feelings import emotion_matcher
from assistant.dialogue.extract.fields import KINDS
from assistant.dialogue.extract.moments import read_ratings
from assistant.dialogue.extract.rules import extract_rules, number, phrase_set, rule_matcher, word_set
from assistant.dialogue.extract.texts import trimmed
from assistant.dialogue.words import Hit, Matcher
from assistant.events import AnswerKind


@lru_cache(maxsize=None)
def _correction_matcher() -> Matcher:
    return rule_matcher((field, p) for field, phrases in extract_rules()["correct"]["fields"].items() for p in phrases)


def parse_correction(text: str, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Field updates from what is said at the summary: "no, the peak was a nine" → {"anxiety_peak": 9}.

    Each field named ("the peak", "before", "the next step") takes the value in the words after it, or, when
    those hold none, in the words before it ("a nine at the peak"). A number with no field named ("no, it
    was a nine") changes nothing: the session asks again rather than guess which one was meant. ``current``
    (the values so far) is what "add relieved to the feelings" adds to.
    """
    current = dict(current or {})
    doc = document(text)
    if not doc.tokens:
        return {}
    mentions = _correction_matcher().find(doc.tokens)
    # Ratings are paired with the fields named as in a reflection: "a nine at the peak and a two now".
    rated = [m for m in mentions if KINDS.get(m.label) == AnswerKind.RATING]
    updates: dict[str, Any] = {e.field: e.value for e in read_ratings(replace(doc, cues=rated), lenient=True)}
    previous_end = 0
    for k, mention in enumerate(mentions):
        field = mention.label
        kind = KINDS.get(field, "text")
        if kind == AnswerKind.RATING:
            previous_end = mention.end
            continue
        following = mentions[k + 1].start if k + 1 < len(mentions) else len(doc.words)
        if kind == AnswerKind.TEXT:
            following = len(doc.words)  # free words run to the end: "change the next step to call him before work"
        after = (mention.end, following)
        before = (previous_end, mention.start)
        value = _corrected(doc, field, kind, after, mention, current)
        if value is None and kind != "text":
            value = _corrected(doc, field, kind, before, mention, current)
        if value is not None:
            updates[field] = value
        previous_end = mention.end
        if kind == AnswerKind.TEXT:
            break
    if not mentions:
        emotions = _corrected(doc, "emotions", "emotions", (0, len(doc.words)), None, current)
        if emotions is not None and has_any(doc.words, phrase_set("correct", "add") | phrase_set("correct", "remove")):
            updates["emotions"] = emotions
    return updates


def _corrected(doc: Doc, field: str, kind: str, segment: tuple[int, int], mention: Hit | None,
               current: dict[str, Any]) -> Any:
    start, end = segment
    if start >= end:
        return None
    words = doc.words[start:end]
    if kind in (AnswerKind.RATING, AnswerKind.DURATION):
        dropped = _without_dropped(doc, start, end)
        if not dropped.strip():
            return None
        parsed = parse.parse_rating(dropped) if kind == AnswerKind.RATING else parse.parse_duration(dropped)
        return parsed.value if parsed.ok else None
    if kind == AnswerKind.YESNO:
        said = parse.parse_yesno(doc.said(start, end))
        if said.ok and said.value is False:
            return False
        lead = doc.words[max(0, (mention.start if mention else start) - 3):(mention.start if mention else start)]
        negated = set(lead + words) & (word_set("new_topic", "negations") | word_set("correct", "topic_negations"))
        return not negated
    if kind == AnswerKind.EMOTIONS:
        return _corrected_emotions(doc, start, end, current.get(field) or [])
    a, b = start, end
    value_leads = phrase_set("correct", "value_lead")
    moved = True
    while moved and a < b:
        moved = False
        for phrase in sorted(value_leads, key=len, reverse=True):
            if tuple(doc.words[a:a + len(phrase)]) == phrase:
                a += len(phrase)
                moved = True
                break
    a, b = trimmed(doc, a, b)
    return doc.said(a, b).rstrip(".!?;, ") if a < b else None


def _without_dropped(doc: Doc, start: int, end: int) -> str:
    """The words of a segment without the numbers being replaced ("not an eight", "from eight to nine")."""
    drop = phrase_set("correct", "drop_before")
    keep: list[str] = []
    k = start
    while k < end:
        hit = next((p for p in sorted(drop, key=len, reverse=True) if tuple(doc.words[k:k + len(p)]) == p), None)
        if hit:
            k += len(hit)
            if k < end and doc.words[k] in ("a", "an"):
                k += 1
            if k < end and number(doc.words[k]) is not None:
                k += 1
            continue
        keep.append(doc.said(k, k + 1))
        k += 1
    return " ".join(keep)


def _corrected_emotions(doc: Doc, start: int, end: int, current: list[str]) -> list[str] | None:
    forms = parse.emotion_forms()
    remove_words = phrase_set("correct", "remove")
    named: list[str] = []
    removed: list[str] = []
    for hit in emotion_matcher().find(doc.tokens[start:end]):
        at = start + hit.start
        name = forms[tuple(doc.words[at:start + hit.end])][0]
        lead = doc.words[max(start, at - 3):at]
        (removed if has_any(lead, remove_words) else named).append(name)
    if not named and not removed:
        return None
    adding = has_any(doc.words[start:end], phrase_set("correct", "add")) or (removed and not named)
    base = list(current) if adding or removed else []
    result = [e for e in base if e not in removed]
    result += [e for e in named if e not in result]
    return result
