"""The short line said back after a reflection, and the speaker's words turned towards them ("I told my
sister" → "you told your sister")."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from typing import Any, Collection, Mapping

from assistant.dialogue import parse
from assistant.dialogue.extract.fields import ALL_FIELDS, Extracted, Extraction
from assistant.dialogue.extract.rules import extract_rules, number_words, word_set
from assistant.dialogue.readback import spoken
from assistant.events import AnswerKind


def label(field: str) -> str:
    """A short label for a field read from a reflection (``[labels]``), "" when none is set."""
    return str(extract_rules().get("labels", {}).get(field, ""))


def with_values(extraction: Extraction, updates: Mapping[str, Any]) -> Extraction:
    """The extraction with fields changed or added by corrections (their words: none, they were said later)."""
    kept = [replace(e, value=updates[e.field]) if e.field in updates else e for e in extraction.found]
    added = [Extracted(f, v, (0, 0), "") for f, v in updates.items() if f not in extraction]
    order = {f: k for k, f in enumerate(ALL_FIELDS)}
    found = sorted(kept + added, key=lambda e: order.get(e.field, len(order)))
    return Extraction(extraction.transcript, tuple(found))


# The parts a summary may say, in the order they are said, and the fields each says back.
PARTS: dict[str, tuple[str, ...]] = {"what_happened": ("what_happened",),
                                     "ratings": ("anxiety_before", "anxiety_peak", "anxiety_after"),
                                     "emotions": ("emotions",), "next_step": ("next_step",)}


def said_back(extraction: Extraction, changed: Collection[str] = ()) -> tuple[str, ...]:
    """The fields the summary says: of the parts that were found, the first ``[summary] most`` in the order of
    ``[summary] priority`` (the numbers the plan is built on and the next step come first; the story itself
    the person has just told), plus every part a correction ``changed``, so a correction is always heard."""
    rules = extract_rules()["summary"]
    found = [part for part in rules["priority"] if any(_found(extraction, f) for f in PARTS[part])]
    chosen = set(found[:rules["most"]]) | {part for part in found if set(PARTS[part]) & set(changed)}
    return tuple(f for part, fields in PARTS.items() if part in chosen for f in fields if _found(extraction, f))


def _found(extraction: Extraction, field: str) -> bool:
    value = extraction.value(field)
    return value is not None and value != "" and value != []


def summary(extraction: Extraction, will_ask: bool = True, changed: Collection[str] = ()) -> str:
    """The short line said back: the two or three things that matter most (``said_back``), not every field.
    When none of them was found it says so, and that the gaps will be asked only when questions follow
    (``will_ask``)."""
    words = extract_rules()["summary"]
    fields = said_back(extraction, changed)
    parts: list[str] = []
    if "what_happened" in fields:
        parts.append(words["what_happened"].format(text=towards_you(extraction.value("what_happened"))))
    ratings = [words[f].format(n=_number_word(extraction.value(f)))
               for f in ("anxiety_before", "anxiety_peak", "anxiety_after") if f in fields]
    if ratings:
        parts.append(words["ratings"].format(parts=", ".join(ratings)))
    if "emotions" in fields:
        parts.append(words["emotions"].format(list=spoken(AnswerKind.EMOTIONS, extraction.value("emotions"))))
    if "next_step" in fields:
        parts.append(words["next_step"].format(text=towards_you(extraction.value("next_step"))))
    if not parts:
        return words["nothing" if will_ask else "nothing_kept"]
    if "what_happened" not in fields:  # the line goes on from the intro ("So, anxiety ..."); the story keeps its case
        parts[0] = parts[0][:1].lower() + parts[0][1:]
    return " ".join([words["intro"], *parts])


def _number_word(value: Any) -> str:
    names = {v: k for k, v in reversed(list(number_words().items()))}
    return names.get(value, str(value))


@lru_cache(maxsize=None)
def _you_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    table = {" ".join(parse.words(k)): v for k, v in extract_rules()["summary"]["you"].items()}
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
    rules = extract_rules()
    words = set(rules["summary"]["ordinary_words"]) | set(rules["text"]["small_words"])
    words |= set(rules["body"]["parts"]) | set(rules["body"]["sensations"])
    words |= {w for form in parse.emotion_forms() for w in form}
    return frozenset(w for phrase in words for w in parse.words(phrase))


@lru_cache(maxsize=None)
def _relations() -> frozenset[str]:
    return frozenset(w for phrase in extract_rules()["people"]["relations"] for w in parse.words(phrase))


_AFTER_A_WORD = re.compile(r"(?<=[\w,;:])(\s+)([^\W\d_][\w'’-]*)")  # a word inside a sentence


def _ordinary_case(text: str) -> str:
    """"invite Sam for Coffee" → "invite Sam for coffee": a capitalised word inside a sentence is written small
    when it is an ordinary word (``[summary] ordinary_words``, the rules' word lists) or the text also has it
    in small letters; a name keeps its capital, and so do "I" and "OK". A relation is ordinary after "my",
    "your" ... ("your Sister" → "your sister") and may be a name without ("ask Dad")."""
    small = {w.lower() for w in re.findall(r"[^\W\d_][\w'’-]*", text) if w[:1].islower()}
    ordinary, possessive = _ordinary(), word_set("summary", "possessives")

    def lower(match: re.Match[str]) -> str:
        space, word = match.groups()
        plain, key = word.lower(), "".join(parse.words(word))
        before = parse.words(text[:match.start()])[-1:]
        relation = key in _relations() and bool(before) and before[0] in possessive
        if word[:1].islower() or word.isupper() or not (key in ordinary or plain in small or relation):
            return match.group(0)
        return space + plain

    return _AFTER_A_WORD.sub(lower, text)
