"""GR119: ``assert c, m`` -> ``if not c: raise AssertionError(m)`` (UNSAFE: it runs under ``-O``).

The negation is written as a reviewer would: ``is``/``is not``, ``in``/``not in`` and ``not``
are inverted (exact: Python defines ``a not in b`` as ``not (a in b)``), parentheses only where
``not`` needs them, ``assert False, m`` is ``raise AssertionError(m)``.  ``==``, ``!=`` and the
orderings are not inverted (``__eq__`` and ``__ne__`` are separate methods a type may define
apart), and keep their parentheses: ``if not (a != b):`` reads as meant where ``if not a != b:``
invites a misreading as ``(not a) != b``.  Continuation lines keep their layout: a line aligned
with a bracket follows the bracket, a hanging indent stays relative to its statement.

With ``assert-exception`` set to another built-in exception (``ValueError``) the rule reports the
finding as UNSAFE (POLICY) and the same rewrite raises that exception; a name that is not a
built-in exception, or that the module rebinds, is reported as not fixable.
"""

from __future__ import annotations

import re
from typing import Any, List, Optional, Sequence, Tuple, Union, cast

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.rules.coding.assert_as_runtime_validation import ASSERT_EXCEPTION, builtin_exception
from groundrules.standards.schema import FixClass

#: Tests that bind tighter than ``not`` without parentheses.
_ATOMS = (cst.Name, cst.Call, cst.Attribute, cst.Subscript, cst.SimpleString, cst.Integer, cst.Float,
          cst.List, cst.Tuple, cst.Dict, cst.Set, cst.FormattedString, cst.ConcatenatedString)
#: Comparison operators whose negation is exactly the other one.
_INVERSE = {cst.Is: cst.IsNot, cst.IsNot: cst.Is, cst.In: cst.NotIn, cst.NotIn: cst.In}


#: Expressions that bind tighter than ``not``.
_BINDS_TIGHTER: Tuple[type, ...] = (cst.Comparison, cst.BinaryOperation)


def _bare(node: cst.BaseExpression) -> cst.BaseExpression:
    """``node`` without grouping parentheses (kept when they hold a line break together)."""
    if node.lpar and not _multiline(node):
        return node.with_changes(lpar=[], rpar=[])
    return node


def _multiline(node: cst.CSTNode) -> bool:
    return "\n" in cst.Module([]).code_for_node(node)


def _negated(test: cst.BaseExpression) -> cst.BaseExpression:
    """``not test``, simplified where that is exact."""
    inner = _bare(test)
    if isinstance(inner, cst.UnaryOperation) and isinstance(inner.operator, cst.Not):
        return _bare(inner.expression) if not _multiline(inner.expression) else inner.expression
    if isinstance(inner, cst.Comparison) and len(inner.comparisons) == 1:
        target = inner.comparisons[0]
        inverse = _INVERSE.get(type(target.operator))
        if inverse is not None:
            # The operator's own spacing (a line break after ``in``) is kept.
            spacing = {"whitespace_before": target.operator.whitespace_before,  # type: ignore[attr-defined]
                       "whitespace_after": target.operator.whitespace_after}  # type: ignore[attr-defined]
            return inner.with_changes(comparisons=[target.with_changes(operator=inverse(**spacing))])
    if isinstance(inner, cst.UnaryOperation):
        return cst.UnaryOperation(operator=cst.Not(), expression=inner)  # ``-x``, ``~x`` bind tighter
    if isinstance(inner, _ATOMS + _BINDS_TIGHTER) or _multiline(test):
        # An atom, a comparison or arithmetic needs no parentheses after ``not`` (which binds
        # looser: ``not a == b`` is ``not (a == b)``); a test spread over lines keeps those that
        # hold it.  Only ``and``/``or``, ``x if c else y`` and ``lambda`` need them.
        operand = inner if isinstance(inner, _ATOMS + _BINDS_TIGHTER) else test
    else:
        operand = inner.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.UnaryOperation(operator=cst.Not(), expression=operand)


