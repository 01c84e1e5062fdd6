"""SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import quote

from groundrules import __version__
from groundrules.hooks.formats.fingerprints import fingerprints
from groundrules.hooks.formats.links import PROJECT_URL, help_uri, in_notebook, rule_for, with_cell
from groundrules.hooks.formats.notebook_lines import FileLines, file_lines
from groundrules.hooks.rule_docs import explain
from groundrules.rules.framework import Finding

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
#: The fingerprint's name says how it was computed, so a later change of method is a new name.
FINGERPRINT_KEY = "groundrules/v1"


def _rule_entry(finding: Finding) -> Dict[str, object]:
    rule = rule_for(finding)
    entry: Dict[str, object] = {"id": finding.code}
    if rule is not None:
        entry.update(
            {
                "name": rule.name,
                "shortDescription": {"text": rule.summary()},
                "fullDescription": {"text": " ".join(rule.why.split())},
                "help": {"text": explain(rule), "markdown": explain(rule)},
                "defaultConfiguration": {"level": LEVELS[rule.severity.label]},
                "properties": {"tags": [rule.category.value], "category": rule.category.value},
            }
        )
    else:
        # Another tool's code: what the finding says is all there is to describe it.
        entry.update(
            {
                "name": finding.name or finding.code,
                "shortDescription": {"text": f"{finding.source} {finding.code}"},
                "help": {"text": f"{finding.source} reports {finding.code}; see its documentation."},
                "defaultConfiguration": {"level": LEVELS[finding.severity.label]},
                "properties": {"tags": [finding.category.value, finding.source]},
            }
        )
    uri = help_uri(finding)
    if uri is not None:
        entry["helpUri"] = uri
    return entry


def uri_of(path: str) -> str:
    """The path as a relative URI reference (RFC 3986): spaces, ``%``, ``#``, ``?`` and non-ASCII
    characters percent-encoded (UTF-8), ``/`` kept."""
    return quote(path.replace("\\", "/"), safe="/")


class _Notebooks:
    """Each notebook's cell lines in the file, worked out once per report."""

    def __init__(self) -> None:
        self._lines: Dict[str, FileLines] = {}

    def file_line(self, finding: Finding, line: int) -> Optional[int]:
        if finding.path not in self._lines:
            try:
                self._lines[finding.path] = file_lines(Path(finding.path).read_bytes())
            except OSError:
                self._lines[finding.path] = {}
        lines = self._lines[finding.path].get(finding.cell or 0, [])
        return lines[line - 1] if 0 < line <= len(lines) else None


def _result(finding: Finding, index: int, fingerprint: str, notebooks: _Notebooks) -> Dict[str, object]:
    physical: Dict[str, object] = {"artifactLocation": {"uri": uri_of(finding.path), "uriBaseId": "%SRCROOT%"}}
    properties: Dict[str, object] = {"source": finding.source, "category": finding.category.value}
    if in_notebook(finding):
        # The cell's line maps to the line of the .ipynb JSON holding it; columns do not map (JSON
        # escapes and indentation), and the message names the cell and its line.
        properties.update({"cell": finding.cell, "cellLine": finding.line})
        start = notebooks.file_line(finding, finding.line) or 1
        end = notebooks.file_line(finding, finding.end_line) or start
        physical["region"] = {"startLine": start, "endLine": max(end, start)}
    else:
        region = {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)}
        if finding.end_line >= finding.line:
            region["endLine"] = finding.end_line
            region["endColumn"] = max(finding.end_column, 1)
        physical["region"] = region
    if finding.fix is not None:
        properties["fix"] = finding.fix.value
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity.label],
        "message": {"text": with_cell(finding)},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": properties,
    }


def render(findings: Sequence[Finding], files: int, failing: int) -> str:
    rules: List[Dict[str, object]] = []
    index: Dict[Tuple[str, str], int] = {}
    for finding in findings:
        key = (finding.source, finding.code)
        if key not in index:
            index[key] = len(rules)
            rules.append(_rule_entry(finding))
    notebooks = _Notebooks()
    results = [
        _result(f, index[(f.source, f.code)], fp, notebooks) for f, fp in zip(findings, fingerprints(findings))
    ]
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "groundrules",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": PROJECT_URL,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "properties": {"files": files, "failing": failing},
                    }
                ],
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The checked repository."}}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"
