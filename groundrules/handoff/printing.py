"""``print(...)`` becomes a lazy logging call: ``print(f"loaded {n} rows")`` ->
``logger.info("loaded %s rows", n)``; ``print(..., file=sys.stderr)`` -> ``logger.warning``.

Arguments are only formatted when the record is emitted (%-style), as the logging docs advise.
A print to any other file (a report being written) is output, not logging: it stays.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple, Union

import libcst as cst

#: A format spec that %-formatting spells the same way.
_PERCENT_SPEC = re.compile(r"^[-+ 0#]?\d*(?:\.\d+)?[dfeEgGxXos]$")


def _is_stderr(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name)
            and node.value.value == "sys" and node.attr.value == "stderr")


def _string_value(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def logging_call(call: cst.Call) -> Optional[Tuple[str, cst.Call]]:
    """(level, the ``logger.<level>(...)`` call) for a ``print`` call, ``None`` when it stays."""
    if not (isinstance(call.func, cst.Name) and call.func.value == "print"):
        return None
    level = "info"
    separator = " "
    positional: List[cst.BaseExpression] = []
    for arg in call.args:
        if arg.star:
            return None
        if arg.keyword is None:
            positional.append(arg.value)
            continue
        key = arg.keyword.value
        if key == "file":
            if not _is_stderr(arg.value):
                return None
            level = "warning"
        elif key == "sep":
            given = _string_value(arg.value)
            if given is None:
                return None
            separator = given
        elif key not in ("end", "flush"):
            return None
    pieces: List[str] = []
    values: List[cst.BaseExpression] = []
    for index, value in enumerate(positional):
        if index:
            pieces.append(separator.replace("%", "%%"))
        literal = _string_value(value)
        if literal is not None:
            pieces.append(literal.replace("%", "%%"))
        elif isinstance(value, cst.FormattedString):
            piece = _formatted(value, values)
            if piece is None:
                pieces.append("%s")
                values.append(value)
            else:
                pieces.append(piece)
        else:
            pieces.append("%s")
            values.append(value)
    template = "".join(pieces)
    if not values:
        template = template.replace("%%", "%")  # logging formats only when given arguments
    args = [cst.Arg(cst.SimpleString(_quote(template)))] + [cst.Arg(v) for v in values]
    args = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) if i < len(args) - 1 else a
            for i, a in enumerate(args)]
    new = cst.Call(func=cst.Attribute(cst.Name("logger"), cst.Name(level)), args=args)
    return level, new


def _formatted(node: cst.FormattedString, values: List[cst.BaseExpression]) -> Optional[str]:
    """The f-string as a %-template, its expressions appended to ``values``; ``None`` when a
    part cannot be expressed (a nested format spec)."""
    pieces: List[str] = []
    added: List[cst.BaseExpression] = []
    for part in node.parts:
        if not isinstance(part, (cst.FormattedStringText, cst.FormattedStringExpression)):
            return None
        if isinstance(part, cst.FormattedStringText):
            text = part.value
            if "\\" in text or "{{" in text or "}}" in text:
                evaluated = _unescape(text, node.prefix)
                if evaluated is None:
                    return None
                text = evaluated
            pieces.append(text.replace("%", "%%"))
            continue
        spec = ""
        if part.format_spec is not None:
            if not all(isinstance(p, cst.FormattedStringText) for p in part.format_spec):
                return None
            spec = "".join(p.value for p in part.format_spec if isinstance(p, cst.FormattedStringText))
        expression = part.expression
        if part.equal is not None:
            return None
        if part.conversion in ("r", "a") and not spec:
            pieces.append(f"%{part.conversion}")
        elif part.conversion is not None:
            return None
        elif not spec:
            pieces.append("%s")
        elif _PERCENT_SPEC.match(spec):
            pieces.append("%" + spec)
        else:
            # format() applies the spec exactly as the f-string did.
            pieces.append("%s")
            expression = cst.Call(cst.Name("format"), args=[
                cst.Arg(expression, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(cst.SimpleString(_quote(spec)))])
        added.append(expression)
    values.extend(added)
    return "".join(pieces)


def _unescape(text: str, prefix: str) -> Optional[str]:
    if "r" in prefix.lower():
        return text.replace("{{", "{").replace("}}", "}")
    try:
        value = cst.parse_expression('"' + text.replace('"', '\\"') + '"')
    except cst.ParserSyntaxError:
        return None
    evaluated = value.evaluated_value if isinstance(value, cst.SimpleString) else None
    if not isinstance(evaluated, str):
        return None
    return evaluated.replace("{{", "{").replace("}}", "}")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


class PrintToLogger(cst.CSTTransformer):
    """Rewrites every convertible ``print`` call; ``converted`` counts (level, line)."""

    def __init__(self) -> None:
        super().__init__()
        self.converted = 0
        self.warnings = 0

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> Union[cst.Call, cst.BaseExpression]:
        result = logging_call(updated_node)
        if result is None:
            return updated_node
        level, call = result
        self.converted += 1
        self.warnings += level == "warning"
        return call
