"""GR405: the statement ``x.m(..., inplace=True)`` -> ``x = x.m(...)``.

UNSAFE (policy): another name bound to the same frame no longer sees the change.  The rule offers
the fix only for a plain pandas-typed name bound in the current scope, in a call that is the whole
expression statement.
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


def _inplace_index(call: cst.Call) -> Optional[int]:
    for index, arg in enumerate(call.args):
        if (
            arg.keyword is not None
            and arg.keyword.value == "inplace"
            and isinstance(arg.value, cst.Name)
            and arg.value.value == "True"
        ):
            return index
    return None


class InplaceAssign(Fix):
    codes = ("GR405",)
    fix_class = FixClass.UNSAFE

    def leave_Expr(
        self, original_node: cst.Expr, updated_node: cst.Expr
    ) -> Union[cst.BaseSmallStatement, cst.RemovalSentinel]:
        call = updated_node.value
        if not isinstance(call, cst.Call) or call.lpar or not self.flagged(original_node):
            return updated_node
        func = call.func
        if not isinstance(func, cst.Attribute) or not isinstance(func.value, cst.Name) or func.value.lpar:
            return updated_node
        index = _inplace_index(call)
        if index is None:
            return updated_node
        args = [a for i, a in enumerate(call.args) if i != index]
        if args:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        self.applied += 1
        return cst.Assign(
            targets=[cst.AssignTarget(target=cst.Name(func.value.value))],
            value=call.with_changes(args=args),
            semicolon=updated_node.semicolon,
        )
