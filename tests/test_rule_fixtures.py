"""Fixture files for cases that need more context than an example.

Each ``tests/fixtures/rules/*.py`` starts with a header::

    # rules: GR403 GR404
    # path: src/pipeline.py                       (optional: the path the file is checked as)
    # options: {"data-science.chained-indexing-reads": true}     (optional, JSON)

and marks every line where a finding is expected with ``# expect: GR403`` (several codes
separated by commas).  The test runs exactly the named rules and compares (line, code) sets, so a
missing finding and an extra one both fail.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from groundrules.rules.examples import run_example
from groundrules.rules.framework import Example
from groundrules.rules.registry import by_code

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "rules").glob("*.py"))
EXPECT = re.compile(r"#\s*expect:\s*(GR\d{3}(?:\s*,\s*GR\d{3})*)")


def _header(text: str, key: str) -> str | None:
    match = re.search(rf"^# {key}: (.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_fixture(fixture: Path) -> None:
    text = fixture.read_text(encoding="utf-8")
    codes = (_header(text, "rules") or "").split()
    assert codes, f"{fixture.name}: no '# rules:' header"
    options = json.loads(_header(text, "options") or "{}")
    example = Example(text, path=_header(text, "path") or "fixture.py", options=options)
    expected = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for code in match.group(1).split(","):
                expected.add((number, code.strip()))
    actual = set()
    for code in codes:
        actual |= {(f.line, f.code) for f in run_example(by_code()[code], example)}
    assert sorted(actual) == sorted(expected)
