"""The spoken-story corpus in ``tests/corpus/stories_*.toml`` (see its README): stories told after a practice
step, each with its true ratings, one length of time, a feeling and a next step. Read by ``scripts/bench told``
and the story tests."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from reflections import NUMERIC

CORPUS = Path(__file__).resolve().parent / "corpus"
SETS = {"dev": "stories_dev.toml", "heldout": "stories_heldout.toml"}


@dataclass(frozen=True)
class Story:
    id: str
    text: str
    expect: dict
    absent: tuple[str, ...]

    @property
    def numbers(self) -> dict:
        return {f: v for f, v in self.expect.items() if f in NUMERIC}


def load(name: str) -> list[Story]:
    """The stories of one set ("dev" or "heldout"); raises on a story that does not name every numeric field
    in ``expect`` or ``absent`` (a value found for an absent field is a wrong one)."""
    with open(CORPUS / SETS[name], "rb") as handle:
        entries = tomllib.load(handle)["story"]
    stories = []
    for entry in entries:
        story = Story(entry["id"], entry["text"], dict(entry["expect"]), tuple(entry.get("absent", ())))
        missing = [f for f in NUMERIC if f not in story.expect and f not in story.absent]
        if missing:
            raise ValueError(f"{SETS[name]} {story.id}: {', '.join(missing)} neither expected nor absent")
        stories.append(story)
    return stories


def numbers_read(story: Story, found: dict) -> tuple[int, int]:
    """(numbers read right, numbers stored wrong) of ``found`` (field → value read from what was heard): a
    wrong one is a value other than the true one, or any value for a field the story does not hold."""
    right = sum(1 for f, v in story.numbers.items() if found.get(f) == v)
    wrong = sum(1 for f in (*story.numbers, *story.absent) if f in found and found[f] != story.expect.get(f))
    return right, wrong
