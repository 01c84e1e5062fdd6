"""``groundrules merge REPORT...``: the shard reports of a CI matrix (``check --shard I/N
--format json`` or ``--format sarif``) as one report, in any format, with one exit code and one
baseline comparison.

JSON reports carry every field of a finding; SARIF reports carry all but a notebook finding's
columns and end (SARIF points at the .ipynb file's lines), so JSON is the exact exchange format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Sequence
from urllib.parse import unquote

from groundrules.rules.framework import Finding
from groundrules.standards.schema import Category, FixClass, Severity

_LABELS = {severity.label: severity for severity in Severity}
_LEVELS = {"error": Severity.ERROR, "warning": Severity.WARNING, "note": Severity.INFO}


class ReportError(Exception):
    """A shard report that cannot be read; the message is one line naming the file."""


@dataclass
class Merged:
    findings: List[Finding] = field(default_factory=list)
    files: int = 0
    failing: int = 0


def sort_key(finding: Finding) -> tuple[str, int, int, int, str]:
    """The order the runner reports findings in."""
    return (finding.path, finding.cell or 0, finding.line, finding.column, finding.code)


def merge(paths: Sequence[str]) -> Merged:
    merged = Merged()
    for name in paths:
        try:
            doc = json.loads(Path(name).read_bytes())
        except OSError as exc:
            raise ReportError(f"{name}: cannot read: {exc.strerror or exc}") from exc
        except ValueError as exc:
            raise ReportError(f"{name}: not JSON: {exc}") from exc
        try:
            if isinstance(doc, dict) and "findings" in doc and "summary" in doc:
                _from_json(doc, merged)
            elif isinstance(doc, dict) and isinstance(doc.get("runs"), list):
                _from_sarif(doc, merged)
            else:
                raise ReportError(f"{name}: not a groundrules JSON or SARIF report")
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise ReportError(f"{name}: malformed report: {type(exc).__name__}: {exc}") from exc
    # Shards split by file, so a stable sort by the runner's key restores the unsharded order.
    merged.findings.sort(key=sort_key)
    return merged


def _from_json(doc: Dict[str, Any], merged: Merged) -> None:
    for item in doc["findings"]:
        merged.findings.append(
            Finding(
                code=str(item["code"]), name=str(item["name"]), message=str(item["message"]),
                path=str(item["path"]), line=int(item["line"]), column=int(item["column"]),
                end_line=int(item["end_line"]), end_column=int(item["end_column"]),
                severity=_LABELS[item["severity"]], category=Category(item["category"]),
                source=str(item["source"]), fix=FixClass(item["fix"]) if item["fix"] else None,
                cell=int(item["cell"]) if item.get("cell") is not None else None,
            )
        )
    merged.files += int(doc["summary"]["files"])
    merged.failing += int(doc["summary"]["failing"])


def _from_sarif(doc: Dict[str, Any], merged: Merged) -> None:
    for run in doc["runs"]:
        rules = run["tool"]["driver"].get("rules", [])
        for result in run.get("results", []):
            merged.findings.append(_sarif_finding(result, rules))
        for invocation in run.get("invocations", []):
            properties = invocation.get("properties", {})
            merged.files += int(properties.get("files", 0))
            merged.failing += int(properties.get("failing", 0))


def _sarif_finding(result: Dict[str, Any], rules: List[Dict[str, Any]]) -> Finding:
    code = str(result["ruleId"])
    index = result.get("ruleIndex")
    rule = rules[index] if isinstance(index, int) and 0 <= index < len(rules) else {}
    location = result["locations"][0]["physicalLocation"]
    region = location.get("region", {})
    properties = result.get("properties", {})
    message = str(result["message"]["text"])
    cell = properties.get("cell")
    if cell is not None:
        line = int(properties["cellLine"])
        prefix = f"cell {cell}, line {line}: "
        message = message[len(prefix):] if message.startswith(prefix) else message
        column = end_column = 1
        end_line = line
    else:
        line = int(region.get("startLine", 1))
        column = int(region.get("startColumn", 1))
        end_line = int(region.get("endLine", line))
        end_column = int(region.get("endColumn", column))
    fix = properties.get("fix")
    return Finding(
        code=code, name=str(rule.get("name", code)), message=message,
        path=unquote(str(location["artifactLocation"]["uri"])), line=line, column=column,
        end_line=end_line, end_column=end_column, severity=_LEVELS[str(result["level"])],
        category=Category(properties["category"]), source=str(properties.get("source", "groundrules")),
        fix=FixClass(fix) if fix else None, cell=int(cell) if cell is not None else None,
    )


def sources_by_path(findings: Sequence[Finding]) -> Dict[str, FrozenSet[str]]:
    """The tools each reported file was checked by, as far as the findings show it."""
    sources: Dict[str, set[str]] = {}
    for finding in findings:
        sources.setdefault(finding.path, {"groundrules"}).add(finding.source)
    return {path: frozenset(tools) for path, tools in sources.items()}


def failing(findings: Sequence[Finding], fail_on: Dict[str, Severity]) -> int:
    return sum(1 for f in findings if f.severity >= fail_on.get(f.path, Severity.ERROR))


def fail_on_of(paths: Sequence[str], cwd: Path, config: Optional[Path]) -> Dict[str, Severity]:
    """Each path's ``fail-on``, from the standards in this checkout (as the shards read them)."""
    from groundrules.hooks.runner import StandardsCache

    cache = StandardsCache(config=config, cwd=cwd)
    out: Dict[str, Severity] = {}
    for path in paths:
        standards = cache.standards_for(cwd / path)
        out[path] = standards.fail_on if standards is not None else Severity.ERROR
    return out
