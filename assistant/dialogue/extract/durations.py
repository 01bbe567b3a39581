"""Lengths of time, each given to the field whose cue is nearest: how long the conversation was, how long the
feeling lasted."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from assistant.dialogue import parse
from assistant.dialogue.extract.document import Doc, extracted
from assistant.dialogue.extract.fields import Extracted
from assistant.dialogue.extract.ratings import new_clause, rating_runs
from assistant.dialogue.extract.rules import (
    extract_rules,
    number,
    phrase_set,
    rule_matcher,
    simple_matcher,
    unloosed,
    word_set,
)
from assistant.dialogue.words import Hit, Matcher


def read_durations(doc: Doc) -> list[Extracted]:
    """Lengths of time, each given to the field whose cue is nearest (see ``[durations]`` in extract.toml)."""
    cue_hits = _duration_cue_hits(doc)
    readings: dict[str, list[tuple[Any, int, int, Hit, int]]] = {}
    not_lengths = _not_lengths().find(doc.tokens)
    lengths = [(start, end, length_of(doc, start, end)) for start, end in _duration_spans(doc)
               if not _is_point_in_time(doc, start, end) and not _inside_any(doc, start, end, not_lengths)
               and not _bounded(doc, start)]
    for start, end, value in _corrected(doc, _ranges(doc, [(a, b, v) for a, b, v in lengths if v is not None])):
        # "the first ten minutes (of the call)": a part of the meeting, never its length.
        portion = bool(set(doc.words[max(0, start - 2):start]) & word_set("durations", "portion_lead"))
        hits = [h for h in cue_hits if not (portion and h.label == "conversation_minutes")]
        nearest = _nearest_cue(doc, hits, start, end)
        if nearest is not None:
            cue, cost = nearest
            readings.setdefault(cue.label, []).append((value, start, end, cue, cost))
        elif not portion and _said_alone(doc, cue_hits, start):
            cue = Hit(start, end, "conversation_minutes", "")
            readings.setdefault(cue.label, []).append((value, start, end, cue, 0))
    parts = phrase_set("durations", "part_of")
    for field, items in readings.items():  # "twenty minutes of that": the part, not the whole it is part of
        part = [item for item in items if any(tuple(doc.words[item[2]:item[2] + len(p)]) == p for p in parts)]
        if part:
            readings[field] = part
    readings.pop("travel", None)  # how long getting there took: no field's
    found = []
    for field, items in readings.items():
        # One cue takes one length, its nearest ("the session is 50 minutes and we talked for twenty").
        by_cue: dict[int, tuple[Any, int, int, Hit, int]] = {}
        for item in items:
            if item[3].start not in by_cue or item[4] < by_cue[item[3].start][4]:
                by_cue[item[3].start] = item
        values = {item[0] for item in by_cue.values()}
        if len(values) == 1:
            value, start, end, cue, _ = min(by_cue.values(), key=lambda item: item[4])
            a, b = min(start, cue.start), max(end, cue.end)
            found.append(extracted(doc, field, value, a, b, doc.said(cue.start, cue.end) if cue.phrase else ""))
    return found


def _corrected(doc: Doc, lengths: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """"an eight for, oh, a quarter of an hour? no, not that long, maybe five minutes. five minutes.": a length
    after a correction word replaces the one said just before it, in its place (so it goes to the same field), and
    saying it again on its own is no new length."""
    corrections = phrase_set("ratings", "evidence", "corrections")
    out: list[tuple[int, int, float]] = []
    for start, end, value in lengths:
        if out:
            a, b, before = out[-1]
            between = doc.words[b:start]
            subjects = word_set("tokens", "statement_subjects") | word_set("ratings", "clauses", "new_subjects")
            if 0 < len(between) <= 8 and not set(between) & subjects and any(
                    tuple(between[k:k + len(p)]) == p for p in corrections for k in range(len(between))):
                out[-1] = (a, b, value)  # the earlier words, the corrected value
                continue
            if value == before and not between[1:] and doc.breaks_between(b - 1, start):
                continue  # "five minutes. five minutes."
        out.append((start, end, value))
    return out


def _ranges(doc: Doc, lengths: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Two lengths said as a range ("half an hour to an hour", "40 minutes, maybe 45") are one: the higher."""
    joined: list[tuple[int, int, float]] = []
    for start, end, value in lengths:
        if joined:
            a, b, before = joined[-1]
            between = doc.words[b:start]
            listed = not between and doc.tokens[start].comma_before  # "20 minutes, 25 minutes tops"
            if len(between) <= 3 and doc.same_sentence(b - 1, start) and (listed or between and set(
                    between) <= word_set("durations", "range_words")):
                joined[-1] = (a, end, max(before, value))
                continue
        joined.append((start, end, value))
    return joined


