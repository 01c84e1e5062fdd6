"""GR120: hoist module-level imports that follow code into the import block, in order.

UNSAFE (an import runs code: see the rule's Fix safety), under the rule's preconditions: the rule
flags only unconditional imports alone on their line whose name no statement they jump over mentions, with no import-path or
environment set-up in between. They go right after the last statement holding an import above
them (else after the docstring); their comments above stay where they were.
"""

from __future__ import annotations

from typing import List, Set

import libcst as cst
import libcst.matchers as m

from groundrules.codemods.framework import Fix
from groundrules.codemods.statements import is_docstring
from groundrules.standards.schema import FixClass


def _contains_import(statement: cst.CSTNode) -> bool:
    return bool(m.findall(statement, m.Import() | m.ImportFrom()))



class HoistImports(Fix):
    codes = ("GR120",)
    fix_class = FixClass.UNSAFE

    def _hoisted(self, statement: cst.BaseStatement) -> bool:
        return (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
            and (self.flagged(statement.body[0]) or self.flagged(statement))
        )

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        original = list(original_node.body)
        if len(original) != len(updated_node.body):
            return updated_node  # another fix changed the statements: the next pass does this
        moving: Set[int] = {i for i, s in enumerate(original) if self._hoisted(s)}
        if not moving:
            return updated_node
        first = min(moving)
        destination = next((i + 1 for i in range(first - 1, -1, -1) if _contains_import(original[i])), None)
        if destination is None:
            destination = 1 if first > 0 and is_docstring(original[0]) else 0
        body = list(updated_node.body)
        hoisted: List[cst.BaseStatement] = []
        rest: List[cst.BaseStatement] = []
        carried: List[cst.EmptyLine] = []
        for index in range(destination, len(body)):
            statement = body[index]
            if index in moving and isinstance(statement, cst.SimpleStatementLine):
                carried.extend(statement.leading_lines)
                hoisted.append(statement.with_changes(leading_lines=[]))
                self.applied += 1
                continue
            if carried and isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
                carried = []
            rest.append(statement)
        footer = [*carried, *updated_node.footer]
        return updated_node.with_changes(body=[*body[:destination], *hoisted, *rest], footer=footer)
