"""GR212: ``tar.extractall(...)`` -> ``tar.extractall(..., filter="data")``.

UNSAFE (policy): members the ``data`` filter rejects (absolute paths, ``..``, links leaving the
target) now raise.  The rule marks only tar extraction, and only when ``target-python`` is 3.12 or
later; zip archives are never rewritten.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import CallPicker, set_keyword
from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class ArchiveFilter(Fix):
    codes = ("GR212",)
    fix_class = FixClass.UNSAFE

    _picker: CallPicker

    def visit_Module(self, node: cst.Module) -> None:
        self._picker = CallPicker(frozenset({"extractall"}))

    def visit_Call(self, node: cst.Call) -> None:
        self._picker.visit(self, node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._picker.picked(original_node):
            return updated_node
        func = updated_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "extractall":
            return updated_node
        if any(arg.star for arg in updated_node.args):
            return updated_node
        self.applied += 1
        return set_keyword(updated_node, "filter", cst.SimpleString('"data"'))
