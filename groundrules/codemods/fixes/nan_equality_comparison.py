"""GR407: ``x == np.nan`` -> ``pd.isna(x)`` and ``x != np.nan`` -> ``pd.notna(x)``.

UNSAFE (policy, a bug fix): the comparison was always False (or always True); the new test is
what the author meant, and it changes what the code does.  The rule marks only single ``==`` /
``!=`` comparisons in modules that import pandas as ``pd``.
"""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_ATTRS = frozenset({"nan", "NaN", "NAN", "NA", "NaT"})


def _is_nan(node: cst.BaseExpression) -> bool:
    """The spellings the rule recognises (it has checked what the names resolve to)."""
    if isinstance(node, cst.Attribute):
        return node.attr.value in _ATTRS
    if isinstance(node, cst.Name):
        return node.value in _ATTRS
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "float":
        if len(node.args) == 1 and isinstance(node.args[0].value, cst.SimpleString):
            try:
                text = ast.literal_eval(node.args[0].value.value)
            except (ValueError, SyntaxError):
                return False
            return isinstance(text, str) and text.strip().lower().lstrip("+-") == "nan"
    return False


class NanComparison(Fix):
    codes = ("GR407",)
    fix_class = FixClass.UNSAFE

    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        if not self.flagged(original_node) or len(updated_node.comparisons) != 1:
            return updated_node
        target = updated_node.comparisons[0]
        if isinstance(target.operator, cst.Equal):
            function = "isna"
        elif isinstance(target.operator, cst.NotEqual):
            function = "notna"
        else:
            return updated_node
        operand: Optional[cst.BaseExpression] = None
        if _is_nan(target.comparator):
            operand = updated_node.left
        elif _is_nan(updated_node.left):
            operand = target.comparator
        if operand is None:
            return updated_node
        AddImportsVisitor.add_needed_import(self.context, "pandas", asname="pd")
        self.applied += 1
        return cst.Call(
            func=cst.Attribute(value=cst.Name("pd"), attr=cst.Name(function)),
            args=[cst.Arg(value=operand.with_changes(lpar=[], rpar=[]))],
            lpar=updated_node.lpar,
            rpar=updated_node.rpar,
        )
