"""GR403: ``df[col][mask] = v`` -> ``df.loc[mask, col] = v`` (also ``+=`` and the like).

UNSAFE (policy): the write now reaches ``df`` instead of a temporary copy.  The rule reports a
write as fixable only when ``col`` is a constant label and the inner key is not an integer
literal, a slice or a tuple (``fixable_chain``); reads are never rewritten.
"""

from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


def _single_index(node: cst.Subscript) -> Optional[cst.Index]:
    if len(node.slice) != 1:
        return None
    element = node.slice[0].slice
    if not isinstance(element, cst.Index) or element.star is not None:
        return None
    return element


class ChainedIndexing(Fix):
    codes = ("GR403",)
    fix_class = FixClass.UNSAFE

    _targets: Set[int]

    def visit_Module(self, node: cst.Module) -> None:
        self._targets = set()

    def _collect(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._collect(element.value)
        elif isinstance(target, cst.StarredElement):
            self._collect(target.value)
        elif isinstance(target, cst.Subscript):
            self._targets.add(id(target))

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._collect(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._collect(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._collect(node.target)

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        # ``df['a']`` starts where ``df['a'][m]`` does: only the assignment target itself.
        if id(original_node) not in self._targets or not self.flagged(original_node):
            return updated_node
        inner = updated_node.value
        if not isinstance(inner, cst.Subscript) or inner.lpar or inner.rpar:
            return updated_node
        key, column = _single_index(updated_node), _single_index(inner)
        if key is None or column is None:
            return updated_node
        self.applied += 1
        # `df.loc[df["x"] > 1, "col"]`, as pandas' docs write it: grouping parentheses around the
        # whole row key say nothing inside the brackets (a tuple's are kept: they make the tuple).
        row = key.value
        if row.lpar and not isinstance(row, cst.Tuple) and "\n" not in cst.Module([]).code_for_node(row):
            key = key.with_changes(value=row.with_changes(lpar=[], rpar=[]))
        return updated_node.with_changes(
            value=cst.Attribute(value=inner.value, attr=cst.Name("loc")),
            slice=[
                cst.SubscriptElement(
                    slice=key, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                ),
                cst.SubscriptElement(slice=column),
            ],
        )
