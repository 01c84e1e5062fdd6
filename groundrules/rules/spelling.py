"""Source text of an expression for a finding's message, safe on any expression that parses."""

from __future__ import annotations

import ast

#: What a message shows for an expression too deep to spell out (thousands of chained terms).
TOO_DEEP = "…"


def unparse(node: ast.AST) -> str:
    """``ast.unparse``, or :data:`TOO_DEEP` where it would exceed the recursion limit: ``ast``
    parses `a + a + ... + a` of a thousand terms, which ``ast.unparse`` cannot spell."""
    try:
        return ast.unparse(node)
    except RecursionError:
        return TOO_DEEP
