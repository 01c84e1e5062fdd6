"""GR213: ``hashlib.md5(x)`` -> ``hashlib.md5(x, usedforsecurity=False)`` (also sha1, ``hashlib.new``).

UNSAFE (policy): it records that the hash protects nothing; the rule offers it only outside
``security-modules``, for target Python 3.9+, and not when the call says ``usedforsecurity=True``.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import PickedCallFix, set_keyword
from groundrules.standards.schema import FixClass

_METHODS = frozenset({"md5", "sha1", "new"})


class WeakHashNotForSecurity(PickedCallFix):
    codes = ("GR213",)
    fix_class = FixClass.UNSAFE

    methods = _METHODS

    def rewrite(self, updated_node: cst.Call) -> cst.BaseExpression:
        self.applied += 1
        return set_keyword(updated_node, "usedforsecurity", cst.Name("False"))
