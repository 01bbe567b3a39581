"""Journal entries as text: answer values for reading, and md / csv / json exports.

Stored timestamps are UTC; everything a person reads here is in local time (``assistant.times``).

CSV cells: ``value`` holds strings verbatim and any other value as JSON (``7``, ``true``,
``["calm", "tired"]``); :func:`parse_csv_value` reads a cell back given its kind. Timestamps in
csv and json stay UTC ISO 8601 so they sort and parse unambiguously.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path
from typing import Callable

from assistant.events import AnswerKind
from assistant.journal.ratings import STAGES, merge_rating
from assistant.journal.rows import AnswerRow, Entry
from assistant.text import counted, fail, t
from assistant.times import local_now, local_time

FORMATS = ("md", "csv", "json")
CSV_COLUMNS = ("session_id", "started_at", "script", "field", "label", "kind", "value", "text", "round", "source",
               "from")
STRING_KINDS = (AnswerKind.TEXT, AnswerKind.CHOICE, AnswerKind.DATE, AnswerKind.COMMAND)  # a plain string value


# --- Values for reading ----------------------------------------------------------------------------


def label_for(answer: AnswerRow, questions: dict[str, str] | None = None) -> str:
    """The answer's stored label, else the script's label for its field, else the field name made readable;
    with the round when it is more than 1."""
    label = answer.label or field_label(answer.field, questions)
    return t("entries.labels.round", label=label, round=answer.round) if answer.round > 1 else label


def show_value(answer: AnswerRow) -> str:
    value = answer.value
    if value is None:
        return answer.text or t("entries.value_none")
    if isinstance(value, bool):
        return t("entries.yes") if value else t("entries.no")
    if answer.kind == AnswerKind.RATING:
        return t("entries.rating", value=value)
    if answer.kind == AnswerKind.DURATION:
        return t("entries.minutes", value=value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def rating_summary(answers: tuple[AnswerRow, ...], short: bool = False) -> str:
    """E.g. "anxiety: 7/10 before → 9/10 at the peak → 3/10 after" (short: "anxiety 7→9→3"); "" if none.

    Over repeated rounds the stages fold as ``ratings.merge_rating`` says.
    """
    measures: dict[str, dict[str, int | float]] = {}
    for answer in answers:
        stem, _, stage = answer.field.rpartition("_")
        value = answer.value
        if answer.kind != "rating" or not stem or stage not in STAGES or not isinstance(value, (int, float)):
            continue
        merge_rating(measures.setdefault(stem, {}), stage, value)
    parts = []
    for stem, stages in measures.items():
        ordered = [(s, stages[s]) for s in STAGES if s in stages]
        name = stem.replace("_", " ")
        if short:
            parts.append(t("entries.summary_short", name=name, steps="→".join(str(v) for _, v in ordered)))
        else:
            steps = " → ".join(t(f"entries.stage.{s}", value=t("entries.rating", value=v)) for s, v in ordered)
            parts.append(t("entries.summary", name=name, steps=steps))
    return "; ".join(parts)


# --- Exports -----------------------------------------------------------------------------------------


# A script's title and its short label per field, by script name (``dialogue.scripts.script_words``). The
# journal does not read scripts itself: whoever renders passes this in (without it, field names are used).
ScriptWords = Callable[[str], tuple[str | None, dict[str, str]]]


def _no_words(name: str) -> tuple[str | None, dict[str, str]]:
    return None, {}


def render(format: str, entries: list[Entry], words: ScriptWords | None = None) -> str:
    if format not in FORMATS:
        raise fail("export_bad_format", format=format, formats=", ".join(FORMATS))
    if format == "md":
        return to_markdown(entries, words)
    if format == "csv":
        return to_csv(entries, words)
    return to_json(entries)


def to_json(entries: list[Entry]) -> str:
    """A JSON list with one entry per line: readable and diffable, and fast (indent= would force
    json's pure-Python encoder for the whole file)."""
    if not entries:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(e.to_dict(), ensure_ascii=False) for e in entries) + "\n]\n"


