"""A spoken reflection → debrief fields, each with the words it came from. Pure functions; every word list
and rule is data in ``prompts/extract.toml`` (numbers, durations, dates and emotion words come from
``prompts/session.toml`` through :mod:`assistant.dialogue.parse`, which does the parsing of each value).

``extract(transcript)`` returns an :class:`Extraction`: one frozen :class:`Extracted` per field it found,
with the value, the character span in the transcript it came from, those words, and the cue that tied it
to the field. ``parse_correction(text, current)`` turns what is said at the summary ("no, the peak was a
nine", "change the next step to text him first") into field updates; ``summary(extraction)`` is the short
line said back.

**Rules as data, not a model** — decided from measurements (``scripts/bench reflect``; the comparison is
``scripts/bench_reflect.py --model``, figures in the README). The rules read a 300-word (2-minute) transcript
in ~20 ms (p95 ~30 ms; budget 200 ms) and find every said numeric field of the reflection table with no wrong
value. The only small local models a package registry carries for this are general spaCy pipelines; the one
measured (``en_core_web_sm`` 3.8, 15 MB) takes ~0.9 s to load and ~180 ms (p95 ~250 ms) for the same
transcript on its own, knows nothing of "before / at the worst / now", and, given the job the hand rules do
best (is this number a count or a time?), its entity labels gave 2 wrong values on the table and lower recall
on the held-out rows. Slower, less precise, and a parser dependency: rules.

**Precision over recall.** A value that is not clearly said is left empty (the session asks for it); a
wrong number in the journal is worse than one more question. In particular:

* A rating is a number 0-10 that is clearly a rating ("a seven", "6 out of 10", a bare number right next
  to a cue or near a word about anxiety) and is not a count or a time ("my three cousins", "five minutes",
  "at three", "seven thirty": a number followed by a word not in ``may_follow`` counts something).
* It is tied to a cue ("before / going in / at first", "at the worst / peaked", "now / by the end"): the
  first number after a cue, or a number followed straight away by one ("a seven before"). Cues and
  numbers are paired along each sentence as a maximum matching; a number that two cues could claim with
  the same count of pairs is left empty. A cue that opens a clause takes it ("before I sent it", "by the
  time I got home"). Said loosely it still counts ("six-ish", "mid-sevens", "6 of 10", "a for" from a
  recogniser, only where "a" leads to a rating slot).
* Where a moment has no cue of its own, the way it was told can name it: a level held "start to finish"
  (or that "stayed at a five the whole time") is all three; "it never went above that" makes the reading
  before it the worst; readings joined by arrows ("6 -> 9 -> 3") are before, worst, after; between a said
  before and after, the highest reading above both is the worst; after the worst, a later lower one led by
  ", then" is the after. "The whole time" alone, or a bound with its own number ("never above a six"), names
  no moment and stays empty.
* Two numbers for one cue: a correction between them ("a six, no, more like a seven") takes the later; a
  range ("six or seven") the higher, as ``parse_rating`` does; anything else ("a four, then a nine") is
  left empty. "From a seven to a three" is two readings, not a range.
* Durations go to the conversation or to the feeling by the nearest words of each ("we talked", "the
  nerves lasted"), a rating said next to a length counting for the feeling ("a nine for 45 seconds");
  "it lasted" is said of what comes before it in its sentence; each cue takes its nearest length; two
  lengths said as a range are the higher; a length said alone at the head of its sentence ("About 5 mins.")
  is the meeting's. Estimates ("a few minutes"), parts ("the first ten minutes" is never the meeting's
  length) and points in time ("ten minutes in", "two hours ago", "an hour before I called") are left out.
* Feelings use ``parse_emotions`` (negated ones are left out), but a word that is also an ordinary word
  ("warm coffee", "close to an hour", "I hope to") counts only after a feeling frame ("I felt close"),
  and someone else's feeling ("she was angry") is left out.
* Free-text fields are the speaker's own words after (or before) a cue, up to the end of the sentence or
  the next cue; a value with fewer than two content words says nothing and is left empty.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from assistant.dialogue import parse
from assistant.dialogue.words import WORD_PATTERN
from assistant.text import data_file, fail

TEXTS = ("felt_easy", "stayed_hard", "helped_most", "learned", "next_step")
FIELDS = ("what_happened", "disclosure_level", "new_topic", "conversation_minutes", "anxiety_before",
          "anxiety_peak", "anxiety_after", "anxiety_duration", "emotions", "body_sensations", "felt_easy",
          "stayed_hard", "helped_most", "learned", "next_step", "follow_up")
NOTE_FIELDS = ("intensity", "people")  # read only when asked for (a note): how strong, and who
ALL_FIELDS = FIELDS + NOTE_FIELDS
KINDS = {"what_happened": "text", "disclosure_level": "rating", "new_topic": "yesno",
         "conversation_minutes": "duration", "anxiety_before": "rating", "anxiety_peak": "rating",
         "anxiety_after": "rating", "anxiety_duration": "duration", "emotions": "emotions",
         "body_sensations": "text", "felt_easy": "text", "stayed_hard": "text", "helped_most": "text",
         "learned": "text", "next_step": "text", "follow_up": "date", "intensity": "rating", "people": "people"}


@dataclass(frozen=True)
class Extracted:
    """One field read from the transcript: its value and the words it came from."""

    field: str
    value: Any
    span: tuple[int, int]  # character offsets into the transcript
    words: str  # transcript[span[0]:span[1]]
    cue: str = ""  # the words that tied the value to its field ("at the worst"), if any


@dataclass(frozen=True)
class Extraction:
    """Everything read from one reflection, in field order."""

    transcript: str
    found: tuple[Extracted, ...] = ()

    def get(self, field: str) -> Extracted | None:
        return next((e for e in self.found if e.field == field), None)

    def value(self, field: str, default: Any = None) -> Any:
        item = self.get(field)
        return default if item is None else item.value

    @property
    def values(self) -> dict[str, Any]:
        return {e.field: e.value for e in self.found}

    def __contains__(self, field: object) -> bool:
        return any(e.field == field for e in self.found)

    def missing(self, fields: Iterable[str]) -> list[str]:
        """The fields of ``fields`` that were not found, in their order (what is still to be asked)."""
        return [f for f in fields if f not in self]


# --- tokens ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(WORD_PATTERN)  # the words parse.words finds, with their offsets
_SENTENCE_END = re.compile(r"[.?!;]")
_CLAUSE_MARK = re.compile(r"[,:=—–()]|\s[-/]\s|\.\.\.|…")


@dataclass(frozen=True)
class _Token:
    norm: str  # as parse.words writes it
    start: int
    end: int
    sentence: int
    comma_before: bool  # a comma, colon, dash or ellipsis between this token and the previous one


def _tokens(text: str) -> list[_Token]:
    """The tokens of ``parse.words(text)``, each with its character offsets in ``text``."""
    clean, where = [], []
    for i, char in enumerate(text):
        if char in "'’":
            continue
        for lower in char.lower():  # "İ" lowers to two characters, as in parse.words
            clean.append(lower)
            where.append(i)
    flat = "".join(clean)
    tokens: list[_Token] = []
    sentence, previous_end = 0, 0
    for match in _TOKEN.finditer(flat):
        start, end = where[match.start()], _grapheme_end(text, where[match.end() - 1] + 1)
        between = text[previous_end:start]
        plain = between.replace("...", " ").replace("…", " ")
        if tokens and _SENTENCE_END.search(plain) and not (
                plain.strip() == "." and tokens[-1].norm in _words_set("tokens", "abbreviations")):
            sentence += 1
        tokens.append(_Token(match.group(), start, end, sentence, bool(tokens) and bool(_CLAUSE_MARK.search(between))))
        previous_end = end
    return tokens


def _grapheme_end(text: str, end: int) -> int:
    """``end`` moved past what still belongs to the character before it: accents, variation selectors, a
    keycap ("6️⃣" is "6" and two of these), skin tones, and whatever a zero-width joiner joins, so the words a
    value came from never end inside an emoji."""
    while end < len(text):
        char = text[end]
        if char == "\u200d" and end + 1 < len(text):
            end += 2
        elif unicodedata.category(char) in ("Mn", "Me", "Sk") or char in "\ufe0e\ufe0f":
            end += 1
        else:
            break
    return end


# --- phrases ------------------------------------------------------------------------------------------

Phrase = tuple[tuple[str, ...], ...]  # parts, with up to GAP words allowed between consecutive parts
GAP = 3


def _phrase(text: str) -> Phrase:
    return tuple(tuple(parse.words(part)) for part in text.split("...") if parse.words(part))


@dataclass(frozen=True)
class _Hit:
    start: int  # token index
    end: int  # exclusive
    label: str
    phrase: str
    clause: bool = False  # a moment cue that opens a clause ("before I sent it")
    reach: int | None = None  # how far on its number may be, when not the usual


class _Matcher:
    """Many labelled phrases, found in one pass over the tokens (indexed by first word)."""

    def __init__(self, labelled: Iterable[tuple[str, str]]):
        self.by_first: dict[str, list[tuple[Phrase, str, str]]] = {}
        for label, text in labelled:
            phrase = _phrase(text)
            if phrase:
                self.by_first.setdefault(phrase[0][0], []).append((phrase, label, text))

    def find(self, tokens: list[_Token], keep=None) -> list[_Hit]:
        """Every match (that ``keep`` accepts), then the longest wins where matches overlap."""
        words = [t.norm for t in tokens]
        hits: list[_Hit] = []
        for i, word in enumerate(words):
            for phrase, label, text in self.by_first.get(word, ()):
                end = _match_at(words, tokens, i, phrase)
                if end is not None and (keep is None or keep(_Hit(i, end, label, text))):
                    hits.append(_Hit(i, end, label, text))
        kept: list[_Hit] = []
        for hit in sorted(hits, key=lambda h: (-(h.end - h.start), h.start)):
            if all(hit.end <= k.start or hit.start >= k.end for k in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h.start)


def _match_at(words: list[str], tokens: list[_Token], i: int, phrase: Phrase) -> int | None:
    first = phrase[0]
    if tuple(words[i:i + len(first)]) != first:
        return None
    end = i + len(first)
    for part in phrase[1:]:
        for skip in range(GAP + 1):
            at = end + skip
            if at + len(part) > len(words) or tokens[at + len(part) - 1].sentence != tokens[i].sentence:
                return None
            if tuple(words[at:at + len(part)]) == part:
                end = at + len(part)
                break
        else:
            return None
    return end


@lru_cache(maxsize=None)
def _rules() -> dict[str, Any]:
    """``prompts/extract.toml``, read once and checked: a broken rule is one clear error, not a wrong value."""
    rules = data_file("extract.toml")
    for key, kind in _RULE_KINDS.items():
        node: Any = rules
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise fail("extract_rules_invalid", key=key, reason="it is missing")
            node = node[part]
        reason = _rule_problem(node, kind)
        if reason:
            raise fail("extract_rules_invalid", key=key, reason=reason)
    return rules


# The shape of each rule of extract.toml that the numeric fields use: "phrases" a list of phrases with at
# least one word each, "marks" a list of punctuation marks, "count" a whole number of words (0 or more),
# "numbers" phrase = number, "by_field" a table of field = phrases, "fields" a list of field names.
_RULE_KINDS = {
    "tokens.abbreviations": "phrases",
    "ratings.reach": "count", "ratings.near_reach": "count", "ratings.cues": "by_field", "ratings.near": "by_field",
    "ratings.not_cues.phrases": "phrases",
    "ratings.clauses.openers": "phrases", "ratings.clauses.subjects": "phrases",
    "ratings.clauses.new_subjects": "phrases", "ratings.clauses.stops": "phrases",
    "ratings.clauses.course": "phrases", "ratings.clauses.reach": "count",
    "ratings.hold.phrases": "phrases", "ratings.hold.stayed": "phrases", "ratings.hold.through": "phrases",
    "ratings.hold.fields": "fields", "ratings.no_higher.phrases": "phrases",
    "ratings.sequence.then": "phrases", "ratings.sequence.then_reach": "count",
    "ratings.evidence.loose_suffixes": "phrases", "ratings.evidence.loose_prefixes": "phrases",
    "ratings.sequence.arrows": "marks", "ratings.prefixes.anxiety_before": "marks",
    "ratings.prefixes.anxiety_after": "marks", "ratings.prefixes.not": "phrases",
    "ratings.evidence.homophones": "numbers",
    **{f"ratings.evidence.{name}": "phrases" for name in (
        "anxiety_words", "article_fillers", "near_fillers", "not_after", "pronouns", "time_words", "level_verbs",
        "leading_states", "may_follow", "corrections", "bounds", "scale")},
    "durations.reach": "count", "durations.clause_cost": "count", "durations.tie": "count",
    "durations.rating_cost": "count", "durations.following_cost": "count", "durations.cues": "by_field",
    **{f"durations.{name}": "phrases" for name in (
        "joiners", "range_words", "refer", "alone_lead", "point_after", "always_point", "not_point",
        "point_ends_after_for", "clause_starts", "units", "portion_lead", "not_lengths")},
}


def _rule_problem(value: Any, kind: str) -> str:
    """Why ``value`` is not a rule of ``kind``, or "" when it is."""
    if kind == "count":
        return "" if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else \
            "it must be a whole number, 0 or more"
    if kind == "numbers":
        if not isinstance(value, dict) or not all(
                isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 10 for n in value.values()):
            return "it must be a table of word = number from 0 to 10"
        return ""
    if kind == "by_field":
        if not isinstance(value, dict):
            return "it must be a table of field = [phrases]"
        unknown = [f for f in value if f not in ALL_FIELDS]
        if unknown:
            return f"{unknown[0]!r} is not a field"
        return next((f"{f}: {p}" for f, v in value.items() if (p := _rule_problem(v, "phrases"))), "")
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        return "it must be a list of quoted phrases"
    if kind == "fields":
        return next((f"{f!r} is not a field" for f in value if f not in ALL_FIELDS), "")
    if kind == "marks":
        return "" if all(p.strip() for p in value) else "a mark is empty"
    empty = next((p for p in value if not parse.words(p.replace("...", " "))), None)
    return f"the phrase {empty!r} has no word in it" if empty is not None else ""


@lru_cache(maxsize=None)
def _set(*path: str) -> frozenset[tuple[str, ...]]:
    node: Any = _rules()
    for key in path:
        node = node[key]
    return frozenset(tuple(parse.words(p)) for p in node)


@lru_cache(maxsize=None)
def _words_set(*path: str) -> frozenset[str]:
    return frozenset(w for phrase in _set(*path) for w in phrase if len(phrase) == 1)


@lru_cache(maxsize=None)
def _cue_matcher() -> _Matcher:
    """Rating cues, trailing cues and the phrases that look like cues but are not."""
    rules = _rules()["ratings"]
    labelled = [(field, cue) for field, cues in rules["cues"].items() for cue in cues]
    labelled += [(f"near:{field}", cue) for field, cues in rules["near"].items() for cue in cues]
    labelled += [("not", p) for p in rules["not_cues"]["phrases"]]
    return _Matcher(labelled)


def _simple(label: str, phrases: Iterable[str]) -> _Matcher:
    return _Matcher((label, p) for p in phrases)


@lru_cache(maxsize=None)
def _numbers() -> dict[str, int]:
    return data_file("session.toml")["words"]["numbers"]


def _number(word: str) -> float | None:
    if word in _numbers():
        return _numbers()[word]
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return float(word)
    return None


def _rating_number(words: list[str], i: int) -> float | None:
    """The number a rating slot holds at ``words[i]``: a number, one said loosely ("six-ish"), or, right after
    "a"/"an", a word a recogniser writes for a number ("a for" = a four, "an ate" = an eight)."""
    rules = _rules()["ratings"]["evidence"]
    word = _unloosed(words[i])
    value = _number(word)
    if value is not None:
        return value
    after_article = i >= 1 and (words[i - 1] in ("a", "an") or (
        i >= 2 and words[i - 1] in rules["article_fillers"] and words[i - 2] in ("a", "an")))
    return rules["homophones"].get(word) if after_article else None


def _unloosed(word: str) -> str:
    """"six-ish" → "six", "twenty-odd" → "twenty", "mid-sevens" → "seven": a number said loosely, as the
    number."""
    rules = _rules()["ratings"]["evidence"]
    for prefix in rules["loose_prefixes"]:
        if word.startswith(prefix):
            stem = word[len(prefix):]
            plural = next((stem[:-len(e)] for e in ("es", "s") if stem.endswith(e) and _number(stem[:-len(e)])), "")
            return plural or stem
    for suffix in rules["loose_suffixes"]:
        if word.endswith(suffix) and _number(word[:-len(suffix)]) is not None:
            return word[:-len(suffix)]
    return word


def _said_as_numbers(doc: _Doc, start: int, end: int) -> str:
    """The words of tokens start..end as said, with loose numbers and homophones written as digits."""
    text, at = "", doc.tokens[start].start
    for k in range(start, end):
        token = doc.tokens[k]
        value = _rating_number(doc.words, k)
        if value is not None and _number(token.norm) is None:
            text += doc.text[at:token.start] + str(int(value))
            at = token.end
    return text + doc.text[at:doc.tokens[end - 1].end]


# --- the document: tokens and the cues every field shares --------------------------------------------

@dataclass
class _Doc:
    text: str
    tokens: list[_Token]
    words: list[str]
    cues: list[_Hit]  # rating cues (label = field, or "near:field" for those that count only next to a number)
    ratings: list[_Run] | None = None  # the rating runs, once found (ratings and durations both use them)

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


def _doc(text: str) -> _Doc:
    tokens = _tokens(text)
    words = [t.norm for t in tokens]
    hits = [c for h in _cue_matcher().find(tokens) if h.label != "not" and (c := _with_clause(tokens, words, h))]
    hits = [h for h in hits if not any(o.start < h.start < o.end for o in hits)]  # inside a cue's clause
    hits += _prefix_cues(words, hits)
    return _Doc(text, tokens, words, sorted(hits, key=lambda h: h.start))


def _prefix_cues(words: list[str], hits: list[_Hit]) -> list[_Hit]:
    """"pre-exposure", "post-call": a word with a moment prefix is that moment's cue (not "post-traumatic")."""
    rules = _rules()["ratings"]["prefixes"]
    starts = tuple(p for f, prefixes in rules.items() if f != "not" for p in prefixes)
    found = []
    for i, word in enumerate(words):
        if not word.startswith(starts) or word in rules["not"] or any(h.start <= i < h.end for h in hits):
            continue
        field = next((f for f, prefixes in rules.items() if f != "not" and any(
            word.startswith(p) and len(word) > len(p) for p in prefixes)), None)
        if field is not None:
            found.append(_Hit(i, i + 1, field, word))
    return found


