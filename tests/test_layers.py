"""The architecture as a test: the import graph, built from the source with ``ast``, has no circle,
and no module imports against the declared layer order (README, "How the pieces fit").

Every import counts, including those inside functions (the code imports lazily for start-up speed, but
a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
TOP = {"errors", "text", "resources", "config", "events", "times"}
# part -> the parts it may import ("top" = the small modules at the top of the package).
ALLOWED = {
    "top": {"top"},
    "audio": {"top"},
    "speech": {"top", "audio"},
    "dialogue": {"top"},
    "journal": {"top"},
    "growth": {"top", "journal", "dialogue"},
    "breathing": {"top", "audio", "speech", "dialogue"},
    "practice": {"top", "audio", "speech", "dialogue", "journal", "growth", "breathing"},
    "cli": {"top", "audio", "speech", "dialogue", "journal", "growth", "breathing", "practice"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every module of ours that ``path`` imports (``from assistant import x`` resolves to the module x)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "assistant"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "assistant":
                continue
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.add(child if child in known else node.module)
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(path, known) - {name} for name, path in found.items()}


def part_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] in TOP:
        return "top"
    if parts[1] == "__main__":
        return "cli"
    return parts[1]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def against_layers(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for module, targets in sorted(edges.items()):
        source = part_of(module)
        for target in sorted(targets):
            if part_of(target) != source and part_of(target) not in ALLOWED[source]:
                bad.append(f"{module} -> {target}")
    return bad


def test_every_part_is_declared():
    assert {part_of(m) for m in modules()} <= set(ALLOWED)


def test_the_top_level_stays_small():
    top_files = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top_files) <= 10, top_files


def test_no_import_circles():
    assert cycles(graph()) == []


def test_no_import_against_the_layer_order():
    assert against_layers(graph()) == []


@pytest.mark.parametrize("edges, expected", [
    ({"assistant.a": {"assistant.b"}, "assistant.b": {"assistant.a"}}, [["assistant.a", "assistant.b"]]),
    ({"assistant.a": {"assistant.b"}, "assistant.b": {"assistant.c"}, "assistant.c": {"assistant.a"}},
     [["assistant.a", "assistant.b", "assistant.c"]]),
    ({"assistant.a": {"assistant.b"}, "assistant.b": set()}, []),
])
def test_the_circle_finder_finds_circles(edges, expected):
    assert cycles(edges) == expected


@pytest.mark.parametrize("module, target, ok", [
    ("assistant.journal.store", "assistant.errors", True),
    ("assistant.journal.store", "assistant.dialogue.scripts", False),
    ("assistant.dialogue.session", "assistant.speech.stt.base", False),
    ("assistant.audio.devices", "assistant.practice.run", False),
    ("assistant.cli.practice", "assistant.practice.run", True),
    ("assistant.errors", "assistant.journal.store", False),
    ("assistant.growth.plan", "assistant.journal.store", True),
])
def test_the_layer_check_flags_upward_imports(module, target, ok):
    assert (against_layers({module: {target}}) == []) is ok


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from assistant.journal import store\n    import assistant.errors\n")
    assert imports_of(source, {"assistant.journal", "assistant.journal.store", "assistant.errors"}) == {
        "assistant.journal.store", "assistant.errors"}


# --- The journal owns its tables: no SQL anywhere else ---------------------------------------------

SQL_WORDS = re.compile(r"SELECT|INSERT|UPDATE|DELETE")  # what `grep -rE "SELECT|INSERT|UPDATE|DELETE"` finds


def sql_outside_journal(root: Path) -> list[str]:
    """``file:line`` of every upper-case SQL keyword in the package's text files outside ``journal/``."""
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        inside = path.relative_to(root).parts
        if inside[0] == "journal":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not source
        for number, line in enumerate(text.splitlines(), start=1):
            if SQL_WORDS.search(line):
                found.append(f"{path.relative_to(root.parent)}:{number}: {line.strip()}")
    return found


def test_no_sql_outside_the_journal():
    assert sql_outside_journal(PACKAGE) == []
    assert any(SQL_WORDS.search(p.read_text()) for p in (PACKAGE / "journal").glob("*.py"))  # the scan reads


def test_the_sql_check_finds_sql_anywhere_else(tmp_path):
    root = tmp_path / "assistant"
    (root / "journal").mkdir(parents=True)
    (root / "growth").mkdir()
    (root / "journal" / "store.py").write_text('SQL = "SELECT id FROM sessions"\n')
    (root / "growth" / "plan.py").write_text('def f(db):\n    return db.execute("DELETE FROM rhythms")\n')
    (root / "times.py").write_text("# select, update and delete in lower case are words, not SQL\n")
    assert sql_outside_journal(root) == ['assistant/growth/plan.py:2: return db.execute("DELETE FROM rhythms")']
