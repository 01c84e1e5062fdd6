"""GR212: ``tar.extractall(...)`` -> ``tar.extractall(..., filter="data")``.

UNSAFE (policy): members the ``data`` filter rejects (absolute paths, ``..``, links leaving the
target) now raise.  The rule marks only tar extraction, and only when ``target-python`` is 3.12 or
later; zip archives are never rewritten.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import PickedCallFix, set_keyword
from groundrules.standards.schema import FixClass


class ArchiveFilter(PickedCallFix):
    codes = ("GR212",)
    fix_class = FixClass.UNSAFE

    methods = frozenset({"extractall"})

    def rewrite(self, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "extractall":
            return updated_node
        if any(arg.star for arg in updated_node.args):
            return updated_node
        self.applied += 1
        return set_keyword(updated_node, "filter", cst.SimpleString('"data"'))
