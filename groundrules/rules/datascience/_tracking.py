"""Small per-file trackers shared by the data-science rules GR413-GR425.

They never walk the tree: rules feed them from their own ``visit_``/``leave_`` handlers.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional

from groundrules.rules.context import SCOPE_NODES

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_LOOPS = (ast.For, ast.AsyncFor, ast.While)


def dotted(node: ast.AST) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, else ``None`` (calls, subscripts, ...)."""
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def base_name(node: ast.AST) -> Optional[str]:
    """The name a subscript/attribute chain starts from: ``X[cols].values`` -> ``X``."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def positive_number(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
        and node.value > 0
    )


def parameter_names(func: ast.AST) -> List[str]:
    args = getattr(func, "args", None)
    if not isinstance(args, ast.arguments):
        return []
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    for extra in (args.vararg, args.kwarg):
        if extra is not None:
            names.append(extra.arg)
    return names


def target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from target_names(target.value)


def enclosing_loops(ctx: "Context") -> List[ast.AST]:
    """Loops around the current node, innermost last, not crossing a function or class."""
    loops: List[ast.AST] = []
    for node in reversed(ctx.ancestors):
        if isinstance(node, SCOPE_NODES):
            break
        if isinstance(node, _LOOPS):
            loops.append(node)
    loops.reverse()
    return loops


class ScopedFlags:
    """Names carrying a boolean fact (``scaled``, ``clipped``, ...), scope by scope.

    A name is looked up in the innermost scope that binds it; function parameters bind it to
    False (the fact is unknown for values coming from the caller).
    """

    def __init__(self, ctx: "Context") -> None:
        self.ctx = ctx
        self._scopes: Dict[int, Dict[str, bool]] = {}

    def _scope_chain(self) -> List[Optional[ast.AST]]:
        chain: List[Optional[ast.AST]] = [n for n in self.ctx.ancestors if isinstance(n, SCOPE_NODES)]
        chain.reverse()
        chain.append(None)
        return chain

    def set(self, name: str, value: bool) -> None:
        scope = self.ctx.enclosing_scope()
        self._scopes.setdefault(id(scope) if scope is not None else 0, {})[name] = value

    def get(self, name: str) -> bool:
        for scope in self._scope_chain():
            facts = self._scopes.get(id(scope) if scope is not None else 0)
            if facts is not None and name in facts:
                return facts[name]
            if scope is not None and name in parameter_names(scope):
                return False
        return False