def length_of(doc: Doc, start: int, end: int) -> float | None:
    """Minutes said in tokens start..end; of "a minute or two" the higher ("two minutes")."""
    words = doc.words
    said = " ".join(unloosed(w) for w in words[start:end]).replace("-", " ")
    if len(words[start:end]) >= 3 and words[end - 2] == "or" and number(words[end - 1]) is not None:
        unit = parse.parse_duration(" ".join(words[start:end - 2]))
        one = parse.parse_duration("1 " + words[end - 3])
        if unit.ok and one.ok:
            return max(unit.value, number(words[end - 1]) * one.value)
        return None
    value = parse.parse_duration(said)
    return value.value if value.ok else None


def _duration_spans(doc: Doc) -> list[tuple[int, int]]:
    """Token ranges that say a length of time with a number or an amount ("twenty minutes", "an hour and a
    half", "a good quarter of an hour"); estimates ("a few minutes") are left out."""
    rules = extract_rules()["durations"]
    words = doc.words
    units, joiners = set(rules["units"]), set(rules["joiners"])
    amounts = word_set("durations", "amounts")
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i] not in units and not _unit_compound(words[i], units):
            i += 1
            continue
        start = i
        while start > 0 and doc.same_sentence(start - 1, i) and (
                number(unloosed(words[start - 1]).replace("-", "")) is not None or _hyphen_number(words[start - 1])
                or words[start - 1] in joiners):  # not back over another unit: "20 minutes or half an hour"
            start -= 1
        end = i + 1
        while end < len(words) and words[end:end + 3] in (["and", "a", "half"], ["and", "a", "quarter"]):
            end += 3
        # "1 hour 20 minutes", "an hour and ten minutes": one length
        while True:
            at = end + (words[end:end + 1] == ["and"])
            if at + 1 < len(words) and number(words[at]) is not None and words[at + 1] in units and (
                    doc.same_sentence(end - 1, at + 1) and not doc.tokens[at].comma_before):
                end = at + 2
            else:
                break
        if words[end:end + 1] == ["or"] and end + 1 < len(words) and number(words[end + 1]) is not None and (
                end + 2 >= len(words) or words[end + 2] not in units):
            end += 2  # "a minute or two"
        while words[start] in joiners - amounts:
            start += 1
        said = [part for w in words[start:end] for part in (w.split("-") if _unit_compound(w, units) else [w])]
        if any(number(unloosed(w)) is not None or _hyphen_number(w) or w in amounts for w in said if w not in units):
            spans.append((start, end))
        i = end
    return spans


def _bounded(doc: Doc, start: int) -> bool:
    """"under five minutes", "less than an hour": a bound from above, not a length."""
    lead = doc.words[max(0, start - 3):start]
    return any(tuple(lead[-len(p):]) == p for p in phrase_set("durations", "bound_lead") if len(p) <= len(lead))


def _is_point_in_time(doc: Doc, start: int, end: int) -> bool:
    """"ten minutes into the call", "two hours ago": a point in time, not a length ("lasted ten minutes before
    it faded", "two hours in the end", "for a quarter of an hour after" are lengths)."""
    rules = extract_rules()["durations"]
    words = doc.words
    if end >= len(words) or words[end] not in rules["point_after"] or not doc.same_sentence(end - 1, end):
        return False
    if doc.tokens[end].comma_before:
        return False
    if words[end] in rules["always_point"]:
        return True
    if any(tuple(words[end:end + len(p)]) == p for p in phrase_set("durations", "not_point")):
        return False
    if words[end] == "in" and words[end + 1:end + 2] and words[end + 1] in word_set("durations", "place_starts"):
        return False  # "for about 20 minutes in the kitchen": a place
    if end + 1 < len(words) and words[end + 1] in rules["clause_starts"] and not doc.tokens[end + 1].comma_before:
        return False
    lead = words[max(0, start - 3):start]
    led_by_for = "for" in lead or any(tuple(lead[k:k + len(p)]) == p for p in phrase_set("durations", "refer")
                                      for k in range(len(lead)))  # "lasted maybe 30 mins after"
    return not (led_by_for and words[end] in rules["point_ends_after_for"])


@lru_cache(maxsize=None)
def _not_lengths() -> Matcher:
    return simple_matcher("not", extract_rules()["durations"]["not_lengths"])


def _inside_any(doc: Doc, start: int, end: int, hits: list[Hit]) -> bool:
    return any(h.start <= start and end <= h.end for h in hits)


