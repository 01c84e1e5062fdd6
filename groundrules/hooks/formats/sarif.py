"""SARIF 2.1.0 for code scanning (GitHub, Azure DevOps, IDE viewers)."""

from __future__ import annotations

import json
from typing import Dict, List, Sequence, Tuple

from groundrules import __version__
from groundrules.hooks.formats.fingerprints import fingerprints
from groundrules.hooks.formats.links import PROJECT_URL, help_uri, in_notebook, rule_for, with_cell
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


def _result(finding: Finding, index: int, fingerprint: str) -> Dict[str, object]:
    physical: Dict[str, object] = {
        "artifactLocation": {"uri": finding.path.replace("\\", "/"), "uriBaseId": "%SRCROOT%"}
    }
    properties: Dict[str, object] = {"source": finding.source, "category": finding.category.value}
    if in_notebook(finding):
        # The cell's line is not a line of the .ipynb file: the finding is on the file as a whole.
        properties.update({"cell": finding.cell, "cellLine": finding.line})
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
    results = [
        _result(f, index[(f.source, f.code)], fp) for f, fp in zip(findings, fingerprints(findings))
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
