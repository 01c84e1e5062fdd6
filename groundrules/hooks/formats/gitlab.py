"""GitLab code quality report: a JSON list that merge requests show as a widget and diff notes.

GitLab shows the file as stored: a notebook finding points at the line of the ``.ipynb`` JSON that
holds its cell line (the message still names the cell).  Categories are GitLab's own (Security,
Bug Risk, Performance, Compatibility, Style ...), chosen by what the finding puts at risk.
"""

from __future__ import annotations

import json
from typing import Dict, List, Sequence

from groundrules.hooks.formats.fingerprints import fingerprints
from groundrules.hooks.formats.links import in_notebook, title, with_cell
from groundrules.hooks.formats.notebook_lines import CellLines
from groundrules.rules.framework import Finding
from groundrules.standards.schema import Category, Severity

SEVERITIES = {"info": "info", "warning": "minor", "error": "major"}
#: Rules whose cost is speed or the next library upgrade rather than a wrong result.
PERFORMANCE = frozenset({"GR412", "GR425"})
COMPATIBILITY = frozenset({"GR414"})
#: The rule crashed or the file does not parse: what it hides may be a bug.
BROKEN = frozenset({"GR900", "GR901"})


def severity(finding: Finding) -> str:
    """Security errors rank above other errors, as GitLab orders its widget by severity."""
    if finding.severity.label == "error" and category(finding) == "Security":
        return "critical"
    return SEVERITIES[finding.severity.label]


def category(finding: Finding) -> str:
    """GitLab's category: Security for security and data-access rules (GR2xx, GR3xx) and bandit;
    Bug Risk for what gives wrong results (errors of the other rules, mypy, unparsable files);
    Performance, Compatibility, else Style."""
    if finding.source == "bandit" or finding.category in (Category.SECURITY, Category.DATA_ACCESS):
        return "Security"
    if finding.source == "mypy" or finding.code in BROKEN:
        return "Bug Risk"
    if finding.code in PERFORMANCE:
        return "Performance"
    if finding.code in COMPATIBILITY:
        return "Compatibility"
    if finding.severity >= Severity.ERROR:
        return "Bug Risk"
    return "Style"


def render(findings: Sequence[Finding], files: int, failing: int) -> str:
    issues: List[Dict[str, object]] = []
    cells = CellLines()
    for finding, fingerprint in zip(findings, fingerprints(findings)):
        begin, end = finding.line, finding.end_line
        if in_notebook(finding):
            assert finding.cell is not None  # noqa: GR119 -- narrowing: in_notebook checked it
            begin = cells.file_line(finding.path, finding.cell, finding.line) or 1
            end = cells.file_line(finding.path, finding.cell, finding.end_line) or begin
        issues.append(
            {
                "type": "issue",
                "description": f"{title(finding)}: {with_cell(finding)}",
                "check_name": finding.code,
                "fingerprint": fingerprint,
                "severity": severity(finding),
                "categories": [category(finding)],
                "location": {
                    "path": finding.path.replace("\\", "/"),
                    "lines": {"begin": begin, "end": max(end, begin)},
                },
            }
        )
    return json.dumps(issues, indent=2) + "\n"
