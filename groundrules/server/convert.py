"""Findings and text changes as LSP values.  Positions: groundrules counts 1-based lines and
UTF-8 byte columns (as ``ast`` does); LSP counts 0-based lines and UTF-16 code units."""

from __future__ import annotations

from typing import Dict, Optional, Sequence

from lsprotocol import types

from groundrules.hooks.formats.links import help_uri
from groundrules.rules.framework import Finding
from groundrules.standards.schema import Severity

SOURCE = "groundrules"
UTF16: str = types.PositionEncodingKind.Utf16
UNUSED_SUPPRESSION = "GR903"

_SEVERITY: Dict[Severity, types.DiagnosticSeverity] = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def units(text: str, encoding: str = UTF16) -> int:
    """The length of ``text`` in the client's position units (LSP's default: UTF-16)."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def column(line: str, byte_column: int, encoding: str = UTF16) -> int:
    """The client column of a 0-based UTF-8 byte column in ``line``."""
    return units(line.encode("utf-8", "surrogatepass")[: max(byte_column, 0)].decode("utf-8", "ignore"), encoding)


def _position(lines: Sequence[str], line: int, byte_column: int, encoding: str) -> types.Position:
    index = min(max(line - 1, 0), max(len(lines) - 1, 0))
    text = lines[index] if lines else ""
    return types.Position(line=index, character=column(text, byte_column - 1, encoding))


def diagnostic(finding: Finding, lines: Sequence[str], encoding: str = UTF16) -> types.Diagnostic:
    """``lines``: the text the finding's line numbers count in (a cell's, for a notebook)."""
    start = _position(lines, finding.line, finding.column, encoding)
    end = _position(lines, finding.end_line, finding.end_column, encoding)
    if (end.line, end.character) <= (start.line, start.character):
        # A point finding: underline to the end of its line, as flake8 users see in editors.
        text = lines[start.line] if start.line < len(lines) else ""
        end = types.Position(line=start.line, character=max(units(text, encoding), start.character))
    uri = help_uri(finding)
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=finding.message,
        severity=_SEVERITY[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=uri) if uri else None,
        source=SOURCE if finding.source == "groundrules" else finding.source,
        tags=[types.DiagnosticTag.Unnecessary] if finding.code == UNUSED_SUPPRESSION else None,
        data={"fix": finding.fix.value if finding.fix else None, "name": finding.name},
    )


def offset_position(text: str, offset: int, encoding: str = UTF16) -> types.Position:
    """The LSP position of a character offset in ``text``."""
    before = text[:offset]
    line = before.count("\n")
    start = before.rfind("\n") + 1
    return types.Position(line=line, character=units(before[start:], encoding))


def replacement(old: str, new: str, encoding: str = UTF16) -> Optional[types.TextEdit]:
    """One edit turning ``old`` into ``new``: the span between their common prefix and suffix."""
    if old == new:
        return None
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    return types.TextEdit(
        range=types.Range(start=offset_position(old, prefix, encoding),
                          end=offset_position(old, len(old) - suffix, encoding)),
        new_text=new[prefix : len(new) - suffix],
    )


def contains(rng: types.Range, position: types.Position) -> bool:
    return (rng.start.line, rng.start.character) <= (position.line, position.character) <= (
        rng.end.line, rng.end.character)


def overlaps(a: types.Range, b: types.Range) -> bool:
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line, b.start.character) <= (a.end.line, a.end.character)
