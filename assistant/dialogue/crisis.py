"""The crisis check: the one place that decides what something a person said means for their safety.

Every utterance, wherever the assistant listens, passes through :func:`assess` before anything else: every
answer, confirmation, skip offer and command in a session, the spoken menu, the "which ladder step was it?"
question, breathing voice commands, a reflection, typed, spoken or from a file. It returns one of four
outcomes (:class:`Outcome`):

- ``stop``: clear crisis language. The practice stops at once, the crisis words with the resources are
  said (:func:`stop_outputs`), the session is flagged, and the command exits with status 3.
- ``ask``: borderline ("I can't do this anymore", "everyone would be better off", "I wish I could
  disappear"). One gentle question in the spirit of the NIMH ASQ screener is asked (``[say].ask``):
  yes, anything crisis-like, no reply or an unclear one → ``stop`` (unsure is treated as yes: a question
  more costs far less than a person left alone); no → thanks, the resources offered gently, and the
  practice goes on with what was said.
- ``gentle``: the words are there but negated or about someone else ("I'm not going to hurt myself", "my
  friend said she wants to die"): the resources are offered once, gently, and the practice goes on.
- ``none``: nothing to do (idioms such as "the suspense is killing me", fiction, ordinary talk).

How a decision is made (data in ``prompts/safety.toml``, engine in ``dialogue.safety``): the utterance is
tokenised and stemmed; idiom templates are found; each family's ``stop``, ``ask`` and ``gentle`` templates
are tried. A match an idiom explains (overlapping it and ending no later) is dropped. A match is then read
in context: about someone else (a third-person subject before it, or "herself" in it) → ``gentle``, or
``none`` when the talk is about a film, a book, a character (or a film or book comes before it in its clause:
"a documentary about suicide"); "makes me want to die" → at most ``ask``; a negation before it in its clause ("not",
"never", and "no" right before) → ``gentle``, unless the match opens a clause of its own ("he won't leave me alone
and threatens me"); a hedge ("I don't think", "I'm not sure") or a past
("used to", "years ago") → at most ``ask``. The most severe match decides.

Why rules and not a sentence-embedding model: negation and idioms are exactly where similarity fails ("I
don't want to die" sits next to "I want to die"), the rules can say *why* they fired, and they run in well
under a millisecond. A similarity layer behind the rules was built and measured (all-MiniLM-L6-v2 in numpy over
the development phrases, asking the gentle question where the rules found nothing; see the git history) and
not kept: it caught 2 more of 78 held-out crisis phrases, but idioms left out of its index alarmed 2.2 % of
the time, and one sentence cost 10 to 17 ms of CPU (a two-minute reflection 3.5 s). Figures: ``scripts/bench
crisis``.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Callable

from assistant.dialogue.safety.matcher import families
from assistant.dialogue.safety.tokens import BREAK, COMMA, Tokens, stem, table, tokens
from assistant.events import Say, SessionEvent, Transcript
from assistant.text import data_file

REASON = "crisis"


class Outcome(IntEnum):
    """What an utterance means for safety, least to most severe (so ``max`` picks the one to act on)."""

    NONE = 0
    GENTLE = 1
    ASK = 2
    STOP = 3

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Assessment:
    outcome: Outcome
    family: str = ""  # the family of the deciding match ("wish_dead", "harmed_by_someone" ...)
    words: str = ""  # the words it matched
    why: str = ""  # "" | "negated" | "other_person" | "fiction" | "hedged" | "past"

    @property
    def alarm(self) -> bool:
        """Stop or ask: the practice does not simply go on."""
        return self.outcome >= Outcome.ASK


NOTHING = Assessment(Outcome.NONE)


_AS_SAID = ("hedges", "self_subjects", "past", "objects")  # compared with the words as said
_STEMMED = ("negators", "keeps", "scope_resets", "other_subjects", "other_reflexives", "other_possessives", "fiction")


@lru_cache(maxsize=1)
def _words() -> dict[str, frozenset[str]]:
    """The context words of ``[words]``: some as said, the rest stemmed like the utterance."""
    words = table()["words"]
    return {key: frozenset(words[key]) for key in _AS_SAID} | {
        key: frozenset(stem(w) for w in words[key]) for key in _STEMMED}


def assess(text: str) -> Assessment:
    """What ``text`` means for safety (see the module docstring)."""
    if not text or not text.strip():
        return NOTHING
    toks = tokens(text)
    best = _assess(toks)
    if best.outcome < Outcome.GENTLE:
        negated = _negated(toks)
        best = negated if negated.outcome > best.outcome else best
    return best


def _negated(toks: Tokens) -> Assessment:
    """Crisis words under a negation the templates do not span ("he never hits me", "I'm not a burden"): read
    again without the negations; what alarms then is ``gentle``."""
    negators = _words()["negators"]
    keep = [i for i, s in enumerate(toks.stems) if s not in negators]
    if len(keep) == len(toks.stems):
        return NOTHING
    found = _assess(Tokens(tuple(toks.words[i] for i in keep), tuple(toks.stems[i] for i in keep)))
    if not found.alarm:
        return NOTHING
    return Assessment(Outcome.GENTLE, found.family, found.words, "negated")


def _assess(toks: Tokens) -> Assessment:
    joined, starts = toks.joined()
    found, idioms = families()
    explained = [(_index(starts, m.start()), _index(starts, m.end() - 1) + 1) for m in idioms.finditer(joined)]
    best = NOTHING
    for family in found:
        for level in family.levels:
            matches = list(level.together.finditer(joined))
            if not matches:
                continue
            spans = [_span(starts, m) for m in matches]
            if any(_explained(span, explained) for span in spans):  # look again, template by template
                spans = [_span(starts, m) for pattern in level.one_by_one() for m in pattern.finditer(joined)]
            for start, end in spans:
                if _explained((start, end), explained):
                    continue
                decided = _in_context(toks, start, end, family.subject, Outcome[level.name.upper()], family.name)
                if decided.outcome > best.outcome or best is NOTHING:
                    best = decided  # (a match read as fiction stays NONE, but says why)
                if best.outcome == Outcome.STOP:
                    return best
    return best


def _span(starts: list[int], match) -> tuple[int, int]:
    return _index(starts, match.start()), _index(starts, match.end() - 1) + 1


def _explained(span: tuple[int, int], idioms: list[tuple[int, int]]) -> bool:
    """An idiom overlaps the match and reaches at least as far: the words are the idiom's."""
    start, end = span
    return any(s < end and start < e and e >= end for s, e in idioms)


