"""The examples each rule declares are its tests: every bad one fires, every good one is quiet."""

from __future__ import annotations

import pytest

from groundrules.rules.examples import run_example
from groundrules.rules.framework import as_example
from groundrules.rules.registry import all_rules

BAD = [
    pytest.param(rule, i, id=f"{rule.code}-bad-{i}")
    for rule in all_rules()
    for i in range(len(rule.bad))
]
GOOD = [
    pytest.param(rule, i, id=f"{rule.code}-good-{i}")
    for rule in all_rules()
    for i in range(len(rule.good))
]


@pytest.mark.parametrize("rule, index", BAD)
def test_bad_example_fires(rule, index):
    example = rule.bad[index]
    findings = run_example(rule, example)
    assert findings, f"{rule.code} did not fire on:\n{as_example(example).source}"


@pytest.mark.parametrize("rule, index", GOOD)
def test_good_example_is_quiet(rule, index):
    example = rule.good[index]
    findings = run_example(rule, example)
    assert not findings, f"{rule.code} fired on good example:\n{as_example(example).source}\n{findings}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_use_instead_is_quiet(rule):
    assert not run_example(rule, rule.use_instead)