@lru_cache(maxsize=None)
def _phrase_words(phrase: str) -> tuple[str, ...]:
    return tuple(parse.words(phrase))


def _with_clause(tokens: list[_Token], words: list[str], hit: _Hit) -> _Hit | None:
    """A moment cue that opens a clause takes the clause with it ("before I sent it", "after he replied", "by
    the time I got home"): the whole clause names the moment, and it counts like any cue, not only next to
    its number. The clause runs to a comma, a joining word, a filler or number, or a new subject. A clause
    about the feeling's own course ("it peaked at 8 before settling at 4", "before it came down", "before I
    calmed down") names no moment of the meeting: the cue is dropped (None)."""
    rules = _rules()["ratings"]["clauses"]
    said = _phrase_words(hit.phrase)
    openers, subjects = _set("ratings", "clauses", "openers"), _words_set("ratings", "clauses", "subjects")
    with_subject = said[-1] in subjects and any(said[-1 - len(o):-1] == o for o in openers)  # "once we"
    opened = with_subject or any(said[-len(opener):] == opener for opener in openers)
    if not opened or hit.end >= len(words) or tokens[hit.end].comma_before:
        return hit
    if tokens[hit.end].sentence != tokens[hit.end - 1].sentence:
        return hit
    first = words[hit.end]
    if not with_subject and first not in subjects and not first.endswith("ing"):
        return hit
    if any(tuple(words[k:k + len(p)]) == p for p in _set("ratings", "clauses", "course")
           for k in range(hit.end, min(hit.end + 3, len(words)))):
        return None
    stops = _words_set("ratings", "clauses", "stops") | _words_set("ratings", "clauses", "new_subjects")
    end = hit.end + 1
    while (end < len(words) and end - hit.end < rules["reach"] and tokens[end].sentence == tokens[hit.end].sentence
           and not tokens[end].comma_before and words[end] not in stops
           and _rating_number(words, end) is None and words[end] not in ("a", "an")):
        end += 1
    if end - hit.end >= rules["reach"]:
        # Too long to name a moment ("before he picked up it got worse when ..."): the cue keeps its own words
        # and takes a number only just after the clause could have ended.
        return _Hit(hit.start, hit.end, hit.label, hit.phrase, clause=True,
                    reach=rules["reach"] + _rules()["ratings"]["near_reach"])
    return _Hit(hit.start, end, hit.label.removeprefix("near:"), hit.phrase, clause=True)


