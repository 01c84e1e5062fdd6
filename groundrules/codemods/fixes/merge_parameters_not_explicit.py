"""GR408: add the default join type, ``how="inner"`` to ``merge`` and ``how="left"`` to ``join``.

SAFE: the value added is pandas' default for that method, so behaviour is unchanged.  The rule
reports the missing keys and ``validate=`` as a separate finding without a fix.
"""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import PickedCallFix, set_keyword
from groundrules.standards.schema import FixClass

_DEFAULT_HOW = {"merge": "inner", "join": "left"}


class MergeHow(PickedCallFix):
    codes = ("GR408",)
    fix_class = FixClass.SAFE

    methods = frozenset(_DEFAULT_HOW)

    def rewrite(self, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if isinstance(func, cst.Attribute):
            name = func.attr.value
        elif isinstance(func, cst.Name):
            name = "merge"  # `from pandas import merge` (possibly aliased): the rule only reports pandas.merge
        else:
            return updated_node
        how = _DEFAULT_HOW.get(name)
        if how is None or any(arg.star for arg in updated_node.args):
            return updated_node
        if any(arg.keyword is not None and arg.keyword.value == "how" for arg in updated_node.args):
            return updated_node
        self.applied += 1
        return set_keyword(updated_node, "how", cst.SimpleString(f'"{how}"'))