class _Shift(cst.CSTTransformer):
    """Moves every continuation line of an expression by ``shift`` columns.  ``block`` is how far
    the statement's own block moved (the ``raise`` is one level deeper than the assert): a line
    LibCST indents relative to the block (``indent=True``) has moved that far already."""

    def __init__(self, shift: int, block: int) -> None:
        super().__init__()
        self.shift = shift
        self.block = block

    def leave_ParenthesizedWhitespace(
        self, original_node: cst.ParenthesizedWhitespace, updated_node: cst.ParenthesizedWhitespace
    ) -> cst.ParenthesizedWhitespace:
        shift = self.shift - (self.block if updated_node.indent else 0)
        width = max(0, len(updated_node.last_line.value) + shift)
        return updated_node.with_changes(last_line=cst.SimpleWhitespace(" " * width))

    def leave_SimpleWhitespace(
        self, original_node: cst.SimpleWhitespace, updated_node: cst.SimpleWhitespace
    ) -> cst.SimpleWhitespace:
        # A backslash continuation is plain whitespace to LibCST: backslash, newline, next indent.
        head, newline, indent = updated_node.value.rpartition("\n")
        if not newline:
            return updated_node
        width = max(0, len(indent) - len(indent.lstrip(" ")) + self.shift)
        return updated_node.with_changes(value=head + newline + " " * width + indent.lstrip(" "))


#: A first line ending in an open bracket or a backslash: the next lines hang from the statement.
_HANGS = re.compile(r"[(\[{\\]\s*(#.*)?$")


def _hanging(node: cst.BaseExpression) -> bool:
    """True when ``node``'s continuation lines are indented from the statement (a hanging
    indent), not aligned with an opening bracket: they move with the statement, not the bracket."""
    first = cst.Module([]).code_for_node(node).split("\n", 1)[0]
    return bool(_HANGS.search(first))


def _shifted(node: cst.BaseExpression, shift: int, block: int) -> cst.BaseExpression:
    if (shift == 0 and block == 0) or not _multiline(node):
        return node
    return cast(cst.BaseExpression, node.visit(_Shift(shift, block)))


def _content_offset(node: cst.BaseExpression, own_parentheses: bool = True) -> int:
    """Columns between where ``node`` starts and where its first operand starts: ``not `` and
    opening parentheses.  A node's position in the original excludes its own parentheses, so
    they are not counted when measuring from there (``own_parentheses=False``)."""
    offset = sum(1 + len(cst.Module([]).code_for_node(p.whitespace_after)) for p in node.lpar) if own_parentheses else 0
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        offset += len("not ") + _content_offset(node.expression)
    return offset


def _always_fails(test: cst.BaseExpression) -> bool:
    """``assert False`` / ``assert 0``: the assert always raises."""
    inner = _bare(test)
    return (isinstance(inner, cst.Name) and inner.value == "False") or (
        isinstance(inner, cst.Integer) and inner.value == "0"
    )


def _raise(node: cst.Assert, exception: str) -> cst.Raise:
    exc: cst.BaseExpression = cst.Name(exception)
    if node.msg is not None:
        # The call's own parentheses hold a message spread over lines: no second pair.  A tuple's
        # are kept (``AssertionError((a, b))`` has one argument, ``AssertionError(a, b)`` two), as
        # are a ``yield``'s (needed inside a call).
        keep = node.msg.lpar and isinstance(node.msg, (cst.Tuple, cst.Yield))
        exc = cst.Call(func=exc, args=[cst.Arg(node.msg if keep else node.msg.with_changes(lpar=[], rpar=[]))])
    return cst.Raise(exc=exc)


