"""The crisis check and the language coach. Pure functions over text; patterns in ``prompts/``.

* :func:`is_crisis` — every answer goes through it first (``prompts/safety.toml``): idioms that only
  sound alarming ("I nearly died laughing") are removed, then the crisis patterns are tried.
* :func:`suggest` — after a free-text answer, spot absolute or avoidant phrasing ("you never listen",
  "I'm fine", "whatever") and offer one gentle invitation reframe (``prompts/coach.toml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.text import data_file as data


def _plain(text: str) -> str:
    """Lowercase, apostrophes dropped ("don't" → "dont"); punctuation kept."""
    return text.lower().replace("’", "").replace("'", "").replace("‘", "")


def safety_text(text: str) -> str:
    """The form the safety patterns see: lowercase, no apostrophes, punctuation as single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", _plain(text)).split())


@lru_cache(maxsize=None)
def _safety() -> tuple[list[re.Pattern], list[re.Pattern]]:
    table = data("safety.toml")
    return [re.compile(p) for p in table["safe"]], [re.compile(p) for p in table["crisis"]]


def crisis_match(text: str) -> str | None:
    """The crisis pattern ``text`` matches (after idioms are taken out), or None."""
    safe, crisis = _safety()
    plain = safety_text(text)
    for pattern in safe:
        plain = pattern.sub(" ", plain)
    plain = " ".join(plain.split())
    for pattern in crisis:
        if pattern.search(plain):
            return pattern.pattern
    return None


def is_crisis(text: str) -> bool:
    return crisis_match(text) is not None


@dataclass(frozen=True)
class Suggestion:
    pattern: str  # the coach.toml pattern id
    text: str  # what the session says

    def to_dict(self) -> dict[str, str]:
        return {"pattern": self.pattern, "suggestion": self.text}


@lru_cache(maxsize=None)
def _coach() -> tuple[int, list[tuple[str, list[re.Pattern], str]]]:
    table = data("coach.toml")
    patterns = [(p["id"], [re.compile(m) for m in p["match"]], p["suggestion"]) for p in table["patterns"]]
    return int(table.get("max_rest_words", 8)), patterns


def suggest(text: str, exclude: set[str] | frozenset[str] = frozenset()) -> Suggestion | None:
    """One invitation reframe for ``text``, or None. Patterns in ``exclude`` are passed over."""
    max_words, patterns = _coach()
    plain = _plain(text)
    for pattern_id, matchers, template in patterns:
        if pattern_id in exclude:
            continue
        for matcher in matchers:
            found = matcher.search(plain)
            if found:
                rest = (found.groupdict().get("rest") or "").strip()
                rest = " ".join(re.split(r"[.,;:!?]", rest)[0].split()[:max_words])
                rest = re.sub(r"\bi\b", "I", rest)
                return Suggestion(pattern_id, template.format(rest=rest))
    return None
