"""What a recogniser is given for a closed answer: the closed vocabulary a constrained recogniser (Vosk) may
hear, and whole answers as people say them, for a recogniser that scores candidates (whisper). Words from
``prompts/session.toml`` ([words], [grammar], [phrasings], [commands])."""

from __future__ import annotations

import re

from assistant.events import COMMANDS, AnswerKind
from assistant.text import data_file


def _vocab() -> dict:
    return data_file("session.toml")


def grammar(kind: str, choices: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The closed vocabulary for constrained recognition (Vosk), or None for free speech."""
    vocab, heard = _vocab()["words"], _vocab()["grammar"]
    extra: list[str] = []
    if kind == AnswerKind.RATING:
        extra = [k for k, v in vocab["numbers"].items() if v <= 20] + heard["rating"]
    elif kind in (AnswerKind.YESNO, AnswerKind.COMMAND):
        extra = vocab["yesno"]["yes"] + vocab["yesno"]["no"] if kind == AnswerKind.YESNO else []
    elif kind == AnswerKind.CHOICE:
        ordinals = [k for k in vocab["ordinals"] if k.isalpha()][:10]
        extra = list(choices) + ordinals + vocab["choice_markers"] + heard["choice"]
        extra += [k for k, v in vocab["numbers"].items() if 1 <= v <= len(choices)]
    elif kind == AnswerKind.DURATION:
        duration = vocab["duration"]
        extra = list(vocab["numbers"]) + list(duration["units"]) + list(duration["amounts"]) + list(duration["vague"])
        extra += heard["duration"]
    elif kind == AnswerKind.DATE:
        dates = vocab["dates"]
        extra = dates["weekdays"] + dates["months"] + list(dates["relative"]) + list(dates["units"])
        extra += list(vocab["numbers"]) + [k for k in vocab["ordinals"] if not k[0].isdigit()]
        extra += heard["date"]
    else:  # text, emotions: free speech, the words themselves are the answer
        return None
    commands = [p for name in COMMANDS for p in _vocab()["commands"][name]]
    seen: dict[str, None] = {}
    for phrase in extra + commands + ["[unk]"]:
        normal = phrase if phrase == "[unk]" else " ".join(re.sub(r"[^a-z0-9' ]", " ", phrase.lower()).split())
        seen.setdefault(normal, None)
    return tuple(seen)


def phrasings(kind: str, choices: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Whole closed answers as people say them (``[phrasings]``), for a recogniser that scores candidates;
    () for free speech. A rating's numbers are digits; every closed kind also gets the commands."""
    table = _vocab()["phrasings"]
    found: list[str] = []
    if kind == AnswerKind.RATING:
        for template in table["rating"]:
            found += [re.sub(r"\ba (?=8\b)", "an ", template.format(n=n)) for n in range(11)] if "{n}" in template \
                else [template]
    elif kind == AnswerKind.YESNO:
        found = list(table["yesno"])
    elif kind == AnswerKind.CHOICE:
        places = {v: k for k, v in _vocab()["words"]["ordinals"].items() if k.isalpha()}
        numbers = {v: k for k, v in _vocab()["words"]["numbers"].items()}
        stop = set(_vocab()["words"]["stopwords"])
        for i, choice in enumerate(choices, 1):
            found += [t.format(choice=choice, place=places.get(i, i), number=numbers.get(i, i))
                      for t in table["choice"]]
            said = choice.split()
            found += [w for w in said if w.lower() not in stop and len(w) >= table["choice_word_letters"]]
            if i == len(choices):  # "the last one", as the parser takes it
                found += [p for p in _vocab()["words"]["last"] if len(p.split()) > 1]
            lead = said[: table["choice_lead_words"]]
            if len(said) > len(lead):
                found += [" ".join(lead), " ".join("a" if w.lower() == "one" else w for w in lead)]
    elif kind not in (AnswerKind.DURATION, AnswerKind.DATE, AnswerKind.COMMAND):
        return ()
    return tuple(dict.fromkeys(found + list(table["command"])))
