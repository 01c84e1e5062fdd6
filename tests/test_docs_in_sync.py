"""Generated documents stay in sync with the rule declarations."""

from __future__ import annotations

from conftest import ROOT, run_cli

from groundrules.hooks.readme import render
from groundrules.rules.registry import all_rules


def test_readme_rule_list_is_current():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render(readme, all_rules()) == readme, "run: python -m groundrules.hooks.readme"
    for rule in all_rules():
        assert f"| {rule.code} | `{rule.name}` |" in readme


def test_docs_rules_md_is_current(tmp_path):
    generated = run_cli(["rules", "--format", "markdown"], tmp_path).stdout
    stored = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert generated == stored, "run: groundrules rules --format markdown > docs/rules.md"


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[:800]
    assert "groundrules check examples/" in head and "pytest" in head
