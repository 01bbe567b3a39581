"""A transcript as the extractors see it: tokens, the rating cues every field shares, and small helpers over
them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.dialogue import parse
from assistant.dialogue.extract.fields import Extracted
from assistant.dialogue.extract.rules import extract_rules, number, phrase_set, rating_number, rule_matcher, word_set
from assistant.dialogue.words import Hit, Matcher, Token
from assistant.dialogue.words import tokens as split


@lru_cache(maxsize=None)
def _cue_matcher() -> Matcher:
    """Rating cues, trailing cues and the phrases that look like cues but are not."""
    rules = extract_rules()["ratings"]
    labelled = [(field, cue) for field, cues in rules["cues"].items() for cue in cues]
    labelled += [(f"near:{field}", cue) for field, cues in rules["near"].items() for cue in cues]
    labelled += [("not", p) for p in rules["not_cues"]["phrases"]]
    return rule_matcher(labelled)


def said_as_numbers(doc: Doc, start: int, end: int) -> str:
    """The words of tokens start..end as said, with loose numbers and homophones written as digits."""
    text, at = "", doc.tokens[start].start
    for k in range(start, end):
        token = doc.tokens[k]
        value = rating_number(doc.words, k)
        if value is not None and number(token.norm) is None:
            text += doc.text[at:token.start] + str(int(value))
            at = token.end
    return text + doc.text[at:doc.tokens[end - 1].end]


@dataclass
class Doc:
    text: str
    tokens: list[Token]
    words: list[str]
    cues: list[Hit]  # rating cues (label = field, or "near:field" for those that count only next to a number)
    ratings: list[Run] | None = None  # the rating runs, once found (ratings and durations both use them)

    def chars(self, start: int, end: int) -> tuple[int, int]:
        """Token range → character span."""
        return self.tokens[start].start, self.tokens[end - 1].end

    def said(self, start: int, end: int) -> str:
        a, b = self.chars(start, end)
        return self.text[a:b]

    def same_sentence(self, a: int, b: int) -> bool:
        return self.tokens[a].sentence == self.tokens[b].sentence

    def breaks_between(self, a: int, b: int) -> bool:
        """A sentence end between token a and token b (a < b)."""
        return self.tokens[a].sentence != self.tokens[b].sentence

    def comma_between(self, a: int, b: int) -> bool:
        return any(self.tokens[k].comma_before for k in range(a + 1, b + 1))


def document(text: str) -> Doc:
    tokens = split(text, word_set("tokens", "abbreviations"))
    words = [t.norm for t in tokens]
    hits = [c for h in _cue_matcher().find(tokens) if h.label != "not" and (c := _with_clause(tokens, words, h))]
    hits = [h for h in hits if not any(o.start < h.start < o.end for o in hits)]  # inside a cue's clause
    hits += _prefix_cues(words, hits)
    return Doc(text, tokens, words, _without_timings(tokens, words, sorted(hits, key=lambda h: h.start)))


def _without_timings(tokens: list[Token], words: list[str], cues: list[Hit]) -> list[Hit]:
    """"The worst part was right at the start", "the worst moment was when she paused after I said it": a moment cue
    said of another (it tells when the worst was) is not a moment of its own."""
    verbs = word_set("ratings", "statements", "verbs")
    fillers = word_set("ratings", "evidence", "near_fillers")
    dropped = set()
    for a, b in zip(cues, cues[1:]):
        between = words[a.end:b.start]
        if a.label == b.label or a.label.startswith("near:") or b.label.startswith("near:") or a.clause:
            continue
        stated = 0 < len(between) <= 3 and between[0] in verbs - {"i", "it", "its", "im", "id"} and all(
            w in fillers | verbs for w in between)
        # "the worst moment was when she paused after I said it": a cue inside the other's when-clause
        told_when = (0 < len(between) <= 8 and between[0] in verbs and "when" in between[:2]
                     and tokens[a.start].sentence == tokens[b.start].sentence
                     and not any(rating_number(words, k) is not None for k in range(a.end, b.start)))
        if stated or told_when:
            dropped.add(id(b))
    return [c for c in cues if id(c) not in dropped]


def _prefix_cues(words: list[str], hits: list[Hit]) -> list[Hit]:
    """"pre-exposure", "post-call": a word with a moment prefix is that moment's cue (not "post-traumatic")."""
    rules = extract_rules()["ratings"]["prefixes"]
    starts = tuple(p for f, prefixes in rules.items() if f != "not" for p in prefixes)
    found = []
    for i, word in enumerate(words):
        if not word.startswith(starts) or word in rules["not"] or any(h.start <= i < h.end for h in hits):
            continue
        field = next((f for f, prefixes in rules.items() if f != "not" and any(
            word.startswith(p) and len(word) > len(p) for p in prefixes)), None)
        if field is not None:
            found.append(Hit(i, i + 1, field, word))
    return found


