"""GR117: delete commented-out code, only with ``coding.remove-commented-code = true``.

SAFE (comments have no behaviour), but it loses what the comment said, so the rule marks its
findings fixable only when the option is on. The spans are recomputed with the rule's own
``code_spans`` on the same text, and a span goes only when a finding starts at its first line.
"""

from __future__ import annotations

import ast
from typing import Dict, Set, Union

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.rules.coding.commented_out_code import REMOVE_COMMENTED_CODE, code_spans, string_lines
from groundrules.standards.schema import FixClass


class RemoveCommentedCode(Fix):
    codes = ("GR117",)
    fix_class = FixClass.SAFE

    def visit_Module(self, node: cst.Module) -> None:
        #: Line -> first line of its span, for every line of a flagged span.
        self._lines: Dict[int, int] = {}
        self._removed: Set[int] = set()
        if not self.option(REMOVE_COMMENTED_CODE):
            return
        text = node.code
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return
        for line, column, count in code_spans(text.splitlines(), string_lines(tree)):
            if (line, column) in self.targets:
                self._lines.update({n: line for n in range(line, line + count)})

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> Union[cst.EmptyLine, cst.RemovalSentinel]:
        if updated_node.comment is None or not self._lines:
            return updated_node
        where = self.position(original_node)
        if where is None:
            return updated_node
        span = self._lines.get(where.start.line)
        if span is None:
            return updated_node
        if span not in self._removed:
            self._removed.add(span)
            self.applied += 1
        return cst.RemoveFromParent()
