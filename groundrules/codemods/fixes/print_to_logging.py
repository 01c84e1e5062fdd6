"""GR101: ``print(a, b)`` -> ``logger.info("%s %s", a, b)`` (UNSAFE: output moves from stdout to
the logging system).

Adds ``import logging`` and a module-level ``logger = logging.getLogger(__name__)`` after the
leading docstring and imports when the module has none.  The rule marks as not fixable the calls
passing keywords or ``*args`` and the modules where ``logger`` or ``logging`` name something else.
"""

from __future__ import annotations

from typing import Any, List, Set, Tuple

import libcst as cst
import libcst.matchers as m
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import PositionProvider

from groundrules.codemods.framework import Fix
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



class PrintToLogging(Fix):
    codes = ("GR101",)
    fix_class = FixClass.UNSAFE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rewritten = False
        #: Lines of the rewritten calls, to keep the new logger above the ones run at import.
        self._lines: Set[int] = set()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self.flagged(original_node) or not m.matches(updated_node.func, m.Name("print")):
            return updated_node
        args = list(updated_node.args)
        if any(arg.keyword is not None or arg.star for arg in args):
            return updated_node
        template = cst.Arg(
            cst.SimpleString('"' + " ".join("%s" for _ in args) + '"'),
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")) if args else cst.MaybeSentinel.DEFAULT,
        )
        self.applied += 1
        self._rewritten = True
        self._lines.add(self._line_range(original_node)[0])
        return updated_node.with_changes(
            func=cst.Attribute(value=cst.Name("logger"), attr=cst.Name("info")), args=[template, *args]
        )

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
        AddImportsVisitor.add_needed_import(self.context, "logging")
        body: List[cst.BaseStatement] = list(updated_node.body)
        if any(_is_module_logger(statement) for statement in body):
            return updated_node
        # After the last import (GR120 wants imports first), but above any top-level code that
        # calls the logger; after the docstring in any case.
        at = 1 if body and is_docstring(body[0]) else 0
        for index, (before, after) in enumerate(zip(original_node.body, body)):
            if self._runs_a_print(before):
                break
            if _is_import(after):
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
