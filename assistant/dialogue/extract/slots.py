"""Where a told story's transcript may hold a number the recogniser wrote as another word.

Whisper tiny.en hears "I was at a six out of ten" in running speech as "I want to seek out of ten", and "around
a four" as "around the phone": the rules (``ratings``, ``durations``) then find no number, or none where the
person said one. ``story_slots`` points at such places, one sentence at a time, so the ear can score that
stretch of audio with each number in the slot (``practice.hearing``, ``speech.stt.forced.ForcedScorer.story``);
``filled`` writes the numbers it was sure of back into the transcript, and the rules read it as before.

A slot is a word that is not a number, in one of these places (words in ``prompts/extract.toml [story]``):
right before a scale ("seek out of ten") or a unit of time ("for tan minutes"); a word whisper writes for a
number ("night", "free", "phone"); the last word of a sentence after a lead word ("maybe a night.", "around
before."). A word that never holds a number ("I", "and") is no slot. Finding a slot takes nothing: only a
number the audio is sure of is written in, and a sentence with a number already in that slot is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from assistant.dialogue.extract.rules import extract_rules, number, phrase_set, word_set

RATINGS = tuple(range(11))


@dataclass(frozen=True)
class Slot:
    """A stretch of one sentence of the story (``words[first:last]``) and the words in it where a number may stand."""

    first: int
    last: int
    positions: tuple[int, ...]
    kind: str  # "rating" | "duration"

    @property
    def values(self) -> tuple[int, ...]:
        return RATINGS if self.kind == "rating" else tuple(extract_rules()["story"]["minutes"])


def bare(word: str) -> str:
    """A transcript word as the rules read it: lower case, no punctuation around it."""
    return re.sub(r"^[^\w']+|[^\w']+$", "", word.lower())


def sentences(words: Sequence[str]) -> list[tuple[int, int]]:
    """(first, last) word index of each sentence: a word ending in . ? or ! ends one."""
    found, start = [], 0
    for i, word in enumerate(words):
        if re.search(r"[.?!]$", word):
            found.append((start, i + 1))
            start = i + 1
    if start < len(words):
        found.append((start, len(words)))
    return found


def story_slots(words: Sequence[str]) -> list[Slot]:
    """The stretches of a transcript (its words in order) with a place where a number may have been said and
    was written as another word, each with those places: the places of one kind in one sentence, and
    ``[story] reach`` words either side of them within it (the words around a number are what tells the audio
    apart; the rest of a long sentence would only cost time to score)."""
    rules = extract_rules()["story"]
    plain = [bare(w) for w in words]
    scale, units = phrase_set("story", "scale"), phrase_set("story", "units")
    alikes, leads, never = word_set("story", "sound_alikes"), word_set("story", "leads"), word_set("story", "never")
    slots = []
    for first, last in sentences(words):
        positions: dict[int, str] = {}
        for i in range(first, last):
            word = plain[i]
            if not word or number(word) is not None or word in never:
                continue
            after = tuple(plain[i + 1:last])
            if any(after[:len(p)] == p for p in scale):
                positions.setdefault(i, "rating")
            elif any(after[:len(p)] == p for p in units):
                positions.setdefault(i, "duration")
            elif word in alikes or (i == last - 1 and i > first and plain[i - 1] in leads):
                positions.setdefault(i, "rating")
        for kind in ("rating", "duration"):
            chosen = tuple(i for i in positions if positions[i] == kind)[: rules["per_sentence"]]
            if chosen:
                reach = rules["reach"]
                slots.append(Slot(max(first, chosen[0] - reach), min(last, chosen[-1] + reach + 1), chosen, kind))
    return slots


def candidates(words: Sequence[str], slot: Slot) -> list[tuple[str, int, int]]:
    """The slot's words with each number in each of its places: (text, value, position)."""
    found = []
    for position in slot.positions:
        for value in slot.values:
            said = list(words[slot.first:slot.last])
            said[position - slot.first] = _in_place(words[position], str(value))
            found.append((" ".join(said), value, position))
    return found


def filled(words: Sequence[str], numbers: dict[int, int]) -> list[str]:
    """The words with a number written in at each position of ``numbers`` (its punctuation kept)."""
    return [_in_place(w, str(numbers[i])) if i in numbers else w for i, w in enumerate(words)]


def _in_place(word: str, value: str) -> str:
    """``value`` where ``word`` stood, with the punctuation around it ("night." → "9.")."""
    lead = re.match(r"^[^\w']*", word)
    tail = re.search(r"[^\w']*$", word)
    return (lead.group(0) if lead else "") + value + (tail.group(0) if tail else "")
