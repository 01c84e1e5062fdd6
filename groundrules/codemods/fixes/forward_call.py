"""GR420: ``m.forward(x)`` -> ``m(x)``.

UNSAFE (policy): the module's hooks (and wrapper logic such as ``DataParallel``'s) start running,
which is the intended semantics but changes behaviour.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import CallPicker
from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class ForwardCall(Fix):
    codes = ("GR420",)
    fix_class = FixClass.UNSAFE

    _picker: CallPicker

    def visit_Module(self, node: cst.Module) -> None:
        self._picker = CallPicker(frozenset({"forward"}))

    def visit_Call(self, node: cst.Call) -> None:
        self._picker.visit(self, node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._picker.picked(original_node):
            return updated_node
        func = updated_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "forward":
            return updated_node
        self.applied += 1
        return updated_node.with_changes(func=func.value)
