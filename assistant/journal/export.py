"""Journal entries as text: dates people type, answer values for reading, and md / csv / json exports.

Stored timestamps are UTC; everything a person reads here is in local time. Day words for
``--since``/``--until``: ``YYYY-MM-DD``, ``today``, ``yesterday``, ``Nd`` (days ago), ``Nw`` (weeks
ago); a day means the whole local calendar day.

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
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Callable

from assistant.journal.rows import AnswerRow, Entry
from assistant.text import fail, t

FORMATS = ("md", "csv", "json")
CSV_COLUMNS = ("session_id", "started_at", "script", "field", "kind", "value", "text", "round")
STRING_KINDS = ("text", "choice", "date", "command")  # kinds whose value is a plain string
# Rating fields named <measure>_<stage>, e.g. anxiety_before / anxiety_peak / anxiety_after.
STAGES = ("before", "peak", "during", "after")

_RELATIVE = re.compile(r"^(\d{1,4})([dw])$")


# --- Days ------------------------------------------------------------------------------------------


def parse_day(text: str, today: date | None = None) -> date:
    """A local calendar day from what a person typed; one clear error for anything else."""
    today = today or date.today()
    word = str(text).strip().lower()
    if word == "today":
        return today
    if word == "yesterday":
        return today - timedelta(days=1)
    relative = _RELATIVE.match(word)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        return today - timedelta(days=count * (7 if unit == "w" else 1))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            pass
    raise fail("entries_bad_date", value=text)


def day_bounds(value: str | date | datetime) -> tuple[str, str]:
    """UTC ISO bounds [start, end) of the local day ``value`` names (a datetime is an exact instant)."""
    if isinstance(value, datetime):
        instant = value if value.tzinfo else value.astimezone()
        stamp = instant.astimezone(timezone.utc).isoformat(timespec="milliseconds")
        return stamp, stamp
    day = value if isinstance(value, date) else parse_day(value)
    start = datetime.combine(day, time.min).astimezone()  # local midnight
    end = datetime.combine(day + timedelta(days=1), time.min).astimezone()
    return (start.astimezone(timezone.utc).isoformat(timespec="milliseconds"),
            end.astimezone(timezone.utc).isoformat(timespec="milliseconds"))


def local_time(stamp: str | None) -> str:
    """A stored UTC timestamp shown in local time (format from messages.toml)."""
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).astimezone().strftime(t("entries.time_format"))


# --- Values for reading ----------------------------------------------------------------------------


def label_for(answer: AnswerRow, questions: dict[str, str] | None = None) -> str:
    """The question as the script words it if known, else the field name made readable; round if > 1."""
    label = answer.label or (questions or {}).get(answer.field)
    if not label:
        words = answer.field.replace("_", " ").strip()
        label = words[:1].upper() + words[1:]
    return t("entries.labels.round", label=label, round=answer.round) if answer.round > 1 else label


def show_value(answer: AnswerRow) -> str:
    value = answer.value
    if value is None:
        return answer.text or t("entries.value_none")
    if isinstance(value, bool):
        return t("entries.yes") if value else t("entries.no")
    if answer.kind == "rating":
        return t("entries.rating", value=value)
    if answer.kind == "duration":
        return t("entries.minutes", value=value)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def rating_summary(answers: tuple[AnswerRow, ...], short: bool = False) -> str:
    """E.g. "anxiety: 7/10 before → 9/10 at the peak → 3/10 after" (short: "anxiety 7→9→3"); "" if none.

    Over repeated rounds: the first "before", the highest "peak"/"during", the last "after".
    """
    measures: dict[str, dict[str, object]] = {}
    for answer in answers:
        stem, _, stage = answer.field.rpartition("_")
        value = answer.value
        if answer.kind != "rating" or not stem or stage not in STAGES or not isinstance(value, (int, float)):
            continue
        stages = measures.setdefault(stem, {})
        if stage == "before":
            stages.setdefault(stage, value)
        elif stage == "after":
            stages[stage] = value
        else:
            stages[stage] = max(value, stages.get(stage, value))
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


# A script's title and its question per field, by script name (``dialogue.scripts.script_words``). The
# journal does not read scripts itself: whoever renders passes this in (without it, field names are used).
ScriptWords = Callable[[str], tuple[str | None, dict[str, str]]]


def _no_words(name: str) -> tuple[str | None, dict[str, str]]:
    return None, {}


def render(format: str, entries: list[Entry], words: ScriptWords | None = None) -> str:
    if format not in FORMATS:
        raise fail("export_bad_format", format=format, formats=", ".join(FORMATS))
    if format == "md":
        return to_markdown(entries, words)
    return {"csv": to_csv, "json": to_json}[format](entries)


def to_json(entries: list[Entry]) -> str:
    """A JSON list with one entry per line: readable and diffable, and fast (indent= would force
    json's pure-Python encoder for the whole file)."""
    if not entries:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(e.to_dict(), ensure_ascii=False) for e in entries) + "\n]\n"


def to_csv(entries: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        s = entry.session
        for a in entry.answers:
            writer.writerow([s.id, s.started_at, s.script, a.field, a.kind or "", csv_value(a.value), a.text or "",
                             a.round])
    return out.getvalue()


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
    exported = "entries.md_exported_one" if len(entries) == 1 else "entries.md_exported"
    lines = [f"# {t('entries.md_title')}", "", t(exported, when=_now_local(), count=len(entries)), ""]
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
        lines += [f"**{_md(label_for(answer, questions))}**  ", value, ""]
    if entry.skipped:
        names = ", ".join(_md(f.replace("_", " ")) for f in entry.skipped)
        lines += [f"*{t('entries.md_skipped', fields=names)}*", ""]
    return lines


def _md(text: str) -> str:
    """Escape the characters that would turn a person's words into Markdown formatting."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", str(text))


def _now_local() -> str:
    return datetime.now().astimezone().strftime(t("entries.time_format"))


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
