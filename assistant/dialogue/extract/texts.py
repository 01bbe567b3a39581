"""The free-text fields (easy, hard, what helped, learned, next step, what happened), whether the topic was
new, and a follow-up date named with the next step."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Sequence

from assistant.dialogue import parse
from assistant.dialogue.extract.document import Doc, ends_with_any, extracted
from assistant.dialogue.extract.durations import duration_cues
from assistant.dialogue.extract.fields import TEXTS, Extracted
from assistant.dialogue.extract.ratings import rating_runs
from assistant.dialogue.extract.rules import extract_rules, phrase_set, rule_matcher, simple_matcher, word_set
from assistant.dialogue.words import Hit, Matcher
from assistant.text import data_file


@lru_cache(maxsize=None)
def _topic_matcher() -> Matcher:
    rules = extract_rules()["new_topic"]
    return rule_matcher([("yes", p) for p in rules["yes"]] + [("no", p) for p in rules["no"]])


def read_new_topic(doc: Doc) -> list[Extracted]:
    negations = set(extract_rules()["new_topic"]["negations"])

    def meant(hit: Hit) -> bool:  # "I had never told her before" is not a "told ... before"
        return hit.label == "yes" or not negations & set(doc.words[max(0, hit.start - 4):hit.start])

    hits = _topic_matcher().find(doc.tokens, meant)
    labels = {h.label for h in hits}
    if len(labels) != 1:
        return []
    hit = hits[0]
    return [extracted(doc, "new_topic", hit.label == "yes", hit.start, hit.end, doc.said(hit.start, hit.end))]


@lru_cache(maxsize=None)
def _text_matcher() -> Matcher:
    rules = extract_rules()["text"]
    labelled = []
    for field in TEXTS:
        for direction, phrases in rules[field].items():
            if direction in ("after", "before", "around", "weak"):
                labelled += [(f"{field}:{direction}", p) for p in phrases]
    return rule_matcher(labelled)


@lru_cache(maxsize=None)
def _break_matcher() -> Matcher:
    return simple_matcher("break", extract_rules()["text"]["breaks"])


def _boundaries(doc: Doc, text_hits: list[Hit], ratings: list[Extracted],
                body: Sequence[Extracted] = ()) -> set[int]:
    """Token indices where a clause starts: sentences, cues of every field, "and then", "but", and either side
    of a body sensation ("my chest was tight, starting was easier than I expected": two clauses)."""
    starts = {i for i, t in enumerate(doc.tokens) if i == 0 or t.sentence != doc.tokens[i - 1].sentence}
    starts |= {c.start for c in doc.cues if _names_a_moment(doc, c)}
    starts |= {h.start for h in text_hits}
    starts |= {h.start for h in _break_matcher().find(doc.tokens)}
    first_token = {t.start: i for i, t in enumerate(doc.tokens)}
    starts |= {first_token[item.span[0]] for item in ratings if item.span[0] in first_token}
    next_token = {t.end: i + 1 for i, t in enumerate(doc.tokens)}
    starts |= {first_token[item.span[0]] for item in body if item.span[0] in first_token}
    starts |= {next_token[item.span[1]] for item in body if item.span[1] in next_token}
    units = set(extract_rules()["durations"]["units"])
    starts |= {h.start for h in duration_cues().find(doc.tokens) if h.label == "anxiety_duration"
               and any(w in units for w in doc.words[h.end:h.end + 6])}  # "the panic lasted ten minutes",
    return starts                                                          # not "my panic attacks"


def _names_a_moment(doc: Doc, cue: Hit) -> bool:
    """A rating cue that ends a free-text clause: one with a rating near it ("... now a two"), or one of the
    plain moment words every reflection uses. A moment phrase with no number near ("what helped was saying it
    out loud", "going home alone") is the speaker's own words."""
    if not cue.phrase or len(cue.phrase.split()) == 1 and not cue.clause:
        return True
    reach = extract_rules()["ratings"]["reach"]
    return any(cue.end <= r.start <= cue.end + reach and doc.same_sentence(cue.end - 1, r.start)
               or cue.start - 3 <= r.end <= cue.start and doc.same_sentence(r.end - 1, cue.start)
               for r in rating_runs(doc))


def clause_around(doc: Doc, start: int, end: int, boundaries: set[int]) -> tuple[int, int]:
    """Widen [start, end) to the clause around it: back to the last boundary, on to the next one."""
    a = start
    while a > 0 and a not in boundaries:
        a -= 1
    b = end
    while b < len(doc.words) and b not in boundaries:
        b += 1
    return a, b


def trimmed(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Without the filler and joining words at either end ("and um call him" → "call him")."""
    leading = sorted(phrase_set("text", "trim"), key=len, reverse=True)
    trailing = sorted(phrase_set("text", "trim_end"), key=len, reverse=True)
    changed = True
    while changed and start < end:
        changed = False
        for phrase in leading:
            if start + len(phrase) <= end and tuple(doc.words[start:start + len(phrase)]) == phrase:
                start += len(phrase)
                changed = True
                break
        for phrase in trailing:
            if end - len(phrase) >= start and tuple(doc.words[end - len(phrase):end]) == phrase:
                end -= len(phrase)
                changed = True
                break
    return start, end


def _enough(doc: Doc, start: int, end: int) -> bool:
    rules = extract_rules()["text"]
    small = set(rules["small_words"])
    content = [w for w in doc.words[start:end] if w not in small]
    return len(content) >= rules["min_words"] and end - start <= rules["max_words"]


def read_texts(doc: Doc, ratings: list[Extracted], body: Sequence[Extracted] = ()) -> list[Extracted]:
    rules = extract_rules()["text"]
    hits = _text_matcher().find(doc.tokens)
    boundaries = _boundaries(doc, hits, ratings, body)
    reported = phrase_set("text", "reported")
    future = set(rules["next_step"]["future"])
    last_sentence = doc.tokens[-1].sentence if doc.tokens else 0
    candidates: dict[str, list[tuple[int, Extracted]]] = {}
    for hit in hits:
        field, direction = hit.label.split(":")
        lead = doc.words[max(0, hit.start - 3):hit.start]
        if ends_with_any(lead, reported) or any(w in word_set("text", "said_words") for w in lead):
            continue
        clause_start, clause_end = clause_around(doc, hit.start, hit.end, boundaries - {hit.start})
        if direction in ("after", "weak"):
            own = boundaries - _time_starts(doc) if field == "next_step" else boundaries
            a, b = hit.end, clause_around(doc, hit.end, hit.end, own)[1] if hit.end < len(doc.words) else hit.end
        elif direction == "before":
            a, b = clause_start, hit.start
        else:
            a, b = clause_start, clause_end
        if direction == "weak":
            window = doc.words[max(clause_start, hit.start - 4):b]
            in_last = doc.tokens[hit.start].sentence == last_sentence and last_sentence > 0
            if not (future & set(window) or in_last):
                continue
        a, b = trimmed(doc, a, b)
        if a >= b or not _enough(doc, a, b):
            continue
        value = doc.said(a, b)
        span_start, span_end = min(a, hit.start), max(b, hit.end)
        if field == "next_step":
            value, span_start = _with_time(doc, value, clause_start, hit.start, span_start, future)
        rank = {"after": 0, "around": 1, "before": 1, "weak": 2}[direction]
        candidates.setdefault(field, []).append(
            (rank, extracted(doc, field, value, span_start, span_end, doc.said(hit.start, hit.end))))
    found = []
    for field, items in candidates.items():
        best = min(r for r, _ in items)
        chosen = [e for r, e in items if r == best]
        found.append(chosen[-1] if field == "next_step" else chosen[0])  # a plan is usually said last
    return found


def _time_starts(doc: Doc) -> set[int]:
    """Where a time phrase starts ("next week", "on friday"): a break for other fields, part of a next step."""
    future = set(extract_rules()["text"]["next_step"]["future"])
    return {h.start for h in _break_matcher().find(doc.tokens) if future & set(h.phrase.split())}


def _with_time(doc: Doc, value: str, clause_start: int, cue_start: int, span_start: int,
               future: set[str]) -> tuple[str, int]:
    """"next week I'll call my brother" → "call my brother next week" (but "Next, I'll call him" stays)."""
    joiners = word_set("text", "next_step", "time_joiners")
    lead = doc.words[clause_start:cue_start]
    # "Next, I'll ..." is the order things come in, not a time: only "next" with a unit ("next week") moves.
    if lead and future & set(lead) - {"next"} and set(lead) <= future | joiners:
        a, b = trimmed(doc, clause_start, cue_start)
        if a < b:
            when = doc.said(a, b)
            return f"{value} {when[:1].lower()}{when[1:]}", min(span_start, a)
    return value, span_start


def read_follow_up(doc: Doc, next_step: Extracted | None, today: dt.date | None) -> list[Extracted]:
    """A date named with the next step ("on friday", "next week") as a follow-up date."""
    if next_step is None:
        return []
    dates = data_file("session.toml")["words"]["dates"]
    said = parse.words(next_step.words)
    relative = {tuple(parse.words(k)) for k in dates["relative"]}
    named = set(said) & set(dates["weekdays"] + dates["months"]) or any(
        tuple(said[k:k + len(p)]) == p for p in relative for k in range(len(said)))
    if not named:
        return []
    when = parse.parse_date(next_step.words, today)
    if not when.ok:
        return []
    return [Extracted("follow_up", when.value, next_step.span, next_step.words, next_step.cue)]


def read_what_happened(doc: Doc, taken: list[Extracted], ratings: list[Extracted]) -> list[Extracted]:
    rules = extract_rules()["what_happened"]
    matcher = simple_matcher("verb", rules["verbs"])
    subjects = phrase_set("what_happened", "subjects")
    boundaries = _boundaries(doc, _text_matcher().find(doc.tokens), ratings)
    used = [e.span for e in taken + ratings]
    for hit in matcher.find(doc.tokens):
        lead_start = max(0, hit.start - 3)
        lead = doc.words[lead_start:hit.start]
        subject = next((lead_start + k for k in range(len(lead)) for p in subjects
                        if tuple(lead[k:k + len(p)]) == p), None)
        if subject is None:
            continue
        if doc.words[subject] == "and":  # "and i told her"
            subject += 1
        a, b = clause_around(doc, hit.start, hit.end, boundaries)
        a, b = trimmed(doc, max(a, subject), b)
        if a >= b or not _enough(doc, a, b):
            continue
        chars = doc.chars(a, b)
        if any(chars[0] < u[1] and u[0] < chars[1] for u in used):
            continue
        return [extracted(doc, "what_happened", doc.said(a, b), a, b, doc.said(hit.start, hit.end))]
    return []
