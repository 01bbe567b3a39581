"""The tiny, safe expression language of a script's ``when`` and ``repeat.while`` (never ``eval``)::

    anxiety_peak >= 8 or anxiety_after >= 8
    wants_break == yes and (mood != "calm")

Operands are earlier fields, numbers, quoted strings, ``yes``/``no``; operators ``== != < <= > >=``,
``and``/``or``, parentheses; a bare field is true when it was answered with a truthy value. A
comparison with an unanswered (or skipped) field is false; ``==`` against a list (emotions) means
"contains".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


def _problem(name: str, /, **values: Any) -> str:
    from assistant.text import t

    return t(f"script_problems.{name}", **values)


_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|(\"[^\"]*\"|'[^']*')|(==|!=|<=|>=|<|>)|([()])|([A-Za-z_][A-Za-z0-9_]*))")
_OPS = {
    "==": lambda a, b: b in a if isinstance(a, list) else a == b,
    "!=": lambda a, b: b not in a if isinstance(a, list) else a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    """A parsed ``when`` / ``repeat.while`` expression. ``tree`` is nested tuples:
    ("or"|"and", left, right), ("cmp", op, left, right), ("field", name), ("lit", value)."""

    source: str
    tree: tuple

    @classmethod
    def parse(cls, source: str) -> "Condition":
        tokens = _tokenize(source)
        tree, rest = _parse_or(tokens)
        if rest:
            raise ExpressionError(_problem("expr_unexpected", token=rest[0][1]))
        return cls(source, tree)

    def fields(self, node: tuple | None = None) -> set[str]:
        node = self.tree if node is None else node
        if node[0] == "field":
            return {node[1]}
        children = node[1:] if node[0] in ("and", "or") else node[2:] if node[0] == "cmp" else ()
        return set().union(*(self.fields(child) for child in children))

    def evaluate(self, answers: dict[str, Any]) -> bool:
        return bool(_evaluate(self.tree, answers))


def _tokenize(source: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos, text = 0, source.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(_problem("expr_garbage", text=text[pos:].strip()))
        number, quoted, op, paren, word = match.groups()
        if number is not None:
            tokens.append(("lit", float(number) if "." in number else int(number)))
        elif quoted is not None:
            tokens.append(("lit", quoted[1:-1]))
        elif op or paren or word in ("and", "or"):
            tokens.append(("op", op or paren or word))
        else:
            is_flag = word in ("yes", "no", "true", "false")
            tokens.append(("lit", word in ("yes", "true")) if is_flag else ("field", word))
        pos = match.end()
    return tokens


def _parse_or(tokens: list, op: str = "or") -> tuple[tuple, list]:
    """``or`` binds loosest, then ``and``, then comparisons and parentheses."""
    inner = (lambda t: _parse_or(t, "and")) if op == "or" else _parse_comparison
    left, tokens = inner(tokens)
    while tokens and tokens[0] == ("op", op):
        right, tokens = inner(tokens[1:])
        left = (op, left, right)
    return left, tokens


def _parse_comparison(tokens: list) -> tuple[tuple, list]:
    if not tokens:
        raise ExpressionError(_problem("expr_end"))
    if tokens[0] == ("op", "("):
        inner, rest = _parse_or(tokens[1:])
        if not rest or rest[0] != ("op", ")"):
            raise ExpressionError(_problem("expr_end") if not rest else _problem("expr_unexpected", token=rest[0][1]))
        return inner, rest[1:]
    left = _operand(tokens[0])
    if len(tokens) > 1 and tokens[1][0] == "op" and tokens[1][1] in _OPS:
        if len(tokens) < 3:
            raise ExpressionError(_problem("expr_end"))
        return ("cmp", tokens[1][1], left, _operand(tokens[2])), tokens[3:]
    if left[0] != "field":
        raise ExpressionError(_problem("expr_unexpected", token=tokens[0][1]))
    return left, tokens[1:]


def _operand(token: tuple[str, Any]) -> tuple:
    if token[0] == "op":
        raise ExpressionError(_problem("expr_unexpected", token=token[1]))
    return token


def _evaluate(node: tuple, answers: dict[str, Any]) -> Any:
    kind = node[0]
    if kind in ("or", "and"):
        left = _evaluate(node[1], answers)
        return (left or _evaluate(node[2], answers)) if kind == "or" else (left and _evaluate(node[2], answers))
    if kind in ("lit", "field"):
        return node[1] if kind == "lit" else answers.get(node[1])
    left, right = _evaluate(node[2], answers), _evaluate(node[3], answers)
    if left is None or right is None:  # unanswered: every comparison is false
        return False
    try:
        return _OPS[node[1]](left, right)
    except TypeError:  # e.g. "calm" < 3: not an error at run time, just false
        return False