# --- ratings -------------------------------------------------------------------------------------------

@dataclass
class _Run:
    """Numbers said together ("a six or seven"), with the value parse_rating reads from them."""

    start: int  # first token (the article, if any)
    end: int  # exclusive
    numbers: list[int]  # token indices of the numbers
    value: int | None
    bare: bool = True
    transition: bool = False  # "from a seven (to a three)": a change, never a range


def _rating_runs(doc: _Doc, lenient: bool = False) -> list[_Run]:
    """The numbers 0-10 that are ratings, joined into runs ("a six or seven"); ``lenient`` for corrections."""
    if lenient:
        return _find_rating_runs(doc, lenient)
    if doc.ratings is None:
        doc.ratings = _find_rating_runs(doc, lenient)
    return doc.ratings


def _find_rating_runs(doc: _Doc, lenient: bool) -> list[_Run]:
    rules = _rules()["ratings"]["evidence"]
    words = doc.words
    range_words = set(data_file("session.toml")["words"]["range_words"])
    scaled = _scale_tokens(doc)
    units = _words_set("durations", "units")
    candidates = [i for i in range(len(words)) if (v := _rating_number(words, i)) is not None and 0 <= v <= 10
                  and i not in scaled and not _inside_bigger(words, i) and not set(words[i + 1:i + 2]) & units]
    runs: list[_Run] = []
    for i in candidates:
        last = runs[-1] if runs else None
        if last and i - last.numbers[-1] <= 3 and doc.same_sentence(last.numbers[-1], i) and not _arrow_between(
                doc, last.numbers[-1], i):
            between = words[last.numbers[-1] + 1:i]  # none: "five six", "five, six"
            listed = between[:1] == ["and"] and doc.tokens[last.numbers[-1] + 1].comma_before  # "a 6, and 3 after"
            if set(between) <= range_words | {"a", "an"} and not (last.transition and between[:1] == ["to"]) and (
                    not listed):
                last.numbers.append(i)
                last.end = i + 1
                continue
        start = i
        if i >= 1 and words[i - 1] in ("a", "an"):
            start = i - 1
        elif i >= 2 and words[i - 1] in rules["article_fillers"] and words[i - 2] in ("a", "an"):
            start = i - 2
        transition = start >= 1 and words[start - 1] == "from"
        loose = any(words[i].startswith(p) for p in rules["loose_prefixes"])  # "in the mid-sevens": a rating
        runs.append(_Run(start, i + 1, [i], None, bare=start == i and not loose, transition=transition))
    kept = []
    for run in runs:
        end = run.end
        if words[end:end + 3] == ["and", "a", "half"]:
            end += 3
        elif words[end:end + 2] == ["point", "five"]:
            end += 2
        run.end = end
        single = _rating_number(words, run.numbers[0]) if len(run.numbers) == 1 and end == run.numbers[0] + 1 else None
        if single is not None and single == int(single):  # one plain number: what parse_rating would read
            value = parse.Parsed(int(single))
        else:
            value = parse.parse_rating(_said_as_numbers(doc, run.numbers[0], end))
        if lenient:  # a correction: every number counts but the one being replaced ("not an eight")
            run.transition = False
            replaced = any(tuple(words[run.start - len(p):run.start]) == p for p in _set("correct", "drop_before"))
            if value.ok and not replaced:
                run.value = value.value
                kept.append(run)
        elif value.ok and _is_rating(doc, run):
            run.value = value.value
            run.end = _past_scale(doc, run.end)
            kept.append(run)
    return kept


def _past_scale(doc: _Doc, end: int) -> int:
    """The end of a rating with its scale ("six out of ten", "8/10"), so a cue after the scale is next to it."""
    words = doc.words
    if _of_ten(doc, end):
        return end + 2
    if words[end:end + 2] == ["out", "of"] and end + 2 < len(words) and _number(words[end + 2]) is not None:
        return end + 3
    if _slash_scale(doc, end):
        return end + 1
    return end


def _inside_bigger(words: list[str], i: int) -> bool:
    """"twenty five", "seven thirty" (a time), "1 2 3": part of another number, not a rating."""
    before = _number(words[i - 1]) if i else None
    return before is not None and before >= 20


def _scale_tokens(doc: _Doc) -> set[int]:
    matcher = _simple("scale", _rules()["ratings"]["evidence"]["scale"])
    found: set[int] = set()
    for hit in matcher.find(doc.tokens):
        found.update(range(hit.start, hit.end))
    found.update(i for i in range(len(doc.tokens)) if _slash_scale(doc, i))  # "7/10": the 10 is the scale
    for i in range(1, len(doc.tokens)):  # "(0-10)", "a 1-10 scale": both numbers are the scale
        if doc.words[i - 1:i + 1] in (["0", "10"], ["1", "10"]) and doc.text[
                doc.tokens[i - 1].end:doc.tokens[i].start] == "-":
            found.update((i - 1, i))
    return found


def _of_ten(doc: _Doc, end: int) -> bool:
    """"6 of 10", "seven of ten" said as a rating (not "6 of 10 people")."""
    return doc.words[end:end + 2] in (["of", "10"], ["of", "ten"]) and _follower_ok(doc, end + 2)


def _slash_scale(doc: _Doc, i: int) -> bool:
    """Token i is the scale of "7/10" (not a list: "6 before / 8 peak")."""
    return (0 < i < len(doc.tokens) and doc.words[i] in ("10", "100") and _number(doc.words[i - 1]) is not None
            and doc.text[doc.tokens[i - 1].end:doc.tokens[i].start].strip() == "/")


def _is_rating(doc: _Doc, run: _Run) -> bool:
    """Clearly a rating: "a seven", "6 out of 10", a number next to a cue or near a word about anxiety; and
    not a count, a time, an age or a bound ("my three cousins", "at three", "since I was seven", "above a five")."""
    rules = _rules()["ratings"]["evidence"]
    words = doc.words
    first = run.numbers[0]
    before = words[run.start - 1] if run.start and doc.same_sentence(run.start - 1, run.start) else ""
    led_by_cue = any(c.end == run.start for c in doc.cues)  # "going in, eight": "in" ends the cue
    if run.bare and before in rules["not_after"] and not led_by_cue and not (run.transition and before == "from"):
        return False
    if before in rules["bounds"] and not doc.tokens[run.start].comma_before:
        return False
    scaled = words[run.end:run.end + 2] == ["out", "of"] or _slash_scale(doc, run.end) or _of_ten(doc, run.end)
    if scaled:
        return True
    if not _follower_ok(doc, run.end):
        return False
    if not run.bare:
        return True
    if words[first] in rules["pronouns"] and not led_by_cue:
        return False
    # "one at five", "at one at one": a count or a time (and often a mishearing), never a rating.
    if words[run.end:run.end + 1] == ["at"] and run.end + 1 < len(words) and _number(words[run.end + 1]) is not None:
        return False
    if before == "at" and run.start >= 2 and _number(words[run.start - 2]) is not None:
        return False
    # A bare number: a time after "at / around / by ...", unless a cue or a rating word leads to it
    # ("peaked at eight", "anxiety was around six"). "before seven" is a time; "before, seven" a rating.
    if before in rules["time_words"]:
        own_cue = [c for c in doc.cues if c.end == run.start]
        if own_cue and len(own_cue[0].phrase.split()) == 1:
            if not doc.tokens[first].comma_before and not _in_list(doc, run, own_cue[0]):
                return False
        elif not own_cue:
            ahead = words[run.start - 2] if run.start >= 2 else ""
            # A cue leads to it when the cue says a level ("peaked at eight"), not an event ("got home at nine").
            states = _words_set("ratings", "evidence", "leading_states") | _words_set(
                "ratings", "evidence", "level_verbs")
            led = (ahead in states or ahead in _words_set("ratings", "evidence", "anxiety_words")
                   or any(c.end == run.start - 1 and doc.words[c.end - 1] in states for c in doc.cues)
                   or (run.transition and _cue_follows(doc, run)))  # "went from 7 before to 3 after"
            if not led:
                return False
    near = _phrases_within(doc, _set("ratings", "evidence", "anxiety_words"), first, 6)
    return near or _cue_adjacent(doc, run) or _trails_its_cue(doc, run)


