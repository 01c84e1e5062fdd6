"""Resolve spellings to qualified names: ``pd.read_csv`` -> ``pandas.read_csv``.

Built once per file from a statement-only pre-scan (cheap next to the full walk), so rules see
every import, including those below the use.  Resolution is flow-insensitive, like most linters:
the last module-level binding of a name wins, and a module-level ``def``/``class``/assignment of an
imported name makes it local.
"""

from __future__ import annotations

import ast
import builtins
from typing import Dict, FrozenSet, Iterator, Optional, Set

_BUILTINS: FrozenSet[str] = frozenset(dir(builtins))
_COMPOUND = (ast.If, ast.Try, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)


def _statements(body: list[ast.stmt], depth: int) -> list[tuple[ast.stmt, int]]:
    """Every statement in source order with its function/class depth (no expression inside)."""
    out: list[tuple[ast.stmt, int]] = []
    # An explicit stack, not nested generators: each `yield from` level cost every statement
    # below it a resumption, and this runs on every file.
    stack: list[tuple[ast.stmt, int]] = [(stmt, depth) for stmt in reversed(body)]
    while stack:
        stmt, level = stack.pop()
        out.append((stmt, level))
        inner: list[tuple[ast.stmt, int]] = []
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            inner = [(s, level + 1) for s in stmt.body]
        elif isinstance(stmt, _COMPOUND):
            for name in ("body", "orelse", "finalbody"):
                inner.extend((s, level) for s in getattr(stmt, name, []))
            for handler in getattr(stmt, "handlers", []):
                inner.extend((s, level) for s in handler.body)
        elif hasattr(ast, "TryStar") and isinstance(stmt, ast.TryStar):  # pragma: no cover
            inner = [(s, level) for s in stmt.body]
        elif hasattr(ast, "Match") and isinstance(stmt, ast.Match):
            for case in stmt.cases:
                inner.extend((s, level) for s in case.body)
        stack.extend(reversed(inner))
    return out


class ImportTracker:
    """The file's imports: which local names stand for which qualified names."""

    def __init__(self, tree: ast.Module, package: Optional[str] = None) -> None:
        self.package = package
        self.aliases: Dict[str, str] = {}
        self.modules: Set[str] = set()
        self.local: Set[str] = set()
        #: The modules imported by absolute name, wherever the import is.
        self.absolute: Set[str] = set()
        for stmt, depth in _statements(tree.body, 0):
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    self._add_module(alias.name)
                    self.absolute.add(alias.name)
                    if alias.asname:
                        self.aliases[alias.asname] = alias.name
                    else:
                        top = alias.name.partition(".")[0]
                        self.aliases[top] = top
                    self.local.discard(alias.asname or alias.name.partition(".")[0])
            elif isinstance(stmt, ast.ImportFrom):
                if stmt.module and not stmt.level:
                    self.absolute.add(stmt.module)
                base = self._absolute(stmt.module, stmt.level)
                if base is None:
                    continue
                self._add_module(base)
                for alias in stmt.names:
                    if alias.name == "*":
                        continue
                    bound = alias.asname or alias.name
                    self.aliases[bound] = f"{base}.{alias.name}" if base else alias.name
                    self.local.discard(bound)
            elif depth == 0:
                for name in _bound_names(stmt):
                    if name in self.aliases:
                        del self.aliases[name]
                    self.local.add(name)
        self.tops: FrozenSet[str] = frozenset(m.partition(".")[0] for m in self.modules)
        # The rules dispatched on one node ask for the same name, about nine times per call
        # on real code: the last answer is kept (the tracker does not change after this).
        self._asked: Optional[ast.AST] = None
        self._answer: Optional[str] = None

    def _add_module(self, name: str) -> None:
        self.modules.add(name)

    def _absolute(self, module: Optional[str], level: int) -> Optional[str]:
        if not level:
            return module or ""
        if self.package is None:
            return None
        parts = self.package.split(".") if self.package else []
        if level - 1 > len(parts):
            return None
        base = parts[: len(parts) - (level - 1)]
        if module:
            base.append(module)
        return ".".join(base)

    def imports_any(self, tops: FrozenSet[str]) -> bool:
        return not tops.isdisjoint(self.tops)

    def imports_module(self, name: str) -> bool:
        """True when ``name`` or a submodule of it is imported."""
        return any(m == name or m.startswith(name + ".") for m in self.modules)

    def qualname(self, node: ast.AST) -> Optional[str]:
        """The qualified name ``node`` spells, or ``None`` if it is not a (dotted) imported name.

        Builtins not shadowed by a module-level binding resolve to their bare name (``print``).
        """
        if node is self._asked:
            return self._answer
        self._asked = node
        self._answer = self._resolve(node)
        return self._answer

    def _resolve(self, node: ast.AST) -> Optional[str]:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.aliases.get(node.id)
        if head is None:
            if node.id in _BUILTINS and node.id not in self.local and not parts:
                return node.id
            return None
        parts.append(head)
        return ".".join(reversed(parts))


def _bound_names(stmt: ast.stmt) -> Iterator[str]:
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield stmt.name
    elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            for node in _target_names(target):
                yield node


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _target_names(elt)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def call_name(node: ast.Call) -> Optional[str]:
    """The method or function name a call spells, qualified or not (``x.append`` -> ``append``)."""
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None
