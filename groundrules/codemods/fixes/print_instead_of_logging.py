"""GR101: ``print(a, b)`` -> ``logger.info("%s %s", a, b)`` (UNSAFE: output moves from stdout to
the logging system).

Adds ``import logging`` and a module-level ``logger = logging.getLogger(__name__)`` after the
leading docstring and imports when the module has none.  The rule marks as not fixable the calls
passing keywords or ``*args`` and the modules where ``logger`` or ``logging`` name something else.
"""

from __future__ import annotations

import ast
import re
import sys
from typing import Any, List, Optional, Sequence, Set, Tuple

import libcst as cst
import libcst.matchers as m
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import PositionProvider

from groundrules.codemods.framework import Fix
from groundrules.codemods.imports import with_import
from groundrules.codemods.statements import is_docstring
from groundrules.standards.schema import FixClass


def _is_module_logger(statement: cst.BaseStatement) -> bool:
    """``logger = logging.getLogger(__name__)``."""
    return m.matches(
        statement,
        m.SimpleStatementLine(
            body=[
                m.Assign(
                    targets=[m.AssignTarget(target=m.Name("logger"))],
                    value=m.Call(
                        func=m.Attribute(value=m.Name("logging"), attr=m.Name("getLogger")),
                        args=[m.Arg(value=m.Name("__name__"), keyword=None, star="")],
                    ),
                )
            ]
        ),
    )


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body
    )


def _in_import_block(statement: cst.BaseStatement) -> bool:
    """An import, or an ``if``/``try`` of optional imports (``try: import x`` / ``except
    ImportError: x = None``), which GR120 counts as part of the import block: the logger goes
    below it, or the block would then be "below code"."""
    if _is_import(statement):
        return True
    if not isinstance(statement, (cst.If, cst.Try)):
        return False
    if isinstance(statement, cst.If) and m.matches(statement.test, m.Comparison(left=m.Name("__name__"))):
        return False  # the main guard
    suites: List[cst.BaseSuite] = [statement.body]
    if isinstance(statement, cst.Try):
        suites += [h.body for h in statement.handlers]
        suites += [statement.finalbody.body] if statement.finalbody else []
    if statement.orelse is not None:
        orelse = statement.orelse
        if isinstance(orelse, cst.If):
            return _in_import_block(orelse) and _in_import_block(statement.with_changes(orelse=None))
        suites.append(orelse.body)
    has_import = False
    for suite in suites:
        if not isinstance(suite, cst.IndentedBlock):
            return False  # ``try: import x`` on one line: rare, left where it is
        for inner in suite.body:
            if _is_import(inner) or (isinstance(inner, (cst.If, cst.Try)) and _in_import_block(inner)):
                has_import = True
            elif not (isinstance(inner, cst.SimpleStatementLine) and all(
                    isinstance(s, (cst.Pass, cst.Raise, cst.Assign, cst.AnnAssign))
                    or (isinstance(s, cst.Expr) and isinstance(s.value, (cst.SimpleString, cst.ConcatenatedString)))
                    for s in inner.body)):
                return False
    return has_import