def _trails_its_cue(doc: _Doc, run: _Run) -> bool:
    """"The worst bit was when she asked why, 8.": a bare number said last in its sentence, after a comma,
    with a moment cue earlier in that sentence, is that moment's reading."""
    end, first = run.end, run.numbers[0]
    said_last = end >= len(doc.words) or doc.breaks_between(end - 1, end)
    reach = _rules()["ratings"]["reach"]
    return said_last and doc.tokens[first].comma_before and any(
        c.end <= run.start and run.start - c.end <= reach and doc.same_sentence(c.start, first)
        and not c.label.startswith("near:") for c in doc.cues)


def _in_list(doc: _Doc, run: _Run, cue: _Hit) -> bool:
    """"before 6, during 8, after 3": a bare number after "before" / "after" is a rating, not a time, when it
    ends its list item and another cue of the sentence is followed straight away by its number."""
    end = run.end
    item_ends = end >= len(doc.words) or doc.breaks_between(end - 1, end) or doc.tokens[end].comma_before
    return item_ends and any(
        other is not cue and other.end < len(doc.words) and doc.same_sentence(other.start, run.start)
        and _rating_number(doc.words, other.end) is not None and not doc.breaks_between(other.end - 1, other.end)
        for other in doc.cues)


def _arrow_between(doc: _Doc, a: int, b: int) -> bool:
    """An arrow ("->", "→") between token a and token b."""
    return doc.text[doc.tokens[a].end:doc.tokens[b].start].strip() in _rules()["ratings"]["sequence"]["arrows"]


def _follower_ok(doc: _Doc, end: int) -> bool:
    """The word after a rating is one a rating can be followed by (not "minutes", "cousins", "thirty")."""
    if end >= len(doc.words) or doc.breaks_between(end - 1, end) or doc.tokens[end].comma_before:
        return True
    if _arrow_between(doc, end - 1, end):
        return True
    follow = _set("ratings", "evidence", "may_follow")
    if any(tuple(doc.words[end:end + len(p)]) == p for p in follow):
        return True
    return any(c.start == end for c in doc.cues)


def _phrases_within(doc: _Doc, phrases: frozenset[tuple[str, ...]], at: int, reach: int) -> bool:
    for start in range(max(0, at - reach), at):
        if not doc.same_sentence(start, at):
            continue
        if any(tuple(doc.words[start:start + len(p)]) == p for p in phrases):
            return True
    return False


def _cue_adjacent(doc: _Doc, run: _Run) -> bool:
    fillers = _words_set("ratings", "evidence", "near_fillers")
    for cue in doc.cues:
        reachable = doc.same_sentence(cue.end - 1, run.start) or (
            doc.tokens[run.start].sentence == doc.tokens[cue.end - 1].sentence + 1 and _cue_alone(doc, cue))
        if cue.end <= run.start and run.start - cue.end <= 3 and reachable:
            if all(w in fillers for w in doc.words[cue.end:run.start]):
                return True
        if cue.start >= run.end and cue.start - run.end <= 2 and doc.same_sentence(run.end - 1, cue.start):
            if all(w in fillers for w in doc.words[run.end:cue.start]):
                return True
    return False


@dataclass
class _Group:
    """One reading for one cue: a run, or runs merged by a correction (the later) or agreeing."""

    start: int
    end: int
    value: int | None  # None: two different numbers, nothing to choose between them
    change: tuple[int, int] | None = None  # "from a seven to a three": the first and the later reading

    def reading(self, field: str) -> int | None:
        """The value for a cue's field; of a change, "before" gets the first and "after" the later."""
        if self.change is None:
            return self.value
        return {"anxiety_before": self.change[0], "anxiety_after": self.change[1]}.get(field)


def _groups(doc: _Doc, runs: list[_Run]) -> list[_Group]:
    corrections = _set("ratings", "evidence", "corrections")
    groups: list[tuple[_Group, _Run]] = []
    for run in runs:
        if groups and run.start - groups[-1][1].end <= 10:  # further apart, always a reading of its own
            group, previous = groups[-1]
            between = doc.words[previous.end:run.start]
            cue_between = any(previous.end <= c.start and c.end <= run.start for c in doc.cues)
            corrected = any(tuple(between[k:k + len(p)]) == p for p in corrections for k in range(len(between)))
            # ", then like a three": a later moment, not a second guess at the same one ("a four then a nine"
            # with no pause between stays one reading with two numbers, and is left empty).
            then = any(tuple(between[k:k + len(p)]) == p and doc.tokens[previous.end + k].comma_before
                       for p in _set("ratings", "sequence", "then") for k in range(len(between)))
            arrow = _arrow_between(doc, previous.end - 1, run.start)
            if not corrected and (then or arrow or _new_clause(doc, previous.end, run.start)):
                groups.append((_Group(run.start, run.end, run.value), run))
                continue
            close = run.start - previous.end <= 10 and (
                doc.same_sentence(previous.end - 1, run.start) or corrected)
            if close and not cue_between and previous.transition and between == ["to"]:
                assert previous.value is not None and run.value is not None  # _rating_runs keeps read runs only
                groups[-1] = (_Group(group.start, run.end, None, (previous.value, run.value)), run)
                continue
            if close and not cue_between and (corrected or not _cue_follows(doc, run)):
                if corrected:
                    value = run.value
                elif group.value == run.value:
                    value = group.value
                else:
                    value = None
                groups[-1] = (_Group(group.start, run.end, value), run)
                continue
        groups.append((_Group(run.start, run.end, run.value), run))
    return [g for g, _ in groups]


_SUBJECTS = frozenset({"i", "im", "it", "its", "she", "he", "we", "they"})  # words that start a statement


def _new_clause(doc: _Doc, start: int, end: int, joined_by_but: bool = False) -> bool:
    """", and I feel like a two" (or "but I was"): a joining word and a subject of its own between two words."""
    for k in range(start, end - 1):
        if doc.words[k] in ("and", "but", "so") and doc.words[k + 1] in _SUBJECTS:
            if doc.tokens[k].comma_before or (joined_by_but and doc.words[k] == "but"):
                return True
    return False


def _opens_statement(doc: _Doc, cue_end: int) -> bool:
    """A cue followed by a subject ("... a six. Right now I am at a two", its full stop lost in a transcript:
    "maybe a six right now I am ...") opens a statement of its own: it does not take the number before it."""
    return (cue_end < len(doc.words) and doc.words[cue_end] in _SUBJECTS
            and not doc.breaks_between(cue_end - 1, cue_end))


def _cue_follows(doc: _Doc, run: _Run) -> bool:
    """A cue straight after the number ("and I'm a six right now"): the number is that cue's."""
    fillers = _words_set("ratings", "evidence", "near_fillers")
    return any(run.end <= c.start <= run.end + 2 and not doc.breaks_between(run.end - 1, c.start)
               and all(w in fillers for w in doc.words[run.end:c.start]) for c in doc.cues)


def _cue_alone(doc: _Doc, cue: _Hit) -> bool:
    """A cue said as a sentence of its own ("Before? A four."): it may take the next sentence's number."""
    sentence = doc.tokens[cue.start].sentence
    fillers = _words_set("ratings", "evidence", "near_fillers")
    return all(t.norm in fillers for i, t in enumerate(doc.tokens)
               if t.sentence == sentence and not cue.start <= i < cue.end)


