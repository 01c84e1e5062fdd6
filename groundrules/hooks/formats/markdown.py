"""A pull-request comment: a summary line, a table by rule and the findings, folded when long."""

from __future__ import annotations

from collections import Counter
from typing import Dict, List, Sequence, Tuple

from groundrules.hooks.formats.links import help_uri, location
from groundrules.hooks.reports import plural
from groundrules.rules.framework import Finding

#: Beyond this many findings the list is folded, so the comment stays readable.
FOLD_AFTER = 10


def escape(text: str) -> str:
    """Text safe inside a table cell or list item: no cell breaks, no code spans, no HTML."""
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "&#124;"), ("`", "&#96;")):
        text = text.replace(char, entity)
    return " ".join(text.split())


def _rule_link(finding: Finding) -> str:
    uri = help_uri(finding)
    code = escape(finding.code)
    return f"[{code}]({uri})" if uri else code


def render(findings: Sequence[Finding], files: int, failing: int) -> str:
    if not findings:
        return f"### groundrules\n\n:white_check_mark: All checks passed ({plural(files, 'file')}).\n"
    noun = "finding" if len(findings) == 1 else "findings"
    mark = ":x:" if failing else ":warning:"
    lines: List[str] = [
        "### groundrules",
        "",
        f"{mark} **{len(findings)} {noun}** ({failing} failing) in {plural(files, 'file')} checked.",
        "",
        "| Rule | Name | Severity | Count |",
        "| --- | --- | --- | ---: |",
    ]
    first: Dict[Tuple[str, str], Finding] = {}
    counts: Counter[Tuple[str, str]] = Counter()
    for finding in findings:
        key = (finding.source, finding.code)
        first.setdefault(key, finding)
        counts[key] += 1
    for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        f = first[key]
        lines.append(f"| {_rule_link(f)} | {escape(f.name)} | {f.severity.label} | {count} |")
    lines.append("")
    details = [
        f"- {escape(location(f))}:{f.column} {_rule_link(f)} {escape(f.message)}" for f in findings
    ]
    if len(findings) > FOLD_AFTER:
        lines += ["<details>", f"<summary>All {len(findings)} findings</summary>", ""]
        lines += details
        lines += ["", "</details>"]
    else:
        lines += details
    return "\n".join(lines) + "\n"
