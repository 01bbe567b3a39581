"""Words and phrases: the one tokenizer and phrase matcher that answer parsing (``parse``), reflection
extraction (``extract``) and the language coach (``coach``) share.

``words(text)`` is the list of lowercase tokens every rule is written against; ``tokens(text)`` is the same
list with each token's place in the text and its sentence; a :class:`Matcher` finds many labelled phrases in
one pass over them. A phrase may have parts joined by "..." ("told ... before"): up to ``gap`` words may come
between two parts, inside one sentence. Where phrases overlap, :meth:`Matcher.find` keeps the longest and
:meth:`Matcher.outermost` drops only those inside a longer one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

# A word is letters of any alphabet with their accents ("maría", also written with a combining accent), so a
# name is never cut at its first letter outside a-z; emoji and other symbols are not words.
_LETTERS = r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f])*"  # a letter, then letters or combining accents
WORD_PATTERN = rf"\d+(?:\.\d+)?(?:st|nd|rd|th)?|{_LETTERS}(?:-{_LETTERS})*"
_WORD = re.compile(WORD_PATTERN)
_SENTENCE_END = re.compile(r"[.?!;]")
_CLAUSE_MARK = re.compile(r"[,:=—–()]|\s[-/]\s|\.\.\.|…")


def plain(text: str) -> str:
    """Lowercase, apostrophes dropped ("don't" → "dont"); punctuation kept."""
    return text.lower().replace("’", "").replace("'", "").replace("‘", "")


def words(text: str) -> list[str]:
    """Lowercase tokens; apostrophes dropped ("don't" → "dont"), other punctuation is a space."""
    text = text.lower().replace("’", "'").replace("'", "")
    return _WORD.findall(text)


@dataclass(frozen=True)
class Token:
    norm: str  # as ``words`` writes it
    start: int
    end: int
    sentence: int
    comma_before: bool  # a comma, colon, dash or ellipsis between this token and the previous one


def tokens(text: str, abbreviations: frozenset[str] = frozenset()) -> list[Token]:
    """The tokens of ``words(text)``, each with its character offsets in ``text`` and its sentence (a full
    stop after one of ``abbreviations``, "Dr.", ends none)."""
    clean, where = [], []
    for i, char in enumerate(text):
        if char in "'’":
            continue
        for lower in char.lower():  # "İ" lowers to two characters, as in words()
            clean.append(lower)
            where.append(i)
    flat = "".join(clean)
    found: list[Token] = []
    sentence, previous_end = 0, 0
    for match in _WORD.finditer(flat):
        start, end = where[match.start()], _grapheme_end(text, where[match.end() - 1] + 1)
        between = text[previous_end:start]
        bare = between.replace("...", " ").replace("…", " ")
        if found and _SENTENCE_END.search(bare) and not (bare.strip() == "." and found[-1].norm in abbreviations):
            sentence += 1
        found.append(Token(match.group(), start, end, sentence, bool(found) and bool(_CLAUSE_MARK.search(between))))
        previous_end = end
    return found


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


Phrase = tuple[tuple[str, ...], ...]  # parts, with up to a matcher's gap of words allowed between two parts


def phrase(text: str) -> Phrase:
    """A phrase as written in the rules ("told ... before") → its parts, each a tuple of words."""
    return tuple(tuple(words(part)) for part in text.split("...") if words(part))


@dataclass(frozen=True)
class Hit:
    start: int  # token index
    end: int  # exclusive
    label: str
    phrase: str
    clause: bool = False  # a moment cue that opens a clause ("before I sent it")
    reach: int | None = None  # how far on its number may be, when not the usual


class Matcher:
    """Many labelled phrases, found in one pass over the tokens (indexed by first word)."""

    def __init__(self, labelled: Iterable[tuple[str, str]], gap: int = 0):
        self.gap = gap
        self.by_first: dict[str, list[tuple[Phrase, str, str]]] = {}
        for label, text in labelled:
            parts = phrase(text)
            if parts:
                self.by_first.setdefault(parts[0][0], []).append((parts, label, text))

    @classmethod
    def exact(cls, phrases: Iterable[tuple[str, ...]]) -> Matcher:
        """Phrases already split into words, each found only as written (labelled by its words)."""
        matcher = cls(())
        for said in phrases:
            if said:
                matcher.by_first.setdefault(said[0], []).append(((said,), " ".join(said), " ".join(said)))
        return matcher

    def hits(self, said: list[str], sentences: list[int] | None = None) -> list[Hit]:
        """Every match in the words ``said`` (with the sentence of each word, for phrases with a gap)."""
        found: list[Hit] = []
        for i, word in enumerate(said):
            for parts, label, text in self.by_first.get(word, ()):
                end = self._match_at(said, sentences, i, parts)
                if end is not None:
                    found.append(Hit(i, end, label, text))
        return found

    def find(self, tokens: list[Token], keep: Callable[[Hit], bool] | None = None) -> list[Hit]:
        """Every match (that ``keep`` accepts), then the longest wins where matches overlap."""
        found = [h for h in self.hits([t.norm for t in tokens], [t.sentence for t in tokens])
                 if keep is None or keep(h)]
        kept: list[Hit] = []
        for hit in sorted(found, key=lambda h: (-(h.end - h.start), h.start)):
            if all(hit.end <= k.start or hit.start >= k.end for k in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h.start)

    def outermost(self, said: list[str]) -> list[Hit]:
        """Every match not inside a longer one, longest first ("I don't think so" hides "think so")."""
        found = self.hits(said)
        return sorted((h for h in found if not any(
            o.start <= h.start and h.end <= o.end and o.end - o.start > h.end - h.start for o in found)),
            key=lambda h: (h.start - h.end, h.start))

    def _match_at(self, said: list[str], sentences: list[int] | None, i: int, parts: Phrase) -> int | None:
        first = parts[0]
        if tuple(said[i:i + len(first)]) != first:
            return None
        end = i + len(first)
        if sentences is not None and sentences[end - 1] != sentences[i]:  # "at night. Before I ..." is no phrase
            return None
        for part in parts[1:]:
            for skip in range(self.gap + 1):
                at = end + skip
                if at + len(part) > len(said) or (
                        sentences is not None and sentences[at + len(part) - 1] != sentences[i]):
                    return None
                if tuple(said[at:at + len(part)]) == part:
                    end = at + len(part)
                    break
            else:
                return None
        return end


def phrases(items: Iterable[str]) -> list[tuple[str, ...]]:
    """Phrases as written → their words, each once, longest first."""
    return sorted({tuple(words(p)) for p in items if words(p)}, key=len, reverse=True)


@lru_cache(maxsize=256)
def _exact(said: tuple[tuple[str, ...], ...]) -> Matcher:
    return Matcher.exact(said)


def find(said: list[str], among: Iterable[tuple[str, ...]]) -> list[tuple[int, int, tuple[str, ...]]]:
    """Every occurrence (start, end, phrase) of the phrases ``among`` in the words ``said``, but those inside
    a longer one; longest first, then in order."""
    return [(h.start, h.end, tuple(said[h.start:h.end])) for h in _exact(tuple(among)).outermost(said)]
