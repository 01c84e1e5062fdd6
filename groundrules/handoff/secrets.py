"""The secrets a prototype hard-codes (what GR201 reports), and their masking in every output."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

from groundrules.rules.engine import check_source
from groundrules.rules.security.hardcoded_secret import HardcodedSecret
from groundrules.standards.model import FileStandards

MASK = "***"
_NAMED = re.compile(r"hardcoded secret in `([^`]+)`")


@dataclass(frozen=True)
class Secret:
    cell: int
    line: int
    name: str  # the variable, keyword or key that held it ("secret" for a bare credential)
    value: str


def find_secrets(cell: int, source: str, tree: ast.Module, standards: FileStandards) -> List[Secret]:
    """GR201's findings in one (magic-free) cell, with the literal each one is about."""
    findings = check_source(source.encode("utf-8"), f"cell{cell}.py", f"cell{cell}.py", standards,
                            [HardcodedSecret]).findings
    found: List[Secret] = []
    for finding in findings:
        if finding.code != HardcodedSecret.code:
            continue
        named = _NAMED.search(finding.message)
        name = named.group(1) if named else "secret"
        value = _literal_in(tree, finding.line, finding.column - 1, finding.end_line, finding.end_column - 1, name)
        if value is not None:
            found.append(Secret(cell, finding.line, name, value))
    return found


def _literal_in(tree: ast.Module, line: int, column: int, end_line: int, end_column: int,
                name: str) -> Optional[str]:
    def inside(node: ast.AST) -> bool:
        start = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        return (line, column) <= start <= (end_line, end_column)

    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if key is not None and inside(key) and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    return value.value
    strings = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and inside(n)]
    strings.sort(key=lambda n: (n.lineno, n.col_offset))
    for node in strings:
        if isinstance(node.value, str) and node.value != name:
            return node.value
    return None


class Masker:
    """Replaces every secret value in a text (longest first, so no part of one survives)."""

    def __init__(self, values: Iterable[str]) -> None:
        spelled = {form for v in values if v for form in (v, repr(v)[1:-1])}
        self.values: Tuple[str, ...] = tuple(sorted(spelled, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, MASK)
        return text

    def all(self, texts: Sequence[str]) -> List[str]:
        return [self(t) for t in texts]
