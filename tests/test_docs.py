"""The docs cannot silently fall behind the code.

- README, "How the pieces fit": its table names every subpackage of ``assistant/`` and every top module, and
  each part's "may import" column says exactly what ``tests/test_layers.py`` enforces.
- README as a manual: at most 250 lines, no dated figures, no link to a missing file, and its command table names
  every command and sub-command there is, and nothing else.
- ``docs/design.md``, "Layout": every path it names exists, and it names every module, test helper and script.
- ``prompts/README.md``: every step type of ``STEP_TYPES`` has a row whose keys are exactly the keys the
  script loader accepts for it, every answer kind and confirm setting is described, every source a reflection
  can fill is listed; ``assistant prompts --help`` names every step type and points at no source-tree path.
"""

from __future__ import annotations

import re

import pytest

from assistant.dialogue import scripts
from assistant.dialogue.extract import ALL_FIELDS
from assistant.dialogue.session import CONFIRM_MODES
from assistant.text import lookup
from test_layers import ALLOWED, PACKAGE, TOP

ROOT = PACKAGE.parent
# Documented once for every type, not in each row.
COMMON_KEYS = {"id", "type", "when", "repeat", "typed", "short", "typed_short"}


def section(markdown: str, title: str) -> str:
    """The body of the ``## title`` section (up to the next ``## `` heading)."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    assert match, f"no section '## {title}'"
    return match.group(1)


def table_rows(markdown: str) -> list[list[str]]:
    """Cells of every table row in ``markdown`` (separator rows left out)."""
    rows = []
    for line in markdown.splitlines():
        if not line.startswith("|") or set(line) <= set("|-: "):
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def table_after(markdown: str, marker: str) -> dict[str, list[str]]:
    """The first table after ``marker``, by the first `name` of each row."""
    start = markdown.find(marker)
    if start < 0:
        return {}
    lines = markdown[start:].splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("|")), len(lines))
    end = next((i for i in range(first, len(lines)) if not lines[i].startswith("|")), len(lines))
    rows = table_rows("\n".join(lines[first:end]))
    return {code_names(row[0])[0]: row for row in rows if code_names(row[0])}


def code_names(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


# --- README: the parts table ----------------------------------------------------------------------


def parts_table(readme: str) -> dict[str, set[str]]:
    """part -> the parts it may import, as the README's "How the pieces fit" table says."""
    parts = set(ALLOWED)
    found: dict[str, set[str]] = {}
    for row in table_rows(section(readme, "How the pieces fit")):
        if len(row) != 3 or row[0] == "part":
            continue
        names = code_names(row[0])
        part = "top" if row[0].startswith("top") else names[0].rstrip("/") if names else row[0]
        said = row[2].lower()
        if said.startswith("each other"):
            allowed = {"top"}
        elif said == "everything":
            allowed = parts - {part}
        elif said.startswith("all but "):
            allowed = parts - {part, said.removeprefix("all but ").strip()}
        else:
            allowed = {word.strip() for word in said.split(",")}
        found[part] = allowed | {"top"}
        if part == "top":
            found["top-modules"] = set(names)
    return found


def subpackages() -> list[str]:
    return sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))


def parts_problems(readme: str, subpackages: list[str]) -> list[str]:
    table = parts_table(readme)
    problems = [f"{name}/ is not in the table" for name in subpackages if name not in table]
    problems += [f"top module {name} is not in the table" for name in sorted(TOP - table.get("top-modules", set()))]
    for part, allowed in sorted(ALLOWED.items()):
        said = table.get(part)
        if said is not None and said != allowed | {"top"}:
            problems.append(f"{part}: the README says it may import {sorted(said)}, the layer test {sorted(allowed)}")
    return problems


def test_the_readme_names_every_part_and_its_imports():
    assert parts_problems((ROOT / "README.md").read_text(encoding="utf-8"), subpackages()) == []


GOOD_TABLE = """## How the pieces fit

| part | owns | may import |
|---|---|---|
| top: `errors`, `text`, `resources`, `config`, `events`, `times` | words | each other, one way |
| `audio/` | sound | top |
| `speech/` | speech | top, audio |
| `dialogue/` | talk | top |
| `journal/` | SQL | top |
| `growth/` | plan | top, journal, dialogue |
| `breathing/` | breaths | top, audio, speech, dialogue |
| `practice/` | runs | all but cli |
| `cli/` | commands | everything |

## Next
"""


