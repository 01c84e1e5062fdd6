"""Facts about LibCST statements that several fixes need."""

from __future__ import annotations

import libcst as cst


def is_docstring(statement: cst.BaseStatement) -> bool:
    """A string literal alone on its line (the first such statement of a body is its docstring)."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
