"""Report formats for ``check``: text for people, JSON for tools (design section 11)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Dict, List, Mapping, Optional, Sequence

from groundrules import __version__
from groundrules.rules.framework import Finding
from groundrules.standards.schema import FixClass, Severity

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def fix_marker(finding: Finding) -> str:
    if finding.fix is FixClass.SAFE:
        return " [*]"
    if finding.fix is FixClass.UNSAFE:
        return " [*unsafe]"
    return ""


def plural(count: int, noun: str) -> str:
    """``1 file``, ``2 files``: every count a report prints reads as English."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def text_report(
    findings: Sequence[Finding],
    files: int,
    colour: bool,
    statistics: bool,
    errors: int = 0,
    fail_on: Optional[Mapping[str, Severity]] = None,
) -> str:
    """One line per finding, ending with its severity and whether it blocks (is at or above its
    file's ``fail-on``), then counts by rule and a summary of what blocks and what ``fix`` can do."""
    gate = fail_on or {}

    def blocks(finding: Finding) -> bool:
        return finding.severity >= gate.get(finding.path, Severity.ERROR)

    lines: List[str] = []
    if not statistics:
        for f in findings:
            code = f.code
            if colour:
                code = f"{_COLOURS.get(f.severity.label, '')}{_BOLD}{code}{_RESET}"
            cell = f"cell {f.cell}:" if f.cell is not None else ""
            rating = f"({f.severity.label}, blocking)" if blocks(f) else f"({f.severity.label})"
            lines.append(f"{f.path}:{cell}{f.line}:{f.column}: {code} {f.message}{fix_marker(f)} {rating}")
    counts = Counter((f.code, f.name) for f in findings)
    if findings:
        if lines:
            lines.append("")
        for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"{count:6d}  {code}  {name}")
        lines.append(_summary(findings, files, sum(1 for f in findings if blocks(f)), gate))
        fixes = _fixable(findings)
        if fixes:
            lines.append(fixes)
        ours = sorted(code for code, *_ in counts if code.startswith("GR"))  # bandit/mypy: not ours to explain
        if ours:
            lines.append(f"Run `groundrules explain {ours[0]}` to learn why a rule matters and what to do.")
    elif errors:  # a tool or a file failed: nothing proves the checks passed
        lines.append(f"No findings in {plural(files, 'file')} checked, but {plural(errors, 'error')} "
                     "(on stderr) stopped some checks.")
    else:
        lines.append(f"All checks passed ({plural(files, 'file')}).")
    return "\n".join(lines) + "\n"


def _summary(findings: Sequence[Finding], files: int, failing: int, gate: Mapping[str, Severity]) -> str:
    levels = sorted({gate.get(f.path, Severity.ERROR) for f in findings}, reverse=True)
    at = " or ".join(level.label for level in levels)
    head = f"Found {plural(len(findings), 'finding')} in {plural(files, 'file')} checked: "
    if not failing:
        return head + f"none blocks (fail-on = {at})."
    verb = "blocks" if failing == 1 else "block"
    rest = len(findings) - failing
    below = f", {rest} below it" if rest else ""
    return head + f"{failing} {verb} (fail-on = {at}){below}."


def _fixable(findings: Sequence[Finding]) -> str:
    safe = sum(1 for f in findings if f.fix is FixClass.SAFE)
    unsafe = sum(1 for f in findings if f.fix is FixClass.UNSAFE)
    if safe and unsafe:
        return f"{safe} fixable with `groundrules fix`, {unsafe} more with `groundrules fix --unsafe-fixes`."
    if safe:
        return f"{safe} fixable with `groundrules fix`."
    if unsafe:
        return f"{unsafe} fixable with `groundrules fix --unsafe-fixes` (changes behaviour: review the diff)."
    return ""


def finding_dict(f: Finding) -> Dict[str, object]:
    out: Dict[str, object] = {
        "code": f.code,
        "name": f.name,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "severity": f.severity.label,
        "category": f.category.value,
        "source": f.source,
        "fix": f.fix.value if f.fix else None,
    }
    if f.cell is not None:
        out["cell"] = f.cell
    return out


def json_report(findings: Sequence[Finding], files: int, failing: int) -> str:
    by_code = Counter(f.code for f in findings)
    by_severity = Counter(f.severity.label for f in findings)
    doc = {
        "version": __version__,
        "findings": [finding_dict(f) for f in findings],
        "summary": {
            "files": files,
            "findings": len(findings),
            "failing": failing,
            "by_code": dict(sorted(by_code.items())),
            "by_severity": dict(sorted(by_severity.items())),
        },
    }
    return json.dumps(doc, indent=2) + "\n"
