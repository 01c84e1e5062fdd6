"""GR420: ``m.forward(x)`` -> ``m(x)``.

UNSAFE (policy): the module's hooks (and wrapper logic such as ``DataParallel``'s) start running,
which is the intended semantics but changes behaviour.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import PickedCallFix
from groundrules.standards.schema import FixClass


class ForwardCall(PickedCallFix):
    codes = ("GR420",)
    fix_class = FixClass.UNSAFE

    methods = frozenset({"forward"})

    def rewrite(self, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "forward":
            return updated_node
        self.applied += 1
        return updated_node.with_changes(func=func.value)
