"""GR211: ``p = tempfile.mktemp(...)`` -> ``fd, p = tempfile.mkstemp(...)`` then ``os.close(fd)``.

UNSAFE (the file now exists), once proven: the rule marks fixable only an assignment to a plain name that nothing
in its scope tests for existence, needs absent or copies, in a module where ``fd``, ``os`` and
``tempfile`` mean nothing else.  ``mkstemp`` takes ``suffix``, ``prefix`` and ``dir`` in the same
order as ``mktemp``.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Union

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


def _close() -> cst.Expr:
    return cst.Expr(
        cst.Call(
            func=cst.Attribute(value=cst.Name("os"), attr=cst.Name("close")),
            args=[cst.Arg(cst.Name("fd"))],
        )
    )


class MkstempInsteadOfMktemp(Fix):
    codes = ("GR211",)
    fix_class = FixClass.UNSAFE

    def _rewrite(self, original: cst.BaseSmallStatement, updated: cst.BaseSmallStatement) -> Optional[cst.Assign]:
        if not (
            isinstance(original, cst.Assign)
            and isinstance(updated, cst.Assign)
            and isinstance(original.value, cst.Call)
            and self.flagged(original.value)
            and isinstance(updated.value, cst.Call)
            and len(updated.targets) == 1
            and isinstance(updated.targets[0].target, cst.Name)
        ):
            return None
        call = updated.value
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "mktemp":
            new_func: cst.BaseExpression = func.with_changes(attr=cst.Name("mkstemp"))
        elif isinstance(func, cst.Name):
            new_func = cst.Attribute(value=cst.Name("tempfile"), attr=cst.Name("mkstemp"))
            AddImportsVisitor.add_needed_import(self.context, "tempfile")
            RemoveImportsVisitor.remove_unused_import(self.context, "tempfile", "mktemp")
            RemoveImportsVisitor.remove_unused_import(self.context, "tempfile", "mktemp", func.value)
        else:
            return None
        AddImportsVisitor.add_needed_import(self.context, "os")
        target = updated.targets[0]
        pair = cst.Tuple(
            elements=[
                cst.Element(cst.Name("fd"), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Element(target.target),
            ],
            lpar=[],
            rpar=[],
        )
        self.applied += 1
        return updated.with_changes(
            targets=[target.with_changes(target=pair)], value=call.with_changes(func=new_func)
        )

    def _body(
        self, original: Sequence[cst.BaseSmallStatement], updated: Sequence[cst.BaseSmallStatement]
    ) -> Optional[List[cst.BaseSmallStatement]]:
        if len(original) != len(updated):
            return None
        out: List[cst.BaseSmallStatement] = []
        changed = False
        for old, new in zip(original, updated):
            assign = self._rewrite(old, new)
            if assign is None:
                out.append(new)
                continue
            changed = True
            out.append(assign.with_changes(semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" "))))
            out.append(_close().with_changes(semicolon=new.semicolon))
        return out if changed else None

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> Union[cst.SimpleStatementLine, cst.FlattenSentinel[cst.SimpleStatementLine]]:
        if len(original_node.body) == 1 and len(updated_node.body) == 1:
            assign = self._rewrite(original_node.body[0], updated_node.body[0])
            if assign is None:
                return updated_node
            return cst.FlattenSentinel(
                [updated_node.with_changes(body=[assign]), cst.SimpleStatementLine(body=[_close()])]
            )
        body = self._body(original_node.body, updated_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        body = self._body(original_node.body, updated_node.body)
        return updated_node if body is None else updated_node.with_changes(body=body)
