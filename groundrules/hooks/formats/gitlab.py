"""GitLab code quality report: a JSON list that merge requests show as a widget and diff notes."""

from __future__ import annotations

import json
from typing import Dict, List, Sequence

from groundrules.hooks.formats.fingerprints import fingerprints
from groundrules.hooks.formats.links import in_notebook, title, with_cell
from groundrules.rules.framework import Finding
from groundrules.standards.schema import Category

SEVERITIES = {"info": "info", "warning": "minor", "error": "major"}


def severity(finding: Finding) -> str:
    """Security errors rank above other errors, as GitLab orders its widget by severity."""
    if finding.severity.label == "error" and finding.category is Category.SECURITY:
        return "critical"
    return SEVERITIES[finding.severity.label]


def render(findings: Sequence[Finding], files: int, failing: int) -> str:
    issues: List[Dict[str, object]] = []
    for finding, fingerprint in zip(findings, fingerprints(findings)):
        # A cell's lines are not the .ipynb file's: point at its first line, name the cell.
        begin, end = (1, 1) if in_notebook(finding) else (finding.line, finding.end_line)
        issues.append(
            {
                "type": "issue",
                "description": f"{title(finding)}: {with_cell(finding)}",
                "check_name": finding.code,
                "fingerprint": fingerprint,
                "severity": severity(finding),
                "categories": ["Security" if finding.category is Category.SECURITY else "Style"],
                "location": {
                    "path": finding.path.replace("\\", "/"),
                    "lines": {"begin": begin, "end": end},
                },
            }
        )
    return json.dumps(issues, indent=2) + "\n"
