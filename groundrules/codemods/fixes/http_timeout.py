"""GR209: add ``timeout=<security.default-timeout>`` to an HTTP request, or replace ``timeout=None``.

UNSAFE (policy): a slow but healthy endpoint may now raise a timeout error.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import CallPicker, set_keyword
from groundrules.codemods.framework import Fix
from groundrules.rules.security._http_clients import HTTP_METHODS
from groundrules.rules.security.http_request_without_timeout import DEFAULT_TIMEOUT
from groundrules.standards.schema import FixClass

_METHODS = HTTP_METHODS


class HttpTimeout(Fix):
    codes = ("GR209",)
    fix_class = FixClass.UNSAFE

    _picker: CallPicker

    def visit_Module(self, node: cst.Module) -> None:
        self._picker = CallPicker(_METHODS)

    def visit_Call(self, node: cst.Call) -> None:
        self._picker.visit(self, node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._picker.picked(original_node):
            return updated_node
        seconds = self.option(DEFAULT_TIMEOUT)
        self.applied += 1
        return set_keyword(updated_node, "timeout", cst.Integer(str(seconds)))