class AssertToRaise(Fix):
    codes = ("GR119",)
    fix_class = FixClass.UNSAFE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._longest_line: Optional[int] = None

    def _exception(self) -> str:
        exception = self.option(ASSERT_EXCEPTION)
        return exception if builtin_exception(exception) else "AssertionError"

    def _longest(self) -> int:
        """The file's longest line: a rewrite must not add a longer one."""
        if self._longest_line is None:
            code = self.context.wrapper.module.code if self.context.wrapper is not None else ""
            self._longest_line = max((len(line) for line in code.splitlines()), default=0)
        return self._longest_line

    def _rewrite(self, new: cst.Assert, old: cst.Assert) -> Optional[cst.BaseStatement]:
        """The ``if``/``raise`` for one assert, its continuation lines kept in their columns;
        ``None`` when a line would be longer than any in the file."""
        where = self.position(old)
        column = where.start.column if where is not None else 0
        indent = column + len(self.context.wrapper.module.default_indent if self.context.wrapper else "    ")
        raised = _raise(new, self._exception())
        if _always_fails(new.test):
            indent = column
        if new.msg is not None and old.msg is not None and isinstance(raised.exc, cst.Call):
            msg_at = self.position(old.msg)
            if msg_at is not None:
                message = raised.exc.args[0].value
                shift = (indent - column if _hanging(message) else
                         indent + len("raise ") + len(self._exception()) + 1 + _content_offset(message)
                         - msg_at.start.column - _content_offset(old.msg, own_parentheses=False))
                raised = raised.with_changes(exc=raised.exc.with_changes(
                    args=[raised.exc.args[0].with_changes(value=_shifted(message, shift, indent - column))]))
        statement: cst.BaseStatement
        if _always_fails(new.test):
            statement = cst.SimpleStatementLine(body=[raised])
        else:
            test = _negated(new.test)
            test_at = self.position(old.test)
            if test_at is not None and not _hanging(test):
                test = _shifted(test, column + len("if ") + _content_offset(test)
                                - test_at.start.column - _content_offset(old.test, own_parentheses=False), 0)
            body = cst.IndentedBlock(body=[cst.SimpleStatementLine(body=[raised])])
            statement = cst.If(test=test, body=body)
        text = cst.Module([], default_indent=self.context.wrapper.module.default_indent if self.context.wrapper else "    ").code_for_node(statement)
        longest = max(len(line) for line in text.splitlines())
        if column + longest > max(self._longest(), 79):
            return None
        return statement

    def _convert(
        self,
        statements: Sequence[cst.BaseSmallStatement],
        originals: Sequence[cst.BaseSmallStatement],
        leading: Sequence[cst.EmptyLine],
        trailing: cst.TrailingWhitespace,
    ) -> List[cst.BaseStatement]:
        """Split a line of small statements, turning each flagged assert into an ``if``."""
        groups: List[Union[cst.BaseStatement, List[cst.BaseSmallStatement]]] = []
        for new, old in zip(statements, originals):
            rewritten = (
                self._rewrite(new, old)
                if isinstance(new, cst.Assert) and isinstance(old, cst.Assert) and self.flagged(old)
                else None
            )
            if rewritten is not None:
                self.applied += 1
                groups.append(rewritten)
            elif groups and isinstance(groups[-1], list):
                groups[-1].append(new)
            else:
                groups.append([new])
        out: List[cst.BaseStatement] = []
        for index, group in enumerate(groups):
            lines = list(leading) if index == 0 else []
            end = trailing if index == len(groups) - 1 else cst.TrailingWhitespace()
            if isinstance(group, cst.If):
                out.append(group.with_changes(leading_lines=lines, body=group.body.with_changes(header=end)))
            elif isinstance(group, cst.SimpleStatementLine):
                out.append(group.with_changes(leading_lines=lines, trailing_whitespace=end))
            elif isinstance(group, list):
                group[-1] = group[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                out.append(cst.SimpleStatementLine(body=group, leading_lines=lines, trailing_whitespace=end))
        return out

    def _has_flagged(self, originals: Sequence[cst.BaseSmallStatement]) -> bool:
        return any(isinstance(s, cst.Assert) and self.flagged(s) for s in originals)

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement]]:
        if not self._has_flagged(original_node.body):
            return updated_node
        return cst.FlattenSentinel(
            self._convert(
                updated_node.body, original_node.body, updated_node.leading_lines, updated_node.trailing_whitespace
            )
        )

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.BaseSuite:
        if not self._has_flagged(original_node.body):
            return updated_node
        body = self._convert(updated_node.body, original_node.body, (), cst.TrailingWhitespace())
        return cst.IndentedBlock(header=updated_node.trailing_whitespace, body=body)
