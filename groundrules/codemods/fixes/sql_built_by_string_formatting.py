"""GR202: ``cur.execute(f"... WHERE id = {id}")`` -> ``cur.execute("... WHERE id = %(id)s", {"id": id})``.

UNSAFE (the database receives typed parameters), once proven: the rule marks fixable only an f-string (or a literal's ``%`` /
``.format()`` of plain names with plain ``%s`` / ``{}`` fields, or literals ``+`` single-quoted
plain names, read as the equivalent f-string)
written in a one-argument ``.execute`` or in ``pd.read_sql``/``read_sql_query`` without
``params``, whose every field is a plain name right after a comparison operator (bare or between
single quotes), and whose text holds neither braces nor the paramstyle's own marker.
Placeholders follow ``paramstyle``.  ``conn.execute(text(f"..."))`` gets ``:name`` placeholders
and the parameters as ``execute``'s second argument.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from groundrules.codemods.fixes._keyword_arg import CallPicker, set_keyword
from groundrules.codemods.framework import Fix
from groundrules.rules.security.sql_built_by_string_formatting import (
    PARAMSTYLE,
    _SQL_KEYWORDS,
    bind_style,
    bindable_fields,
)
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


def _bound_formatted(sql: cst.BaseExpression, style: str) -> Optional[Tuple[cst.SimpleString, List[str]]]:
    """``"... = %s" % x`` or ``"... = {}".format(x)``: the rule's own reading of the expression
    (``as_fstring``), so the fix binds exactly the fields the rule judged to be values."""
    try:
        tree = ast.parse("(" + cst.Module([]).code_for_node(sql) + ")", mode="eval")
    except SyntaxError:
        return None
    if not isinstance(tree.body, (ast.BinOp, ast.Call)):
        return None
    found = bindable_fields(tree.body, style)
    if found is None:
        return None
    joined, fields = found
    pieces: List[str] = []
    names: List[str] = []
    quoted_fields = iter(fields)
    strip_next = False
    for part in joined.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            pieces.append(part.value[1:] if strip_next else part.value)
            strip_next = False
            continue
        name, quoted = next(quoted_fields)
        if quoted:
            pieces[-1] = pieces[-1][:-1]
        strip_next = quoted
        names.append(name)
        pieces.append(_PLACEHOLDERS[style].format(name))
    return _string_like(sql, "".join(pieces)), names


def _string_like(sql: cst.BaseExpression, value: str) -> cst.SimpleString:
    """``value`` written with the quotes of the formatted literal when that needs no escaping."""
    literal: Optional[cst.BaseExpression] = None
    if isinstance(sql, cst.BinaryOperation):
        literal = sql.left
        while isinstance(literal, cst.BinaryOperation):  # the first literal of a `+` chain
            literal = literal.left
    elif isinstance(sql, cst.Call) and isinstance(sql.func, cst.Attribute):
        literal = sql.func.value
    if isinstance(literal, cst.SimpleString) and not literal.prefix and "\\" not in literal.value:
        quote = literal.quote
        body = f"{quote}{value}{quote}"
        if quote not in value and value[-1:] != quote[0] and (len(quote) == 3 or "\n" not in value):
            return cst.SimpleString(body)
    return cst.SimpleString(repr(value))


def _params(names: List[str], style: str) -> cst.BaseExpression:
    if style == "qmark":
        inner = ", ".join(names) + ("," if len(names) == 1 else "")
        return cst.parse_expression(f"({inner})")
    unique: Dict[str, None] = dict.fromkeys(names)
    return cst.parse_expression("{" + ", ".join(f'"{n}": {n}' for n in unique) + "}")


def _text_argument(call: cst.Call) -> Optional[cst.Call]:
    """The call in ``x.execute(<call>(f"..."))``: one argument each, no keywords, an f-string."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "execute") or len(call.args) != 1:
        return None
    arg = call.args[0]
    inner = arg.value
    if arg.keyword is not None or arg.star or not isinstance(inner, cst.Call) or len(inner.args) != 1:
        return None
    only = inner.args[0]
    if only.keyword is not None or only.star or not isinstance(only.value, cst.FormattedString):
        return None
    return inner


class SqlBindParameters(Fix):
    codes = ("GR202",)
    fix_class = FixClass.UNSAFE

    _picker: CallPicker

    _text_calls: Set[int]

    _style: Optional[str]

    def visit_Module(self, node: cst.Module) -> None:
        self._picker = CallPicker(_SINK_METHODS)
        self._text_calls = set()
        configured = self.standards.options.get(PARAMSTYLE.key) if self.standards is not None else None
        try:
            self._style = bind_style(ast.parse(node.code), configured)
        except SyntaxError:
            self._style = None

    def visit_Call(self, node: cst.Call) -> None:
        inner = _text_argument(node)
        if inner is not None and self.flagged(inner):
            # ``conn.execute(text(f"..."))``: rewritten when leaving the ``execute`` call.
            self._text_calls.add(id(inner))
        self._picker.visit(self, node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        inner = _text_argument(original_node)
        if inner is not None and id(inner) in self._text_calls:
            return self._bind_text(updated_node)
        if id(original_node) in self._text_calls or not self._picker.picked(original_node):
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
        if index is None or sql is None:
            return updated_node
        style = self._style
        if style is None:
            return updated_node
        bound = _bound(sql, style) if isinstance(sql, cst.FormattedString) else _bound_formatted(sql, style)
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

    def _bind_text(self, execute: cst.Call) -> cst.Call:
        """``conn.execute(text(f"... = {x}"))`` -> ``conn.execute(text("... = :x"), {"x": x})``:
        SQLAlchemy's ``text()`` always takes named parameters, whatever ``paramstyle`` says."""
        outer = execute.args[0]
        inner = outer.value
        if not isinstance(inner, cst.Call) or len(inner.args) != 1:
            return execute
        sql = inner.args[0].value
        if not isinstance(sql, cst.FormattedString):
            return execute
        bound = _bound(sql, "named")
        if bound is None:
            return execute
        text, names = bound
        new_inner = inner.with_changes(args=[inner.args[0].with_changes(value=text)])
        self.applied += 1
        return execute.with_changes(
            args=[
                outer.with_changes(
                    value=new_inner,
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                    whitespace_after_arg=cst.SimpleWhitespace(""),
                ),
                cst.Arg(
                    _params(names, "named"),
                    comma=outer.comma,
                    whitespace_after_arg=outer.whitespace_after_arg,
                ),
            ]
        )