def _literal_text(node: cst.BaseExpression) -> Optional[str]:
    """The text of a plain (not bytes) string literal."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)) and not node.lpar:
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _fstring_format(node: cst.BaseExpression) -> Optional[Tuple[str, List[cst.BaseExpression]]]:
    """An f-string as a %-format and its values (``f"n={n!r}"`` -> ``"n=%r"``, ``n``); ``None``
    when a field has a format spec or ``=`` (their text is not a %-conversion)."""
    if not isinstance(node, cst.FormattedString) or node.lpar:
        return None
    if "b" in node.prefix.lower():
        return None
    raw = "r" in node.prefix.lower()
    text: List[str] = []
    values: List[cst.BaseExpression] = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringText):
            value = part.value if raw else _unescape(part.value)
            if value is None:
                return None
            text.append(value.replace("%", "%%").replace("{{", "{").replace("}}", "}"))
        elif isinstance(part, cst.FormattedStringExpression):
            if part.equal or part.conversion not in (None, "s", "r"):
                return None
            if part.format_spec:
                conversion = _percent_spec(part.format_spec)
                if conversion is None or part.conversion is not None:
                    return None
                text.append(conversion)
            else:
                text.append("%r" if part.conversion == "r" else "%s")
            values.append(part.expression)
        else:
            return None
    return "".join(text), values


#: Number format specs that mean the same as a %-conversion (`.2f` -> `%.2f`); `-` (a sign in
#: format(), left-justify in %) and alignment or grouping characters have no exact equivalent.
_NUMBER_SPEC = re.compile(r"^[+ 0#]*\d*(?:\.\d+)?[dfeEgGxXo]$")


def _percent_spec(spec: Sequence[cst.BaseFormattedStringContent]) -> Optional[str]:
    if len(spec) != 1 or not isinstance(spec[0], cst.FormattedStringText):
        return None
    text = spec[0].value
    return "%" + text if _NUMBER_SPEC.match(text) else None


def _unescape(value: str) -> Optional[str]:
    """The text of an f-string's literal part (its escapes resolved)."""
    try:
        result = ast.literal_eval('"""' + value.replace('"', '\\"') + '"""') if value else ""
    except (SyntaxError, ValueError):
        return None
    return result if isinstance(result, str) else None


def _quoted(text: str) -> cst.SimpleString:
    """``text`` as a double-quoted literal (single quotes when it holds double quotes)."""
    body = repr(text)[1:-1]
    if '"' not in text:
        return cst.SimpleString('"' + body.replace("\\'", "'") + '"')
    return cst.SimpleString(repr(text))


