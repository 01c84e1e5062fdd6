"""Shared by the fixes that delete whole statements (GR104, GR105, GR108, GR116).

Not a fix itself (it lives outside ``fixes/`` so it is not collected): ``DeleteStatements`` removes
every small statement its rule flagged, keeps blocks non-empty with ``pass``, and schedules the
imports the deleted statements used for removal (the framework removes them only if unused).

A deleted line goes, and the comments above it are kept (moved onto the next statement).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import libcst as cst
import libcst.matchers as m
from libcst.codemod.visitors import RemoveImportsVisitor
from libcst.helpers import get_absolute_module_from_package_for_import, get_full_name_for_node
from libcst.metadata import Assignment, PositionProvider, ScopeProvider

from groundrules.codemods.framework import Fix


def _matches(local_name: str, alias: cst.ImportAlias) -> bool:
    prefix = alias.evaluated_alias or alias.evaluated_name
    return local_name == prefix or local_name.startswith(prefix + ".")


class DeleteStatements(Fix):
    """Deletes the flagged statements; subclasses set ``codes`` and ``fix_class``."""

    # Fix declares only positions; the import clean-up also needs scopes.
    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider)  # type: ignore[assignment]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Lines emptied by the deletion (by id): the enclosing body puts these lines in their place.
        #: The placeholder is kept with them: an id is only unique while its object lives.
        self._dropped: Dict[int, Tuple[cst.SimpleStatementLine, List[cst.EmptyLine]]] = {}

    def deletes(self, statement: cst.BaseSmallStatement) -> bool:
        """A finding starts at the statement or, for an expression statement, at its value."""
        if self.flagged(statement):
            return True
        return isinstance(statement, cst.Expr) and self.flagged(statement.value)

    # -- imports used only by deleted statements ------------------------------------------
    def forget_imports(self, node: cst.CSTNode) -> None:
        """Schedule for removal the imports ``node`` (an original node) refers to."""
        for ref in m.findall(node, m.Name() | m.Attribute()):
            local_name = get_full_name_for_node(ref)
            scope = self.get_metadata(ScopeProvider, ref, None)
            if local_name is None or scope is None:
                continue
            while True:
                for assignment in scope.assignments[ref]:
                    if isinstance(assignment, Assignment):
                        self._forget(local_name, assignment.node)
                if scope is scope.parent:
                    break
                scope = scope.parent

    def _forget(self, local_name: str, statement: cst.CSTNode) -> None:
        if isinstance(statement, cst.Import):
            for alias in statement.names:
                if _matches(local_name, alias):
                    RemoveImportsVisitor.remove_unused_import(
                        self.context, alias.evaluated_name, asname=alias.evaluated_alias
                    )
        elif isinstance(statement, cst.ImportFrom) and not isinstance(statement.names, cst.ImportStar):
            module = get_absolute_module_from_package_for_import(None, statement)
            if module is None:
                return
            for alias in statement.names:
                if _matches(local_name, alias):
                    RemoveImportsVisitor.remove_unused_import(
                        self.context, module, obj=alias.evaluated_name, asname=alias.evaluated_alias
                    )

    # -- deleting ---------------------------------------------------------------------------
    def _kept(
        self, original: Sequence[cst.BaseSmallStatement], updated: Sequence[cst.BaseSmallStatement]
    ) -> List[cst.BaseSmallStatement]:
        kept: List[cst.BaseSmallStatement] = []
        for before, after in zip(original, updated):
            if self.deletes(before):
                self.applied += 1
                self.forget_imports(before)
            else:
                kept.append(after)
        if kept and len(kept) < len(updated):
            kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return kept

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        kept = self._kept(original_node.body, updated_node.body)
        if len(kept) == len(updated_node.body):
            return updated_node
        if kept:
            return updated_node.with_changes(body=kept)
        # A placeholder the enclosing body drops, its leading comments carried to the next line.
        placeholder = updated_node.with_changes(body=[cst.Pass()])
        lines = list(updated_node.leading_lines)
        self._dropped[id(placeholder)] = (placeholder, lines)
        return placeholder

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        kept = self._kept(original_node.body, updated_node.body)
        if len(kept) == len(updated_node.body):
            return updated_node
        return updated_node.with_changes(body=kept or [cst.Pass()])

    def _body(
        self, body: Sequence[cst.BaseStatement]
    ) -> Tuple[List[cst.BaseStatement], List[cst.EmptyLine]]:
        """``body`` without the placeholders, their lines put before the next statement; and the
        lines left over at the end."""
        out: List[cst.BaseStatement] = []
        carried: List[cst.EmptyLine] = []
        for statement in body:
            lines = self._lines_of(statement)
            if lines is not None:
                carried.extend(lines)
                continue
            if carried and isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                statement = statement.with_changes(leading_lines=carried + list(statement.leading_lines))
                carried = []
            out.append(statement)
        return out, carried

    def _lines_of(self, statement: cst.BaseStatement) -> Optional[List[cst.EmptyLine]]:
        """The lines standing for ``statement`` when it is a placeholder."""
        entry = self._dropped.get(id(statement))
        return entry[1] if entry is not None and entry[0] is statement else None

    def _has_dropped(self, body: Sequence[cst.BaseStatement]) -> bool:
        return any(self._lines_of(statement) is not None for statement in body)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if not self._has_dropped(updated_node.body):
            return updated_node
        body, rest = self._body(updated_node.body)
        if not body:  # `pass` takes the place of the last line deleted
            body, rest = [cst.SimpleStatementLine([cst.Pass()], leading_lines=rest)], []
        return updated_node.with_changes(body=body, footer=rest + list(updated_node.footer))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self._has_dropped(updated_node.body):
            return updated_node
        body, rest = self._body(updated_node.body)
        return updated_node.with_changes(body=body, footer=rest + list(updated_node.footer))

