"""GR109: ``from module import *`` -> ``from module import a, b`` (the exported names the file mentions).

UNSAFE (importers lose the re-exported names), applied when the rule could prove it: the target's source is found on ``sys.path`` by path and read with
``ast`` (never imported); see ``star_names`` in the rule, which both use.
"""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst

from groundrules.codemods.framework import Fix
from groundrules.rules.coding.star_import import star_names
from groundrules.standards.schema import FixClass


class ExplicitStarImport(Fix):
    codes = ("GR109",)
    fix_class = FixClass.UNSAFE

    _tree: Optional[ast.Module] = None

    def visit_Module(self, node: cst.Module) -> None:
        try:
            self._tree = ast.parse(node.code)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self._tree = None

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        if not isinstance(updated_node.names, cst.ImportStar) or not self.flagged(original_node):
            return updated_node
        if self._tree is None:
            return updated_node
        where = self.position(original_node)
        if where is None:
            return updated_node
        line = where.start.line
        node = next(
            (
                n
                for n in self._tree.body
                if isinstance(n, ast.ImportFrom) and n.lineno == line and any(a.name == "*" for a in n.names)
            ),
            None,
        )
        names = star_names(self._tree, node) if node is not None else None
        if not names:
            return updated_node
        self.applied += 1
        aliases = [
            cst.ImportAlias(
                name=cst.Name(name),
                comma=(
                    cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                    if i < len(names) - 1
                    else cst.MaybeSentinel.DEFAULT
                ),
            )
            for i, name in enumerate(names)
        ]
        return updated_node.with_changes(names=aliases)
