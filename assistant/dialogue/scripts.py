"""Guided-session scripts: TOML files parsed into frozen dataclasses, validated with file/step errors.

Shipped scripts live in ``package_data_dir("prompts")/"scripts"``; a user's own in
``home()/"scripts"/*.toml`` (same name overrides the shipped one). The format is documented in
``prompts/README.md``. ``when`` and ``repeat.while`` use the safe expression language in
``assistant.dialogue.conditions``.
"""

from __future__ import annotations

import logging
import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.dialogue.conditions import Condition, ExpressionError  # noqa: F401  (part of this module's API)
from assistant.events import SCRIPT_KINDS, AnswerKind
from assistant.text import fail

log = logging.getLogger(__name__)

STEP_TYPES = ("say", "ask", "reflect", "pause", "breathe", "readback")
KINDS = SCRIPT_KINDS  # the kinds a question may have (assistant.events)
# What a ``when`` may test besides earlier answers: facts about the session, set by the session itself.
SESSION_FLAGS = ("first_session",)  # true in a person's first session ever (no "welcome back" then)
RESERVED_FIELDS = ("round", "yes", "no", "and", "or", *SESSION_FLAGS)
MAX_PAUSE_S = 3600  # nan, inf and "two days" are mistakes, not pauses
_COMMON_KEYS = {"id", "type", "text", "typed", "short", "typed_short", "when", "repeat"}
_STEP_KEYS = {"say": _COMMON_KEYS, "readback": _COMMON_KEYS, "pause": _COMMON_KEYS | {"seconds"},
              "breathe": _COMMON_KEYS | {"pattern"},
              "ask": _COMMON_KEYS | {"field", "kind", "help", "typed_help", "choices", "confirm", "optional", "label",
                                     "coach"},
              "reflect": _COMMON_KEYS | {"field", "help", "typed_help", "fills", "confirm", "label", "coach"}}
_TOP_KEYS = {"name", "title", "description", "steps", "closing"}
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


def _problem(name: str, /, **values: Any) -> str:
    from assistant.text import lookup

    return lookup(f"script_problems.{name}").format(**values)


# --- scripts ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repeat:
    """Go back to step ``start`` after this step, up to ``rounds`` rounds in all, while ``condition``."""

    start: str
    rounds: int
    condition: Condition | None = None


@dataclass(frozen=True)
class Step:
    id: str
    type: str
    index: int
    text: str = ""
    field: str = ""
    kind: str = ""
    help: str = ""
    choices: tuple[str, ...] = ()
    confirm: bool | str | None = None  # None: the session's setting; True/False; or a custom question
    optional: bool = False
    label: str = ""  # a short name for the answer in the journal ("Anxiety before")
    coach: bool = False  # offer the language coach's reframe after a text answer
    fills: tuple[tuple[str, str], ...] = ()  # reflect: (field, what dialogue.extract reads for it) pairs
    typed: str = ""  # the text for a typed session, when ``text`` only fits speech ("say I'm done")
    typed_help: str = ""  # the same for ``help``
    short: str = ""  # the text once the person has heard the step before (``text`` stays the first time's)
    typed_short: str = ""  # the same for a typed session

    @property
    def filled_fields(self) -> tuple[str, ...]:
        return tuple(field for field, _ in self.fills)

    def words(self, typed: bool, short: bool = False) -> tuple[str, str]:
        """(text, help) as said to a person who speaks, or (``typed``) who types their answers; ``short``: the
        text for someone who has heard the step before, when the step has one (its help stays whole)."""
        help_ = self.typed_help or self.help if typed else self.help
        if short and self.short:
            return (self.typed_short or self.short if typed else self.short), help_
        return (self.typed or self.text if typed else self.text), help_

    seconds: float = 0.0
    pattern: str = ""
    when: Condition | None = None
    repeat: Repeat | None = None

    def to_dict(self) -> dict[str, Any]:
        """Every key that is set (plus ``optional`` for questions), in a JSON-ready form."""
        out: dict[str, Any] = {"index": self.index, "id": self.id, "type": self.type}
        keys = ("field", "kind", "label", "text", "typed", "short", "typed_short", "help", "typed_help", "choices",
                "seconds", "pattern", "coach")
        out |= {"fills": {field: source for field, source in self.fills}} if self.fills else {}
        out |= {k: getattr(self, k) for k in keys if getattr(self, k) not in ("", (), None, 0.0, False)}
        out |= {"choices": list(self.choices)} if self.choices else {}
        out |= {"optional": self.optional} if self.type == "ask" else {}
        out |= {"confirm": self.confirm} if self.confirm is not None else {}
        out |= {"when": self.when.source} if self.when else {}
        if self.repeat:
            out["repeat"] = {"from": self.repeat.start, "rounds": self.repeat.rounds}
            out["repeat"] |= {"while": self.repeat.condition.source} if self.repeat.condition else {}
        return out


