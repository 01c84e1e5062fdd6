"""Small expression helpers for the GR401-GR412 data-science rules.

They only look at one expression and its own sub-expressions, never at the whole tree.
"""

from __future__ import annotations

import ast
from typing import Iterator, List, Optional, Set

from groundrules.rules.context import keyword


def root_name(node: ast.AST) -> Optional[str]:
    """The name an attribute/subscript/method chain starts from: ``df["a"].values`` -> ``df``."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return None


def names_loaded(node: ast.AST) -> Set[str]:
    """Every name read inside one expression (lambdas included, nested defs impossible here)."""
    found: Set[str] = set()
    stack: List[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name):
            found.add(current.id)
        stack.extend(ast.iter_child_nodes(current))
    return found


def sub_expressions(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and everything below it, for a single (small) expression."""
    stack: List[ast.AST] = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(ast.iter_child_nodes(current))


def is_true(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_none(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def keyword_value(call: ast.Call, name: str) -> Optional[ast.expr]:
    kw = keyword(call, name)
    return None if kw is None else kw.value


def first_argument(call: ast.Call, *names: str) -> Optional[ast.expr]:
    """The first positional argument, or the first of ``names`` passed by keyword."""
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    for name in names:
        value = keyword_value(call, name)
        if value is not None:
            return value
    return None


def last_part(qualname: Optional[str]) -> str:
    return "" if qualname is None else qualname.rsplit(".", 1)[-1]


def target_names(target: ast.AST) -> Iterator[str]:
    """Names bound by an assignment or loop target (tuples unpacked)."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from target_names(target.value)
