"""Report formats for ``check``: text for people, JSON for tools (design section 11)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Dict, List, Sequence

from groundrules import __version__
from groundrules.rules.framework import Finding
from groundrules.standards.schema import FixClass

_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
_BOLD, _RESET = "\033[1m", "\033[0m"


def fix_marker(finding: Finding) -> str:
    if finding.fix is FixClass.SAFE:
        return " [*]"
    if finding.fix is FixClass.UNSAFE:
        return " [*unsafe]"
    return ""


def text_report(findings: Sequence[Finding], files: int, colour: bool, statistics: bool, errors: int = 0) -> str:
    lines: List[str] = []
    if not statistics:
        for f in findings:
            code = f.code
            if colour:
                code = f"{_COLOURS.get(f.severity.label, '')}{_BOLD}{code}{_RESET}"
            cell = f"cell {f.cell}:" if f.cell is not None else ""
            lines.append(f"{f.path}:{cell}{f.line}:{f.column}: {code} {f.message}{fix_marker(f)}")
    counts = Counter((f.code, f.name) for f in findings)
    if findings:
        if lines:
            lines.append("")
        for (code, name), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"{count:6d}  {code}  {name}")
        fixable = sum(1 for f in findings if f.fix is not None)
        unsafe = sum(1 for f in findings if f.fix is FixClass.UNSAFE)
        noun = "finding" if len(findings) == 1 else "findings"
        summary = f"Found {len(findings)} {noun} in {files} files checked."
        if fixable:
            summary += f" {fixable - unsafe} fixable with `groundrules fix`"
            summary += f", {unsafe} more with `--unsafe-fixes`." if unsafe else "."
        lines.append(summary)
        ours = sorted(code for code, *_ in counts if code.startswith("GR"))  # bandit/mypy: not ours to explain
        if ours:
            lines.append(f"Run `groundrules explain {ours[0]}` to learn why a rule matters and what to do.")
    elif errors:  # a tool or a file failed: nothing proves the checks passed
        noun = "error" if errors == 1 else "errors"
        lines.append(f"No findings in {files} files checked, but {errors} {noun} (on stderr) stopped some checks.")
    else:
        lines.append(f"All checks passed ({files} files).")
    return "\n".join(lines) + "\n"


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
