"""The engine: one walk, crash isolation, name resolution."""

from __future__ import annotations

import ast

from groundrules.rules.engine import check_source
from groundrules.rules.framework import Rule
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