def _duration_cue_hits(doc: Doc) -> list[Hit]:
    """The cues of the duration fields: their own words, every rating said (the feeling's length is said next
    to how strong it was: "it went to a nine for maybe 45 seconds"), and `refer` words resolved to the field
    of what they are said of."""
    own = duration_cues().find(doc.tokens)
    ratings = [Hit(run.start, run.end, "anxiety_duration", "") for run in rating_runs(doc)]
    hits = [h for h in own if h.label != "refer"] + ratings
    said_of = hits + [Hit(c.start, c.end, "anxiety_duration", "") for c in doc.cues]  # "the peak lasted"
    for hit in own:
        if hit.label != "refer":
            continue
        before = [h for h in said_of if h.end <= hit.start and doc.same_sentence(h.start, hit.start)]
        if before:
            hits.append(Hit(hit.start, hit.end, max(before, key=lambda h: h.end).label, hit.phrase))
    return hits


def _said_alone(doc: Doc, cue_hits: list[Hit], start: int) -> bool:
    """A length with no cue in its sentence, at its head after only `alone_lead` words ("About 5 mins.",
    "Only a quarter of an hour, but a heavy one.")."""
    if any(doc.same_sentence(h.start, start) for h in cue_hits):
        return False
    head = start
    while head > 0 and doc.same_sentence(head - 1, start):
        head -= 1
    lead = doc.words[head:start]
    leads = phrase_set("durations", "alone_lead")
    k = 0
    while k < len(lead):
        step = next((len(p) for p in leads if tuple(lead[k:k + len(p)]) == p), 0)
        if not step:
            return False
        k += step
    return True


def _unit_compound(word: str, units: set[str]) -> bool:
    """"20-minute", "half-hour", "two-hour": a number and a unit said as one word."""
    parts = word.split("-")
    return len(parts) == 2 and parts[1] in units and (number(parts[0]) is not None or parts[0] in ("half", "quarter"))


def _hyphen_number(word: str) -> bool:
    return "-" in word and all(number(part) is not None for part in word.split("-"))


@lru_cache(maxsize=None)
def duration_cues() -> Matcher:
    rules = extract_rules()["durations"]
    labelled = [(field, cue) for field, cues in rules["cues"].items() for cue in cues]
    labelled += [("travel", phrase) for phrase in rules["travel"]]
    return rule_matcher(labelled + [("refer", phrase) for phrase in rules["refer"]])


def _subject_of_lasted(doc: Doc, hit: Hit) -> bool:
    """The cue is the subject of a `refer` word right after it ("the bad part lasted ..."): it names what that
    later length was of."""
    return any(tuple(doc.words[hit.end:hit.end + len(p)]) == p for p in phrase_set("durations", "refer"))


def _nearest_cue(doc: Doc, hits: list[Hit], start: int, end: int) -> tuple[Hit, int] | None:
    """The duration cue nearest the reading (its label is the field) and its cost, or None when none or two
    tie. A rating as a cue costs `rating_cost` more: it is a weaker sign than the words of a field."""
    rules = extract_rules()["durations"]
    best: dict[str, tuple[int, Hit]] = {}
    words = doc.words
    # "an hour before I called": the clause after the point word is the later event, not what took the hour.
    point_clause = end < len(words) and words[end] in rules["point_after"]
    for hit in hits:
        if hit.start < end and hit.end > start:
            continue
        if point_clause and hit.start >= end and not new_clause(doc, end, hit.start) and not doc.comma_between(
                end, hit.start):
            continue
        if hit.start >= end and _subject_of_lasted(doc, hit):  # "the bad part lasted five": a later one
            continue
        a, b = (hit.end - 1, start) if hit.end <= start else (end - 1, hit.start)
        if doc.breaks_between(a, b):
            continue
        distance = b - a - 1
        pauses = word_set("durations", "comma_fillers")
        clauses = sum(1 for k in range(a + 1, b + 1) if doc.tokens[k].comma_before
                      and doc.words[k] not in pauses and doc.words[k - 1] not in pauses)
        clauses += sum(1 for w in doc.words[a + 1:b] if w in word_set("tokens", "joining_words"))
        cost = distance + clauses * rules["clause_cost"] + (0 if hit.phrase else rules["rating_cost"])
        cost += rules["following_cost"] if hit.start >= end and hit.phrase else 0
        if cost <= rules["reach"] and (hit.label not in best or cost < best[hit.label][0]):
            best[hit.label] = (cost, hit)
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: kv[1][0])
    if len(ranked) > 1 and ranked[1][1][0] - ranked[0][1][0] <= rules["tie"]:
        if ranked[1][1][1].phrase or not ranked[0][1][1].phrase:  # a field's own words beat a rating's
            return None
    return ranked[0][1][1], ranked[0][1][0]
