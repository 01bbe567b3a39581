"""The language coach: after a free-text answer where the script asks for it (``coach = true``), spot
absolute or avoidant phrasing ("you never listen", "I'm fine", "whatever") and offer one gentle invitation
reframe (``prompts/coach.toml``). Pure functions over text. (The crisis check is ``crisis.py``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.dialogue.words import plain
from assistant.text import data_file as data


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
    said = plain(text)
    for pattern_id, matchers, template in patterns:
        if pattern_id in exclude:
            continue
        for matcher in matchers:
            found = matcher.search(said)
            if found:
                rest = (found.groupdict().get("rest") or "").strip()
                rest = " ".join(re.split(r"[.,;:!?]", rest)[0].split()[:max_words])
                rest = re.sub(r"\bi\b", "I", rest)
                return Suggestion(pattern_id, template.format(rest=rest))
    return None
