"""Meta-tests: every rule's declaration is complete and consistent."""

from __future__ import annotations

import re

import pytest

from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.schema import Category

RULES = all_rules()
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")


def test_codes_are_unique_and_well_formed():
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"GR\d{3}", c) for c in codes)


def test_names_are_unique_kebab_case():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    bad = [n for n in names if not NAME.match(n)]
    assert not bad


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_code_is_in_its_categorys_hundred(rule):
    assert int(rule.code[2]) == rule.category.hundred


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docs_sections_present(rule):
    for attr in ("message", "what", "why", "use_instead", "fix_safety"):
        text = getattr(rule, attr, "")
        assert isinstance(text, str) and text.strip(), f"{rule.code} lacks {attr}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_examples_present(rule):
    # GR900 reports a crash inside another rule: no source can provoke it while the rules are
    # correct, so its bad case is shown by test_engine's broken-rule test instead.
    if rule.code != "GR900":
        assert len(rule.bad) >= 3, rule.code
    assert len(rule.good) >= 3, rule.code


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_options_are_declared_consistently(rule):
    cat = catalog()
    for option in rule.options:
        assert cat.options[option.key].default == option.default
        assert option.help.strip()
        # The default must pass its own validation.
        raw = option.default
        if isinstance(raw, tuple):
            raw = list(raw)
        elif isinstance(raw, dict):
            raw = {k: list(v) for k, v in raw.items()}
        option.parse(raw)


def test_every_group_has_rules():
    groups = {r.category for r in RULES}
    for category in (Category.CODING, Category.SECURITY, Category.DATA_ACCESS, Category.DATA_SCIENCE):
        assert category in groups, category