def _index(starts: list[int], offset: int) -> int:
    return max(0, bisect.bisect_right(starts, offset) - 1)


def _in_context(toks: Tokens, start: int, end: int, subject: str, level: Outcome, family: str) -> Assessment:
    words, stems = toks.words, toks.stems
    vocab = _words()
    said = " ".join(w for w in words[start:end] if w not in (BREAK, COMMA))
    clause_start = start
    while clause_start > 0 and stems[clause_start - 1] != BREAK:
        clause_start -= 1
    clause_end = end
    while clause_end < len(stems) and stems[clause_end] != BREAK:
        clause_end += 1
    if any(s in vocab["fiction"] for s in stems[clause_start:start]):  # "a film about suicide"
        return Assessment(Outcome.NONE, family, said, "fiction")
    if subject == "self" and _about_someone_else(words, stems, clause_start, start, end, vocab):
        fiction = any(s in vocab["fiction"] for s in stems)
        return Assessment(Outcome.NONE if fiction else min(level, Outcome.GENTLE), family, said,
                          "fiction" if fiction else "other_person")
    if start >= 2 and stems[start - 2:start] == ("make", "me"):  # "this traffic makes me want to die"
        level = min(level, Outcome.ASK)
    negation = _negation(words, stems, clause_start, start, vocab)
    if not negation and _negated_after(stems, end, vocab):  # "suicide isn't an option for me"
        negation = "negated"
    if not negation and start > 0 and words[start - 1] in ("stopped", "quit"):  # "I've stopped hurting myself"
        negation = "negated"
    if negation == "negated":
        return Assessment(min(level, Outcome.GENTLE), family, said, "negated")
    clause_text = " " + " ".join(words[clause_start:clause_end]) + " "
    if negation == "hedged" or any(f" {p} " in clause_text for p in vocab["past"]):
        return Assessment(min(level, Outcome.ASK), family, said, negation or "past")
    return Assessment(level, family, said)


def _about_someone_else(words, stems, clause_start: int, start: int, end: int, vocab) -> bool:
    """Whether the match is about another person: "me" in it is the speaker ("he forced himself on me"); else
    "herself" or "his" in it, or the nearest subject before it ("my friend says she ..."). "my" before another
    person ("my mom") is theirs, not the speaker's, and so is "my" before any noun that is not the match ("a girl in
    my class overdosed"); "him", "everyone" and the like are someone else only when
    they open the clause or follow "and" or a comma ("I told everyone I love them like it's the last time" is the
    speaker's)."""

    def speaker(i: int) -> bool:
        return words[i] in vocab["self_subjects"] and not (
            words[i] == "my" and i + 1 < len(stems) and stems[i + 1] in vocab["other_subjects"])

    if any(speaker(i) for i in range(start, end)):
        return False
    if any(s in vocab["other_reflexives"] or s in vocab["other_possessives"] for s in stems[start:end]):
        return True
    for i in range(start - 1, clause_start - 1, -1):
        if words[i] == "my" and i < start - 1:
            continue  # "a girl in my class overdosed": "my" before a noun is no subject
        if speaker(i):
            return False
        if stems[i] in vocab["other_subjects"]:
            if words[i] in vocab["objects"] and i > clause_start and words[i - 1] not in ("and", COMMA):
                continue
            return True
    return False


