"""Ratings tied to their moments: before, at the worst, after. Cues and readings are paired along each
sentence as a maximum matching; where a moment has no cue of its own, the way it was told names it (a level
held throughout, "it never went above that", arrows, a sequence)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from assistant.dialogue.extract.document import Doc, extracted, phrases_within
from assistant.dialogue.extract.fields import Extracted
from assistant.dialogue.extract.ratings import (
    Group,
    arrow_between,
    cue_alone,
    new_clause,
    opens_statement,
    rating_runs,
    reading_groups,
)
from assistant.dialogue.extract.rules import extract_rules, phrase_set, rule_matcher, simple_matcher, word_set
from assistant.dialogue.words import Hit, Matcher


def read_ratings(doc: Doc, lenient: bool = False) -> list[Extracted]:
    groups = reading_groups(doc, rating_runs(doc, lenient))
    items: list[tuple[int, int, str, Any]] = [(c.start, c.end, "cue", c) for c in doc.cues]
    items += [(g.start, g.end, "number", g) for g in groups]
    items.sort(key=lambda x: x[0])
    reach = extract_rules()["ratings"]["reach"]
    edges: list[bool] = []
    for (a_start, a_end, a_kind, a), (b_start, _, b_kind, b) in zip(items, items[1:]):
        ok = False
        fillers = word_set("ratings", "evidence", "near_fillers")
        if a_kind == "cue" and b_kind == "number":
            limit = extract_rules()["ratings"]["near_reach"] if a.label.startswith("near:") else a.reach or reach
            next_sentence = doc.tokens[b_start].sentence == doc.tokens[a_end - 1].sentence + 1
            crossing = doc.breaks_between(a_end - 1, b_start)
            lead_in = all(w in fillers for w in doc.words[a_end:b_start])
            ok = b_start - a_end <= limit and (not crossing or (next_sentence and lead_in and cue_alone(doc, a)))
            ok = ok and not new_clause(doc, a_end, b_start, joined_by_but=True)
            if a.label.startswith("near:"):
                ok = ok and all(w in fillers for w in doc.words[a_end:b_start])
        elif a_kind == "number" and b_kind == "cue":
            ok = (b_start - a_end <= 2 and not doc.breaks_between(a_end - 1, b_start)
                  and all(w in fillers for w in doc.words[a_end:b_start])
                  and (b.clause or not opens_statement(doc, b.end))
                  and not _own_statement(doc, items, len(edges) + 1)
                  and not _claimed(doc, items, len(edges)))
        edges.append(ok)
    # Across a comma, "a seven, at the worst ..." belongs to the cue before it, if it has one.
    for k, ok in enumerate(edges):
        a_start, a_end, a_kind, a = items[k]
        if ok and a_kind == "number" and doc.comma_between(a_end - 1, items[k + 1][0]) and k > 0 and edges[k - 1]:
            edges[k] = False
    # ", and 3 after": a number said straight before its cue, with nothing between, is that cue's, not the cue
    # before it across a comma.
    for k, ok in enumerate(edges):
        a_start, a_end, a_kind, a = items[k]
        if (ok and a_kind == "number" and items[k + 1][0] == a_end and not doc.comma_between(a_end - 1, a_end)
                and k > 0 and edges[k - 1] and doc.comma_between(items[k - 1][1] - 1, a_start)):
            edges[k - 1] = False
    # "before I was 7, then 9": a later moment; a cue with a reading of its own does not reach past ", then".
    then = phrase_set("ratings", "sequence", "then")
    for k, ok in enumerate(edges):
        a_start, a_end, a_kind, a = items[k]
        b_start = items[k + 1][0]
        own_before = k > 0 and items[k - 1][2] == "number" and edges[k - 1]  # "7 before, then 9"
        if ok and a_kind == "cue" and any(
                tuple(doc.words[j:j + len(p)]) == p and doc.tokens[j].comma_before
                and (own_before or any(a_end <= g.start < j for g in groups))
                for j in range(a_end, b_start) for p in then):
            edges[k] = False
    chosen = _certain_edges(edges)
    # "dropped to 3 afterwards": two cues of one field around one number is no contest.
    taken = {k for c in chosen for k in (c, c + 1)}
    for k in range(1, len(items) - 1):
        left, middle, right = items[k - 1], items[k], items[k + 1]
        if (middle[2] == "number" and left[2] == right[2] == "cue" and edges[k - 1] and edges[k]
                and not {k - 1, k, k + 1} & taken
                and left[3].label.removeprefix("near:") == right[3].label.removeprefix("near:")):
            chosen.append(k - 1)
            taken |= {k - 1, k}
    # "a nine walking up ... it stayed a nine": a cue between two numbers of one value is no contest either;
    # it takes the one before it, so the later one stays free for a cue of its own.
    for k in range(1, len(items) - 1):
        left, middle, right = items[k - 1], items[k], items[k + 1]
        if (middle[2] == "cue" and left[2] == right[2] == "number" and edges[k - 1] and edges[k]
                and not {k - 1, k} & taken and left[3].value is not None and left[3].value == right[3].value
                and left[3].change is None and right[3].change is None):
            chosen.append(k - 1)
            taken |= {k - 1, k}
            if k + 1 < len(edges) and edges[k + 1] and not {k + 1, k + 2} & taken:
                chosen.append(k + 1)
                taken |= {k + 1, k + 2}
    by_field: dict[str, list[tuple[Any, int, int, Hit]]] = {}
    for k in chosen:
        first, second = items[k], items[k + 1]
        cue, group = (first[3], second[3]) if first[2] == "cue" else (second[3], first[3])
        field = cue.label.removeprefix("near:")
        start, end = min(cue.start, group.start), max(cue.end, group.end)
        by_field.setdefault(field, []).append((group.reading(field), start, end, cue))
    found = []
    for field, readings in by_field.items():
        chosen_reading = _one_reading(doc, readings)
        if chosen_reading is not None:
            value, start, end, cue = chosen_reading
            found.append(extracted(doc, field, value, start, end, doc.said(cue.start, cue.end)))
    if not lenient:
        found += held_level(doc, groups, {e.field for e in found})
        free = [items[k][3] for k in range(len(items)) if items[k][2] == "number" and k not in taken]
        found += _in_sequence(doc, free, found)
        found += _no_higher(doc, groups, found)
        found += _arrows(doc, groups, found)
        found += _changes(doc, [items[k][3] for k in range(len(items)) if items[k][2] == "number" and k not in taken],
                          found)
    return found


def _changes(doc: Doc, free: list[Group], found: list[Extracted]) -> list[Extracted]:
    """"my anxiety went from a six to a two" with no moment named: the first is before; the later is after when
    it is lower, the worst when it is higher. Only one such change, and only for moments not said otherwise."""
    changes = [g for g in free if g.change is not None]
    if len(changes) != 1:
        return []
    group = changes[0]
    first, later = group.change  # type: ignore[misc]
    said = {e.field for e in found}
    pairs = [("anxiety_before", first), ("anxiety_after" if later < first else "anxiety_peak", later)]
    if first == later or any(field in said for field, _ in pairs):
        return []
    return [extracted(doc, field, value, group.start, group.end) for field, value in pairs]


def _claimed(doc: Doc, items: list, k: int) -> bool:
    """The number ``items[k]`` is led straight by a cue that reads forward ("peaked at a seven when he answered"):
    it is that cue's, not the cue after it."""
    if k == 0 or items[k - 1][2] != "cue":
        return False
    between = doc.words[items[k - 1][1]:items[k][0]]
    fillers = word_set("ratings", "evidence", "near_fillers")
    return (doc.words[items[k - 1][1] - 1] in word_set("ratings", "statements", "forward_ends")
            and len(between) <= 2 and all(w in fillers for w in between))


