"""GR414: pandas aliases and removed methods with a same-behaviour replacement (SAFE
for the isnull/notnull aliases; UNSAFE for the removed methods: warnings and exceptions change).

``.iteritems()`` -> ``.items()``, and ``fillna(method="ffill")`` -> ``.ffill()`` (likewise ``pad``, ``bfill``, ``backfill``) when the
method is a string literal, no value is given and every other argument is one ``ffill`` accepts.
``.ix`` and ``pd.datetime`` are not rewritten.

UNSAFE (the rule marks it fixable only when proven): ``a.append(b, ignore_index=...)`` ->
``pd.concat([a, b], ignore_index=...)`` when both are known DataFrames and the module binds
``pandas`` to a name (``pd``), the name this fix uses.
"""

from __future__ import annotations

import ast
from typing import List, Optional

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.rules.datascience.removed_or_deprecated_pandas_api import APPEND_KEPT, pandas_alias
from groundrules.rules.imports import ImportTracker
from groundrules.standards.schema import FixClass

_RENAMES = {"iteritems": "items"}
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
    fix_class = FixClass.UNSAFE

    _pandas: Optional[str] = None

    def visit_Module(self, node: cst.Module) -> None:
        try:
            self._pandas = pandas_alias(ImportTracker(ast.parse(node.code)))
        except SyntaxError:
            self._pandas = None

    def _concat(self, call: cst.Call, receiver: cst.BaseExpression) -> Optional[cst.Call]:
        """``pd.concat([a, b], **kept)`` for ``a.append(b, **kept)``."""
        if self._pandas is None or not call.args:
            return None
        other, *rest = call.args
        if other.keyword is not None or other.star:
            return None
        if any(a.keyword is None or a.star or a.keyword.value not in APPEND_KEPT for a in rest):
            return None
        frames = cst.List(
            [
                cst.Element(receiver, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Element(other.value),
            ]
        )
        args = [cst.Arg(frames, comma=other.comma), *rest]
        func = cst.Attribute(value=cst.Name(self._pandas), attr=cst.Name("concat"))
        return call.with_changes(func=func, args=args)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not isinstance(func, cst.Attribute) or not self.flagged(original_node):
            return updated_node
        method = func.attr.value
        if method == "append":
            concat = self._concat(updated_node, func.value)
            if concat is None:
                return updated_node
            self.applied += 1
            return concat
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
