"""GR414: pandas aliases and removed methods with a same-behaviour replacement (SAFE).

``.iteritems()`` -> ``.items()``, ``.isnull()`` -> ``.isna()``, ``.notnull()`` -> ``.notna()``, and
``fillna(method="ffill")`` -> ``.ffill()`` (likewise ``pad``, ``bfill``, ``backfill``) when the
method is a string literal, no value is given and every other argument is one ``ffill`` accepts.
``.append``, ``.ix`` and ``pd.datetime`` are not rewritten.
"""

from __future__ import annotations

from typing import List, Optional

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass

_RENAMES = {"iteritems": "items", "isnull": "isna", "notnull": "notna"}
_FILL_METHODS = {"ffill": "ffill", "pad": "ffill", "bfill": "bfill", "backfill": "bfill"}
#: Keywords of ``fillna`` that ``ffill``/``bfill`` take with the same meaning.
_FILL_KEPT = frozenset({"axis", "inplace", "limit", "downcast"})


def _literal(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def fillna_replacement(args: List[cst.Arg]) -> Optional[str]:
    """``ffill``/``bfill`` when ``fillna(args)`` is exactly that fill, else ``None``."""
    method: Optional[str] = None
    for arg in args:
        if arg.keyword is None or arg.star:
            return None
        name = arg.keyword.value
        if name == "method":
            method = _FILL_METHODS.get(_literal(arg.value) or "")
            if method is None:
                return None
        elif name not in _FILL_KEPT:
            return None
    return method


class PandasDeprecatedApi(Fix):
    codes = ("GR414",)
    fix_class = FixClass.SAFE

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not isinstance(func, cst.Attribute) or not self.flagged(original_node):
            return updated_node
        method = func.attr.value
        if method in _RENAMES:
            self.applied += 1
            return updated_node.with_changes(func=func.with_changes(attr=cst.Name(_RENAMES[method])))
        if method == "fillna":
            args = list(updated_node.args)
            replacement = fillna_replacement(args)
            if replacement is None:
                return updated_node
            kept = [a for a in args if a.keyword is not None and a.keyword.value != "method"]
            if kept:
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            self.applied += 1
            return updated_node.with_changes(func=func.with_changes(attr=cst.Name(replacement)), args=kept)
        return updated_node