@dataclass(frozen=True)
class Script:
    name: str
    title: str
    description: str
    steps: tuple[Step, ...]
    path: str = ""
    source: str = "shipped"  # shipped | user
    closing: bool = True  # say the generic closing line at the end (a script with its own ending may not)

    def index_of(self, step_id: str) -> int:
        for step in self.steps:
            if step.id == step_id:
                return step.index
        raise KeyError(step_id)

    @property
    def fields(self) -> list[str]:
        return [s.field for s in self.steps if s.type in ("ask", "reflect")]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "source": self.source,
            "path": self.path,
            "steps": [s.to_dict() for s in self.steps],
        }


AS_SAID = "said"  # {field:said}: the answer exactly as said, not turned towards the person ("my" → "your")


def placeholders(text: str) -> list[str]:
    """The ``{field}`` names in ``text`` (also ``{field:said}``); raises ValueError for anything else."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not _IDENT.match(name) or spec not in ("", AS_SAID) or conversion:
            raise ValueError(_problem("placeholder_format", text="{" + name + "}"))
        names.append(name)
    return names


def _script_files() -> dict[str, tuple[Path, str]]:
    from assistant.config import home
    from assistant.resources import package_data_dir

    found: dict[str, tuple[Path, str]] = {}
    for folder, source in ((package_data_dir("prompts") / "scripts", "shipped"), (home() / "scripts", "user")):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = (path, source)  # user files come second and win
    return found


def list_scripts() -> list[Script]:
    """Every script, shipped and user, by name; a malformed one raises ``script_invalid``."""
    return [load_file(path, source) for _, (path, source) in sorted(_script_files().items())]


@dataclass(frozen=True)
class Listed:
    """One script file as ``prompts list`` shows it: the script, or why it cannot be used."""

    name: str
    script: Script | None
    problem: str = ""  # the one-line error when the file is malformed or unreadable


def survey_scripts() -> list[Listed]:
    """Every script file by name; a broken one is listed with its problem instead of hiding the others."""
    from assistant.errors import AssistantError

    found = []
    for name, (path, source) in sorted(_script_files().items()):
        try:
            found.append(Listed(name, load_file(path, source)))
        except AssistantError as exc:
            found.append(Listed(name, None, exc.line()))
    return found


def load_script(name: str) -> Script:
    files = _script_files()
    if name not in files:
        raise fail("script_unknown", name=name, names=", ".join(sorted(files)) or "-")
    return load_file(*files[name])


def load_file(path: Path, source: str = "user") -> Script:
    """Parse and validate one script file; every problem names the file and the step."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise _invalid(path, None, _problem("bad_toml", error=exc)) from exc
    except OSError as exc:
        raise fail("script_unreadable", file=str(path), reason=exc) from exc
    except UnicodeDecodeError as exc:
        raise _invalid(path, None, _problem("not_utf8")) from exc
    return parse_script(raw, path, source)


def _invalid(path: Path | str, step: tuple[int, str] | None, reason: str):
    label = _problem("whole_script") if step is None else _problem("step_label", index=step[0], id=step[1] or "?")
    return fail("script_invalid", file=str(path), step=label, reason=reason)


def parse_script(raw: dict[str, Any], path: Path | str, source: str = "user") -> Script:
    stem = Path(path).stem
    for key in raw:
        if key not in _TOP_KEYS:
            raise _invalid(path, None, _problem("unknown_key", key=key, known=", ".join(sorted(_TOP_KEYS))))
    name = raw.get("name", stem)
    if name != stem:
        raise _invalid(path, None, _problem("name_mismatch", name=name, stem=stem))
    for key in ("title", "description"):
        if not isinstance(raw.get(key, ""), str):
            raise _invalid(path, None, _problem("wrong_type", key=key, expected="text"))
    if not isinstance(raw.get("closing", True), bool):
        raise _invalid(path, None, _problem("wrong_type", key="closing", expected="true or false"))
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise _invalid(path, None, _problem("no_steps"))
    steps: list[Step] = []
    ids: set[str] = set()
    asked: set[str] = set()
    filled: set[str] = set()  # fields a reflection fills: a later question may still ask them
    for index, entry in enumerate(steps_raw, start=1):
        label = (index, entry.get("id", "") if isinstance(entry, dict) else "")
        try:
            step = _parse_step(entry, index - 1, ids, asked, filled)
        except ValueError as exc:
            raise _invalid(path, label, str(exc)) from None
        ids.add(step.id)
        steps.append(step)
    return Script(name, raw.get("title", name), raw.get("description", ""), tuple(steps), str(path), source,
                  raw.get("closing", True))


