"""Word error counting for stories heard by the ear (``scripts/bench live``, tests/test_live_story.py)."""

from __future__ import annotations

import re


def words(text: str) -> list[str]:
    """Lower-case words, numbers written out ("20" → "twenty"), "I'm done" and punctuation left out."""
    from assistant.speech.stt.endpoint import strip_done_phrase
    from assistant.speech.tts.normalize import cardinal

    text = strip_done_phrase(text.strip(), ("I'm done",))[0]
    text = re.sub(r"\d+", lambda m: f" {cardinal(int(m.group()))} ", text)
    return re.sub(r"[^a-z' ]", " ", text.lower().replace("-", " ")).split()


def errors(reference: str, heard: str) -> tuple[int, int]:
    """(word errors: substitutions + insertions + deletions, reference words)."""
    ref, hyp = words(reference), words(heard)
    row = list(range(len(hyp) + 1))
    for i, want in enumerate(ref, 1):
        diagonal, row[0] = row[0], i
        for j, got in enumerate(hyp, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (want != got))
    return row[len(hyp)], len(ref)
