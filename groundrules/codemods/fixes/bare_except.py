"""GR111: ``except:`` -> ``except Exception:`` (UNSAFE: KeyboardInterrupt and SystemExit now pass)."""

from __future__ import annotations

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.standards.schema import FixClass


class BareExcept(Fix):
    codes = ("GR111",)
    fix_class = FixClass.UNSAFE

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        if updated_node.type is not None or not self.flagged(original_node):
            return updated_node
        self.applied += 1
        return updated_node.with_changes(
            type=cst.Name("Exception"),
            whitespace_after_except=cst.SimpleWhitespace(" "),
        )
