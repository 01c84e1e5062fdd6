"""GR404: append ``.copy()`` to the definition of a filtered slice that is later written to.

UNSAFE: without Copy-on-Write a write through a view no longer reaches the frame.  Under Copy-on-Write the slice already behaves as a copy; ``.copy()`` makes that explicit for
pandas 2.  The rule reports the write; this fix finds the definition the rule used (the last
``name = <value>`` in the same scope before the write, as the rule tracks it) and rewrites that.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Set

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_INDEXERS = frozenset({"loc", "iloc", "at", "iat"})
_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def _written_name(target: cst.BaseExpression) -> Optional[str]:
    if not isinstance(target, cst.Subscript):
        return None
    base = target.value
    if isinstance(base, cst.Attribute) and base.attr.value in _INDEXERS:
        base = base.value
    return base.value if isinstance(base, cst.Name) else None


def _bound_names(target: cst.BaseExpression) -> List[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [name for element in target.elements for name in _bound_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _bound_names(target.value)
    return []


class _Definitions(cst.CSTVisitor):
    """Replays the rule's bookkeeping to find the definitions behind the flagged writes."""

    def __init__(self, fix: "FilteredCopy") -> None:
        super().__init__()
        self.fix = fix
        self.scopes: List[Dict[str, Optional[cst.BaseExpression]]] = [{}]
        self.to_copy: Set[int] = set()

    def _write(self, node: cst.CSTNode, name: Optional[str]) -> None:
        if name is None or not self.fix.flagged(node):
            return
        value = self.scopes[-1].get(name)
        if isinstance(value, (cst.Subscript, cst.Call)):
            self.to_copy.add(id(value))

    def _bind(self, target: cst.BaseExpression, value: Optional[cst.BaseExpression]) -> None:
        if isinstance(target, cst.Name):
            self.scopes[-1][target.value] = value
            return
        for name in _bound_names(target):
            self.scopes[-1][name] = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _SCOPES):
            self.scopes.append({})
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        if isinstance(original_node, _SCOPES):
            self.scopes.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._write(node, _written_name(target.target))
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._write(node, _written_name(node.target))
        self._bind(node.target, None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is None:
            return
        self._write(node, _written_name(node.target))
        self._bind(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, None)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            self._write(node, func.value.value)


class FilteredCopy(Fix):
    codes = ("GR404",)
    fix_class = FixClass.UNSAFE

    _to_copy: Set[int]

    def visit_Module(self, node: cst.Module) -> None:
        definitions = _Definitions(self)
        node.visit(definitions)
        self._to_copy = definitions.to_copy

    def _copied(self, original: Optional[cst.BaseExpression], updated: cst.BaseExpression) -> cst.BaseExpression:
        if id(original) not in self._to_copy:
            return updated
        self._to_copy.discard(id(original))
        self.applied += 1
        return cst.Call(func=cst.Attribute(value=updated, attr=cst.Name("copy")))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        return updated_node.with_changes(value=self._copied(original_node.value, updated_node.value))

    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> cst.AnnAssign:
        if updated_node.value is None:
            return updated_node
        return updated_node.with_changes(value=self._copied(original_node.value, updated_node.value))
