"""An utterance as the phrase families see it: lowercase words, contractions and speech-recognition
slips written out, each word reduced to a stem so that inflections meet ("killing", "killed", "kills" →
``kill``; "dying", "died" → ``die``).

The stemmer is deliberately small: an irregular table from ``prompts/safety.toml`` ``[stems]``, then a
few suffix rules. It does not have to be linguistically right, only consistent: templates go through the
same function, so a template and an utterance meet whenever their words share a stem.

Filler words ("just", "really", "um") are dropped. Clause breaks (``.``, ``?``, ``!``, ``;`` and words
such as "but") become the token ``|``; a comma becomes ``,``. Templates never match across ``|``; negation
is never looked for across either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.text import data_file

BREAK = "|"
NEGATION = "~"
COMMA = ","
_CENSORED = re.compile(r"(?<=[a-z])\*+(?=[a-z])")  # a star written for a letter
_WORD = re.compile(r"[a-z0-9]+|[.?!;]|,")
_APOSTROPHES = re.compile(r"\b(won't|can't|shan't|[a-z]+n't|[a-z]+'(?:ll|re|ve|d|m)|[a-z]+'s(?= been| got| gone))\b")
_ENDINGS = {"n't": " not", "'ll": " will", "'re": " are", "'ve": " have", "'d": " would", "'m": " am",
            "'s": " has"}


def _expand(match: re.Match) -> str:
    """Contractions with their apostrophe, before it is dropped ("he'll" is not "hell")."""
    word = match.group(1)
    if word in ("won't", "can't", "shan't"):
        return {"won't": "will not", "can't": "can not", "shan't": "shall not"}[word]
    for ending, written in _ENDINGS.items():
        if word.endswith(ending):
            return word[: -len(ending)] + written
    return word


@lru_cache(maxsize=1)
def table() -> dict:
    """``prompts/safety.toml``: the families, their lists and rules, and the words of context."""
    return data_file("safety.toml")


@lru_cache(maxsize=1)
def rewrites() -> tuple[dict[str, tuple[str, ...]], list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """Single words to write out ("dont" → do not) and word sequences to mend (ASR slips), longest first."""
    data = table()
    single = {k: tuple(v.split()) for k, v in data["contractions"].items()}
    pairs = [(tuple(k.split()), tuple(v.split())) for k, v in data["slips"].items()]
    pairs.sort(key=lambda pair: -len(pair[0]))
    return single, pairs


@lru_cache(maxsize=1)
def _negators() -> frozenset[str]:
    return frozenset(stem(w) for w in table()["words"]["negators"])


@lru_cache(maxsize=1)
def _irregular() -> dict[str, str]:
    out: dict[str, str] = {}
    for base, forms in table()["stems"].items():
        out[base] = base
        for form in forms.split():
            out[form] = base
    return out


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    """The stem two inflections of a word share (``kill`` for kills/killed/killing)."""
    known = _irregular().get(word)
    if known is not None:
        return known
    if not word.isalpha() or len(word) <= 3:
        return word
    w = word
    if w.endswith("ing") and len(w) > 5:
        w = _undouble(w[:-3])
    elif w.endswith("ied") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("ed") and len(w) > 4 and not w.endswith("eed"):
        w = _undouble(w[:-2])
    elif w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("ches", "shes", "sses", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w in _irregular():
        return _irregular()[w]  # "someones" → someone, not "someon"
    if not re.search(r"[aeiouy]", w) or len(w) < 2:
        return word
    if len(w) > 3 and w.endswith("e") and not w.endswith("ee"):
        w = w[:-1]
    return w


def _undouble(w: str) -> str:
    if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz":
        return w[:-1]
    return w


@dataclass(frozen=True)
class Tokens:
    """An utterance's words (as said, after rewriting) and their stems, with clause breaks as ``|``."""

    words: tuple[str, ...]
    stems: tuple[str, ...]

    def joined(self) -> tuple[str, list[int]]:
        """The stems as one string (" a b c ") for the template patterns, and each token's start offset.
        A negation is written ``~not`` so that a gap in a template (``[^~|]``) can never pass over one."""
        negators = _negators()
        starts, text = [], " "
        for s in self.stems:
            starts.append(len(text))
            text += (NEGATION + s if s in negators else s) + " "
        return text, starts


def tokens(text: str) -> Tokens:
    """``text`` as the phrase families see it (see the module docstring)."""
    single, pairs = rewrites()
    plain = _APOSTROPHES.sub(_expand, text.lower().replace("’", "'").replace("‘", "'"))
    plain = _CENSORED.sub("", plain.replace("'", "").replace("-", " "))  # "k*ll", "s*icide"
    raw: list[str] = []
    for word in _WORD.findall(plain):
        raw.extend(single.get(word, (word,)))
    fillers = set(table()["words"]["fillers"])
    # Mended twice, one mend can make the next ("wont tokyo" → "want to kill"): before the filler words are dropped
    # ("give a damn") and after ("I'll just and it all").
    words = _mend([word for word in _mend(raw, pairs) if word not in fillers], pairs)
    breaks = set(table()["words"]["clause_breaks"])
    out_words: list[str] = []
    out_stems: list[str] = []
    for word in words:
        if word in ".?!;" or word in breaks:
            if out_words and out_words[-1] == BREAK:
                continue
            out_words.append(BREAK)
            out_stems.append(BREAK)
        elif word in fillers:
            continue
        elif word == COMMA:
            out_words.append(COMMA)
            out_stems.append(COMMA)
        else:
            out_words.append(word)
            out_stems.append(stem(word))
    return Tokens(tuple(out_words), tuple(out_stems))


def _mend(words: list[str], pairs: list[tuple[tuple[str, ...], tuple[str, ...]]]) -> list[str]:
    """Replace known slip sequences (longest first) by what was meant."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for wrong, right in pairs:
            if tuple(words[i:i + len(wrong)]) == wrong:
                out.extend(right)
                i += len(wrong)
                break
        else:
            out.append(words[i])
            i += 1
    return out
