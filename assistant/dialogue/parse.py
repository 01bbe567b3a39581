"""Spoken answers → values, for any engine's text. Pure functions; all vocabulary is data in
``prompts/session.toml`` (``[words]``, ``[emotions]``, ``[commands]``).

``parse_answer(kind, text)`` returns a :class:`Parsed`: ``ok`` with a ``value``, or a ``problem``
(``"unclear"`` / ``"out_of_range"``) the session turns into a re-ask. Decisions worth knowing:

* rating: "six out of ten" is 6 (numbers after "out of" / "scale of" are the scale). A range
  ("five or six", "six to seven", "five six") counts as the higher number: for distress, better to
  over- than under-estimate, and ratings are read back for confirmation by default. Halves round up.
  "none" / "nothing" / "not at all" is 0. Two unrelated numbers ("a four, then a nine") are unclear.
  Homophones (free→3, for→4, ate→8 ...) count only when no real number was said and they end a short
  answer ("a free"; "it's hard to say" has no number); "sex" is never six;
  nor do ordinals, which whisper writes for a lone number ("probably the sixth", "a sixth" → 6).
  A minus sign or "minus" is refused (``problem="negative"``), never read as the plain number.
* yesno: every yes- and no-phrase found is collected; a longer phrase swallows the shorter ones
  inside it ("I don't think so" is no, not "think so"); mixed answers ("yeah no") and unsure ones
  ("I'm not sure", "I don't know") are unclear.
* duration: minutes (int when whole); ranges take the higher; "all evening" etc. are estimates. A number
  with no unit ("45", "about 20") is minutes: the questions ask "roughly how long", and minutes are what
  people mean for a conversation. Negative lengths are refused (``problem="negative"``).
* date: ISO ``YYYY-MM-DD`` from "tomorrow", "in three days", "next week", "friday" (the next one
  after today; "next friday" is the same day), "on the 5th" (the next 5th after today), "march 3rd".
  "next/this weekend" is the coming Saturday. Typed dates are read exactly: ``2026-12-10`` (ISO), and
  numeric ``12/10`` or ``12/10/2026`` month first (``day_first=False``, US English, the shipped voice
  and crisis line) or day first (``day_first=True``, every other language setting); when the first number
  is over 12 it can only be the day. A date that does not exist ("2026-02-30") is ``invalid_date``, one
  that has already gone by is ``past_date``: both are asked again, never moved to another day.
* emotions: known words (and their other forms) in order, negated ones ("not angry") left out. When no
  known word was said ("like a failure", "kind of meh"), the value is the words said, as one item: a
  feeling in the person's own words is still the answer.
* commands: the whole utterance, or the utterance starting with a command followed only by filler
  words or a punctuation break ("skip, please") — so "I skipped lunch" and "back pain" are answers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum
from functools import lru_cache
from typing import Any

from assistant.dialogue.closed import grammar as grammar
from assistant.dialogue.closed import phrasings as phrasings
from assistant.dialogue.readback import spoken as spoken
from assistant.dialogue.words import find, phrases, words
from assistant.events import COMMANDS as COMMANDS
from assistant.events import AnswerKind
from assistant.events import Command as Command
from assistant.text import data_file as data


class Problem(StrEnum):
    """Why an answer was not taken; each has its own re-ask hint in session.toml [say] (retry_<problem>...)."""

    UNCLEAR = "unclear"
    OUT_OF_RANGE = "out_of_range"
    NEGATIVE = "negative"
    INVALID_DATE = "invalid_date"
    PAST_DATE = "past_date"


PROBLEMS = tuple(Problem)


@dataclass(frozen=True)
class Parsed:
    value: Any = None
    problem: str = ""  # "" when ok, else a Problem

    @property
    def ok(self) -> bool:
        return not self.problem


UNCLEAR = Parsed(problem=Problem.UNCLEAR)


@lru_cache(maxsize=None)
def _vocab() -> dict[str, Any]:
    return data("session.toml")


def _number(token: str, table: dict[str, int]) -> float | None:
    if token in table:
        return table[token]
    if re.fullmatch(r"\d+(?:\.\d+)?", token):
        return float(token) if "." in token else int(token)
    return None


def _numbers(tokens: list[str]) -> list[tuple[int, float]]:
    """(position, value) of every number, with "twenty five" → 25 and "six and a half" → 6.5."""
    table = _vocab()["words"]["numbers"]
    found: list[tuple[int, float]] = []
    for i, token in enumerate(tokens):
        value = _number(token, table)
        if value is not None:
            if found and found[-1][0] == i - 1 and found[-1][1] >= 20 and found[-1][1] % 10 == 0 and 0 < value < 10:
                found[-1] = (i, found[-1][1] + value)
                continue
            found.append((i, value))
        elif token == "half" and found and found[-1][0] == i - 3 and tokens[i - 2:i] == ["and", "a"]:
            found[-1] = (i, found[-1][1] + 0.5)
    return found


def _after_scale(tokens: list[str], position: int) -> bool:
    scale = phrases(_vocab()["words"]["scale_phrases"])
    return any(tuple(tokens[max(0, position - len(p) - k):position - k]) == p for p in scale for k in (0, 1, 2, 3))


def _pick(tokens: list[str], found: list[tuple[int, float]]) -> float | None:
    """One number from several: equal ones, or a range of two (the higher); else None."""
    values = {v for _, v in found}
    if len(values) == 1:
        return found[0][1]
    if len(found) == 2:
        between = set(tokens[found[0][0] + 1:found[1][0]])
        if between <= set(_vocab()["words"]["range_words"]) | {"a", "an"}:
            return max(values)
    return None


_MINUS_SIGN = re.compile(r"(?:^|[\s(])[-−–]\s*\d")


def _negative(text: str) -> bool:
    """"-3", "− 5 minutes", "minus two": a number below zero was said."""
    if _MINUS_SIGN.search(text):
        return True
    tokens, numbers = words(text), _vocab()["words"]["numbers"]
    below = set(_vocab()["words"]["below_zero"])
    return any(t in below and _number(n, numbers) is not None for t, n in zip(tokens, tokens[1:]))


def parse_rating(text: str, low: int = 0, high: int = 10) -> Parsed:
    if _negative(text):
        return Parsed(None, Problem.NEGATIVE)
    scale_word = _vocab()["words"]["scale_phrases"][0]
    tokens = words(re.sub(r"(\d)\s*/\s*(\d)", rf"\1 {scale_word} \2", text))  # "6/10"
    found = [(i, v) for i, v in _numbers(tokens) if not _after_scale(tokens, i)]
    if not found and len(tokens) <= 4:  # a sound-alike ends the answer ("a free"), not "it's hard to say"
        homophones, numbers = _vocab()["words"]["homophones"], _vocab()["words"]["numbers"]
        found = [(i, numbers[homophones[t]]) for i, t in enumerate(tokens)
                 if homophones.get(t) in numbers and (i == len(tokens) - 1 or _after_scale(tokens, len(tokens) - 1))]
    if not found and len(tokens) <= 4:  # "probably the sixth": whisper's spelling of a lone "six"
        ordinals = {tuple(words(k)): v for k, v in _vocab()["words"]["ordinals"].items()}
        found = [(start, ordinals[p]) for start, _, p in find(tokens, sorted(ordinals, key=len, reverse=True))]
    if not found:
        if find(tokens, phrases(_vocab()["words"]["zero_phrases"])):
            return Parsed(low)
        return UNCLEAR
    value = _pick(tokens, found)
    if value is None:
        return UNCLEAR
    value = math.floor(value + 0.5)
    return Parsed(value) if low <= value <= high else Parsed(value, Problem.OUT_OF_RANGE)


def parse_yesno(text: str) -> Parsed:
    tokens = words(text)
    table = _vocab()["words"]["yesno"]
    polarity: dict[tuple[str, ...], bool | None] = {p: True for p in phrases(table["yes"])}
    polarity |= {p: False for p in phrases(table["no"])}
    polarity |= {p: None for p in phrases(table["unsure"])}  # "I'm not sure" is neither
    found = {polarity[p] for _, _, p in find(tokens, sorted(polarity, key=len, reverse=True))}
    if None in found:
        return UNCLEAR
    return Parsed(found.pop()) if len(found) == 1 else UNCLEAR


def parse_choice(text: str, choices: tuple[str, ...] | list[str]) -> Parsed:
    tokens = words(text)
    vocab = _vocab()["words"]
    if not tokens:
        return UNCLEAR
    ordinals = {tuple(words(k)): v for k, v in vocab["ordinals"].items()}
    picks = {v for _, _, p in find(tokens, sorted(ordinals, key=len, reverse=True)) for v in [ordinals[p]]}
    for i, token in enumerate(tokens[:-1]):
        if token in vocab["choice_markers"]:
            number = _number(tokens[i + 1], vocab["numbers"])
            if number is not None:
                picks.add(int(number))
    alone = _number(tokens[0], vocab["numbers"]) if len(tokens) == 1 else None
    if alone is not None:
        picks.add(int(alone))
    if find(tokens, phrases(vocab["last"])):
        picks.add(len(choices))
    if len(picks) == 1 and 1 <= (index := picks.pop()) <= len(choices):
        return Parsed(choices[index - 1])
    stop = set(vocab["stopwords"])
    said = [t for t in tokens if t not in stop]
    scores = []
    for choice in choices:
        # A number in an option ("take three slow breaths") is not a word to pick it by: a number names a
        # place ("option three"), and a misheard "option" must not turn "three" into the first option.
        content = [t for t in words(choice) if t not in stop and _number(t, vocab["numbers"]) is None] \
            or words(choice)
        if not content:  # a choice with no words in it (":") can only be picked by number
            scores.append((0.0, 0))
            continue
        hit = sum(1 for c in content if any(_alike(c, s) for s in said))
        scores.append((hit / len(content), hit))
    best = max(scores)
    if best[1] == 0 or scores.count(best) > 1:
        return UNCLEAR
    return Parsed(choices[scores.index(best)])


def _alike(a: str, b: str) -> bool:
    if a == b or (min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a))):
        return True
    return SequenceMatcher(None, a, b).ratio() >= 0.8


def parse_duration(text: str) -> Parsed:
    """Minutes: "about ten minutes" → 10, "an hour and a half" → 90, "30 seconds" → 0.5, "45" → 45."""
    if _negative(text):
        return Parsed(None, Problem.NEGATIVE)
    tokens = words(text)
    table = _vocab()["words"]["duration"]
    units, amounts, numbers = table["units"], table["amounts"], _vocab()["words"]["numbers"]
    total, last_unit, found = 0.0, 0.0, False
    pending: float | None = None  # a number said, waiting for its unit
    soft: float | None = None  # "a"/"an": 1 unless a real number follows
    previous_number = -10
    for i, token in enumerate(tokens):
        number = _number(token, numbers)
        if token in units:
            total += (pending if pending is not None else soft if soft is not None else 1) * units[token]
            last_unit, found, pending, soft = units[token], True, None, None
        elif number is not None:
            if pending is not None and previous_number == i - 1 and pending >= 20 and pending % 10 == 0:
                pending += number
            elif pending is not None and set(tokens[previous_number + 1:i]) <= set(_vocab()["words"]["range_words"]):
                pending = max(pending, number)
            else:
                pending = number
            previous_number = i
        elif token == "half":
            if pending is not None:
                pending += 0.5
            elif last_unit and tokens[i - 2:i] == ["and", "a"]:
                total += 0.5 * last_unit
            else:
                pending = 0.5
        elif token in ("quarter", "quarters") and pending is not None:
            pending *= amounts["quarter"]  # "three quarters of an hour"
        elif token == "quarter" and last_unit and tokens[i - 2:i] == ["and", "a"]:
            total += amounts["quarter"] * last_unit  # "an hour and a quarter"
        elif token in amounts and pending is None:
            if token in ("a", "an"):
                soft = 1
            else:
                pending = amounts[token]
    if not found and pending is not None and _only_hedges(tokens):
        total, found = pending, True  # "45", "about twenty": a bare number is minutes
    if not found:
        vague = find(tokens, phrases(list(table["vague"])))
        if not vague:
            return UNCLEAR
        key = {tuple(words(k)): v for k, v in table["vague"].items()}[vague[0][2]]
        total = key
    total = round(total, 2)
    return Parsed(int(total) if total == int(total) else total)


def _only_hedges(tokens: list[str]) -> bool:
    """Nothing but one number and words like "about", "maybe", "roughly" ("about 45")."""
    hedges = set(_vocab()["words"]["duration"]["hedges"])
    numbers = _vocab()["words"]["numbers"]
    said = [t for t in tokens if t not in hedges]
    return len(said) <= 2 and all(_number(t, numbers) is not None for t in said)


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?\b")


def parse_date(text: str, today: dt.date | None = None, day_first: bool = False) -> Parsed:
    """An ISO date for a follow-up: "2026-12-10", "12/10", "tomorrow", "in three days", "friday" ..."""
    today = today or dt.date.today()
    typed = _typed_date(text, today, day_first)
    if typed is not None:
        return typed
    try:
        return _parse_date(text, today)
    except (OverflowError, ValueError):  # "in 417420 weeks": past the year 9999
        return Parsed(None, Problem.OUT_OF_RANGE)


def _typed_date(text: str, today: dt.date, day_first: bool) -> Parsed | None:
    """A date written in numbers, read exactly; None when the text holds none."""
    iso = _ISO_DATE.search(text)
    numeric = None if iso else _NUMERIC_DATE.search(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif numeric:
        first, second, year_text = numeric.groups()
        a, b = int(first), int(second)
        month, day = (b, a) if day_first or a > 12 else (a, b)
        if day_first and b > 12 and a <= 12:  # "12/25" with day first: only the other reading exists
            month, day = a, b
        year = int(year_text) + (2000 if len(year_text) == 2 else 0) if year_text else today.year
        if not year_text:
            try:
                if dt.date(year, month, day) < today:  # "3/2" in December: next year's
                    year += 1
            except ValueError:
                pass
    else:
        return None
    try:
        day_value = dt.date(year, month, day)
    except ValueError:
        return Parsed(None, Problem.INVALID_DATE)
    if day_value < today:
        return Parsed(day_value.isoformat(), Problem.PAST_DATE)
    return Parsed(day_value.isoformat())


def _parse_date(text: str, today: dt.date) -> Parsed:
    tokens = words(text)
    table = _vocab()["words"]["dates"]
    relative = {tuple(words(k)): v for k, v in table["relative"].items()}
    hits = find(tokens, sorted(relative, key=len, reverse=True))
    if hits:
        days = relative[hits[0][2]]
        if days < 0:  # the weekend: the coming Saturday
            days = (5 - today.weekday()) % 7 or 7
        return Parsed((today + dt.timedelta(days=days)).isoformat())
    numbers = _vocab()["words"]["numbers"]
    for i, token in enumerate(tokens):
        if token in table["units"] and i > 0:
            amount = _number(tokens[i - 1], numbers) or _vocab()["words"]["duration"]["amounts"].get(tokens[i - 1])
            if amount:
                if table["units"][token] == 0:
                    return Parsed(_add_months(today, int(amount)).isoformat())
                return Parsed((today + dt.timedelta(days=int(amount * table["units"][token]))).isoformat())
    for token in tokens:
        if token in table["weekdays"]:
            ahead = (table["weekdays"].index(token) - today.weekday()) % 7 or 7
            return Parsed((today + dt.timedelta(days=ahead)).isoformat())
    day = _day_of_month(tokens)
    if day is None:
        return UNCLEAR
    month = next((table["months"].index(t) + 1 for t in tokens if t in table["months"]), None)
    return _next_day(today, day, month)


def _day_of_month(tokens: list[str]) -> int | None:
    ordinals = {tuple(words(k)): v for k, v in _vocab()["words"]["ordinals"].items()}
    hits = find(tokens, sorted(ordinals, key=len, reverse=True))
    if hits:
        return ordinals[hits[0][2]]
    for token in tokens:
        match = re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)?", token)
        if match:
            return int(match.group(1))
    return None


def _next_day(today: dt.date, day: int, month: int | None) -> Parsed:
    if not 1 <= day <= 31:
        return Parsed(day, Problem.OUT_OF_RANGE)
    for offset in range(0, 25):
        year, m = divmod(today.month - 1 + offset, 12)
        year, m = today.year + year, m + 1
        if (month and m != month) or day > calendar.monthrange(year, m)[1]:
            continue
        candidate = dt.date(year, m, day)
        if candidate > today:
            return Parsed(candidate.isoformat())
    return Parsed(day, Problem.OUT_OF_RANGE)


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=None)
def emotion_forms() -> dict[tuple[str, ...], tuple[str, str]]:
    """Every spoken form → (canonical word, family), from ``[emotions]``."""
    forms: dict[tuple[str, ...], tuple[str, str]] = {}
    for family, entries in _vocab()["emotions"].items():
        for entry in entries:
            names = entry.split("|")
            for name in names:
                forms.setdefault(tuple(words(name)), (names[0], family))
    return forms


def parse_emotions(text: str) -> Parsed:
    """Feeling words from the word lists; else the person's own words for it (an emoji too). A number
    with nothing but filler around it ("11", "about a 7") is no feeling: the question is asked again."""
    tokens = words(text)
    found = _known_emotions(tokens)
    if found:
        return Parsed(found)
    if tokens and _only_a_number(tokens):
        return UNCLEAR
    if tokens or any(unicodedata.category(char) == "So" for char in text):
        return Parsed([" ".join(text.split()).strip(" .,;:!?")])  # their own words for it
    return Parsed([])


def _only_a_number(tokens: list[str]) -> bool:
    vocab = _vocab()["words"]
    filler = set(vocab["stopwords"]) | set(vocab["duration"]["hedges"]) | set(vocab["number_fillers"])
    numbers = [t for t in tokens if _number(t, vocab["numbers"]) is not None]
    return bool(numbers) and all(t in filler or t in numbers for t in tokens)


def _known_emotions(tokens: list[str]) -> list[str]:
    forms = emotion_forms()
    negations = set(_vocab()["words"]["negations"])
    found: list[str] = []
    for start, _, phrase in sorted(find(tokens, sorted(forms, key=len, reverse=True))):
        negated = negations & set(tokens[max(0, start - 2):start])
        if negated and not set(_vocab()["words"]["negation_ends"]) & set(tokens[max(0, start - 1):start]):
            continue
        name = forms[phrase][0]
        if name not in found:
            found.append(name)
    return found


def families(emotions: list[str]) -> list[str]:
    by_name = {name: family for name, family in emotion_forms().values()}
    return sorted({by_name[e] for e in emotions if e in by_name})


def parse_answer(kind: str, text: str, *, choices: tuple[str, ...] = (), today: dt.date | None = None,
                 day_first: bool = False) -> Parsed:
    if kind == AnswerKind.RATING:
        return parse_rating(text)
    if kind == AnswerKind.YESNO:
        return parse_yesno(text)
    if kind == AnswerKind.CHOICE:
        return parse_choice(text, choices)
    if kind == AnswerKind.DURATION:
        return parse_duration(text)
    if kind == AnswerKind.DATE:
        return parse_date(text, today, day_first)
    if kind == AnswerKind.EMOTIONS:
        return parse_emotions(text)
    stripped = " ".join(text.split())
    return Parsed(stripped) if stripped else UNCLEAR


def match_command(text: str) -> str | None:
    """The command in ``text`` ("repeat", "skip", "back" ...), or None when it is an answer."""
    table = _vocab()["commands"]
    tokens = words(text)
    leading = set(words(" ".join(table["leading"])))
    fillers = set(table["fillers"])
    breaks = set(phrases(table["before_a_pause"]))
    start = 0
    while start < len(tokens) and tokens[start] in leading:
        start += 1
    candidates = [(len(p), name, p) for name in COMMANDS for p in phrases(table[name])]
    for _, name, phrase in sorted(candidates, reverse=True):
        for begin in {start, 0}:
            end = begin + len(phrase)
            if tuple(tokens[begin:end]) != phrase:
                continue
            rest = tokens[end:]
            if all(t in fillers for t in rest) or (phrase in breaks and _breaks_after(text, phrase)):
                return name
    return None


def _breaks_after(text: str, phrase: tuple[str, ...]) -> bool:
    """"skip, I don't want to" — a punctuation break right after the leading command."""
    pattern = r"^\W*(?:\w+\W+){0,3}?" + r"\W+".join(map(re.escape, phrase)) + r"\s*[,.;:!?—–-]"
    return re.match(pattern, text.lower().replace("'", "").replace("’", "")) is not None
