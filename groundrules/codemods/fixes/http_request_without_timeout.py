"""GR209: add ``timeout=<security.default-timeout>`` to an HTTP request, or replace ``timeout=None``.

UNSAFE (policy): a slow but healthy endpoint may now raise a timeout error.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import PickedCallFix, set_keyword
from groundrules.rules.security._http_clients import HTTP_METHODS
from groundrules.rules.security.http_request_without_timeout import DEFAULT_TIMEOUT
from groundrules.standards.schema import FixClass

_METHODS = HTTP_METHODS


class HttpTimeout(PickedCallFix):
    codes = ("GR209",)
    fix_class = FixClass.UNSAFE

    methods = _METHODS

    def rewrite(self, updated_node: cst.Call) -> cst.BaseExpression:
        seconds = self.option(DEFAULT_TIMEOUT)
        self.applied += 1
        return set_keyword(updated_node, "timeout", cst.Integer(str(seconds)))
