"""The crisis check: the one place that decides whether something a person said is crisis language.

Every utterance, wherever the assistant listens, passes through :func:`check` before anything else: every
answer, confirmation and skip offer in a session, the spoken menu, the "which ladder step was it?"
question, breathing voice commands, a reflection. Patterns are data (``prompts/safety.toml``): idioms that
only sound alarming ("a suicide mission", "I nearly died laughing") are removed first, then the crisis
patterns are tried. On a hit the practice stops: :func:`stop_outputs` is what is said and recorded
(the crisis words with the resources, a ``flagged`` event and a ``stopped`` event).
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Callable

from assistant.events import Say, SessionEvent, Transcript
from assistant.text import data_file

REASON = "crisis"


def _plain(text: str) -> str:
    """Lowercase, apostrophes dropped ("don't" → "dont"); punctuation kept."""
    return text.lower().replace("’", "").replace("'", "").replace("‘", "")


def safety_text(text: str) -> str:
    """The form the safety patterns see: lowercase, no apostrophes, punctuation as single spaces."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", _plain(text)).split())


@lru_cache(maxsize=None)
def _patterns() -> tuple[list[re.Pattern], list[re.Pattern]]:
    table = data_file("safety.toml")
    return [re.compile(p) for p in table["safe"]], [re.compile(p) for p in table["crisis"]]


def check(text: str) -> str | None:
    """The crisis pattern ``text`` matches (after idioms are taken out), or None."""
    safe, crisis = _patterns()
    plain = safety_text(text)
    for pattern in safe:
        plain = pattern.sub(" ", plain)
    plain = " ".join(plain.split())
    for pattern in crisis:
        if pattern.search(plain):
            return pattern.pattern
    return None


def is_crisis(text: str) -> bool:
    return check(text) is not None


def message(resources: str | None = None) -> str:
    """What the assistant says when it stops for safety (``[say].crisis`` with the resources)."""
    say = data_file("session.toml")["say"]
    return say["crisis"].format(resources=resources or say["crisis_resources"])


def stop_outputs(script: str, session_id: str, text: str, *, transcript: Transcript | None = None,
                 resources: str | None = None, step_id: str = "", field: str = "", kind: str = "",
                 position: int = 0, clock: Callable[[], float] = time.time) -> list:
    """The crisis stop: the words said (``Say``), then ``flagged`` and ``stopped`` events to record."""
    return [
        Say(message(resources)),
        SessionEvent("flagged", session_id, script, step_id=step_id, field=field, kind=kind, text=text,
                     transcript=transcript, at=clock(), detail={"reason": REASON}),
        SessionEvent("stopped", session_id, script, step_id=step_id, field=field, kind=kind, at=clock(),
                     detail={"reason": REASON, "position": position}),
    ]
