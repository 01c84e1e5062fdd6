"""GR213: ``hashlib.md5(x)`` -> ``hashlib.md5(x, usedforsecurity=False)`` (also sha1, ``hashlib.new``).

UNSAFE (policy): it records that the hash protects nothing; the rule offers it only outside
``security-modules``, for target Python 3.9+, and not when the call says ``usedforsecurity=True``.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import CallPicker, set_keyword
from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_METHODS = frozenset({"md5", "sha1", "new"})


class WeakHashNotForSecurity(Fix):
    codes = ("GR213",)
    fix_class = FixClass.UNSAFE

    _picker: CallPicker

    def visit_Module(self, node: cst.Module) -> None:
        self._picker = CallPicker(_METHODS)

    def visit_Call(self, node: cst.Call) -> None:
        self._picker.visit(self, node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._picker.picked(original_node):
            return updated_node
        self.applied += 1
        return set_keyword(updated_node, "usedforsecurity", cst.Name("False"))
