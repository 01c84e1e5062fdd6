"""Stable identities for findings, for code scanning and code quality to match runs.

A finding is identified by its code, path, notebook cell and a hash of its line's
whitespace-normalised text, plus an occurrence index among findings sharing all of those: moving
code up or down keeps the identity, two identical findings still differ.  Only a hash of the line
enters the report, because the line may hold the secret a finding is about.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from groundrules.rules import cell_scripts
from groundrules.rules.framework import Finding


def _python_lines(data: bytes) -> List[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def _cell_lines(data: bytes, cell: int) -> List[str]:
    """The source lines of code cell ``cell`` (1-based, as findings number them)."""
    try:
        notebook = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        # A script exported from a notebook reports by cell too.
        return list(cell_scripts.cells_of(data).get(cell, (0, ()))[1])
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list) or not 1 <= cell <= len(cells):
        return []
    chosen = cells[cell - 1]
    source = chosen.get("source", "") if isinstance(chosen, dict) else ""
    if isinstance(source, list):
        source = "".join(str(part) for part in source)
    return str(source).splitlines()


class _Lines:
    """Each file's lines, read once per report; a file that cannot be read has none."""

    def __init__(self) -> None:
        self._data: Dict[str, Optional[bytes]] = {}

    def line(self, finding: Finding) -> str:
        if finding.path not in self._data:
            try:
                self._data[finding.path] = Path(finding.path).read_bytes()
            except OSError:
                self._data[finding.path] = None
        data = self._data[finding.path]
        if data is None:
            return ""
        if finding.cell is not None:
            lines = _cell_lines(data, finding.cell)
        else:
            lines = _python_lines(data)
        return lines[finding.line - 1] if 1 <= finding.line <= len(lines) else ""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def fingerprints(findings: Sequence[Finding]) -> List[str]:
    """One hex digest per finding, in order."""
    lines = _Lines()
    seen: Counter[Tuple[str, ...]] = Counter()
    out: List[str] = []
    for finding in findings:
        text = " ".join(lines.line(finding).split())
        key = (finding.code, finding.path, str(finding.cell or ""), _digest(text))
        seen[key] += 1
        out.append(_digest(*key, str(seen[key])))
    return out