@pytest.mark.parametrize("change, expected", [
    (None, []),
    (("| `growth/` | plan | top, journal, dialogue |\n", ""), ["growth/ is not in the table"]),
    (("`events`, `times`", "`events`"), ["top module times is not in the table"]),
    (("| top, journal, dialogue |", "| top, journal |"),
     ["growth: the README says it may import ['journal', 'top'], the layer test ['dialogue', 'journal', 'top']"]),
])
def test_the_parts_check_fails_when_the_readme_falls_behind(change, expected):
    readme = GOOD_TABLE if change is None else GOOD_TABLE.replace(*change)
    assert parts_problems(readme, sorted(set(ALLOWED) - {"top"})) == expected


# --- README: a manual, not a diary ----------------------------------------------------------------

MANUAL_LINES = 250


def manual_problems(readme: str, root=ROOT) -> list[str]:
    """The README stays a user's manual: short, no dated figures (those live in docs/benchmarks.md, history in
    CHANGELOG.md), and every link it gives leads somewhere."""
    problems = []
    if len(readme.splitlines()) > MANUAL_LINES:
        problems.append(f"{len(readme.splitlines())} lines, more than {MANUAL_LINES}")
    problems += [f"a date: {date}" for date in re.findall(r"\b20\d\d-\d\d-\d\d\b", readme)]
    problems += [f"a link to nothing: {target}" for target in dead_links(readme, root)]
    return problems


def dead_links(markdown: str, folder) -> list[str]:
    """Relative link targets in ``markdown`` that are not a file or folder beside it."""
    return [target for target in re.findall(r"\]\(([^)#]+)\)", markdown)
            if "://" not in target and not (folder / target).exists()]


def test_the_readme_is_a_short_manual():
    assert manual_problems((ROOT / "README.md").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("doc", ["README.md", "CHANGELOG.md", "docs/design.md", "docs/benchmarks.md"])
def test_every_link_between_the_docs_leads_somewhere(doc):
    path = ROOT / doc
    assert dead_links(path.read_text(encoding="utf-8"), path.parent) == []


@pytest.mark.parametrize("readme, expected", [
    ("# Manual\n\nSee [the figures](docs/benchmarks.md).\n", []),
    ("line\n" * 251, ["251 lines, more than 250"]),
    ("Measured on 2026-12-02: 96 %.\n", ["a date: 2026-12-02"]),
    ("See [the log](docs/no-such-file.md).\n", ["a link to nothing: docs/no-such-file.md"]),
])
def test_the_manual_check_fails_when_the_readme_becomes_a_diary(readme, expected):
    assert manual_problems(readme) == expected


def manual_commands(readme: str) -> set[tuple[str, ...]]:
    """The command paths the command table of "Using it" names: ``assistant a | b`` names commands a and b,
    ``assistant group x|y`` the group's sub-commands x and y (the table's columns are two or more spaces apart)."""
    block = re.search(r"```\n(.*?)```", section(readme, "Using it"), re.S)
    assert block, "no command table in Using it"
    named: set[tuple[str, ...]] = set()
    for line in block.group(1).splitlines():
        for column in re.split(r"\s{2,}", line.strip()):
            if not column.startswith("assistant "):
                continue
            for alternative in column.removeprefix("assistant ").split(" | "):
                words = alternative.split()
                if not re.match(r"[a-z]", words[0]):
                    continue  # an option's alternatives: [--cycles N | --minutes M]
                named.add((words[0],))
                if len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*(\|[a-z][a-z-]*)*", words[1]):
                    named |= {(words[0], sub) for sub in words[1].split("|")}
    return named


def test_the_manual_names_every_command_and_only_real_ones():
    from test_cli_conventions import TREE

    named = manual_commands((ROOT / "README.md").read_text(encoding="utf-8"))
    real = {path for path in TREE if path}
    assert sorted(named - real) == [] and sorted(real - named) == []


def test_the_command_check_reads_the_table_as_written():
    readme = ("## Using it\n\n```\nassistant debrief [--guided]      after a step\n"
              "assistant backup | restore FILE   assistant entries list|show\n"
              "assistant breathe [--cycles N | --minutes M]   assistant forget --all\n```\n")
    assert manual_commands(readme) == {("debrief",), ("backup",), ("restore",), ("entries",), ("entries", "list"),
                                       ("entries", "show"), ("breathe",), ("forget",)}


def test_every_setting_the_manual_names_is_a_setting():
    """``settings set KEY``, and the `name_s` pauses, in the README are real settings (a renamed one would send
    people to an error)."""
    from dataclasses import fields

    from assistant.config import Settings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"settings set ([a-z_]+)", readme)) | set(re.findall(r"`([a-z]+(?:_[a-z]+)*_s)`", readme))
    assert named and sorted(named - {f.name for f in fields(Settings)}) == []