def _ratings(doc: _Doc, lenient: bool = False) -> list[Extracted]:
    groups = _groups(doc, _rating_runs(doc, lenient))
    items: list[tuple[int, int, str, Any]] = [(c.start, c.end, "cue", c) for c in doc.cues]
    items += [(g.start, g.end, "number", g) for g in groups]
    items.sort(key=lambda x: x[0])
    reach = _rules()["ratings"]["reach"]
    edges: list[bool] = []
    for (a_start, a_end, a_kind, a), (b_start, _, b_kind, b) in zip(items, items[1:]):
        ok = False
        fillers = _words_set("ratings", "evidence", "near_fillers")
        if a_kind == "cue" and b_kind == "number":
            limit = _rules()["ratings"]["near_reach"] if a.label.startswith("near:") else a.reach or reach
            next_sentence = doc.tokens[b_start].sentence == doc.tokens[a_end - 1].sentence + 1
            crossing = doc.breaks_between(a_end - 1, b_start)
            lead_in = all(w in fillers for w in doc.words[a_end:b_start])
            ok = b_start - a_end <= limit and (not crossing or (next_sentence and lead_in and _cue_alone(doc, a)))
            ok = ok and not _new_clause(doc, a_end, b_start, joined_by_but=True)
            if a.label.startswith("near:"):
                ok = ok and all(w in fillers for w in doc.words[a_end:b_start])
        elif a_kind == "number" and b_kind == "cue":
            ok = (b_start - a_end <= 2 and not doc.breaks_between(a_end - 1, b_start)
                  and all(w in fillers for w in doc.words[a_end:b_start])
                  and (b.clause or not _opens_statement(doc, b.end)))
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
    then = _set("ratings", "sequence", "then")
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
    by_field: dict[str, list[tuple[Any, int, int, _Hit]]] = {}
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
            found.append(_extracted(doc, field, value, start, end, doc.said(cue.start, cue.end)))
    if not lenient:
        found += _held(doc, groups, {e.field for e in found})
        free = [items[k][3] for k in range(len(items)) if items[k][2] == "number" and k not in taken]
        found += _in_sequence(doc, free, found)
        found += _no_higher(doc, groups, found)
        found += _arrows(doc, groups, found)
    return found


def _arrows(doc: _Doc, groups: list[_Group], found: list[Extracted]) -> list[Extracted]:
    """"Anxiety 6 -> 9 -> 3": readings joined by arrows are before, the worst and after (two: before and
    after), for those not said otherwise; the middle one must be the highest."""
    chains: list[list[_Group]] = []
    for group in groups:
        if group.value is None or group.change is not None:
            continue
        last = chains[-1][-1] if chains else None
        if last is not None and _arrow_between(doc, last.end - 1, group.start):
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
    return [_extracted(doc, field, group.value, group.start, group.end, doc.said(chain[0].start, chain[-1].end))
            for field, group in zip(fields, chain) if field not in said]


@lru_cache(maxsize=None)
def _no_higher_matcher() -> _Matcher:
    return _simple("no_higher", _rules()["ratings"]["no_higher"]["phrases"])


def _no_higher(doc: _Doc, groups: list[_Group], found: list[Extracted]) -> list[Extracted]:
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
            return [_extracted(doc, "anxiety_peak", group.value, group.start, hit.end, doc.said(hit.start, hit.end))]
    return []


def _in_sequence(doc: _Doc, free: list[_Group], found: list[Extracted]) -> list[Extracted]:
    """Readings told in order, before → worst → after, where a moment has no cue of its own:
    with a before and an after said, the highest free reading between them is the worst if it is above both
    ("typing it I was at a seven ... that whole two hours I was at a nine ... I dropped to a one"); with a
    before and a worst said, the last reading of the reflection, after the worst, lower than it and led by a
    `then` word, is the after ("spiked to an eight, then like a three")."""
    rules = _rules()["ratings"]["sequence"]
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
                return [_extracted(doc, "anxiety_peak", top, group.start, group.end)]
    if before is not None and peak is not None and after is None and free:
        last = free[-1]
        later_than_all = all(doc.tokens[last.start].start >= e.span[1] for e in found)
        then = _phrases_within(doc, _set("ratings", "sequence", "then"), last.start, rules["then_reach"])
        if later_than_all and then and last.value is not None and last.value < peak.value:
            return [_extracted(doc, "anxiety_after", last.value, last.start, last.end)]
    return []


@lru_cache(maxsize=None)
def _hold_matcher() -> _Matcher:
    rules = _rules()["ratings"]["hold"]
    labelled = [("hold", p) for p in rules["phrases"]] + [("through", p) for p in rules["through"]]
    return _Matcher(labelled + [("stayed", p) for p in rules["stayed"]])


def _held(doc: _Doc, groups: list[_Group], found: set[str]) -> list[Extracted]:
    """A level said to hold from start to finish ("a 2 start to finish", "it stayed at a five the whole time") is
    the reading before, at the worst and after, for each of those not said otherwise. Two different held levels:
    none."""
    fillers = _words_set("ratings", "evidence", "near_fillers")
    hits = _hold_matcher().find(doc.tokens)

    def next_to(group: _Group, hit: _Hit, after: bool) -> bool:
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
    return [_extracted(doc, field, group.value, group.start, hit.end, cue)
            for field in _rules()["ratings"]["hold"]["fields"] if field not in found]


def _certain_edges(edges: list[bool]) -> list[int]:
    """The edges in every maximum matching of a path (items joined by the usable edges)."""
    def best(disabled: int | None) -> int:
        take, skip = 0, 0  # best count when the last edge is taken / not taken
        for k, ok in enumerate(edges):
            take, skip = (skip + 1 if ok and k != disabled else -1), max(take, skip)
        return max(take, skip)

    top = best(None)
    return [k for k, ok in enumerate(edges) if ok and best(k) < top]


def _one_reading(doc: _Doc, readings: list[tuple[Any, int, int, _Hit]]) -> tuple[Any, int, int, _Hit] | None:
    """One value per field: agreeing readings, or a correction before the later one; else none."""
    if any(r[0] is None for r in readings):
        return None
    latest = readings[0]
    corrections = _set("ratings", "evidence", "corrections")
    for reading in readings[1:]:
        if reading[0] == latest[0]:
            continue
        lead = doc.words[max(latest[2], reading[1] - 4):reading[1]]
        if any(tuple(lead[k:k + len(p)]) == p for p in corrections for k in range(len(lead))):
            latest = reading
        else:
            return None
    return latest


def _extracted(doc: _Doc, field: str, value: Any, start: int, end: int, cue: str = "") -> Extracted:
    a, b = doc.chars(start, end)
    return Extracted(field, value, (a, b), doc.text[a:b], cue)


# --- durations -----------------------------------------------------------------------------------------

def _durations(doc: _Doc) -> list[Extracted]:
    """Lengths of time, each given to the field whose cue is nearest (see ``[durations]`` in extract.toml)."""
    cue_hits = _duration_cue_hits(doc)
    readings: dict[str, list[tuple[Any, int, int, _Hit, int]]] = {}
    not_lengths = _not_lengths().find(doc.tokens)
    lengths = [(start, end, _length(doc, start, end)) for start, end in _duration_spans(doc)
               if not _is_point_in_time(doc, start, end) and not _inside_any(doc, start, end, not_lengths)]
    for start, end, value in _ranges(doc, [(a, b, v) for a, b, v in lengths if v is not None]):
        # "the first ten minutes (of the call)": a part of the meeting, never its length.
        portion = bool(set(doc.words[max(0, start - 2):start]) & _words_set("durations", "portion_lead"))
        hits = [h for h in cue_hits if not (portion and h.label == "conversation_minutes")]
        nearest = _nearest_cue(doc, hits, start, end)
        if nearest is not None:
            cue, cost = nearest
            readings.setdefault(cue.label, []).append((value, start, end, cue, cost))
        elif not portion and _said_alone(doc, cue_hits, start):
            cue = _Hit(start, end, "conversation_minutes", "")
            readings.setdefault(cue.label, []).append((value, start, end, cue, 0))
    found = []
    for field, items in readings.items():
        # One cue takes one length, its nearest ("the session is 50 minutes and we talked for twenty").
        by_cue: dict[int, tuple[Any, int, int, _Hit, int]] = {}
        for item in items:
            if item[3].start not in by_cue or item[4] < by_cue[item[3].start][4]:
                by_cue[item[3].start] = item
        values = {item[0] for item in by_cue.values()}
        if len(values) == 1:
            value, start, end, cue, _ = min(by_cue.values(), key=lambda item: item[4])
            a, b = min(start, cue.start), max(end, cue.end)
            found.append(_extracted(doc, field, value, a, b, doc.said(cue.start, cue.end) if cue.phrase else ""))
    return found


