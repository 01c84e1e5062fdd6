"""GR118: drop a branch whose test is a literal that is always false (SAFE: it never runs).

``if False: a`` goes, ``if 0: a else: b`` becomes ``b`` (dedented) and ``while False: a`` goes.
The rule marks named-constant tests, ``elif`` chains and ``while ... else`` as not fixable.
"""

from __future__ import annotations

from typing import List, Set, Union, cast

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_Removal = Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]


def _statements(suite: cst.BaseSuite) -> List[cst.BaseStatement]:
    if isinstance(suite, cst.SimpleStatementSuite):
        body = list(suite.body)
        body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return [cst.SimpleStatementLine(body=body, trailing_whitespace=suite.trailing_whitespace)]
    return list(cast(cst.IndentedBlock, suite).body)


class DeadBranch(Fix):
    codes = ("GR118",)
    fix_class = FixClass.SAFE

    _elifs: Set[int]

    def visit_Module(self, node: cst.Module) -> None:
        self._elifs = set()

    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self._elifs.add(id(node.orelse))

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> _Removal:
        if (
            id(original_node) in self._elifs
            or isinstance(updated_node.orelse, cst.If)
            or not self.flagged(original_node.test)
        ):
            return updated_node
        self.applied += 1
        if updated_node.orelse is None:
            return cst.RemoveFromParent()
        kept = _statements(updated_node.orelse.body)
        first = kept[0]
        if isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            kept[0] = first.with_changes(leading_lines=[*updated_node.leading_lines, *first.leading_lines])
        return cst.FlattenSentinel(kept)

    def leave_While(self, original_node: cst.While, updated_node: cst.While) -> _Removal:
        if updated_node.orelse is not None or not self.flagged(original_node.test):
            return updated_node
        self.applied += 1
        return cst.RemoveFromParent()
