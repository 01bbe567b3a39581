"""A note's own fields: how strong the feeling is, and who it is about."""

from __future__ import annotations

from dataclasses import replace

from assistant.dialogue.extract.document import Doc, extracted
from assistant.dialogue.extract.fields import Extracted
from assistant.dialogue.extract.ratings import rating_runs, reading_groups
from assistant.dialogue.extract.rules import extract_rules, phrase_set


def read_intensity(doc: Doc, ratings: list[Extracted]) -> list[Extracted]:
    """How strong the feeling of a note is: a rating said right after an intensity word ("intensity about a
    six"), else the rating for now ("a three now"), else the one clear rating the note holds; none when two
    different ratings are said without saying which is now."""
    words = phrase_set("people", "intensity_words")
    groups = [g for g in reading_groups(doc, rating_runs(doc)) if g.value is not None and g.change is None]
    for group in groups:
        lead = doc.words[max(0, group.start - 4):group.start]
        if any(tuple(lead[k:k + len(w)]) == w for w in words for k in range(len(lead))):
            return [extracted(doc, "intensity", group.value, max(0, group.start - 4), group.end)]
    now = next((e for e in ratings if e.field == "anxiety_after"), None)
    if now is not None:
        return [replace(now, field="intensity")]
    if len({g.value for g in groups}) == 1 and groups and not ratings:
        return [extracted(doc, "intensity", groups[0].value, groups[0].start, groups[-1].end)]
    return []


def read_people(doc: Doc) -> list[Extracted]:
    """The people a note names: "my sister", "my friend Sam" (a relation after "my"/"our", with the name
    that follows it), and capitalised names inside a sentence ("I told Priya"). A capitalised word that
    starts a sentence is left out unless a relation names it: it could be any word."""
    rules = extract_rules()["people"]
    relations = phrase_set("people", "relations")
    possessives = set(rules["possessives"])
    not_names = {w.lower() for w in rules["not_names"]}
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    taken: set[int] = set()
    n = len(doc.words)
    for i, word in enumerate(doc.words):
        if word not in possessives:
            continue
        for relation in sorted(relations, key=len, reverse=True):
            end = i + 1 + len(relation)
            if tuple(doc.words[i + 1:end]) != relation:
                continue
            if end < n and doc.same_sentence(i, end) and _capitalised(doc, end, not_names):
                end += 1  # "my friend Sam"
            name = doc.said(i, end)
            if name.lower() not in (f.lower() for f in found):
                found.append(name)
                spans.append((i, end))
            taken.update(range(i, end))
            break
    for i in range(n):
        if i in taken or not _capitalised(doc, i, not_names):
            continue
        first_of_sentence = i == 0 or doc.tokens[i - 1].sentence != doc.tokens[i].sentence
        if first_of_sentence:
            continue
        end = i + 1
        while end < n and doc.same_sentence(i, end) and _capitalised(doc, end, not_names) and end not in taken:
            end += 1  # "Aunt Rosa", "Sam Lee"
        name = doc.said(i, end)
        if name.lower() not in (f.lower() for f in found):
            found.append(name)
            spans.append((i, end))
        taken.update(range(i, end))
    if not found:
        return []
    ordered = [name for _, name in sorted(zip(spans, found))]
    first, last = min(spans)[0], max(spans)[1]
    a, b = doc.chars(first, last)
    return [Extracted("people", ordered, (a, b), doc.text[a:b])]


def _capitalised(doc: Doc, i: int, not_names: set[str]) -> bool:
    raw = doc.text[doc.tokens[i].start:doc.tokens[i].end]
    return raw[:1].isupper() and raw[1:2].islower() and doc.words[i] not in not_names