def _own_statement(doc: Doc, items: list, k: int) -> bool:
    """Whether the cue ``items[k]`` reads forward only: it ends in a word that leads to a number ("never went
    above", "went up to"), or goes on to a number of its own through a verb ("the worst was an eight"). Then
    it does not take the number before it."""
    if k + 1 >= len(items) or items[k + 1][2] != "number" or doc.breaks_between(items[k][1] - 1, items[k + 1][0]):
        return False
    rules = extract_rules()["ratings"]["statements"]
    between = doc.words[items[k][1]:items[k + 1][0]]
    verbs = word_set("ratings", "statements", "verbs")
    fillers = word_set("ratings", "evidence", "near_fillers")
    if doc.words[items[k][1] - 1] in word_set("ratings", "statements", "forward_ends"):
        return len(between) <= 2 and all(w in fillers for w in between)  # "never went above a six"
    return 0 < len(between) <= rules["reach"] and between[0] in verbs and all(w in fillers | verbs for w in between)


def _arrows(doc: Doc, groups: list[Group], found: list[Extracted]) -> list[Extracted]:
    """"Anxiety 6 -> 9 -> 3": readings joined by arrows are before, the worst and after (two: before and
    after), for those not said otherwise; the middle one must be the highest."""
    chains: list[list[Group]] = []
    for group in groups:
        if group.value is None or group.change is not None:
            continue
        last = chains[-1][-1] if chains else None
        if last is not None and arrow_between(doc, last.end - 1, group.start):
            chains[-1].append(group)
        else:
            chains.append([group])
    chains = [c for c in chains if len(c) in (2, 3)]
    if len(chains) != 1:
        return []
    chain = chains[0]
    said = {e.field for e in found}
    fields = ("anxiety_before", "anxiety_peak", "anxiety_after") if len(chain) == 3 else (
        "anxiety_before", "anxiety_after")
    values = [g.value or 0 for g in chain]
    if len(chain) == 3 and not values[1] >= max(values[0], values[2]):
        return []
    return [extracted(doc, field, group.value, group.start, group.end, doc.said(chain[0].start, chain[-1].end))
            for field, group in zip(fields, chain) if field not in said]


@lru_cache(maxsize=None)
def _no_higher_matcher() -> Matcher:
    return simple_matcher("no_higher", extract_rules()["ratings"]["no_higher"]["phrases"])


