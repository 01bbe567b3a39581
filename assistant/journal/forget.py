"""``assistant forget --all``: what counts as a trace of a person in the home directory, and removing it.

Everything the assistant writes under ``home()`` is removed, except installed speech models (they
hold nothing personal and are large to fetch again): the journal with its -wal/-shm and encryption
marker, journals moved aside by restore, backups and exports kept in home, settings, the person's
own scripts, the speech cache (their words, synthesized), kept audio, and the first-run marker.

Only names the assistant itself makes are matched, so a ``--home`` pointed at the wrong directory
by mistake never loses unrelated files: anything else is listed as left alone. Files are unlinked,
not overwritten (on SSDs and journaling file systems overwriting promises nothing).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant.text import fail

KEEP = ("models",)
DIRECTORIES = ("cache", "audio", "backups", "scripts")
FILE_PATTERNS = (
    "journal.db", "journal.db-*", "journal.db.*", "journal-*.db", "journal-*.db-*", "journal-*.db.*",
    "*.db", "*.db-wal", "*.db-shm", "*.db-journal", "*.db.encrypted",
    "settings.toml", "settings.tmp", ".welcomed", ".write-test*", ".*.part", ".*.restore",
    "assistant.log", "assistant.log.*",
    "*.md", "*.csv", "*.json", "*.html", "*.ics", "*.wav",
)


@dataclass(frozen=True)
class Plan:
    home: Path
    remove: tuple[Path, ...]
    left_alone: tuple[Path, ...]


def plan(home: Path) -> Plan:
    """What ``forget --all`` would delete in ``home``, and what it would leave."""
    remove: list[Path] = []
    left: list[Path] = []
    if home.is_dir():
        for entry in sorted(home.iterdir()):
            name = entry.name
            if name in KEEP:
                continue
            if entry.is_dir() and not entry.is_symlink():
                (remove if name in DIRECTORIES else left).append(entry)
            elif any(fnmatch.fnmatchcase(name, pattern) for pattern in FILE_PATTERNS):
                remove.append(entry)
            else:
                left.append(entry)
    return Plan(home, tuple(remove), tuple(left))


def carry_out(found: Plan) -> int:
    """Delete everything in the plan; returns how many entries went."""
    removed = 0
    for path in found.remove:
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                os.unlink(path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise fail("forget_failed", path=path, reason=exc) from exc
        removed += 1
    return removed