def _negation(words, stems, clause_start: int, start: int, vocab) -> str:
    """"negated" when a negation governs the match, "hedged" when it is "I don't think / I'm not sure", else ""."""
    if stems[start] in vocab["scope_resets"]:
        return ""  # the match opens a clause of its own ("he won't leave me alone and threatens me")
    lowest = max(clause_start, start - 6)
    for i in range(start - 1, lowest - 1, -1):
        word = stems[i]
        if word == COMMA or word in vocab["scope_resets"]:
            return ""
        if word in vocab["negators"]:
            after = words[i + 1] if i + 1 < len(words) else ""
            if word == "no" and (start - i > 3 or after in vocab["self_subjects"]):
                continue  # "no" negates what follows it closely ("no plans to"), not a sentence ("no I want ...")
            if stems[i + 1] in vocab["keeps"]:
                continue  # "I can't stop thinking about it"
            if after in vocab["hedges"] and (i + 2 >= len(words) or words[i + 2] not in ("about", "of")):
                return "hedged"  # "I don't think I ..." (but "I don't think about ..." is a plain negation)
            return "negated"
    return ""


def _negated_after(stems, end: int, vocab) -> bool:
    """The words right after the match deny it: "killing myself isn't something I'd do", "suicide never crossed my
    mind" (only so: "I want to kill myself, not joking" and "I want to die no matter what" deny nothing)."""
    after = tuple(stems[end:end + 2])
    return len(after) == 2 and after[1] in vocab["negators"] and after[0] == "be" or (
        len(after) == 2 and after[0] == "never" and after[1] in ("cross", "enter", "occur", "be"))


def check(text: str) -> str | None:
    """The family whose words ``text`` raised an alarm with (stop or ask), or None."""
    found = assess(text)
    return found.family if found.alarm else None


def is_crisis(text: str) -> bool:
    return assess(text).alarm


def say(key: str, **values: str) -> str:
    """A line of the crisis flow (``prompts/safety.toml`` ``[say]``)."""
    line = table()["say"][key]
    return line.format(**values) if values else line


def resources_for(family: str, resources: str | None = None) -> str:
    """The resources to give: the configured crisis line, plus help against abuse when someone is hurting them."""
    base = resources or data_file("session.toml")["say"]["crisis_resources"]
    return f"{base} {say('abuse_resources')}" if family == "harmed_by_someone" else base


def message(resources: str | None = None, family: str = "") -> str:
    """What the assistant says when it stops for safety (``[say].crisis`` with the resources)."""
    return data_file("session.toml")["say"]["crisis"].format(resources=resources_for(family, resources))


def gentle_message(resources: str | None = None, family: str = "") -> str:
    """Resources offered gently, and the practice goes on."""
    return say("gentle", resources=resources_for(family, resources))


def reply_to_question(text: str | None) -> bool:
    """The reply to the gentle question: True when the practice may go on (a clear no, nothing crisis-like);
    False for yes, anything crisis-like, an unclear reply or none at all (unsure errs to safety)."""
    from assistant.dialogue.parse import parse_yesno

    if text is None or not text.strip():
        return False
    if assess(text).alarm:
        return False
    reply = parse_yesno(text)
    if reply.ok:
        return reply.value is False
    words = " ".join(tokens(text).words) + " "
    return any(words.startswith(f"{no} ") for no in table()["words"]["no_replies"])


def stop_outputs(script: str, session_id: str, text: str, *, transcript: Transcript | None = None,
                 resources: str | None = None, step_id: str = "", field: str = "", kind: str = "",
                 position: int = 0, family: str = "", asked: bool = False,
                 clock: Callable[[], float] = time.time) -> list:
    """The crisis stop: the words said (``Say``), then ``flagged`` and ``stopped`` events to record.

    ``family`` is the phrase family that decided; ``asked``: the stop followed the gentle question."""
    detail = {"reason": REASON} | ({"family": family} if family else {}) | ({"asked": True} if asked else {})
    return [
        Say(message(resources, family)),
        SessionEvent("flagged", session_id, script, step_id=step_id, field=field, kind=kind, text=text,
                     transcript=transcript, at=clock(), detail=detail),
        SessionEvent("stopped", session_id, script, step_id=step_id, field=field, kind=kind, at=clock(),
                     detail={"reason": REASON, "position": position}),
    ]