def _parse_step(entry: Any, index: int, ids: set[str], asked: set[str], filled: set[str]) -> Step:
    if not isinstance(entry, dict):
        raise ValueError(_problem("wrong_type", key="steps", expected="a list of tables"))
    for key in ("id", "type"):
        if key not in entry:
            raise ValueError(_problem("missing", key=key))
    step_id, step_type = entry["id"], entry["type"]
    if not isinstance(step_id, str) or not _IDENT.match(step_id):
        raise ValueError(_problem("bad_identifier", value=step_id, key="id"))
    if step_id in ids:
        raise ValueError(_problem("duplicate_id", value=step_id))
    if step_type not in STEP_TYPES:
        raise ValueError(_problem("unknown_type", value=step_type, choices=", ".join(STEP_TYPES)))
    for key in entry:
        if key not in _STEP_KEYS[step_type]:
            if any(key in keys for keys in _STEP_KEYS.values()):
                raise ValueError(_problem("not_for_type", key=key, type=step_type))
            raise ValueError(_problem("unknown_key", key=key, known=", ".join(sorted(_STEP_KEYS[step_type]))))
    text = _typed(entry, "text", str, "text", "")
    if step_type in ("say", "ask", "reflect", "readback") and not text.strip():
        raise ValueError(_problem("missing_text", type=step_type))
    when = _condition(entry.get("when"), asked | set(SESSION_FLAGS), "when")
    values: dict[str, Any] = {}
    typed = _typed(entry, "typed", str, "text", "")
    short = _typed(entry, "short", str, "text", "")
    typed_short = _typed(entry, "typed_short", str, "text", "")
    if typed_short and not short:
        raise ValueError(_problem("missing", key="short"))
    if step_type == "ask":
        values = _parse_ask(entry, asked - filled)
    elif step_type == "reflect":
        values = _parse_reflect(entry, asked)
    elif step_type == "pause":
        seconds = entry.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= MAX_PAUSE_S:
            raise ValueError(_problem("bad_seconds"))
        values["seconds"] = float(seconds)
    elif step_type == "breathe":
        pattern = entry.get("pattern")
        if not isinstance(pattern, str) or not pattern.strip():
            raise ValueError(_problem("missing_pattern"))
        values["pattern"] = pattern
    try:
        names = placeholders(text) + placeholders(typed) + placeholders(short) + placeholders(typed_short)
    except ValueError as exc:
        raise ValueError(_problem("bad_placeholder", problem=exc)) from None
    for name in names:
        if name not in asked and name != "round":
            raise ValueError(_problem("unknown_field", field=name))
    if step_type in ("ask", "reflect"):
        asked.add(values["field"])  # a repeat.while may test this step's own answer
        names = [field for field, _ in values.get("fills", ())]
        asked.update(names)  # what a reflection fills may be named after it
        filled.update(names)
        if step_type == "ask":
            filled.discard(values["field"])  # asked once after the reflection; a second ask is a duplicate
    repeat = _repeat(entry.get("repeat"), ids | {step_id}, asked)
    return Step(step_id, step_type, index, text, when=when, repeat=repeat, typed=typed, short=short,
                typed_short=typed_short, **values)


def _parse_ask(entry: dict[str, Any], asked: set[str]) -> dict[str, Any]:
    if "field" not in entry:
        raise ValueError(_problem("missing", key="field"))
    name = entry["field"]
    _check_field(name, asked)
    kind = entry.get("kind", "text")
    if kind not in KINDS:
        raise ValueError(_problem("unknown_kind", value=kind, choices=", ".join(KINDS)))
    choices = entry.get("choices")
    if kind == AnswerKind.CHOICE:
        if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, str) and c for c in choices):
            raise ValueError(_problem("no_choices"))
    elif choices is not None:
        raise ValueError(_problem("choices_not_choice"))
    confirm = entry.get("confirm")
    if confirm is not None and not isinstance(confirm, (bool, str)):
        raise ValueError(_problem("wrong_type", key="confirm", expected="true, false or a question"))
    optional = _typed(entry, "optional", bool, "true or false", False)
    coach = _typed(entry, "coach", bool, "true or false", False)
    label = _typed(entry, "label", str, "text", "")
    return {
        "label": " ".join(label.split()),
        "coach": coach,
        "field": name,
        "kind": kind,
        "help": _typed(entry, "help", str, "text", ""),
        "typed_help": _typed(entry, "typed_help", str, "text", ""),
        "choices": tuple(choices or ()),
        "confirm": confirm,
        "optional": optional,
    }


