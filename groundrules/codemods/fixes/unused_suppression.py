"""GR903: drop the ``GR`` codes a ``# noqa`` lists but that silence nothing (SAFE).

``x = 1  # noqa: GR206, F401 -- why`` -> ``x = 1  # noqa: F401 -- why``; the whole comment goes
when no code remains.  Each finding sits at the column of its unused code, so only the flagged
codes are removed, and only in runs that select every ``GR`` rule (otherwise a code that did not
fire may still be needed by a fuller run, and the rule does not mark the finding fixable).
"""

from __future__ import annotations

from typing import Optional, Union

import libcst as cst
from libcst.metadata import PositionProvider

from groundrules.codemods.framework import Fix
from groundrules.rules.diagnostics.unused_suppression import NOQA, code_spans, every_rule_selected, judged_codes
from groundrules.standards.schema import FixClass


class UnusedSuppression(Fix):
    codes = ("GR903",)
    fix_class = FixClass.SAFE

    def _start(self, node: cst.CSTNode) -> Optional[tuple[int, int]]:
        if self.positions is not None:
            where = self.positions.get(node)
            return None if where is None else (where.start.line, where.start.column)
        try:
            start = self.get_metadata(PositionProvider, node).start
        except KeyError:
            return None
        return start.line, start.column

    def _rewrite(self, comment: Optional[cst.Comment]) -> Optional[str]:
        """The new comment text ("" to drop it), or None to leave ``comment`` alone."""
        if comment is None or self.standards is None or not every_rule_selected(judged_codes(self.standards)):
            return None
        start = self._start(comment)
        value = comment.value
        found = NOQA.search(value)
        if start is None or found is None or found.group("codes") is None:
            return None
        line, column = start
        spans = code_spans(value, found.start())
        kept = [code for code, offset in spans if (line, column + offset) not in self.targets]
        if len(kept) == len(spans):
            return None
        self.applied += len(spans) - len(kept)
        prefix, rest = value[: found.start()].rstrip(), value[found.end() :].strip()
        if kept:
            noqa = f"{value[found.start() : found.start() + 6]}: {', '.join(kept)}"
            return " ".join(part for part in (prefix + ("  " if prefix else "") + noqa, rest) if part)
        # No code left: the reason goes with it; a following comment of another tool stays.
        tail = rest if rest.startswith("#") else ""
        return (prefix + "  " + tail if prefix and tail else prefix or tail).strip()

    def leave_TrailingWhitespace(
        self, original_node: cst.TrailingWhitespace, updated_node: cst.TrailingWhitespace
    ) -> cst.TrailingWhitespace:
        new = self._rewrite(original_node.comment)
        if new is None:
            return updated_node
        if not new:
            return updated_node.with_changes(comment=None, whitespace=cst.SimpleWhitespace(""))
        return updated_node.with_changes(comment=cst.Comment(new))

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> Union[cst.EmptyLine, cst.RemovalSentinel]:
        new = self._rewrite(original_node.comment)
        if new is None:
            return updated_node
        if not new:
            return cst.RemoveFromParent()
        return updated_node.with_changes(comment=cst.Comment(new))
