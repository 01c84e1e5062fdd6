"""Adding an import where a person (and isort) would put it.

isort's default layout: `from __future__` first, then sections (standard library, third party,
first party) separated by a blank line; inside a section the plain `import x` lines come before
the `from x import y` lines, each alphabetical.  ``with_import`` follows that for a standard-library
module when the module's leading import block is laid out that way; otherwise LibCST's import
adder (after the last import) is the fallback.
"""

from __future__ import annotations

import sys
from typing import List, Optional, Tuple

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from groundrules.codemods.statements import is_docstring


def _module_of(statement: cst.BaseStatement) -> Optional[Tuple[bool, str]]:
    """(is a from-import, top module name) of a one-import line at the top of a module."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return None
    node = statement.body[0]
    if isinstance(node, cst.Import) and len(node.names) == 1:
        name = cst.Module([]).code_for_node(node.names[0].name)
        return False, name
    if isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None:
        return True, cst.Module([]).code_for_node(node.module)
    return None


def with_import(body: List[cst.BaseStatement], name: str, context: CodemodContext) -> List[cst.BaseStatement]:
    """``body`` with ``import <name>`` (a standard-library module) where isort puts it: among the
    standard-library ``import x`` lines of the leading import block, in alphabetical order (after
    ``from __future__``); libcst's import adder is the fallback for other layouts."""
    stdlib = getattr(sys, "stdlib_module_names", None)
    if stdlib is not None and name not in stdlib:
        AddImportsVisitor.add_needed_import(context, name)
        return body
    if any(_module_of(s) == (False, name) for s in body):
        return body
    at = 1 if body and is_docstring(body[0]) else 0
    block: List[Tuple[int, bool, str]] = []
    for index in range(at, len(body)):
        found = _module_of(body[index])
        if found is None:
            break
        block.append((index, found[0], found[1]))
    if stdlib is None or not block:
        AddImportsVisitor.add_needed_import(context, name)
        return body
    position = None
    for index, from_import, module in block:
        if module == "__future__":
            continue
        top = module.partition(".")[0]
        if top not in stdlib or from_import or module > name:
            position = index
            break
    if position is None:
        position = block[-1][0] + 1
    new = cst.parse_statement(f"import {name}\n")
    following = body[position] if position < len(body) else None
    previous = body[position - 1] if position > 0 else None
    previous_found = _module_of(previous) if previous is not None else None
    if isinstance(following, cst.SimpleStatementLine) and _module_of(following) is not None:
        # Take the blank lines above the line it goes before (a section break stays above it)...
        new = new.with_changes(leading_lines=following.leading_lines)
        follows = _module_of(following)
        third_party = follows is not None and follows[1].partition(".")[0] not in stdlib
        # ...and start a new section before a third-party import, as isort separates sections.
        body[position] = following.with_changes(leading_lines=[cst.EmptyLine()] if third_party else [])
    elif previous_found is not None and previous_found[1].partition(".")[0] not in stdlib | {"__future__"}:
        new = new.with_changes(leading_lines=[cst.EmptyLine()])
    elif previous_found is not None and previous_found[1] == "__future__":
        new = new.with_changes(leading_lines=[cst.EmptyLine()])
    body.insert(position, new)
    return body
