"""The engine: one walk, crash isolation, name resolution."""

from __future__ import annotations

import ast

import pytest

from groundrules.rules.engine import check_source
from groundrules.rules.framework import Rule, as_example
from groundrules.rules.imports import ImportTracker
from groundrules.rules.registry import all_rules, by_code, catalog
from groundrules.standards.model import Layer, resolve_layers
from groundrules.standards.schema import Category, Severity


class Broken(Rule):
    code = "GR199"
    name = "always-crashes"
    category = Category.CODING
    severity = Severity.WARNING
    message = "never"
    what = why = use_instead = "x"
    bad = good = ()

    def visit_Call(self, node: ast.Call) -> None:
        raise RuntimeError("boom")


def test_a_crashing_rule_becomes_gr900_and_other_findings_are_kept():
    cat = catalog()
    standards = resolve_layers((Layer("t", select=("GR",)),), cat)
    standards = type(standards)(
        standards.profile, standards.enabled | {"GR199"}, standards.severities, {}, ()
    )
    rules = [by_code()["GR206"], Broken]
    result = check_source(b"import yaml\nyaml.load(s)\nf()\n", "m.py", "m.py", standards, rules)
    codes = [f.code for f in result.findings]
    assert "GR206" in codes
    crash = [f for f in result.findings if f.code == "GR900"]
    assert len(crash) == 1 and "GR199" in crash[0].message and "boom" in crash[0].message


def test_import_tracker_resolves_aliases_from_imports_and_relative_imports():
    tree = ast.parse(
        "import pandas as pd\nimport os.path\nfrom numpy import random as r\nfrom . import sib\n"
        "from ..up import thing as t\n"
    )
    tracker = ImportTracker(tree, package="pkg.sub")
    q = lambda s: tracker.qualname(ast.parse(s, mode="eval").body)  # noqa: E731
    assert q("pd.read_csv") == "pandas.read_csv"
    assert q("os.path.join") == "os.path.join"
    assert q("r.rand") == "numpy.random.rand"
    assert q("sib.f") == "pkg.sub.sib.f"
    assert q("t") == "pkg.up.thing"
    assert q("print") == "print"
    assert q("unknown.attr") is None


def test_local_definition_shadows_an_import():
    tree = ast.parse("from pandas import read_csv\ndef read_csv(p):\n    return p\n")
    tracker = ImportTracker(tree)
    assert tracker.qualname(ast.parse("read_csv", mode="eval").body) is None


def test_deeply_nested_expression_does_not_crash():
    source = ("x = " + " + ".join(["a"] * 5000) + "\n").encode()
    standards = resolve_layers((Layer("t", select=("GR",)),), catalog())
    result = check_source(source, "m.py", "m.py", standards, all_rules())
    assert all(f.code != "GR900" for f in result.findings)


class Counting(Rule):
    """Counts what the walk hands it: every Name entered and left, every Call entered."""

    code = "GR198"
    name = "counts-nodes"
    category = Category.CODING
    severity = Severity.WARNING
    message = "{what}"
    what = why = use_instead = "x"
    bad = good = ()
    text_gate = frozenset({"needle"})

    def __init__(self, ctx) -> None:
        super().__init__(ctx)
        self.events = []

    def visit_Name(self, node: ast.Name) -> None:
        self.events.append(("enter", node.id, len(self.ctx.ancestors)))

    def leave_Name(self, node: ast.Name) -> None:
        self.events.append(("leave", node.id, len(self.ctx.ancestors)))

    def end(self) -> None:
        self.report((1, 0), what=repr(self.events))


def _counted(source: str):
    standards = resolve_layers((Layer("t", select=("GR",)),), catalog())
    standards = type(standards)(standards.profile, standards.enabled | {"GR198"}, standards.severities, {}, ())
    result = check_source(source.encode(), "m.py", "m.py", standards, [Counting])
    return [f.message for f in result.findings if f.code == "GR198"]


def test_a_text_gate_runs_a_rule_only_on_files_that_spell_one_of_its_words():
    assert _counted("x = y\n") == []
    assert len(_counted("needle = y\n")) == 1
    # Python reads identifiers NFKC-normalised (`ｎeedle` is `needle`): non-ASCII text always runs it.
    assert len(_counted("\uff4eeedle = 1\n")) == 1


def test_leaf_nodes_are_entered_and_left_with_their_parents_as_ancestors():
    (events,) = _counted("needle = f(a)\n")
    # Module > Assign > Name(needle): two ancestors; Module > Assign > Call > Name(f|a): three.
    assert events == repr([
        ("enter", "needle", 2), ("leave", "needle", 2),
        ("enter", "f", 3), ("leave", "f", 3),
        ("enter", "a", 3), ("leave", "a", 3),
    ])


@pytest.mark.parametrize("rule", [r for r in all_rules() if r.text_gate], ids=lambda r: r.code)
def test_every_bad_example_of_a_gated_rule_spells_a_gate_word(rule):
    """The gate must never hide a finding: each case the rule documents passes it."""
    for example in rule.bad:
        source = as_example(example).source
        assert any(word in source for word in rule.text_gate), (rule.code, source)


def test_qualname_answers_each_node_for_itself():
    tree = ast.parse("import numpy as np\nimport pandas as pd\nnp.mean\npd.concat\n")
    tracker = ImportTracker(tree)
    first, second = (stmt.value for stmt in tree.body[2:])
    assert tracker.qualname(first) == "numpy.mean"
    assert tracker.qualname(first) == "numpy.mean"
    assert tracker.qualname(second) == "pandas.concat"
    assert tracker.qualname(first) == "numpy.mean"
