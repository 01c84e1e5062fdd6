"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from typing import List, Sequence

from groundrules.hooks.formats.links import in_notebook, title, with_cell
from groundrules.hooks.reports import plural
from groundrules.rules.framework import Finding

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """The message part: GitHub reads ``%``, CR and LF specially there."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property: ``:`` and ``,`` end it as well."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    properties = [("file", finding.path.replace("\\", "/"))]
    if not in_notebook(finding):  # a cell's line is no line of the .ipynb: annotate the file
        properties += [
            ("line", str(finding.line)),
            ("col", str(finding.column)),
            ("endLine", str(finding.end_line)),
            ("endColumn", str(finding.end_column)),
        ]
    properties.append(("title", title(finding)))
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS[finding.severity.label]} {props}::{escape_data(with_cell(finding))}"


def render(findings: Sequence[Finding], files: int, failing: int) -> str:
    lines: List[str] = [annotation(f) for f in findings]
    noun = "finding" if len(findings) == 1 else "findings"
    summary = f"groundrules: {len(findings)} {noun} ({failing} failing) in {plural(files, 'file')} checked."
    lines.append(escape_data(summary))
    return "\n".join(lines) + "\n"
