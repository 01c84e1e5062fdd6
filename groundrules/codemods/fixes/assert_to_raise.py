"""GR119: ``assert c, m`` -> ``if not c: raise AssertionError(m)`` (SAFE: same behaviour without ``-O``).

With ``assert-exception`` set to another built-in exception (``ValueError``) the rule reports the
finding as UNSAFE (POLICY) and the same rewrite raises that exception; a name that is not a
built-in exception, or that the module rebinds, is reported as not fixable.
"""

from __future__ import annotations

from typing import List, Sequence, Union

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.rules.coding.assert_as_runtime_validation import ASSERT_EXCEPTION, builtin_exception
from groundrules.standards.schema import FixClass

#: Tests that bind tighter than ``not`` without parentheses.
_ATOMS = (cst.Name, cst.Call, cst.Attribute, cst.Subscript)


def _negated(test: cst.BaseExpression) -> cst.BaseExpression:
    if not isinstance(test, _ATOMS) and not test.lpar:
        test = test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.UnaryOperation(operator=cst.Not(), expression=test)


def _raise(node: cst.Assert, exception: str) -> cst.Raise:
    exc: cst.BaseExpression = cst.Name(exception)
    if node.msg is not None:
        exc = cst.Call(func=exc, args=[cst.Arg(node.msg)])
    return cst.Raise(exc=exc)


class AssertToRaise(Fix):
    codes = ("GR119",)
    fix_class = FixClass.SAFE

    def _exception(self) -> str:
        exception = self.option(ASSERT_EXCEPTION)
        return exception if builtin_exception(exception) else "AssertionError"

    def _convert(
        self,
        statements: Sequence[cst.BaseSmallStatement],
        originals: Sequence[cst.BaseSmallStatement],
        leading: Sequence[cst.EmptyLine],
        trailing: cst.TrailingWhitespace,
    ) -> List[cst.BaseStatement]:
        """Split a line of small statements, turning each flagged assert into an ``if``."""
        groups: List[Union[cst.Assert, List[cst.BaseSmallStatement]]] = []
        for new, old in zip(statements, originals):
            if isinstance(new, cst.Assert) and self.flagged(old):
                groups.append(new)
            elif groups and isinstance(groups[-1], list):
                groups[-1].append(new)
            else:
                groups.append([new])
        out: List[cst.BaseStatement] = []
        for index, group in enumerate(groups):
            lines = leading if index == 0 else ()
            end = trailing if index == len(groups) - 1 else cst.TrailingWhitespace()
            if isinstance(group, cst.Assert):
                self.applied += 1
                body = cst.IndentedBlock(header=end, body=[cst.SimpleStatementLine(body=[_raise(group, self._exception())])])
                out.append(cst.If(test=_negated(group.test), body=body, leading_lines=lines))
            else:
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