class PrintToLogging(Fix):
    codes = ("GR101",)
    fix_class = FixClass.UNSAFE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rewritten = False
        #: Lines of the rewritten calls, to keep the new logger above the ones run at import.
        self._lines: Set[int] = set()
        #: First arguments of calls laid out with a hanging indent (the call opens a new line).
        self._hanging: Set[int] = set()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node) or not m.matches(updated_node.func, m.Name("print")):
            return updated_node
        args = list(updated_node.args)
        if any(arg.keyword is not None or arg.star for arg in args):
            return updated_node
        pieces: List[str] = []
        values: List[cst.BaseExpression] = []
        for arg in args:
            literal = _literal_text(arg.value)
            if literal is not None:
                pieces.append(literal.replace("%", "%%"))
                continue
            expanded = _fstring_format(arg.value)
            if expanded is not None:
                pieces.append(expanded[0])
                values.extend(expanded[1])
                continue
            if isinstance(arg.value, cst.FormattedString):
                return updated_node  # no exact %-format: left for a person (the finding stays)
            pieces.append("%s")
            values.append(arg.value)
        # The logging call in the form a person writes: the message as one %-format string,
        # the values as arguments (evaluated lazily by logging, as its docs recommend).
        message = _quoted(" ".join(pieces))
        new_args = self._layout(original_node, message, values)
        self.applied += 1
        self._rewritten = True
        self._lines.add(self._line_range(original_node)[0])
        hanging = id(new_args[0]) in self._hanging
        return updated_node.with_changes(
            func=cst.Attribute(value=cst.Name("logger"), attr=cst.Name("info")),
            args=new_args,
            whitespace_before_args=cst.ParenthesizedWhitespace(
                first_line=cst.TrailingWhitespace(), indent=True,
                last_line=cst.SimpleWhitespace(
                    self.context.wrapper.module.default_indent if self.context.wrapper is not None else "    "
                ),
            ) if hanging else cst.SimpleWhitespace(""),
        )

    def _layout(self, original: cst.Call, message: cst.SimpleString, values: List[cst.BaseExpression]) -> List[cst.Arg]:
        """The arguments on one line when it fits the file's longest line (and the call was on
        one line); else one per line, aligned with the opening parenthesis, as the call was."""
        spaced = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        code = self.context.wrapper.module.code if self.context.wrapper is not None else ""
        lines = code.splitlines()
        first, last = self._line_range(original)
        where = self.positions.get(original) if self.positions is not None else None
        column = where.start.column if where is not None else 0
        values = [v.with_changes(lpar=v.lpar, rpar=v.rpar) for v in values]
        one_line = [cst.Arg(message, comma=spaced if values else cst.MaybeSentinel.DEFAULT)] + [
            cst.Arg(v, comma=spaced if i < len(values) - 1 else cst.MaybeSentinel.DEFAULT) for i, v in enumerate(values)
        ]
        longest = max((len(line) for line in lines), default=79)
        rendered = cst.Module([]).code_for_node(
            cst.Call(func=cst.Attribute(value=cst.Name("logger"), attr=cst.Name("info")), args=one_line)
        )
        line = lines[first - 1] if 0 < first <= len(lines) else ""
        tail = len(lines[last - 1]) - (where.end.column if where is not None else 0) if 0 < last <= len(lines) else 0
        if "\n" not in rendered and (first == last or not values) and column + len(rendered) + tail <= max(longest, 79):
            return one_line
        # Hanging indent, as black writes a call that does not fit: the arguments on one line
        # below the call when they fit there, else one per line; `)` back at the call's indent.
        step = self.context.wrapper.module.default_indent if self.context.wrapper is not None else "    "
        indent = len(line) - len(line.lstrip(" \t"))
        inner = indent + len(step)

        def broken(text: str) -> cst.ParenthesizedWhitespace:
            return cst.ParenthesizedWhitespace(
                first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace(text)
            )

        args_line = cst.Module([]).code_for_node(
            cst.Call(func=cst.Name("f"), args=one_line)
        )[2:-1]
        if "\n" not in args_line and inner + len(args_line) <= max(longest, 79):
            args = one_line
        else:
            newline = cst.Comma(whitespace_after=broken(step))
            args = [cst.Arg(message, comma=newline if values else cst.MaybeSentinel.DEFAULT)] + [
                cst.Arg(v, comma=newline if i < len(values) - 1 else cst.MaybeSentinel.DEFAULT)
                for i, v in enumerate(values)
            ]
        args[0] = args[0].with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
        final = args[-1]
        args[-1] = final.with_changes(whitespace_after_arg=broken(""))
        self._hanging.add(id(args[0]))
        return args

    def _line_range(self, node: cst.CSTNode) -> Tuple[int, int]:
        where = self.positions.get(node) if self.positions is not None else None
        if where is None:
            where = self.get_metadata(PositionProvider, node)
        return where.start.line, where.end.line

    def _runs_a_print(self, statement: cst.CSTNode) -> bool:
        """A top-level statement that may run a rewritten call when the module is imported."""
        if isinstance(statement, cst.FunctionDef):
            return False
        first, last = self._line_range(statement)
        return any(first <= line <= last for line in self._lines)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self._rewritten:
            return updated_node
        body: List[cst.BaseStatement] = list(updated_node.body)
        body = with_import(body, "logging", self.context)
        updated_node = updated_node.with_changes(body=body)
        if any(_is_module_logger(statement) for statement in body):
            return updated_node
        # After the last import (GR120 wants imports first), but above any top-level code that
        # calls the logger; after the docstring in any case.
        at = 1 if body and is_docstring(body[0]) else 0
        for index, (before, after) in enumerate(zip(original_node.body, body)):
            if self._runs_a_print(before):
                break
            if _in_import_block(after):
                at = max(at, index + 1)
        logger = cst.parse_statement("logger = logging.getLogger(__name__)\n")
        logger = logger.with_changes(leading_lines=[cst.EmptyLine()] if at else [])
        following = body[at] if at < len(body) else None
        if isinstance(following, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            if not following.leading_lines:
                # Two blank lines before a def or class, as PEP 8 has it; one otherwise.
                blank = 2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1
                body[at] = following.with_changes(leading_lines=[cst.EmptyLine()] * blank)
        body.insert(at, logger)
        return updated_node.with_changes(body=body)
