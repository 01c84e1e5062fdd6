"""GR113: add ``-> None`` to a public function that returns nothing (UNSAFE: the
annotation changes mypy's result for callers and subclasses elsewhere; see the rule).

The rule marks a finding fixable only when the return annotation is all that is missing and the
body has no ``return <value>`` and no ``yield``.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class ReturnNone(Fix):
    codes = ("GR113",)
    fix_class = FixClass.UNSAFE

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        if updated_node.returns is not None or not self.flagged(original_node):
            return updated_node
        self.applied += 1
        return updated_node.with_changes(returns=cst.Annotation(annotation=cst.Name("None")))
