"""GR103: delete presentation magics and unwrap timing magics in nbconvert form
(UNSAFE: they change what a notebook shows, and raise ``NameError`` outside IPython).

The rule marks fixable only ``get_ipython().run_line_magic(...)`` / ``.magic(...)`` calls of
``matplotlib``, ``load_ext autoreload``, ``autoreload``, ``reload_ext`` and
``config InlineBackend.*`` that are whole expression statements: they only change how the
notebook displays or reloads code, so a script without them behaves the same.  These are deleted.

It also marks ``%time``/``%timeit`` (``run_line_magic``; not ``%%time`` cell magics, whose
body the check never read as Python) of literal code that compiles at module level, when the
magic is a whole statement alone on its lines at module level: the statement is replaced by that
code (IPython runs it in the user namespace, which is the module's there).
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Union

import libcst as cst

from groundrules.codemods.deletion import DeleteStatements
from groundrules.standards.schema import FixClass

_TIMERS = frozenset({"time", "timeit"})
_Statement = Union[cst.SimpleStatementLine, cst.BaseCompoundStatement]
_STATEMENTS = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


def _literal(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _timed_code(call: cst.BaseExpression) -> Optional[str]:
    """The code of ``get_ipython().run_line_magic("time", code)`` (or ``run_cell_magic``)."""
    if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
        return None
    method = call.func.attr.value
    args = [_literal(arg.value) if arg.keyword is None and not arg.star else None for arg in call.args]
    if not args or args[0] not in _TIMERS:
        return None
    if method == "run_line_magic" and len(args) == 2:
        return args[1]
    if method == "run_cell_magic" and len(args) == 3 and args[1] is not None and not args[1].strip():
        return args[2]
    return None


class IpythonPresentationMagic(DeleteStatements):
    codes = ("GR103",)
    fix_class = FixClass.UNSAFE

    def _timer(self, statement: cst.BaseSmallStatement) -> Optional[str]:
        if isinstance(statement, cst.Expr) and self.flagged(statement.value):
            return _timed_code(statement.value)
        return None

    def deletes(self, statement: cst.BaseSmallStatement) -> bool:
        return self._timer(statement) is None and super().deletes(statement)

    def leave_SimpleStatementLine(  # type: ignore[override]
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement]]:
        code = self._timer(original_node.body[0]) if len(original_node.body) == 1 else None
        if code is None:
            return super().leave_SimpleStatementLine(original_node, updated_node)
        try:
            inner = cst.parse_module(code)
        except cst.ParserSyntaxError:
            return updated_node
        statements: List[_Statement] = [s for s in inner.body if isinstance(s, _STATEMENTS)]
        if not statements or len(statements) != len(inner.body):
            return updated_node
        first = statements[0]
        statements[0] = first.with_changes(
            leading_lines=[*updated_node.leading_lines, *inner.header, *first.leading_lines]
        )
        self.applied += 1
        return cst.FlattenSentinel(self._keep_comment(statements, updated_node.trailing_whitespace))

    @staticmethod
    def _keep_comment(statements: Sequence[_Statement], trailing: cst.TrailingWhitespace) -> List[cst.BaseStatement]:
        """The magic line's trailing comment goes to the last line (or above the code)."""
        out: List[_Statement] = list(statements)
        if trailing.comment is None:
            return list(out)
        last = out[-1]
        if isinstance(last, cst.SimpleStatementLine) and last.trailing_whitespace.comment is None:
            out[-1] = last.with_changes(trailing_whitespace=trailing)
        else:
            line = cst.EmptyLine(comment=trailing.comment)
            out[0] = out[0].with_changes(leading_lines=[*out[0].leading_lines, line])
        return list(out)
