"""GR415: ``x.values`` -> ``x.to_numpy()`` on a pandas-typed receiver.

UNSAFE (policy): for extension dtypes the result changes from an ExtensionArray to an ndarray.
"""

from __future__ import annotations

from typing import Set

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class ValuesToNumpy(Fix):
    codes = ("GR415",)
    fix_class = FixClass.UNSAFE

    def visit_Module(self, node: cst.Module) -> None:
        #: ``x.values(...)`` calls: a method, never the attribute the rule reports.
        self._called: Set[int] = set()

    def visit_Call(self, node: cst.Call) -> None:
        self._called.add(id(node.func))

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.BaseExpression:
        if original_node.attr.value != "values" or id(original_node) in self._called:
            return updated_node
        if not self.flagged(original_node):
            return updated_node
        self.applied += 1
        return cst.Call(
            func=updated_node.with_changes(attr=cst.Name("to_numpy"), lpar=[], rpar=[]),
            lpar=updated_node.lpar,
            rpar=updated_node.rpar,
        )
