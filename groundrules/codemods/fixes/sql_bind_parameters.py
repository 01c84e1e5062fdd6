"""GR202: ``cur.execute(f"... WHERE id = {id}")`` -> ``cur.execute("... WHERE id = %(id)s", {"id": id})``.

COND (SAFE once proven): the rule marks fixable only an f-string written in a one-argument
``.execute`` or in ``pd.read_sql``/``read_sql_query`` without ``params``, whose every field is a
plain name right after a comparison operator (bare or between single quotes), and whose text
holds neither braces nor the paramstyle's own marker.  Placeholders follow ``paramstyle``.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import CallPicker, set_keyword
from groundrules.codemods.framework import Fix
from groundrules.rules.security.sql_built_by_string_formatting import PARAMSTYLE, _SQL_KEYWORDS
from groundrules.standards.schema import FixClass

_SINK_METHODS = frozenset({"execute", "read_sql", "read_sql_query"})
_PLACEHOLDERS = {"pyformat": "%({})s", "named": ":{}", "qmark": "?"}


def _strip_quote(text: str, at_end: bool) -> Optional[str]:
    """``text`` without the single quote (``'`` or ``\\'``) at its end or start."""
    for quote in ("\\'", "'"):
        if at_end and text.endswith(quote):
            return text[: -len(quote)]
        if not at_end and text.startswith(quote):
            return text[len(quote) :]
    return None


def _bound(sql: cst.FormattedString, style: str) -> Optional[Tuple[cst.SimpleString, List[str]]]:
    """The plain string with placeholders, and the names bound in order."""
    pieces: List[str] = []
    names: List[str] = []
    parts = list(sql.parts)
    strip_next = False
    for index, part in enumerate(parts):
        if isinstance(part, cst.FormattedStringText):
            text = part.value
            if strip_next:
                stripped = _strip_quote(text, at_end=False)
                if stripped is None:
                    return None
                text = stripped
            pieces.append(text)
            strip_next = False
            continue
        if not (
            isinstance(part, cst.FormattedStringExpression)
            and isinstance(part.expression, cst.Name)
            and part.conversion is None
            and part.format_spec is None
        ):
            return None
        nxt = parts[index + 1] if index + 1 < len(parts) else None
        quoted = (
            bool(pieces)
            and _strip_quote(pieces[-1], at_end=True) is not None
            and isinstance(nxt, cst.FormattedStringText)
            and _strip_quote(nxt.value, at_end=False) is not None
        )
        if quoted:
            pieces[-1] = _strip_quote(pieces[-1], at_end=True) or ""
        strip_next = quoted
        name = part.expression.value
        names.append(name)
        pieces.append(_PLACEHOLDERS[style].format(name))
    prefix = sql.prefix
    quote = sql.start[len(prefix) :]
    new_prefix = "".join(c for c in prefix if c not in "fF")
    return cst.SimpleString(f"{new_prefix}{quote}{''.join(pieces)}{quote}"), names


def _params(names: List[str], style: str) -> cst.BaseExpression:
    if style == "qmark":
        inner = ", ".join(names) + ("," if len(names) == 1 else "")
        return cst.parse_expression(f"({inner})")
    unique: Dict[str, None] = dict.fromkeys(names)
    return cst.parse_expression("{" + ", ".join(f'"{n}": {n}' for n in unique) + "}")


class SqlBindParameters(Fix):
    codes = ("GR202",)
    fix_class = FixClass.SAFE

    _picker: CallPicker

    def visit_Module(self, node: cst.Module) -> None:
        self._picker = CallPicker(_SINK_METHODS)

    def visit_Call(self, node: cst.Call) -> None:
        self._picker.visit(self, node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._picker.picked(original_node):
            return updated_node
        args = list(updated_node.args)
        index = next(
            (
                i
                for i, a in enumerate(args)
                if (a.keyword is None and not a.star and i == 0)
                or (a.keyword is not None and a.keyword.value in _SQL_KEYWORDS)
            ),
            None,
        )
        sql = args[index].value if index is not None else None
        if index is None or not isinstance(sql, cst.FormattedString):
            return updated_node
        style = self.option(PARAMSTYLE)
        bound = _bound(sql, style)
        if bound is None:
            return updated_node
        text, names = bound
        params = _params(names, style)
        args[index] = args[index].with_changes(value=text)
        call = updated_node.with_changes(args=args)
        func = call.func
        method = func.attr.value if isinstance(func, cst.Attribute) else None
        self.applied += 1
        if method == "execute":
            only = args[0]
            return call.with_changes(
                args=[
                    only.with_changes(
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                        whitespace_after_arg=cst.SimpleWhitespace(""),
                    ),
                    cst.Arg(params, comma=only.comma, whitespace_after_arg=only.whitespace_after_arg),
                ]
            )
        return set_keyword(call, "params", params)