# --- prompts/README.md: the script format ---------------------------------------------------------


def format_problems(doc: str, help_text: str) -> list[str]:
    types = table_after(doc, "Step types and the keys")
    problems = []
    for step_type in scripts.STEP_TYPES:
        if step_type not in types:
            problems.append(f"step type '{step_type}' has no row")
            continue
        documented = set(code_names(re.sub(r"\([^)]*\)", "", types[step_type][1])))  # not "(default `text`)"
        accepted = scripts._STEP_KEYS[step_type] - COMMON_KEYS
        if documented != accepted:
            problems.append(f"'{step_type}' keys: documented {sorted(documented)}, accepted {sorted(accepted)}")
        if not re.search(rf"^\s*{step_type}\s", help_text, re.M):
            problems.append(f"step type '{step_type}' is not in assistant prompts --help")
    for what, marker, names in (("kind", "### Answer kinds", scripts.KINDS),
                                ("confirm setting", "| setting |", CONFIRM_MODES),
                                ("fill source", "What a reflection can fill", ALL_FIELDS)):
        rows = table_after(doc, marker)
        problems += [f"{what} '{name}' has no row" for name in names if name not in rows]
    problems += [f"'{key}' is not explained" for key in sorted(COMMON_KEYS - {"id", "type"}) if f"`{key}`" not in doc]
    if re.search(r"prompts/README|\.md\b|assistant/", help_text):
        problems.append("assistant prompts --help points at a source-tree path")
    return problems


def test_the_script_format_documents_every_step_type_and_key():
    doc = (ROOT / "prompts" / "README.md").read_text(encoding="utf-8")
    assert format_problems(doc, lookup("prompts_cli.help")) == []


def test_the_format_check_fails_when_the_docs_fall_behind():
    doc = (ROOT / "prompts" / "README.md").read_text(encoding="utf-8")
    help_text = lookup("prompts_cli.help")
    reflect_row = next(line for line in doc.splitlines() if line.startswith("| `reflect` |"))
    assert format_problems(doc.replace(reflect_row + "\n", ""), help_text) == ["step type 'reflect' has no row"]
    assert format_problems(doc.replace(reflect_row, reflect_row.replace(", `coach`", "")), help_text) == [
        "'reflect' keys: documented ['confirm', 'field', 'fills', 'help', 'label', 'text', 'typed_help'], accepted "
        "['coach', 'confirm', 'field', 'fills', 'help', 'label', 'text', 'typed_help']"]
    assert format_problems(doc, help_text.replace("  pause ", "  wait ")) == [
        "step type 'pause' is not in assistant prompts --help"]
    assert format_problems(doc.replace("| `people` |", "| people |"), help_text) == ["fill source 'people' has no row"]
    assert format_problems(doc, help_text + " See prompts/README.md.") == [
        "assistant prompts --help points at a source-tree path"]


DESIGN = ROOT / "docs" / "design.md"  # the Layout is for developers, so it lives beside the design, not in the manual


def test_the_docs_paths_exist():
    """Every repository path the Layout names in its tree is a real file or folder."""
    layout = section(DESIGN.read_text(encoding="utf-8"), "Layout")
    tree = re.search(r"```\n(.*?)```", layout, re.S)
    assert tree
    named = [line.split()[0] for line in tree.group(1).splitlines() if line and not line[0].isspace()]
    assert named and all((ROOT / name.rstrip("/")).exists() for name in named), named


def test_the_layout_names_every_module():
    """Every module of every subpackage is named in the Layout tree (a new module cannot hide)."""
    layout = section(DESIGN.read_text(encoding="utf-8"), "Layout")
    words = set(re.findall(r"[a-z_0-9]+", layout))
    missing = sorted(str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
                     if p.stem not in words and "__pycache__" not in p.parts)
    assert missing == []


def test_the_layout_names_every_test_helper_and_script():
    layout = section(DESIGN.read_text(encoding="utf-8"), "Layout")
    helpers = [p.name for p in (ROOT / "tests").glob("*.py") if not p.name.startswith("test_")]
    script_files = [p.name.removesuffix(".py") for p in (ROOT / "scripts").iterdir() if p.is_file()]
    assert sorted(name for name in helpers + script_files if name.removesuffix(".py") not in layout) == []
