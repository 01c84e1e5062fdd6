"""JUnit XML, which every CI test view (GitLab, Jenkins, Azure, CircleCI) displays.

One test case per finding, named after its rule and location, so CI lists each problem on its own
line.  Only findings at or above their file's ``fail-on`` fail (as they fail ``check``); the others
are skipped cases, shown but not red.  A clean run is one passing case, so the suite is never empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Mapping, Optional, Sequence

from groundrules.hooks.formats.links import help_uri, location, title
from groundrules.hooks.reports import plural
from groundrules.rules.framework import Finding
from groundrules.standards.schema import Severity

#: Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(
    findings: Sequence[Finding], files: int, failing: int, fail_on: Optional[Mapping[str, Severity]] = None
) -> str:
    """``fail_on``: each file's ``fail-on`` by shown path (``check`` passes it; ``error`` otherwise)."""
    gate = fail_on or {}
    fails = [f.severity >= gate.get(f.path, Severity.ERROR) for f in findings]
    failures = sum(fails)
    suite = ET.Element(
        "testsuite",
        {
            "name": "groundrules",
            "tests": str(max(len(findings), 1)),
            "failures": str(failures),
            "errors": "0",
            "skipped": str(len(findings) - failures),
        },
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "files", "value": str(files)})
    ET.SubElement(properties, "property", {"name": "failing", "value": str(failing)})
    for finding, blocks in zip(findings, fails):
        where = f"{location(finding)}:{finding.column}"
        case = ET.SubElement(
            suite, "testcase", {"classname": _xml_text(finding.path), "name": _xml_text(f"{finding.code} {where}")}
        )
        details = [f"{where}: {title(finding)} ({finding.severity.label})", finding.message]
        uri = help_uri(finding)
        if uri is not None:
            details.append(f"Docs: {uri}")
        if blocks:
            outcome = ET.SubElement(
                case, "failure", {"type": finding.code, "message": _xml_text(f"{finding.code} {finding.message}")}
            )
        else:
            # Below fail-on: reported, not failing the build.
            outcome = ET.SubElement(
                case, "skipped",
                {"message": _xml_text(f"{finding.severity.label} below fail-on: {finding.code} {finding.message}")},
            )
        outcome.text = _xml_text("\n".join(details))
    if not findings:
        ET.SubElement(suite, "testcase", {"classname": "groundrules", "name": f"{plural(files, 'file')} checked"})
    suites = ET.Element(
        "testsuites", {"name": "groundrules", "tests": suite.get("tests", "0"), "failures": str(failures)}
    )
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
