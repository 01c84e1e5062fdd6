"""GR121: ``open(path)`` -> ``open(path, encoding="utf-8")`` (and ``Path.open/read_text/write_text``).

UNSAFE (policy): what is read or written changes where the locale's encoding was not UTF-8.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import CallPicker, set_keyword
from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_METHODS = frozenset({"open", "read_text", "write_text"})


class OpenEncoding(Fix):
    codes = ("GR121",)
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
        return set_keyword(updated_node, "encoding", cst.SimpleString('"utf-8"'))
