"""GR110: mutable default -> ``None`` plus ``if x is None: x = <original>`` atop the body (UNSAFE).

Callers passing ``None`` explicitly now get a fresh object, hence POLICY.  The rule marks fixable
only ``def`` parameters whose default uses nothing but imports, builtins and comprehension
variables (so it means the same evaluated in the body) and that are not memos read with ``in`` or
``.get``; an annotated parameter's annotation becomes ``Optional[...]``.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from groundrules.codemods.framework import Fix
from groundrules.codemods.statements import is_docstring
from groundrules.standards.schema import FixClass


def _check(name: str, default: cst.BaseExpression) -> cst.If:
    """``if name is None:\\n    name = default``."""
    return cst.If(
        test=cst.Comparison(
            left=cst.Name(name),
            comparisons=[cst.ComparisonTarget(operator=cst.Is(), comparator=cst.Name("None"))],
        ),
        body=cst.IndentedBlock(
            body=[cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=default)])]
        ),
    )


class MutableDefaultArgument(Fix):
    codes = ("GR110",)
    fix_class = FixClass.UNSAFE

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        checks: List[cst.If] = []
        params = updated_node.params
        changes = {}
        for field in ("posonly_params", "params", "kwonly_params"):
            before: Sequence[cst.Param] = getattr(original_node.params, field)
            after: Sequence[cst.Param] = getattr(params, field)
            new, added = self._rewrite(before, after)
            if added:
                changes[field] = new
                checks.extend(added)
        if not checks:
            return updated_node
        params = params.with_changes(**changes)
        return updated_node.with_changes(params=params, body=self._body(updated_node.body, checks))

    def _rewrite(
        self, before: Sequence[cst.Param], after: Sequence[cst.Param]
    ) -> Tuple[List[cst.Param], List[cst.If]]:
        out: List[cst.Param] = []
        checks: List[cst.If] = []
        for old, param in zip(before, after):
            if old.default is None or param.default is None or not self.flagged(old.default):
                out.append(param)
                continue
            self.applied += 1
            checks.append(_check(param.name.value, param.default))
            param = param.with_changes(default=cst.Name("None"))
            if param.annotation is not None:
                annotation = param.annotation.annotation
                text = cst.Module(body=[]).code_for_node(annotation)
                if "Optional" not in text and "None" not in text:
                    AddImportsVisitor.add_needed_import(self.context, "typing", "Optional")
                    wrapped = cst.Subscript(
                        value=cst.Name("Optional"),
                        slice=[cst.SubscriptElement(slice=cst.Index(value=annotation))],
                    )
                    param = param.with_changes(annotation=param.annotation.with_changes(annotation=wrapped))
            out.append(param)
        return out, checks

    @staticmethod
    def _body(body: cst.BaseSuite, checks: List[cst.If]) -> cst.BaseSuite:
        if isinstance(body, cst.SimpleStatementSuite):
            line = cst.SimpleStatementLine(body=body.body, trailing_whitespace=body.trailing_whitespace)
            return cst.IndentedBlock(body=[*checks, line])
        if not isinstance(body, cst.IndentedBlock):
            return body
        statements = list(body.body)
        at = 1 if statements and is_docstring(statements[0]) else 0
        return body.with_changes(body=[*statements[:at], *checks, *statements[at:]])