def _no_higher(doc: Doc, groups: list[Group], found: list[Extracted]) -> list[Extracted]:
    """"I was at an eight and it never went above that", "started at a five, that was the worst of it": the
    reading said just before (same or previous sentence) was the worst, when the worst is not said otherwise."""
    if any(e.field == "anxiety_peak" for e in found):
        return []
    for hit in _no_higher_matcher().find(doc.tokens):
        sentence = doc.tokens[hit.start].sentence
        before = [g for g in groups if g.end <= hit.start and g.value is not None and g.change is None
                  and doc.tokens[g.end - 1].sentence >= sentence - 1]
        if before:
            group = before[-1]
            return [extracted(doc, "anxiety_peak", group.value, group.start, hit.end, doc.said(hit.start, hit.end))]
    return []


def _in_sequence(doc: Doc, free: list[Group], found: list[Extracted]) -> list[Extracted]:
    """Readings told in order, before → worst → after, where a moment has no cue of its own:
    with a before and an after said, the highest free reading between them is the worst if it is above both
    ("typing it I was at a seven ... that whole two hours I was at a nine ... I dropped to a one"); with a
    before and a worst said, the last reading of the reflection, after the worst, lower than it and led by a
    `then` word, is the after ("spiked to an eight, then like a three")."""
    rules = extract_rules()["ratings"]["sequence"]
    said = {e.field: e for e in found}
    free = [g for g in free if g.value is not None and g.change is None]
    before, peak, after = (said.get(f) for f in ("anxiety_before", "anxiety_peak", "anxiety_after"))
    if before is not None and after is not None and peak is None:
        between = [g for g in free if before.span[1] <= doc.tokens[g.start].start
                   and doc.tokens[g.end - 1].end <= after.span[0]]
        if between:
            top = max(g.value for g in between if g.value is not None)
            if top > before.value and top > after.value:
                group = next(g for g in between if g.value == top)
                return [extracted(doc, "anxiety_peak", top, group.start, group.end)]
    if before is not None and peak is not None and after is None and free:
        last = free[-1]
        later_than_all = all(doc.tokens[last.start].start >= e.span[1] for e in found)
        then = phrases_within(doc, phrase_set("ratings", "sequence", "then"), last.start, rules["then_reach"])
        if later_than_all and then and last.value is not None and last.value < peak.value:
            return [extracted(doc, "anxiety_after", last.value, last.start, last.end)]
    return []


@lru_cache(maxsize=None)
def _hold_matcher() -> Matcher:
    rules = extract_rules()["ratings"]["hold"]
    labelled = [("hold", p) for p in rules["phrases"]] + [("through", p) for p in rules["through"]]
    return rule_matcher(labelled + [("stayed", p) for p in rules["stayed"]])


def held_level(doc: Doc, groups: list[Group], found: set[str]) -> list[Extracted]:
    """A level said to hold from start to finish ("a 2 start to finish", "it stayed at a five the whole time") is
    the reading before, at the worst and after, for each of those not said otherwise. Two different held levels:
    none."""
    fillers = word_set("ratings", "evidence", "near_fillers")
    hits = _hold_matcher().find(doc.tokens)

    def next_to(group: Group, hit: Hit, after: bool) -> bool:
        a, b = (group.end, hit.start) if after else (hit.end, group.start)
        return 0 <= b - a <= 2 and all(w in fillers for w in doc.words[a:b]) and doc.same_sentence(a - 1, b)

    held = []
    for hit in hits:
        for group in groups:
            if group.value is None or not next_to(group, hit, after=True):
                continue
            stayed = any(h.label == "stayed" and next_to(group, h, after=False) for h in hits)
            if hit.label == "hold" or (hit.label == "through" and stayed):
                held.append((group, hit))
    if len({group.value for group, _ in held}) != 1:
        return []
    group, hit = held[0]
    cue = doc.said(hit.start, hit.end)
    return [extracted(doc, field, group.value, group.start, hit.end, cue)
            for field in extract_rules()["ratings"]["hold"]["fields"] if field not in found]


def _certain_edges(edges: list[bool]) -> list[int]:
    """The edges in every maximum matching of a path (items joined by the usable edges)."""
    def best(disabled: int | None) -> int:
        take, skip = 0, 0  # best count when the last edge is taken / not taken
        for k, ok in enumerate(edges):
            take, skip = (skip + 1 if ok and k != disabled else -1), max(take, skip)
        return max(take, skip)

    top = best(None)
    return [k for k, ok in enumerate(edges) if ok and best(k) < top]


def _one_reading(doc: Doc, readings: list[tuple[Any, int, int, Hit]]) -> tuple[Any, int, int, Hit] | None:
    """One value per field: agreeing readings, or a correction before the later one; else none."""
    if any(r[0] is None for r in readings):
        return None
    latest = readings[0]
    corrections = phrase_set("ratings", "evidence", "corrections")
    for reading in readings[1:]:
        if reading[0] == latest[0]:
            continue
        lead = doc.words[max(latest[2], reading[1] - 4):reading[1]]
        if any(tuple(lead[k:k + len(p)]) == p for p in corrections for k in range(len(lead))):
            latest = reading
        else:
            return None
    return latest
