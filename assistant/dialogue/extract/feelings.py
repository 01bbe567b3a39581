"""Feelings and body sensations said in a reflection."""

from __future__ import annotations

from functools import lru_cache

from assistant.dialogue import parse
from assistant.dialogue.extract.document import Doc, ends_with_any, extracted, has_any
from assistant.dialogue.extract.fields import Extracted
from assistant.dialogue.extract.rules import extract_rules, phrase_set, rule_matcher, word_set
from assistant.dialogue.words import Matcher


@lru_cache(maxsize=None)
def emotion_matcher() -> Matcher:
    return rule_matcher((" ".join(form), " ".join(form)) for form in parse.emotion_forms())


def read_emotions(doc: Doc) -> list[Extracted]:
    needs_frame = phrase_set("emotions", "needs_frame")
    frames, others = phrase_set("emotions", "frames"), phrase_set("emotions", "others")
    first_person = word_set("emotions", "first_person")
    forms = parse.emotion_forms()
    names: list[str] = []
    spans: list[tuple[int, int]] = []
    last_end = -10
    for hit in emotion_matcher().find(doc.tokens):
        lead_start = max(0, hit.start - 3)
        while not doc.same_sentence(lead_start, hit.start):
            lead_start += 1
        lead = doc.words[lead_start:hit.start]
        name = forms[tuple(doc.words[hit.start:hit.end])][0]
        if name not in parse.parse_emotions(doc.said(lead_start, hit.end)).value:
            continue  # negated ("not angry", "didn't feel scared")
        if ends_with_any(lead, others) and not first_person & set(lead[-1:]):
            continue
        if has_any(lead, others) and not first_person & set(lead):
            continue
        listed = hit.start - last_end <= 2 and all(w in ("and", "or") for w in doc.words[last_end:hit.start])
        framed = any(tuple(lead[k:k + len(p)]) == p for p in frames for k in range(len(lead)))
        if tuple(doc.words[hit.start:hit.end]) in needs_frame and not (framed or listed):
            continue
        if name not in names:
            names.append(name)
        spans.append((hit.start, hit.end))
        last_end = hit.end
    if not names:
        return []
    return [extracted(doc, "emotions", names, spans[0][0], spans[-1][1])]


def read_body(doc: Doc) -> list[Extracted]:
    rules = extract_rules()["body"]
    parts, sensations = set(rules["parts"]), set(rules["sensations"])
    negations = set(rules["negations"])
    standalone = word_set("body", "standalone")
    words = doc.words
    clusters: list[list[int]] = []
    for i, word in enumerate(words):
        if word in parts:
            partners = [j for j in range(max(0, i - rules["reach"]), min(len(words), i + rules["reach"] + 1))
                        if words[j] in sensations and doc.same_sentence(i, j)]
            if not partners:
                continue
            members = sorted({i, *partners})
        elif word in standalone:
            members = [i]
        else:
            continue
        lead = words[max(0, members[0] - 3):members[0]]
        if negations & set(lead) or negations & set(words[members[0]:members[-1]]):
            continue
        near = members[0] - clusters[-1][-1] <= rules["cluster_reach"] if clusters else False
        if near and doc.same_sentence(clusters[-1][-1], members[0]):
            clusters[-1] = sorted({*clusters[-1], *members})
        else:
            clusters.append(members)
    if not clusters:
        return []
    pieces = []
    for members in clusters:
        start = members[0]
        while start > 0 and words[start - 1] in word_set("body", "lead_words") and doc.same_sentence(start - 1, start):
            start -= 1
        pieces.append((start, members[-1] + 1))
    value = ", ".join(doc.said(a, b) for a, b in pieces)
    return [extracted(doc, "body_sensations", value, pieces[0][0], pieces[-1][1])]
