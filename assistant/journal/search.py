"""Searching the journal's answers: any user text made a safe FTS5 query, and the emoji and symbols FTS5 does
not index, found by substring and marked as FTS5 marks a word. The SQL itself stays in ``store.py``."""

from __future__ import annotations

import re

_WORD = re.compile(r"(\w+)(\*?)")


def fts_query(text: str) -> str:
    """Any user text → a safe FTS5 query: every word quoted, so no FTS syntax survives.

    ``worr*`` keeps its meaning as a prefix search; everything else (quotes, AND/OR/NOT/NEAR,
    parentheses, ``^``, ``-``, ``:``) is treated as plain words or dropped. Returns "" when no word
    is left. (sqlite-utils' ``quote_fts`` keeps unbalanced punctuation-only tokens and returns "" for
    empty input, which MATCH rejects; this is stricter.)
    """
    parts = [f'"{word}"' + ("*" if star else "") for word, star in _WORD.findall(text)]
    return " ".join(parts)


# Inside an emoji: zero-width joiner, variation selectors, keycap, skin tones.
_IN_EMOJI = {"\u200d", "\ufe0e", "\ufe0f", "\u20e3", *map(chr, range(0x1F3FB, 0x1F400))}


def symbols(text: str) -> list[str]:
    """The emoji and other symbols in ``text`` ("😢", "❤️", "👨‍👩‍👧"), one run each: FTS5's tokenizer drops
    them as separators, so a search for them is a plain substring search of the answers' text."""
    import unicodedata

    runs, current = [], ""
    for char in text:
        if unicodedata.category(char) == "So" or (current and char in _IN_EMOJI):
            current += char
        elif current:
            runs.append(current)
            current = ""
    return runs + [current] if current else runs


def marked(text: str, sign: str, marks: tuple[str, str], ellipsis: str, reach: int = 60) -> str:
    """``text`` around the first ``sign``, marked as FTS5's ``snippet`` marks a word."""
    at = text.find(sign)
    if at < 0:
        return text
    start, end = max(0, at - reach), min(len(text), at + len(sign) + reach)
    return ((ellipsis if start else "") + text[start:at] + marks[0] + sign + marks[1]
            + text[at + len(sign):end] + (ellipsis if end < len(text) else ""))
