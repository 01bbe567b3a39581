"""Phrase families as templates, in the spirit of Home Assistant's ``intents`` sentences: reusable
``{lists}`` and ``<rules>``, alternatives ``(a|b)``, optional parts ``[a]``, compiled into one regular
expression per family and outcome over an utterance's stems (``tokens``), and per template when an idiom
explains the first match.

Template syntax (``prompts/safety.toml``):

- a word matches any inflection of it (both sides are stemmed); ``(a b|c)`` one of; ``[a b]`` optional;
- ``{name}``: one entry of ``[lists].name``; ``<name>``: the template ``[rules].name`` (both nest);
- between the parts of a template up to ``gap`` other words may stand ("I *just really* want to die"),
  never a negation and never a clause break; inside a list entry or a group only a comma; the words of
  ``[words].fillers`` ("just", "really", "um") are dropped from utterances and templates alike;
- ``..``: a wider gap (up to ``wide_gap`` words) where the family's sense allows it
  ("everyone *in my life* would be better off without me");
- ``!(a|b)``: not followed by one of these words; ``$``: the end of the clause; ``(a|b)?`` is ``[a|b]``;
- an optional part that is absent leaves no gap of its own; the word a ``!(...)`` guards, and the end in
  ``(again|$)``, follow the part before them closely (else a gap would carry the guard past the word it was
  written for, or put the end of the clause after words the template never named);
- idioms are compiled with no gaps at all, not even a comma: they are said as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.dialogue.safety.tokens import BREAK, COMMA, NEGATION, rewrites, stem, table

_END = f"(?=\\{BREAK} |$)"  # the end of a clause
_PART = re.compile(r"\.\.|\{[a-z_]+\}|<[a-z_]+>|!|\$|[()\[\]|?]|[a-z0-9']+")


class TemplateError(ValueError):
    """A template in safety.toml that cannot be read (unbalanced brackets, an unknown list or rule)."""


@dataclass(frozen=True)
class Level:
    """One outcome's templates of a family: all of them as one alternation (one search finds whether any
    fits), and each on its own, compiled only when needed (see :meth:`one_by_one`)."""

    name: str  # "stop" | "ask" | "gentle"
    together: re.Pattern
    templates: tuple[str, ...]

    def one_by_one(self) -> tuple[re.Pattern, ...]:
        """Each template's own pattern. An alternation takes the first template that fits at a place; when an
        idiom explains that one, a longer template starting there ("rather be dead than feel like this") must
        still be tried, so the caller falls back to these."""
        return tuple(_one(template) for template in self.templates)


@dataclass(frozen=True)
class Family:
    name: str
    subject: str  # "self": about the speaker (another person's is other_person)
    levels: tuple[Level, ...]  # most severe first


class _Compiler:
    def __init__(self, data: dict, strict: bool = False) -> None:
        """``strict``: no gaps at all between the parts, not even a comma (idioms are said as they are)."""
        self.lists: dict = data["lists"]
        self.rules: dict = data["rules"]
        words = data["words"]
        self.single = rewrites()[0]
        other = f"[^{NEGATION}\\{BREAK} ]\\S* "  # any word but a negation or a clause break
        self.negators = frozenset(stem(w) for w in words["negators"])
        self.gap = "" if strict else f"(?:{other}){{0,{int(words['gap'])}}}"
        self.wide = f"(?:{other}){{0,{int(words['wide_gap'])}}}"
        self.fillers = frozenset(words["fillers"])
        self.filler = "" if strict else "(?:, )?"  # an idiom never reaches over a comma ("wake up, you know")
        self._depth = 0

    def compile(self, template: str) -> str:
        parts = _PART.findall(template.lower())
        try:
            pos, options = self._sequence(parts, 0, top=True)
            if pos != len(parts):
                raise TemplateError("unbalanced brackets")
            return self._alternatives(options)
        except TemplateError as exc:
            raise TemplateError(f"{exc}: {template!r}") from None

    @staticmethod
    def _alternatives(options: list[str], optional: bool = False) -> str:
        if not optional and not all(options):
            raise TemplateError("an empty alternative (only filler words? use [...] for optional words)")
        return "|".join(options)

    def _sequence(self, parts: list[str], pos: int, top: bool) -> tuple[int, list[str]]:
        """Alternatives of sequences until a closing bracket (or the end); returns the position after them."""
        options: list[str] = []
        items: list[tuple[str, str]] = []  # (regex, kind: part | optional | part_or_end | gap | guard)
        while pos < len(parts):
            part = parts[pos]
            if part in (")", "]"):
                break
            pos += 1
            if part == "|":
                options.append(self._join(items, top))
                items = []
            elif part in ("(", "["):
                pos, inner = self._sequence(parts, pos, top=False)
                pos = self._close(parts, pos, ")" if part == "(" else "]")
                optional = part == "[" or (pos < len(parts) and parts[pos] == "?")
                pos += pos < len(parts) and parts[pos] == "?"
                words = [option for option in inner if option != _END]
                if len(words) < len(inner) and words and not optional:  # "(again|$)": the end needs no gap
                    items.append((f"(?:{self._alternatives(words)})", "part_or_end"))
                    continue
                items.append((f"(?:{self._alternatives(inner, optional)})", "optional" if optional else "part"))
            elif part == "..":
                items.append((self.wide, "gap"))
            elif part == "$":
                items.append((_END, "gap"))
            elif part == "!":
                if pos >= len(parts) or parts[pos] != "(":
                    raise TemplateError("! must be followed by (words)")
                pos, inner = self._sequence(parts, pos + 1, top=False)
                pos = self._close(parts, pos, ")")
                items.append((f"(?!{self._alternatives(inner)})", "guard"))
            elif part.startswith("{"):
                items.append((self._named(self.lists, part[1:-1], "list"), "part"))
            elif part.startswith("<"):
                items.append((self._named(self.rules, part[1:-1], "rule"), "part"))
            elif part != "?":
                items.append((self._word(part), "part"))
        options.append(self._join(items, top))
        return pos, options

    @staticmethod
    def _close(parts: list[str], pos: int, bracket: str) -> int:
        if pos >= len(parts) or parts[pos] != bracket:
            raise TemplateError(f"missing {bracket}")
        return pos + 1

    def _named(self, named: dict, name: str, kind: str) -> str:
        if name not in named:
            raise TemplateError(f"unknown {kind}: {name}")
        self._depth += 1
        if self._depth > 20:
            raise TemplateError(f"{kind} {name} refers to itself")
        entries = named[name] if isinstance(named[name], list) else [named[name]]
        compiled = []
        for entry in entries:
            _pos, inner = self._sequence(_PART.findall(entry.lower()), 0, top=False)
            compiled.append(self._alternatives(inner))
        self._depth -= 1
        return "(?:" + "|".join(compiled) + ")"

    def _word(self, word: str) -> str:
        written = self.single.get(word.replace("'", ""), (word.replace("'", ""),))
        return self.filler.join(self._one(w) for w in written if w not in self.fillers)

    def _one(self, word: str) -> str:
        """A template word; "myself" and "my" also match another person's ("herself", "his"), so that talk about
        someone else is found, and then read as such; a negation is written as the utterance writes it."""
        if word == "myself":
            return "(?:myself|himself|herself|themselves|themself|yourself) "
        if word == "my":
            return "(?:my|his|her|their|your) "
        stemmed = stem(word)
        return re.escape(NEGATION + stemmed if stemmed in self.negators else stemmed) + " "

    def _join(self, items: list[tuple[str, str]], top: bool) -> str:
        """The parts in order, ``gap`` words allowed between two parts. An optional part that is absent leaves
        no gap of its own ("want [to] die" is not "want *these two words* die"), and the part a ``!(...)``
        guards follows the one before it closely: else the gap would let "forced me to go to the party" slip
        past ``me to !(go)`` by taking the second "to". In ``(again|$)`` only the words take a gap before them:
        the end of the clause comes right after the part before it ("I'm burnt out" is not "burnt $")."""
        out = ""
        between = self.gap if top else self.filler
        items = [item for item in items if item[0]]
        words = ("part", "optional", "part_or_end")
        for i, (regex, kind) in enumerate(items):
            joined = i > 0 and kind in words and items[i - 1][1] in words
            guarded = i + 1 < len(items) and items[i + 1][1] == "guard"
            before = (self.filler if guarded else between) if joined else ""
            if kind == "optional":
                out += f"(?:{before}{regex})?"
            elif kind == "part_or_end":
                out += f"(?:{before}{regex}|{_END})"
            else:
                out += before + regex
        return out


@lru_cache(maxsize=1)
def families() -> tuple[tuple[Family, ...], re.Pattern]:
    """The crisis families and the idioms, compiled once."""
    data = table()
    compiler = _Compiler(data)
    built = []
    for family in data["family"]:
        levels = []
        for level in ("stop", "ask", "gentle"):
            templates = tuple(family.get(level, []))
            if templates:
                body = "|".join(f"(?:{compiler.compile(t)})" for t in templates)
                levels.append(Level(level, re.compile(f"(?<= )(?:{body})"), templates))
        built.append(Family(family["name"], family.get("subject", "self"), tuple(levels)))
    strict = _Compiler(data, strict=True)
    idioms = "|".join(f"(?:{strict.compile(t)})" for t in data["idioms"]["templates"])
    return tuple(built), re.compile(f"(?<= )(?:{idioms})")


def compile_template(template: str) -> re.Pattern:
    """One template on its own (for tests and for checking a new template)."""
    return re.compile("(?<= )(?:" + _Compiler(table()).compile(template) + ")")


def warm() -> None:
    """Compile everything now (the families, and each template on its own), so no utterance waits for it."""
    for family in families()[0]:
        for level in family.levels:
            level.one_by_one()


@lru_cache(maxsize=None)
def _one(template: str) -> re.Pattern:
    return compile_template(template)


__all__ = ["BREAK", "COMMA", "Family", "Level", "TemplateError", "compile_template", "families", "warm"]