def _parse_reflect(entry: dict[str, Any], asked: set[str]) -> dict[str, Any]:
    """A reflection: one open question, the whole answer stored under ``field`` (default "reflection"), and
    the fields named in ``fills`` read from it (see ``dialogue.extract.FIELDS``)."""
    from assistant.dialogue.extract import ALL_FIELDS as FIELDS

    name = entry.get("field", "reflection")
    _check_field(name, asked)
    fills = entry.get("fills", [])
    if isinstance(fills, list) and all(isinstance(f, str) for f in fills):
        pairs = [(f, f) for f in fills]  # the script's fields have the names extraction uses
    elif isinstance(fills, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in fills.items()):
        pairs = list(fills.items())  # { feeling = "emotions" }: the script's field, what fills it
    else:
        raise ValueError(_problem("wrong_type", key="fills", expected="a list of fields, or a table field = source"))
    for field, source in pairs:
        if not _IDENT.match(field):
            raise ValueError(_problem("bad_identifier", value=field, key="fills"))
        if source not in FIELDS:
            raise ValueError(_problem("unknown_fill", value=source, choices=", ".join(FIELDS)))
    confirm = entry.get("confirm")
    if confirm is not None and not isinstance(confirm, bool):
        raise ValueError(_problem("wrong_type", key="confirm", expected="true or false"))
    coach = _typed(entry, "coach", bool, "true or false", False)
    label = _typed(entry, "label", str, "text", "")
    return {"field": name, "kind": "text", "help": _typed(entry, "help", str, "text", ""), "fills": tuple(pairs),
            "typed_help": _typed(entry, "typed_help", str, "text", ""), "confirm": confirm, "coach": coach,
            "label": " ".join(label.split())}


def _check_field(name: Any, asked: set[str]) -> None:
    """A field an ask or reflect step stores its answer under: a name, not reserved, not stored twice."""
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ValueError(_problem("bad_identifier", value=name, key="field"))
    if name in RESERVED_FIELDS:
        raise ValueError(_problem("reserved_field", value=name))
    if name in asked:
        raise ValueError(_problem("duplicate_field", value=name))


def _typed(entry: dict[str, Any], key: str, kind: type, expected: str, default: Any) -> Any:
    value = entry.get(key, default)
    if not isinstance(value, kind):
        raise ValueError(_problem("wrong_type", key=key, expected=expected))
    return value


def _condition(source: Any, known: set[str], key: str) -> Condition | None:
    if source is None:
        return None
    if not isinstance(source, str):
        raise ValueError(_problem("wrong_type", key=key, expected="an expression in quotes"))
    try:
        condition = Condition.parse(source)
    except ExpressionError as exc:
        raise ValueError(_problem("bad_when", expr=source, problem=exc)) from None
    for name in sorted(condition.fields()):
        if name not in known:
            raise ValueError(_problem("bad_when", expr=source, problem=_problem("unknown_field", field=name)))
    return condition


def _repeat(raw: Any, ids: set[str], asked: set[str]) -> Repeat | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueError(_problem("wrong_type", key="repeat", expected="a table: { from, rounds, while }"))
    start = raw.get("from")
    if start not in ids:
        raise ValueError(_problem("repeat_from", value=start))
    rounds = raw.get("rounds")
    if isinstance(rounds, bool) or not isinstance(rounds, int) or not 1 <= rounds <= 20:
        raise ValueError(_problem("bad_rounds"))
    return Repeat(start, rounds, _condition(raw.get("while"), asked, "repeat.while"))


def script_words(name: str) -> tuple[str | None, dict[str, str]]:
    """The title of script ``name`` and the short label of each field it asks or fills, while the script
    can still be loaded (a step without a label: its question, unless it has ``{placeholders}``, which
    would read oddly out of their session).
    """
    from assistant.errors import AssistantError

    try:
        script = load_script(name)
    except (AssistantError, OSError) as exc:  # deleted or broken since: fall back to the stored names
        log.warning("script %r could not be loaded (%s); its stored names are shown", name,
                    getattr(exc, "code", type(exc).__name__))
        return None, {}
    labels: dict[str, str] = {}
    for s in script.steps:
        if s.type not in ("ask", "reflect") or not s.field or s.field in labels:
            continue
        question = " ".join(s.text.split())
        if s.label or (question and "{" not in question):
            labels[s.field] = s.label or question
    return script.title, labels
