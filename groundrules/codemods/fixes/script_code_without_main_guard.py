"""GR102: move a script's trailing statements into ``def main() -> None:`` behind a ``__main__`` guard.

UNSAFE (POLICY): importing the module no longer runs them. The rule proves the preconditions (no
``def``/``class`` reads a moved binding, no ``global``, ``main`` is free) and marks the rest unfixable.
"""

from __future__ import annotations

from typing import List, Sequence

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


def _without_leading_blanks(lines: Sequence[cst.EmptyLine]) -> List[cst.EmptyLine]:
    out = list(lines)
    while out and out[0].comment is None:
        out.pop(0)
    return out


class MainGuard(Fix):
    codes = ("GR102",)
    fix_class = FixClass.UNSAFE

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if len(original_node.body) != len(updated_node.body):
            return updated_node  # another fix changed the statements: the next pass does this
        start = next((i for i, s in enumerate(original_node.body) if self._starts_finding(s)), None)
        if start is None:
            return updated_node
        moved = list(updated_node.body[start:])
        first = moved[0]
        if not isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return updated_node
        above = _without_leading_blanks(first.leading_lines)
        moved[0] = first.with_changes(leading_lines=[])
        blank = [cst.EmptyLine(), cst.EmptyLine()] if start > 0 else []
        main = cst.FunctionDef(
            name=cst.Name("main"),
            params=cst.Parameters(),
            body=cst.IndentedBlock(body=moved),
            returns=cst.Annotation(cst.Name("None")),
            leading_lines=blank + above,
        )
        guard = cst.parse_statement('if __name__ == "__main__":\n    main()\n')
        guard = guard.with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
        self.applied += 1
        return updated_node.with_changes(body=[*updated_node.body[:start], main, guard])

    def _starts_finding(self, statement: cst.BaseStatement) -> bool:
        if self.flagged(statement):
            return True
        return isinstance(statement, cst.SimpleStatementLine) and self.flagged(statement.body[0])
