"""The similarity layer over the phrase families: what the rules found nothing in is compared, sentence by
sentence, with the development phrases of every family (``prompts/safety_examples.toml``), embedded by the
sentence encoder (``encoder``). A sentence whose nearest examples are a crisis family's, closely
(:data:`THRESHOLD`) and clearly more than any idiom's, other person's or story's (:data:`MARGIN`), is
borderline: ``dialogue.crisis`` asks the one gentle question. The layer never stops a session on its own and
never passes over what the rules decided.

Why this shape: the rules say why they fired and tell negation and idioms apart, which similarity cannot ("I
don't want to die" sits next to "I want to die"); similarity finds the ordinary phrasings no template foresaw
("he locked me in the bedroom all night", "I put the pills in my bag for later"). A wrong question costs one
"no"; a missed crisis costs far more.

The index is built once, in the background, when the crisis check is warmed (``matcher.warm``); until it is
ready, and when the encoder's package is not installed, the check is the rules alone (:func:`missing` says
why, for the one line the session prints).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.text import data_file

if TYPE_CHECKING:
    import numpy as np

    from assistant.dialogue.safety.encoder import Encoder

CRISIS = ("wish_dead", "burden", "not_missed", "cant_go_on", "plan_method_intent", "self_harm", "harmed_by_someone")
THRESHOLD = 0.72  # mean cosine of the 3 nearest examples of one crisis family (measured: scripts/bench crisis)
MARGIN = 0.05  # ... and this much above the nearest non-crisis family
NEIGHBOURS = 3
MIN_WORDS = 3  # "yes", "seven", "go back": answers and commands are left to the rules
SENTENCE_WORDS = 30  # a long answer is compared sentence by sentence, a sentence in pieces of this many words
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")


@dataclass(frozen=True)
class Near:
    """The crisis family a sentence sits close to, how close, and the closest non-crisis family."""

    family: str
    score: float
    sentence: str
    other: str
    other_score: float


class Index:
    """Example sentences embedded, and their families."""

    def __init__(self, encoder: Encoder, texts: list[str], families: list[str]) -> None:
        import numpy as np

        self.encoder = encoder
        self.texts = texts
        self.vectors = encoder.encode(texts)
        self.families = np.asarray(families)
        self.names = tuple(sorted(set(families)))
        self._rows = {name: np.flatnonzero(self.families == name) for name in self.names}

    @classmethod
    def from_examples(cls, encoder: Encoder, examples: dict[str, list[str]] | None = None) -> Index:
        """``examples`` (family → sentences), by default ``prompts/safety_examples.toml``."""
        if examples is None:
            examples = {family["name"]: list(family["texts"]) for family in data_file("safety_examples.toml")["family"]}
        texts = [text for family in sorted(examples) for text in examples[family]]
        families = [family for family in sorted(examples) for _ in examples[family]]
        return cls(encoder, texts, families)

    def nearest(self, text: str, leave_out: str = "") -> Near | None:
        """The closest crisis family of ``text``'s closest sentence, or None when no sentence has one as near as
        :data:`THRESHOLD` and :data:`MARGIN` ask. ``leave_out``: an example not to compare with (the benchmark
        measures the examples themselves one left out at a time)."""
        sentences = pieces(text)
        if not sentences:
            return None
        similarities = self.encoder.encode(sentences) @ self.vectors.T
        if leave_out:
            similarities[:, [i for i, t in enumerate(self.texts) if t == leave_out]] = -1.0
        best: Near | None = None
        for sentence, row in zip(sentences, similarities):
            scores = {name: _top_mean(row[rows]) for name, rows in self._rows.items()}
            crisis = max((scores[n], n) for n in scores if n in CRISIS)
            other = max(((scores[n], n) for n in scores if n not in CRISIS), default=(-1.0, ""))
            if crisis[0] >= THRESHOLD and crisis[0] - other[0] >= MARGIN and (best is None or crisis[0] > best.score):
                best = Near(crisis[1], round(crisis[0], 3), sentence, other[1], round(other[0], 3))
        return best


def _top_mean(values: np.ndarray) -> float:
    import numpy as np

    count = min(NEIGHBOURS, len(values))
    return float(np.partition(values, -count)[-count:].mean())


def pieces(text: str) -> list[str]:
    """The sentences of ``text`` worth comparing: at least :data:`MIN_WORDS` words, at most
    :data:`SENTENCE_WORDS` (longer ones in overlapping pieces, so a crisis sentence in an unpunctuated story is
    not averaged away)."""
    out = []
    for sentence in _SENTENCE.split(text.strip()):
        words = sentence.split()
        if len(words) < MIN_WORDS:
            continue
        if len(words) <= SENTENCE_WORDS:
            out.append(" ".join(words))
            continue
        step = SENTENCE_WORDS * 2 // 3
        out += [" ".join(words[i:i + SENTENCE_WORDS]) for i in range(0, len(words) - SENTENCE_WORDS + step, step)]
    return out


class _Layer:
    """The one index of the process, loaded once (:func:`load`), and why there is none."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: Index | None = None
        self.missing = ""
        self.tried = False


_LAYER = _Layer()


def load() -> Index | None:
    """Load the encoder and build the index, once (later calls wait for the first, then return at once)."""
    from assistant.dialogue.safety.encoder import Encoder, EncoderMissing

    with _LAYER.lock:
        if not _LAYER.tried:
            _LAYER.tried = True
            try:
                _LAYER.index = Index.from_examples(Encoder.load())
            except EncoderMissing as exc:
                _LAYER.missing = str(exc)
        return _LAYER.index


def ready() -> Index | None:
    """The index if it is built (never waits: until then the rules decide alone)."""
    return _LAYER.index


def missing() -> str:
    """Why there is no similarity layer ("" when there is, or when it has not been looked for yet)."""
    if not _LAYER.tried:
        return "" if installed() else "the sentence encoder is not installed"
    return _LAYER.missing


@lru_cache(maxsize=1)
def installed() -> bool:
    """Whether the encoder's package is there (found, not loaded)."""
    from assistant.dialogue.safety.encoder import EncoderMissing, model_zip

    try:
        model_zip()
    except EncoderMissing:
        return False
    return True


def nearest(text: str, leave_out: str = "") -> Near | None:
    """:meth:`Index.nearest` on the loaded index; None while there is none."""
    index = ready()
    return index.nearest(text, leave_out) if index is not None else None