def _ranges(doc: _Doc, lengths: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Two lengths said as a range ("half an hour to an hour", "40 minutes, maybe 45") are one: the higher."""
    joined: list[tuple[int, int, float]] = []
    for start, end, value in lengths:
        if joined:
            a, b, before = joined[-1]
            between = doc.words[b:start]
            listed = not between and doc.tokens[start].comma_before  # "20 minutes, 25 minutes tops"
            if len(between) <= 3 and doc.same_sentence(b - 1, start) and (listed or between and set(
                    between) <= _words_set("durations", "range_words")):
                joined[-1] = (a, end, max(before, value))
                continue
        joined.append((start, end, value))
    return joined


def _length(doc: _Doc, start: int, end: int) -> float | None:
    """Minutes said in tokens start..end; of "a minute or two" the higher ("two minutes")."""
    words = doc.words
    said = " ".join(_unloosed(w) for w in words[start:end]).replace("-", " ")
    if len(words[start:end]) >= 3 and words[end - 2] == "or" and _number(words[end - 1]) is not None:
        unit = parse.parse_duration(" ".join(words[start:end - 2]))
        one = parse.parse_duration("1 " + words[end - 3])
        if unit.ok and one.ok:
            return max(unit.value, _number(words[end - 1]) * one.value)
        return None
    value = parse.parse_duration(said)
    return value.value if value.ok else None


def _duration_spans(doc: _Doc) -> list[tuple[int, int]]:
    """Token ranges that say a length of time with a number or an amount ("twenty minutes", "an hour and a
    half", "a good quarter of an hour"); estimates ("a few minutes") are left out."""
    rules = _rules()["durations"]
    words = doc.words
    units, joiners = set(rules["units"]), set(rules["joiners"])
    amounts = {"a", "an", "half", "quarter", "quarters", "couple"}
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i] not in units and not _unit_compound(words[i], units):
            i += 1
            continue
        start = i
        while start > 0 and doc.same_sentence(start - 1, i) and (
                _number(_unloosed(words[start - 1]).replace("-", "")) is not None or _hyphen_number(words[start - 1])
                or words[start - 1] in joiners):  # not back over another unit: "20 minutes or half an hour"
            start -= 1
        end = i + 1
        while end < len(words) and words[end:end + 3] in (["and", "a", "half"], ["and", "a", "quarter"]):
            end += 3
        # "1 hour 20 minutes", "an hour and ten minutes": one length
        while True:
            at = end + (words[end:end + 1] == ["and"])
            if at + 1 < len(words) and _number(words[at]) is not None and words[at + 1] in units and (
                    doc.same_sentence(end - 1, at + 1) and not doc.tokens[at].comma_before):
                end = at + 2
            else:
                break
        if words[end:end + 1] == ["or"] and end + 1 < len(words) and _number(words[end + 1]) is not None and (
                end + 2 >= len(words) or words[end + 2] not in units):
            end += 2  # "a minute or two"
        while words[start] in joiners - amounts:
            start += 1
        said = [part for w in words[start:end] for part in (w.split("-") if _unit_compound(w, units) else [w])]
        if any(_number(_unloosed(w)) is not None or _hyphen_number(w) or w in amounts for w in said if w not in units):
            spans.append((start, end))
        i = end
    return spans


def _is_point_in_time(doc: _Doc, start: int, end: int) -> bool:
    """"ten minutes into the call", "two hours ago": a point in time, not a length ("lasted ten minutes before
    it faded", "two hours in the end", "for a quarter of an hour after" are lengths)."""
    rules = _rules()["durations"]
    words = doc.words
    if end >= len(words) or words[end] not in rules["point_after"] or not doc.same_sentence(end - 1, end):
        return False
    if doc.tokens[end].comma_before:
        return False
    if words[end] in rules["always_point"]:
        return True
    if any(tuple(words[end:end + len(p)]) == p for p in _set("durations", "not_point")):
        return False
    if end + 1 < len(words) and words[end + 1] in rules["clause_starts"] and not doc.tokens[end + 1].comma_before:
        return False
    led_by_for = "for" in words[max(0, start - 3):start]
    return not (led_by_for and words[end] in rules["point_ends_after_for"])


@lru_cache(maxsize=None)
def _not_lengths() -> _Matcher:
    return _simple("not", _rules()["durations"]["not_lengths"])


def _inside_any(doc: _Doc, start: int, end: int, hits: list[_Hit]) -> bool:
    return any(h.start <= start and end <= h.end for h in hits)


def _duration_cue_hits(doc: _Doc) -> list[_Hit]:
    """The cues of the duration fields: their own words, every rating said (the feeling's length is said next
    to how strong it was: "it went to a nine for maybe 45 seconds"), and `refer` words resolved to the field
    of what they are said of."""
    own = _duration_cues().find(doc.tokens)
    ratings = [_Hit(run.start, run.end, "anxiety_duration", "") for run in _rating_runs(doc)]
    hits = [h for h in own if h.label != "refer"] + ratings
    said_of = hits + [_Hit(c.start, c.end, "anxiety_duration", "") for c in doc.cues]  # "the peak lasted"
    for hit in own:
        if hit.label != "refer":
            continue
        before = [h for h in said_of if h.end <= hit.start and doc.same_sentence(h.start, hit.start)]
        if before:
            hits.append(_Hit(hit.start, hit.end, max(before, key=lambda h: h.end).label, hit.phrase))
    return hits


def _said_alone(doc: _Doc, cue_hits: list[_Hit], start: int) -> bool:
    """A length with no cue in its sentence, at its head after only `alone_lead` words ("About 5 mins.",
    "Only a quarter of an hour, but a heavy one.")."""
    if any(doc.same_sentence(h.start, start) for h in cue_hits):
        return False
    head = start
    while head > 0 and doc.same_sentence(head - 1, start):
        head -= 1
    lead = doc.words[head:start]
    leads = _set("durations", "alone_lead")
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
    return len(parts) == 2 and parts[1] in units and (_number(parts[0]) is not None or parts[0] in ("half", "quarter"))


def _hyphen_number(word: str) -> bool:
    return "-" in word and all(_number(part) is not None for part in word.split("-"))


@lru_cache(maxsize=None)
def _duration_cues() -> _Matcher:
    rules = _rules()["durations"]
    labelled = [(field, cue) for field, cues in rules["cues"].items() for cue in cues]
    return _Matcher(labelled + [("refer", phrase) for phrase in rules["refer"]])


def _nearest_cue(doc: _Doc, hits: list[_Hit], start: int, end: int) -> tuple[_Hit, int] | None:
    """The duration cue nearest the reading (its label is the field) and its cost, or None when none or two
    tie. A rating as a cue costs `rating_cost` more: it is a weaker sign than the words of a field."""
    rules = _rules()["durations"]
    best: dict[str, tuple[int, _Hit]] = {}
    words = doc.words
    # "an hour before I called": the clause after the point word is the later event, not what took the hour.
    point_clause = end < len(words) and words[end] in rules["point_after"]
    for hit in hits:
        if hit.start < end and hit.end > start:
            continue
        if point_clause and hit.start >= end and not _new_clause(doc, end, hit.start) and not doc.comma_between(
                end, hit.start):
            continue
        a, b = (hit.end - 1, start) if hit.end <= start else (end - 1, hit.start)
        if doc.breaks_between(a, b):
            continue
        distance = b - a - 1
        clauses = sum(1 for k in range(a + 1, b + 1) if doc.tokens[k].comma_before)
        clauses += sum(1 for w in doc.words[a + 1:b] if w in ("and", "but", "so"))
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


# --- new topic -----------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _topic_matcher() -> _Matcher:
    rules = _rules()["new_topic"]
    return _Matcher([("yes", p) for p in rules["yes"]] + [("no", p) for p in rules["no"]])


def _new_topic(doc: _Doc) -> list[Extracted]:
    negations = set(_rules()["new_topic"]["negations"])

    def meant(hit: _Hit) -> bool:  # "I had never told her before" is not a "told ... before"
        return hit.label == "yes" or not negations & set(doc.words[max(0, hit.start - 4):hit.start])

    hits = _topic_matcher().find(doc.tokens, meant)
    labels = {h.label for h in hits}
    if len(labels) != 1:
        return []
    hit = hits[0]
    return [_extracted(doc, "new_topic", hit.label == "yes", hit.start, hit.end, doc.said(hit.start, hit.end))]


# --- emotions ------------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _emotion_matcher() -> _Matcher:
    return _Matcher((" ".join(form), " ".join(form)) for form in parse.emotion_forms())


def _emotions(doc: _Doc) -> list[Extracted]:
    needs_frame = _set("emotions", "needs_frame")
    frames, others = _set("emotions", "frames"), _set("emotions", "others")
    first_person = {"i", "im", "me", "my", "ive", "id"}
    forms = parse.emotion_forms()
    names: list[str] = []
    spans: list[tuple[int, int]] = []
    last_end = -10
    for hit in _emotion_matcher().find(doc.tokens):
        lead_start = max(0, hit.start - 3)
        while not doc.same_sentence(lead_start, hit.start):
            lead_start += 1
        lead = doc.words[lead_start:hit.start]
        name = forms[tuple(doc.words[hit.start:hit.end])][0]
        if name not in parse.parse_emotions(doc.said(lead_start, hit.end)).value:
            continue  # negated ("not angry", "didn't feel scared")
        if _ends_with_any(lead, others) and not first_person & set(lead[-1:]):
            continue
        if _has_any(lead, others) and not first_person & set(lead):
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
    return [_extracted(doc, "emotions", names, spans[0][0], spans[-1][1])]


def _ends_with_any(lead: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(len(p) <= len(lead) and tuple(lead[len(lead) - len(p):]) == p for p in phrases)


# --- body ------------------------------------------------------------------------------------------------

def _body(doc: _Doc) -> list[Extracted]:
    rules = _rules()["body"]
    parts, sensations = set(rules["parts"]), set(rules["sensations"])
    negations = set(rules["negations"])
    standalone = {"sweating", "trembling", "blushing", "butterflies", "nauseous", "dizzy", "lightheaded", "shaking"}
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
        if clusters and doc.same_sentence(clusters[-1][-1], members[0]) and members[0] - clusters[-1][-1] <= 6:
            clusters[-1] = sorted({*clusters[-1], *members})
        else:
            clusters.append(members)
    if not clusters:
        return []
    pieces = []
    for members in clusters:
        start = members[0]
        while start > 0 and words[start - 1] in ("my", "a", "the", "in", "of", "some", "this") and doc.same_sentence(
                start - 1, start):
            start -= 1
        pieces.append((start, members[-1] + 1))
    value = ", ".join(doc.said(a, b) for a, b in pieces)
    return [_extracted(doc, "body_sensations", value, pieces[0][0], pieces[-1][1])]


# --- free text -----------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _text_matcher() -> _Matcher:
    rules = _rules()["text"]
    labelled = []
    for field in TEXTS:
        for direction, phrases in rules[field].items():
            if direction in ("after", "before", "around", "weak"):
                labelled += [(f"{field}:{direction}", p) for p in phrases]
    return _Matcher(labelled)


@lru_cache(maxsize=None)
def _break_matcher() -> _Matcher:
    extra = ["but", "i felt", "i feel", "it felt", "i was feeling"]
    return _simple("break", list(_rules()["text"]["breaks"]) + extra)


def _boundaries(doc: _Doc, text_hits: list[_Hit], ratings: list[Extracted],
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
    units = set(_rules()["durations"]["units"])
    starts |= {h.start for h in _duration_cues().find(doc.tokens) if h.label == "anxiety_duration"
               and any(w in units for w in doc.words[h.end:h.end + 6])}  # "the panic lasted ten minutes",
    return starts                                                          # not "my panic attacks"


def _names_a_moment(doc: _Doc, cue: _Hit) -> bool:
    """A rating cue that ends a free-text clause: one with a rating near it ("... now a two"), or one of the
    plain moment words every reflection uses. A moment phrase with no number near ("what helped was saying it
    out loud", "going home alone") is the speaker's own words."""
    if not cue.phrase or len(cue.phrase.split()) == 1 and not cue.clause:
        return True
    reach = _rules()["ratings"]["reach"]
    return any(cue.end <= r.start <= cue.end + reach and doc.same_sentence(cue.end - 1, r.start)
               or cue.start - 3 <= r.end <= cue.start and doc.same_sentence(r.end - 1, cue.start)
               for r in _rating_runs(doc))


def _clause(doc: _Doc, start: int, end: int, boundaries: set[int]) -> tuple[int, int]:
    """Widen [start, end) to the clause around it: back to the last boundary, on to the next one."""
    a = start
    while a > 0 and a not in boundaries:
        a -= 1
    b = end
    while b < len(doc.words) and b not in boundaries:
        b += 1
    return a, b


def _trimmed(doc: _Doc, start: int, end: int) -> tuple[int, int]:
    """Without the filler and joining words at either end ("and um call him" → "call him")."""
    leading = sorted(_set("text", "trim"), key=len, reverse=True)
    trailing = sorted(_set("text", "trim_end"), key=len, reverse=True)
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


def _enough(doc: _Doc, start: int, end: int) -> bool:
    rules = _rules()["text"]
    small = set(rules["small_words"])
    content = [w for w in doc.words[start:end] if w not in small]
    return len(content) >= rules["min_words"] and end - start <= rules["max_words"]


def _texts(doc: _Doc, ratings: list[Extracted], body: Sequence[Extracted] = ()) -> list[Extracted]:
    rules = _rules()["text"]
    hits = _text_matcher().find(doc.tokens)
    boundaries = _boundaries(doc, hits, ratings, body)
    reported = _set("text", "reported")
    future = set(rules["next_step"]["future"])
    last_sentence = doc.tokens[-1].sentence if doc.tokens else 0
    candidates: dict[str, list[tuple[int, Extracted]]] = {}
    for hit in hits:
        field, direction = hit.label.split(":")
        lead = doc.words[max(0, hit.start - 3):hit.start]
        if _ends_with_any(lead, reported) or any(w in ("said", "says") for w in lead):
            continue
        clause_start, clause_end = _clause(doc, hit.start, hit.end, boundaries - {hit.start})
        if direction in ("after", "weak"):
            own = boundaries - _time_starts(doc) if field == "next_step" else boundaries
            a, b = hit.end, _clause(doc, hit.end, hit.end, own)[1] if hit.end < len(doc.words) else hit.end
        elif direction == "before":
            a, b = clause_start, hit.start
        else:
            a, b = clause_start, clause_end
        if direction == "weak":
            window = doc.words[max(clause_start, hit.start - 4):b]
            in_last = doc.tokens[hit.start].sentence == last_sentence and last_sentence > 0
            if not (future & set(window) or in_last):
                continue
        a, b = _trimmed(doc, a, b)
        if a >= b or not _enough(doc, a, b):
            continue
        value = doc.said(a, b)
        span_start, span_end = min(a, hit.start), max(b, hit.end)
        if field == "next_step":
            value, span_start = _with_time(doc, value, clause_start, hit.start, span_start, future)
        rank = {"after": 0, "around": 1, "before": 1, "weak": 2}[direction]
        candidates.setdefault(field, []).append(
            (rank, _extracted(doc, field, value, span_start, span_end, doc.said(hit.start, hit.end))))
    found = []
    for field, items in candidates.items():
        best = min(r for r, _ in items)
        chosen = [e for r, e in items if r == best]
        found.append(chosen[-1] if field == "next_step" else chosen[0])  # a plan is usually said last
    return found


def _time_starts(doc: _Doc) -> set[int]:
    """Where a time phrase starts ("next week", "on friday"): a break for other fields, part of a next step."""
    future = set(_rules()["text"]["next_step"]["future"])
    return {h.start for h in _break_matcher().find(doc.tokens) if future & set(h.phrase.split())}


def _with_time(doc: _Doc, value: str, clause_start: int, cue_start: int, span_start: int,
               future: set[str]) -> tuple[str, int]:
    """"next week I'll call my brother" → "call my brother next week" (but "Next, I'll call him" stays)."""
    joiners = {"on", "this", "the", "in", "a", "so", "and", "then", "maybe", "um", "uh", "i", "think"}
    lead = doc.words[clause_start:cue_start]
    # "Next, I'll ..." is the order things come in, not a time: only "next" with a unit ("next week") moves.
    if lead and future & set(lead) - {"next"} and set(lead) <= future | joiners:
        a, b = _trimmed(doc, clause_start, cue_start)
        if a < b:
            when = doc.said(a, b)
            return f"{value} {when[:1].lower()}{when[1:]}", min(span_start, a)
    return value, span_start


def _follow_up(doc: _Doc, next_step: Extracted | None, today: dt.date | None) -> list[Extracted]:
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


# --- what happened ---------------------------------------------------------------------------------------

def _what_happened(doc: _Doc, taken: list[Extracted], ratings: list[Extracted]) -> list[Extracted]:
    rules = _rules()["what_happened"]
    matcher = _simple("verb", rules["verbs"])
    subjects = _set("what_happened", "subjects")
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
        a, b = _clause(doc, hit.start, hit.end, boundaries)
        a, b = _trimmed(doc, max(a, subject), b)
        if a >= b or not _enough(doc, a, b):
            continue
        chars = doc.chars(a, b)
        if any(chars[0] < u[1] and u[0] < chars[1] for u in used):
            continue
        return [_extracted(doc, "what_happened", doc.said(a, b), a, b, doc.said(hit.start, hit.end))]
    return []


# --- the entry point ---------------------------------------------------------------------------------------

def extract(transcript: str, fields: Iterable[str] | None = None, today: dt.date | None = None) -> Extraction:
    """Every field clearly said in ``transcript`` (or only ``fields``), each with its words."""
    wanted = tuple(fields) if fields is not None else FIELDS
    doc = _doc(transcript)
    if not doc.tokens:
        return Extraction(transcript)
    ratings = _ratings(doc)
    body = _body(doc)
    found = ratings + _durations(doc) + _new_topic(doc) + _emotions(doc) + body
    texts = _texts(doc, ratings, body)
    found += texts
    found += _follow_up(doc, next((e for e in texts if e.field == "next_step"), None), today)
    found += _what_happened(doc, texts + [e for e in found if e.field == "body_sensations"], ratings)
    if "intensity" in wanted:
        found += _intensity(doc, ratings)
    if "people" in wanted:
        found += _people(doc)
    order = {f: k for k, f in enumerate(ALL_FIELDS)}
    kept = sorted((e for e in found if e.field in wanted), key=lambda e: order.get(e.field, len(order)))
    return Extraction(transcript, tuple(kept))


# --- a note: how strong, and who -------------------------------------------------------------------------

def _intensity(doc: _Doc, ratings: list[Extracted]) -> list[Extracted]:
    """How strong the feeling of a note is: a rating said right after an intensity word ("intensity about a
    six"), else the rating for now ("a three now"), else the one clear rating the note holds; none when two
    different ratings are said without saying which is now."""
    words = _set("people", "intensity_words")
    groups = [g for g in _groups(doc, _rating_runs(doc)) if g.value is not None and g.change is None]
    for group in groups:
        lead = doc.words[max(0, group.start - 4):group.start]
        if any(tuple(lead[k:k + len(w)]) == w for w in words for k in range(len(lead))):
            return [_extracted(doc, "intensity", group.value, max(0, group.start - 4), group.end)]
    now = next((e for e in ratings if e.field == "anxiety_after"), None)
    if now is not None:
        return [replace(now, field="intensity")]
    if len({g.value for g in groups}) == 1 and groups and not ratings:
        return [_extracted(doc, "intensity", groups[0].value, groups[0].start, groups[-1].end)]
    return []


def _people(doc: _Doc) -> list[Extracted]:
    """The people a note names: "my sister", "my friend Sam" (a relation after "my"/"our", with the name
    that follows it), and capitalised names inside a sentence ("I told Priya"). A capitalised word that
    starts a sentence is left out unless a relation names it: it could be any word."""
    rules = _rules()["people"]
    relations = _set("people", "relations")
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


def _capitalised(doc: _Doc, i: int, not_names: set[str]) -> bool:
    raw = doc.text[doc.tokens[i].start:doc.tokens[i].end]
    return raw[:1].isupper() and raw[1:2].islower() and doc.words[i] not in not_names


# --- corrections at the summary ------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _correction_matcher() -> _Matcher:
    return _Matcher((field, p) for field, phrases in _rules()["correct"]["fields"].items() for p in phrases)


def parse_correction(text: str, current: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Field updates from what is said at the summary: "no, the peak was a nine" → {"anxiety_peak": 9}.

    Each field named ("the peak", "before", "the next step") takes the value in the words after it, or, when
    those hold none, in the words before it ("a nine at the peak"). A number with no field named ("no, it
    was a nine") changes nothing: the session asks again rather than guess which one was meant. ``current``
    (the values so far) is what "add relieved to the feelings" adds to.
    """
    current = dict(current or {})
    doc = _doc(text)
    if not doc.tokens:
        return {}
    mentions = _correction_matcher().find(doc.tokens)
    # Ratings are paired with the fields named as in a reflection: "a nine at the peak and a two now".
    rated = [m for m in mentions if KINDS.get(m.label) == "rating"]
    updates: dict[str, Any] = {e.field: e.value for e in _ratings(replace(doc, cues=rated), lenient=True)}
    previous_end = 0
    for k, mention in enumerate(mentions):
        field = mention.label
        kind = KINDS.get(field, "text")
        if kind == "rating":
            previous_end = mention.end
            continue
        following = mentions[k + 1].start if k + 1 < len(mentions) else len(doc.words)
        if kind == "text":
            following = len(doc.words)  # free words run to the end: "change the next step to call him before work"
        after = (mention.end, following)
        before = (previous_end, mention.start)
        value = _corrected(doc, field, kind, after, mention, current)
        if value is None and kind != "text":
            value = _corrected(doc, field, kind, before, mention, current)
        if value is not None:
            updates[field] = value
        previous_end = mention.end
        if kind == "text":
            break
    if not mentions:
        emotions = _corrected(doc, "emotions", "emotions", (0, len(doc.words)), None, current)
        if emotions is not None and _has_any(doc.words, _set("correct", "add") | _set("correct", "remove")):
            updates["emotions"] = emotions
    return updates


def _has_any(words: list[str], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(tuple(words[k:k + len(p)]) == p for p in phrases for k in range(len(words)))


def _corrected(doc: _Doc, field: str, kind: str, segment: tuple[int, int], mention: _Hit | None,
               current: dict[str, Any]) -> Any:
    start, end = segment
    if start >= end:
        return None
    words = doc.words[start:end]
    if kind in ("rating", "duration"):
        dropped = _without_dropped(doc, start, end)
        if not dropped.strip():
            return None
        parsed = parse.parse_rating(dropped) if kind == "rating" else parse.parse_duration(dropped)
        return parsed.value if parsed.ok else None
    if kind == "yesno":
        said = parse.parse_yesno(doc.said(start, end))
        if said.ok and said.value is False:
            return False
        lead = doc.words[max(0, (mention.start if mention else start) - 3):(mention.start if mention else start)]
        negated = set(lead + words) & set(_rules()["new_topic"]["negations"] + ["wasnt", "isnt", "no"])
        return not negated
    if kind == "emotions":
        return _corrected_emotions(doc, start, end, current.get(field) or [])
    a, b = start, end
    value_leads = _set("correct", "value_lead")
    moved = True
    while moved and a < b:
        moved = False
        for phrase in sorted(value_leads, key=len, reverse=True):
            if tuple(doc.words[a:a + len(phrase)]) == phrase:
                a += len(phrase)
                moved = True
                break
    a, b = _trimmed(doc, a, b)
    return doc.said(a, b).rstrip(".!?;, ") if a < b else None


def _without_dropped(doc: _Doc, start: int, end: int) -> str:
    """The words of a segment without the numbers being replaced ("not an eight", "from eight to nine")."""
    drop = _set("correct", "drop_before")
    keep: list[str] = []
    k = start
    while k < end:
        hit = next((p for p in sorted(drop, key=len, reverse=True) if tuple(doc.words[k:k + len(p)]) == p), None)
        if hit:
            k += len(hit)
            if k < end and doc.words[k] in ("a", "an"):
                k += 1
            if k < end and _number(doc.words[k]) is not None:
                k += 1
            continue
        keep.append(doc.said(k, k + 1))
        k += 1
    return " ".join(keep)


def _corrected_emotions(doc: _Doc, start: int, end: int, current: list[str]) -> list[str] | None:
    forms = parse.emotion_forms()
    remove_words = _set("correct", "remove")
    named: list[str] = []
    removed: list[str] = []
    for hit in _emotion_matcher().find(doc.tokens[start:end]):
        at = start + hit.start
        name = forms[tuple(doc.words[at:start + hit.end])][0]
        lead = doc.words[max(start, at - 3):at]
        (removed if _has_any(lead, remove_words) else named).append(name)
    if not named and not removed:
        return None
    adding = _has_any(doc.words[start:end], _set("correct", "add")) or (removed and not named)
    base = list(current) if adding or removed else []
    result = [e for e in base if e not in removed]
    result += [e for e in named if e not in result]
    return result


# --- the summary -------------------------------------------------------------------------------------------------

def label(field: str) -> str:
    """A short label for a field read from a reflection (``[labels]``), "" when none is set."""
    return str(_rules().get("labels", {}).get(field, ""))


def with_values(extraction: Extraction, updates: Mapping[str, Any]) -> Extraction:
    """The extraction with fields changed or added by corrections (their words: none, they were said later)."""
    kept = [replace(e, value=updates[e.field]) if e.field in updates else e for e in extraction.found]
    added = [Extracted(f, v, (0, 0), "") for f, v in updates.items() if f not in extraction]
    order = {f: k for k, f in enumerate(ALL_FIELDS)}
    found = sorted(kept + added, key=lambda e: order.get(e.field, len(order)))
    return Extraction(extraction.transcript, tuple(found))


def summary(extraction: Extraction, will_ask: bool = True) -> str:
    """The short line said back: what happened, the three ratings, the feelings, the next step. When none of
    them was found it says so, and that the gaps will be asked only when questions follow (``will_ask``)."""
    words = _rules()["summary"]
    parts: list[str] = []
    happened = extraction.value("what_happened")
    if happened:
        parts.append(words["what_happened"].format(text=towards_you(happened)))
    ratings = [words[f].format(n=_number_word(extraction.value(f)))
               for f in ("anxiety_before", "anxiety_peak", "anxiety_after") if extraction.value(f) is not None]
    if ratings:
        parts.append(words["ratings"].format(parts=", ".join(ratings)))
    emotions = extraction.value("emotions")
    if emotions:
        parts.append(words["emotions"].format(list=parse.spoken("emotions", emotions)))
    next_step = extraction.value("next_step")
    if next_step:
        parts.append(words["next_step"].format(text=towards_you(next_step)))
    if not parts:
        return words["nothing" if will_ask else "nothing_kept"]
    return " ".join([words["intro"], *parts])


def _number_word(value: Any) -> str:
    names = {v: k for k, v in reversed(list(_numbers().items()))}
    return names.get(value, str(value))


@lru_cache(maxsize=None)
def _you_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    table = {" ".join(parse.words(k)): v for k, v in _rules()["summary"]["you"].items()}
    alternatives = []
    for key in sorted(table, key=len, reverse=True):
        alternatives.append(r"\s+".join("['’]?".join(map(re.escape, word)) for word in key.split()))
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b", re.IGNORECASE), table


def towards_you(text: str) -> str:
    """The speaker's words said back to them: "I told my sister" → "you told your sister". The summary and
    every script line that names a text answer ("Your next step: {next_step}.") say answers back this way,
    with whisper's stray capitals written small (``_ordinary_case``)."""
    pattern, table = _you_pattern()
    turned = pattern.sub(lambda m: table[" ".join(parse.words(m.group(0)))], text.strip().rstrip(".!?;, "))
    turned = _ordinary_case(turned)
    return turned[:1].lower() + turned[1:] if turned[:2] != "I " else turned


@lru_cache(maxsize=None)
def _ordinary() -> frozenset[str]:
    rules = _rules()
    words = set(rules["summary"]["ordinary_words"]) | set(rules["text"]["small_words"])
    words |= set(rules["body"]["parts"]) | set(rules["body"]["sensations"])
    words |= {w for form in parse.emotion_forms() for w in form}
    return frozenset(w for phrase in words for w in parse.words(phrase))


@lru_cache(maxsize=None)
def _relations() -> frozenset[str]:
    return frozenset(w for phrase in _rules()["people"]["relations"] for w in parse.words(phrase))


_AFTER_A_WORD = re.compile(r"(?<=[\w,;:])(\s+)([^\W\d_][\w'’-]*)")  # a word inside a sentence


def _ordinary_case(text: str) -> str:
    """"invite Sam for Coffee" → "invite Sam for coffee": a capitalised word inside a sentence is written small
    when it is an ordinary word (``[summary] ordinary_words``, the rules' word lists) or the text also has it
    in small letters; a name keeps its capital, and so do "I" and "OK". A relation is ordinary after "my",
    "your" ... ("your Sister" → "your sister") and may be a name without ("ask Dad")."""
    small = {w.lower() for w in re.findall(r"[^\W\d_][\w'’-]*", text) if w[:1].islower()}
    ordinary, possessive = _ordinary(), {"my", "your", "our", "his", "her", "their"}

    def lower(match: re.Match[str]) -> str:
        space, word = match.groups()
        plain, key = word.lower(), "".join(parse.words(word))
        before = parse.words(text[:match.start()])[-1:]
        relation = key in _relations() and bool(before) and before[0] in possessive
        if word[:1].islower() or word.isupper() or not (key in ordinary or plain in small or relation):
            return match.group(0)
        return space + plain

    return _AFTER_A_WORD.sub(lower, text)
