"""JUnit XML, which every CI test view (GitLab, Jenkins, Azure, CircleCI) displays.

One test case per finding, named after its rule and location, so CI lists each problem on its own
line; a clean run is one passing case, so the suite is never empty.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Sequence

from groundrules.hooks.formats.links import help_uri, location, title
from groundrules.rules.framework import Finding

#: Characters XML 1.0 cannot hold at all, not even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def render(findings: Sequence[Finding], files: int, failing: int) -> str:
    suite = ET.Element(
        "testsuite",
        {
            "name": "groundrules",
            "tests": str(max(len(findings), 1)),
            "failures": str(len(findings)),
            "errors": "0",
            "skipped": "0",
        },
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "files", "value": str(files)})
    ET.SubElement(properties, "property", {"name": "failing", "value": str(failing)})
    for finding in findings:
        where = f"{location(finding)}:{finding.column}"
        case = ET.SubElement(
            suite, "testcase", {"classname": _xml_text(finding.path), "name": _xml_text(f"{finding.code} {where}")}
        )
        failure = ET.SubElement(
            case,
            "failure",
            {"type": finding.code, "message": _xml_text(f"{finding.code} {finding.message}")},
        )
        details = [f"{where}: {title(finding)} ({finding.severity.label})", finding.message]
        uri = help_uri(finding)
        if uri is not None:
            details.append(f"Docs: {uri}")
        failure.text = _xml_text("\n".join(details))
    if not findings:
        ET.SubElement(suite, "testcase", {"classname": "groundrules", "name": f"{files} files checked"})
    suites = ET.Element(
        "testsuites", {"name": "groundrules", "tests": suite.get("tests", "0"), "failures": str(len(findings))}
    )
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
