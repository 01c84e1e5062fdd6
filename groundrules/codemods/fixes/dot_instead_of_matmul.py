"""GR417: ``np.dot(a, b)`` / ``a.dot(b)`` -> ``a @ b`` (COND, applied when proven).

The rule marks a finding fixable only when both operands are known to have rank 1 or 2, where
``dot`` and ``matmul`` agree.  Operands that are not atoms get parentheses, and so does the product
unless its place in the expression binds looser than ``@`` (an assignment's value, an argument,
``+``/``-``, a comparison, ...).
"""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.metadata import ParentNodeProvider, PositionProvider

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.List, cst.Tuple, cst.Integer, cst.Float)
#: Parents where ``a @ b`` needs no parentheses in place of the call.
_LOOSE = (
    cst.Assign,
    cst.AnnAssign,
    cst.AugAssign,
    cst.Return,
    cst.Expr,
    cst.Arg,
    cst.Element,
    cst.DictElement,
    cst.Comparison,
    cst.ComparisonTarget,
    cst.BooleanOperation,
    cst.IfExp,
)
_LOOSE_OPERATORS = (cst.Add, cst.Subtract, cst.LeftShift, cst.RightShift, cst.BitAnd, cst.BitOr, cst.BitXor)


def _wrapped(node: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(node, _ATOMS) or node.lpar:
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _operands(call: cst.Call) -> Optional[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    args = call.args
    if any(a.keyword is not None or a.star for a in args):
        return None
    func = call.func
    if len(args) == 2:
        return args[0].value, args[1].value
    if len(args) == 1 and isinstance(func, cst.Attribute):
        return func.value, args[0].value
    return None


class DotToMatmul(Fix):
    codes = ("GR417",)
    fix_class = FixClass.SAFE
    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider)  # type: ignore[assignment]

    def _loose_parent(self, node: cst.Call) -> bool:
        parent = self.get_metadata(ParentNodeProvider, node, None)
        if isinstance(parent, cst.BinaryOperation):
            return isinstance(parent.operator, _LOOSE_OPERATORS)
        return isinstance(parent, _LOOSE)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node):
            return updated_node
        # ``np.dot`` is two positional arguments; ``a.dot(b)`` one (the rule decided which).
        operands = _operands(updated_node)
        if operands is None:
            return updated_node
        left, right = operands
        product = cst.BinaryOperation(
            left=_wrapped(left), operator=cst.MatrixMultiply(), right=_wrapped(right)
        )
        if updated_node.lpar:
            product = product.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        elif not self._loose_parent(original_node):
            product = product.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if isinstance(original_node.func, cst.Name):  # `from numpy import dot`, now perhaps unused
            RemoveImportsVisitor.remove_unused_import(self.context, "numpy", obj=original_node.func.value)
        self.applied += 1
        return product
