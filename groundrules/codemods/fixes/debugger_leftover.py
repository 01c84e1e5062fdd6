"""GR116: delete ``breakpoint()`` / ``pdb.set_trace()`` statements and ``import pdb`` (UNSAFE: a
debugger call is behaviour; see docs/fix-audit.md).

The rule marks fixable only the calls that are whole expression statements, and ``import pdb``
only when every use of ``pdb`` is such a call; the import is kept if one of them is not deleted.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import Assignment, ScopeProvider

from groundrules.codemods.deletion import DeleteStatements
from groundrules.standards.schema import FixClass


class DebuggerLeftover(DeleteStatements):
    codes = ("GR116",)
    fix_class = FixClass.UNSAFE

    def deletes(self, statement: cst.BaseSmallStatement) -> bool:
        if not isinstance(statement, cst.Import):
            return super().deletes(statement)
        if not self.flagged(statement):
            return False
        # The rule checked every use is a deletable call, but one may be kept (`# noqa`).
        return not self._used_beyond_targets(statement)

    def _used_beyond_targets(self, statement: cst.Import) -> bool:
        """``pdb`` is used other than by flagged calls (``pdb.set_trace()`` starts at ``pdb``)."""
        scope = self.get_metadata(ScopeProvider, statement, None)
        if scope is None:
            return True
        for assignment in scope.assignments["pdb"]:
            if isinstance(assignment, Assignment) and assignment.node is statement:
                for access in assignment.references:
                    if not isinstance(access.node, cst.CSTNode) or not self.flagged(access.node):
                        return True
        return False
