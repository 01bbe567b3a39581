"""``prompts/extract.toml``, read once and checked (a broken rule is one clear error, not a wrong value),
and the number words every extractor reads numbers with."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Iterable

from assistant.dialogue import parse
from assistant.dialogue.extract.fields import ALL_FIELDS
from assistant.dialogue.words import Matcher
from assistant.text import data_file, fail


@lru_cache(maxsize=None)
def extract_rules() -> dict[str, Any]:
    """``prompts/extract.toml``, read once and checked: a broken rule is one clear error, not a wrong value."""
    rules = data_file("extract.toml")
    for key, kind in RULE_KINDS.items():
        node: Any = rules
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise fail("extract_rules_invalid", key=key, reason="it is missing")
            node = node[part]
        reason = rule_problem(node, kind)
        if reason:
            raise fail("extract_rules_invalid", key=key, reason=reason)
    return rules


# The shape of each rule of extract.toml that the numeric fields use: "phrases" a list of phrases with at
# least one word each, "marks" a list of punctuation marks, "count" a whole number of words (0 or more),
# "numbers" phrase = number, "by_field" a table of field = phrases, "fields" a list of field names.
RULE_KINDS = {
    "tokens.abbreviations": "phrases", "tokens.gap": "count", "tokens.joining_words": "phrases",
    "tokens.statement_subjects": "phrases",
    **{f"ratings.{name}": "count" for name in (
        "run_gap", "group_reach", "anxiety_reach", "adjacent_after", "adjacent_before")},
    "ratings.halves": "phrases", "durations.amounts": "phrases",
    "body.reach": "count", "body.cluster_reach": "count", "body.standalone": "phrases", "body.lead_words": "phrases",
    "emotions.first_person": "phrases", "text.said_words": "phrases", "text.next_step.time_joiners": "phrases",
    "correct.topic_negations": "phrases", "summary.possessives": "phrases",
    "ratings.reach": "count", "ratings.near_reach": "count", "ratings.cues": "by_field", "ratings.near": "by_field",
    "ratings.not_cues.phrases": "phrases",
    "ratings.clauses.openers": "phrases", "ratings.clauses.subjects": "phrases",
    "ratings.clauses.new_subjects": "phrases", "ratings.clauses.stops": "phrases",
    "ratings.clauses.course": "phrases", "ratings.clauses.reach": "count",
    "ratings.statements.verbs": "phrases", "ratings.statements.reach": "count",
    "ratings.statements.forward_ends": "phrases", "ratings.others.holders": "phrases",
    "ratings.others.states": "phrases",
    "ratings.hold.phrases": "phrases", "ratings.hold.stayed": "phrases", "ratings.hold.through": "phrases",
    "ratings.hold.fields": "fields", "ratings.no_higher.phrases": "phrases",
    "ratings.sequence.then": "phrases", "ratings.sequence.then_reach": "count",
    "ratings.evidence.loose_suffixes": "phrases", "ratings.evidence.loose_prefixes": "phrases",
    "ratings.sequence.arrows": "marks", "ratings.prefixes.anxiety_before": "marks",
    "ratings.prefixes.anxiety_after": "marks", "ratings.prefixes.not": "phrases",
    "ratings.evidence.homophones": "numbers",
    **{f"ratings.evidence.{name}": "phrases" for name in (
        "anxiety_words", "article_fillers", "near_fillers", "not_after", "pronouns", "time_words", "level_verbs",
        "leading_states", "may_follow", "not_doing", "corrections", "bounds", "scale")},
    "story.scale": "phrases", "story.units": "phrases", "story.sound_alikes": "phrases", "story.leads": "phrases",
    "story.never": "phrases", "story.per_sentence": "count", "story.reach": "count",
    "durations.reach": "count", "durations.bound_lead": "phrases",
    "durations.comma_fillers": "phrases", "durations.place_starts": "phrases",
    "durations.part_of": "phrases", "durations.travel": "phrases", "durations.clause_cost": "count",
    "durations.tie": "count",
    "durations.rating_cost": "count", "durations.following_cost": "count", "durations.cues": "by_field",
    **{f"durations.{name}": "phrases" for name in (
        "joiners", "range_words", "refer", "alone_lead", "point_after", "always_point", "not_point",
        "point_ends_after_for", "clause_starts", "units", "portion_lead", "not_lengths")},
}


def rule_problem(value: Any, kind: str) -> str:
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
        return next((f"{f}: {p}" for f, v in value.items() if (p := rule_problem(v, "phrases"))), "")
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        return "it must be a list of quoted phrases"
    if kind == "fields":
        return next((f"{f!r} is not a field" for f in value if f not in ALL_FIELDS), "")
    if kind == "marks":
        return "" if all(p.strip() for p in value) else "a mark is empty"
    empty = next((p for p in value if not parse.words(p.replace("...", " "))), None)
    return f"the phrase {empty!r} has no word in it" if empty is not None else ""


@lru_cache(maxsize=None)
def phrase_set(*path: str) -> frozenset[tuple[str, ...]]:
    node: Any = extract_rules()
    for key in path:
        node = node[key]
    return frozenset(tuple(parse.words(p)) for p in node)


@lru_cache(maxsize=None)
def word_set(*path: str) -> frozenset[str]:
    return frozenset(w for phrase in phrase_set(*path) for w in phrase if len(phrase) == 1)


def rule_matcher(labelled: Iterable[tuple[str, str]]) -> Matcher:
    """A matcher of labelled rule phrases, with the gap ``[tokens] gap`` allowed between the parts of one."""
    return Matcher(labelled, gap=extract_rules()["tokens"]["gap"])


def simple_matcher(label: str, phrases: Iterable[str]) -> Matcher:
    return rule_matcher((label, p) for p in phrases)


@lru_cache(maxsize=None)
def number_words() -> dict[str, int]:
    return data_file("session.toml")["words"]["numbers"]


def number(word: str) -> float | None:
    if word in number_words():
        return number_words()[word]
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return float(word)
    return None


def rating_number(words: list[str], i: int) -> float | None:
    """The number a rating slot holds at ``words[i]``: a number, one said loosely ("six-ish"), or, right after
    "a"/"an", a word a recogniser writes for a number ("a for" = a four, "an ate" = an eight)."""
    rules = extract_rules()["ratings"]["evidence"]
    word = unloosed(words[i])
    value = number(word)
    if value is not None:
        return value
    after_article = i >= 1 and (words[i - 1] in ("a", "an") or (
        i >= 2 and words[i - 1] in rules["article_fillers"] and words[i - 2] in ("a", "an")))
    return rules["homophones"].get(word) if after_article else None


def unloosed(word: str) -> str:
    """"six-ish" → "six", "twenty-odd" → "twenty", "mid-sevens" → "seven": a number said loosely, as the
    number."""
    rules = extract_rules()["ratings"]["evidence"]
    for prefix in rules["loose_prefixes"]:
        if word.startswith(prefix):
            stem = word[len(prefix):]
            plural = next((stem[:-len(e)] for e in ("es", "s") if stem.endswith(e) and number(stem[:-len(e)])), "")
            return plural or stem
    for suffix in rules["loose_suffixes"]:
        if word.endswith(suffix) and number(word[:-len(suffix)]) is not None:
            return word[:-len(suffix)]
    return word
