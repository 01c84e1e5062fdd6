"""The tools' findings joined with ours: the same ``# noqa`` comments silence them (GR902 and
GR903 judge their codes too), and a problem both report on one line is reported once, as ours."""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Sequence, Set, Tuple, Type

from groundrules.hooks.files import read_or_none
from groundrules.hooks.gate.bandit_adapter import skipped_tests
from groundrules.hooks.gate.peers import peers as peers_of_test
from groundrules.hooks.gate.targets import Target, wanted
from groundrules.rules.diagnostics.suppression_without_reason import SuppressionWithoutReason
from groundrules.rules.diagnostics.unused_suppression import UnusedSuppression, code_spans
from groundrules.rules.engine import decode
from groundrules.rules.framework import Finding, Rule
from groundrules.rules.suppressions import Suppression, comment_lines, parse_suppressions
from groundrules.standards.model import MAX_FILE_SIZE
from groundrules.standards.schema import Category

Where = Tuple[str, int]  # shown path, line


def tool_of(code: str) -> Optional[str]:
    """Which gate tool a ``# noqa`` code belongs to (``B602``: bandit, ``mypy:arg-type``: mypy)."""
    if code.lower().startswith("mypy"):
        return "mypy"
    if code[:1].upper() == "B" and (code[1:].isdigit() or not code[1:]):
        return "bandit"
    return None


def covers(suppression: Suppression, code: str) -> bool:
    folded = code.lower()
    return suppression.blanket or any(folded.startswith(c.lower()) for c in suppression.codes)


def merge(ours: Sequence[Finding], theirs: Sequence[Finding], targets: Sequence[Target]) -> List[Finding]:
    """All findings to report: ours (peers noted), the tools' not silenced or duplicated, and
    GR902/GR903 on ``# noqa`` comments about the tools' codes."""
    by_shown = {t.shown: t for t in targets}
    kept_theirs = [f for f in theirs if f.path in by_shown and wanted(f.code, by_shown[f.path])]
    fired: Dict[Where, List[str]] = {}
    for finding in kept_theirs:
        fired.setdefault((finding.path, finding.line), []).append(finding.code)
    ours_at: Dict[Where, Set[str]] = {}
    for finding in ours:
        ours_at.setdefault((finding.path, finding.line), set()).add(finding.code)
    peers_of: Dict[Tuple[str, int, str], List[str]] = {}
    result: List[Finding] = []
    for target in targets:
        comments = _comments(target)
        mine = [f for f in kept_theirs if f.path == target.shown]
        for finding in mine:
            suppression = comments.get(finding.line)
            peers = peers_of_test(finding.code) if finding.source == "bandit" else ()
            here = ours_at.get((finding.path, finding.line), set())
            duplicate = [p for p in peers if p in here]
            if duplicate:
                peers_of.setdefault((finding.path, finding.line, duplicate[0]), []).append(finding.code)
                continue
            if suppression is not None and (
                covers(suppression, finding.code) or any(covers(suppression, p) for p in peers if not suppression.blanket)
            ):
                continue
            result.append(finding)
        result.extend(_missing_reasons(target, mine, comments, ours_at))
        result.extend(_unused(target, comments, fired))
    for finding in ours:
        also = peers_of.get((finding.path, finding.line, finding.code))
        if also:
            finding = dataclasses.replace(finding, message=f"{finding.message} (also bandit {', '.join(also)})")
        result.append(finding)
    result.sort(key=lambda f: (f.path, f.cell or 0, f.line, f.column, f.code))
    return result


def _comments(target: Target) -> Dict[int, Suppression]:
    """The file's ``# noqa`` comments (real comments only, not text in strings)."""
    data = read_or_none(target.path, target.standards.get(MAX_FILE_SIZE))
    if data is None:
        return {}  # the runner has reported the unreadable file
    text = decode(data).text
    if text is None:
        return {}
    suppressions = parse_suppressions(text.splitlines())
    if not suppressions:
        return {}
    real = comment_lines(text)
    return {line: s for line, s in suppressions.items() if line in real}


def _missing_reasons(
    target: Target, theirs: Sequence[Finding], comments: Dict[int, Suppression], ours_at: Dict[Where, Set[str]]
) -> List[Finding]:
    required = tuple(p.lower() for p in target.standards.reason_required)
    if not required or SuppressionWithoutReason.code not in target.standards.enabled:
        return []
    found: List[Finding] = []
    reported = {line for (path, line), codes in ours_at.items() if path == target.shown and "GR902" in codes}
    for finding in theirs:
        suppression = comments.get(finding.line)
        if suppression is None or finding.line in reported or not covers(suppression, finding.code):
            continue
        if finding.code.lower().startswith(required) and (suppression.blanket or suppression.reason is None):
            reported.add(finding.line)
            found.append(_diagnostic(SuppressionWithoutReason, target, suppression.line,
                                     suppression.column, code=finding.code))
    return found


def _unused(target: Target, comments: Dict[int, Suppression], fired: Dict[Where, List[str]]) -> List[Finding]:
    """GR903 for a bandit or mypy code that silences nothing, judged only when that tool ran on
    the file and (bandit) ran that test."""
    if UnusedSuppression.code not in target.standards.enabled:
        return []
    found: List[Finding] = []
    lines: Optional[List[str]] = None
    for suppression in comments.values():
        codes_here = [c.lower() for c in fired.get((target.shown, suppression.line), [])]
        for code in suppression.codes:
            tool = tool_of(code)
            if tool is None or tool not in target.tools or not wanted(code, target):
                continue
            if tool == "bandit" and any(t.startswith(code.upper()) for t in skipped_tests(target)):
                continue  # bandit did not run that test here: it could not have fired
            if any(c.startswith(code.lower()) for c in codes_here):
                continue
            if lines is None:
                lines = _lines(target)
            column = _column(lines, suppression, code)
            found.append(_diagnostic(UnusedSuppression, target, suppression.line, column, code=code,
                                     why=f"{tool} did not report it here; remove the code"))
    return found


def _lines(target: Target) -> List[str]:
    data = read_or_none(target.path, target.standards.get(MAX_FILE_SIZE))
    text = decode(data).text or "" if data is not None else ""
    return text.splitlines()


def _column(lines: List[str], suppression: Suppression, code: str) -> int:
    """1-based byte column of ``code`` in its comment (findings count UTF-8 bytes, as ast does)."""
    text = lines[suppression.line - 1] if suppression.line <= len(lines) else ""
    for name, column in code_spans(text, suppression.column - 1):
        if name == code:
            return len(text[:column].encode("utf-8", "surrogatepass")) + 1
    return suppression.column


def _diagnostic(rule: Type[Rule], target: Target, line: int, column: int, **values: object) -> Finding:
    return Finding(
        code=rule.code,
        name=rule.name,
        message=rule.message.format(**values),
        path=target.shown,
        line=line,
        column=column,
        end_line=line,
        end_column=column,
        severity=target.standards.severity_of(rule.code, rule.severity),
        category=Category.DIAGNOSTICS,
    )