@lru_cache(maxsize=None)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(parse.words(phrase))


def _with_clause(tokens: list[Token], words: list[str], hit: Hit) -> Hit | None:
    """A moment cue that opens a clause takes the clause with it ("before I sent it", "after he replied", "by
    the time I got home"): the whole clause names the moment, and it counts like any cue, not only next to
    its number. The clause runs to a comma, a joining word, a filler or number, or a new subject. A clause
    about the feeling's own course ("it peaked at 8 before settling at 4", "before it came down", "before I
    calmed down") names no moment of the meeting: the cue is dropped (None)."""
    rules = extract_rules()["ratings"]["clauses"]
    said = _phrase_words(hit.phrase)
    openers, subjects = phrase_set("ratings", "clauses", "openers"), word_set("ratings", "clauses", "subjects")
    with_subject = said[-1] in subjects and any(said[-1 - len(o):-1] == o for o in openers)  # "once we"
    opened = with_subject or any(said[-len(opener):] == opener for opener in openers)
    if not opened or hit.end >= len(words) or tokens[hit.end].comma_before:
        return hit
    if tokens[hit.end].sentence != tokens[hit.end - 1].sentence:
        return hit
    first = words[hit.end]
    if not with_subject and first not in subjects and not first.endswith("ing"):
        return hit
    if any(tuple(words[k:k + len(p)]) == p for p in phrase_set("ratings", "clauses", "course")
           for k in range(hit.end, min(hit.end + 3, len(words)))):
        return None
    stops = word_set("ratings", "clauses", "stops") | word_set("ratings", "clauses", "new_subjects")
    if with_subject and (first in stops or first in ("a", "an") or rating_number(words, hit.end) is not None):
        # The subject was the clause's last word ("when I said it and after ..."): it ends here.
        return Hit(hit.start, hit.end, hit.label.removeprefix("near:"), hit.phrase, clause=True)
    end = hit.end + 1
    while (end < len(words) and end - hit.end < rules["reach"] and tokens[end].sentence == tokens[hit.end].sentence
           and not tokens[end].comma_before and words[end] not in stops
           and rating_number(words, end) is None and words[end] not in ("a", "an")):
        end += 1
    if end - hit.end >= rules["reach"]:
        # Too long to name a moment ("before he picked up it got worse when ..."): the cue keeps its own words
        # and takes a number only just after the clause could have ended.
        return Hit(hit.start, hit.end, hit.label, hit.phrase, clause=True,
                    reach=rules["reach"] + extract_rules()["ratings"]["near_reach"])
    return Hit(hit.start, end, hit.label.removeprefix("near:"), hit.phrase, clause=True)


def phrases_within(doc: Doc, phrases: frozenset[tuple[str, ...]], at: int, reach: int) -> bool:
    for start in range(max(0, at - reach), at):
        if not doc.same_sentence(start, at):
            continue
        if any(tuple(doc.words[start:start + len(p)]) == p for p in phrases):
            return True
    return False


def extracted(doc: Doc, field: str, value: Any, start: int, end: int, cue: str = "") -> Extracted:
    a, b = doc.chars(start, end)
    return Extracted(field, value, (a, b), doc.text[a:b], cue)


def ends_with_any(lead: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(len(p) <= len(lead) and tuple(lead[len(lead) - len(p):]) == p for p in phrases)


def has_any(words: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(tuple(words[k:k + len(p)]) == p for p in phrases for k in range(len(words)))


@dataclass
class Run:
    """Numbers said together ("a six or seven"), with the value parse_rating reads from them."""

    start: int  # first token (the article, if any)
    end: int  # exclusive
    numbers: list[int]  # token indices of the numbers
    value: int | None
    bare: bool = True
    transition: bool = False  # "from a seven (to a three)": a change, never a range