def to_csv(entries: list[Entry], words: ScriptWords | None = None) -> str:
    """One row per answer: its label, and for an answer read from a reflection or a correction its
    ``source`` and the words it came ``from``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    labels = _Labels(words)
    for entry in entries:
        s = entry.session
        for a in entry.answers:
            detail = a.detail or {}
            writer.writerow([s.id, s.started_at, s.script, a.field, label_for(a, labels.of(s.script)), a.kind or "",
                             csv_value(a.value), a.text or "", a.round, detail.get("source", ""),
                             detail.get("from", "") if detail.get("source") else ""])
    return out.getvalue()


class _Labels:
    """Each script's labels, read once per export."""

    def __init__(self, words: ScriptWords | None) -> None:
        self.words = words or _no_words
        self.seen: dict[str, tuple[str | None, dict[str, str]]] = {}

    def of(self, script: str) -> dict[str, str]:
        if script not in self.seen:
            self.seen[script] = self.words(script)
        return self.seen[script][1]


def field_label(field: str, labels: dict[str, str] | None = None) -> str:
    """A field's short label from the script, else its name made readable ("anxiety_before" → "Anxiety before")."""
    label = (labels or {}).get(field)
    if label:
        return label
    words = field.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def parse_csv_value(cell: str, kind: str) -> object:
    """The inverse of :func:`csv_value`, for a cell of the given answer kind."""
    if kind in STRING_KINDS:
        return cell if cell != "" else None
    if cell == "":
        return None
    try:
        return json.loads(cell)
    except ValueError:
        return cell


def to_markdown(entries: list[Entry], words: ScriptWords | None = None) -> str:
    lines = [f"# {t('entries.md_title')}", "", t("entries.md_exported", when=local_now(),
                                                  sessions=counted("session", len(entries))), ""]
    if not entries:
        lines += [t("entries.none"), ""]
    scripts: dict[str, tuple[str | None, dict[str, str]]] = {}
    for entry in entries:
        name = entry.session.script
        if name not in scripts:
            scripts[name] = (words or _no_words)(name)
        lines += _markdown_entry(entry, *scripts[name])
    return "\n".join(lines).rstrip("\n") + "\n"


def _markdown_entry(entry: Entry, script_title: str | None, questions: dict[str, str]) -> list[str]:
    s = entry.session
    title = _md(s.title or script_title or s.script)
    lines = [f"## {t('entries.md_heading', when=local_time(s.started_at), title=title)}", ""]
    status = [t(f"entries.status.{s.status}")]
    summary = rating_summary(entry.answers)
    if summary:
        status.append(summary)
    lines += [" · ".join(status), ""]
    if s.status == "flagged":
        lines += ["> " + t("entries.md_flagged", reason=_md(s.flagged_reason or "")), ""]
    for answer in entry.answers:
        value = _md(show_value(answer)).replace("\n", "  \n")
        said = from_words(answer)
        lines += [f"**{_md(label_for(answer, questions))}**  ", value + ("  " if said else "")]
        if said:
            lines.append(f"*{_md(said)}*")
        lines.append("")
    if entry.skipped:
        names = ", ".join(_md(field_label(f, questions)) for f in entry.skipped)
        lines += [f"*{t('entries.md_skipped', fields=names)}*", ""]
    return lines


def from_words(answer: AnswerRow) -> str:
    """For an answer read from a reflection (or a correction): the words it came from, when they add
    something to the value shown."""
    detail = answer.detail or {}
    said = str(detail.get("from") or "").strip()
    if not detail.get("source") or not said or said.casefold() == show_value(answer).casefold():
        return ""
    return t("entries.from_words", words=said)


def _md(text: str) -> str:
    """Escape the characters that would turn a person's words into Markdown formatting."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", str(text))


def write_private(path: str | os.PathLike, text: str) -> Path:
    """Write an export readable by its owner only (0600), even when replacing an existing file."""
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(text)
    except OSError as exc:
        raise fail("export_unwritable", path=target, reason=exc) from exc
    return target
