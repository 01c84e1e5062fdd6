"""Severity means harm: every rule's default severity is classified in docs/severity.md, and the
built-in packs keep those defaults."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Tuple

import pytest

from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.loader import PACKS_DIR, load_standards
from groundrules.standards.schema import Severity

DOC = Path(__file__).resolve().parents[1] / "docs" / "severity.md"
CLASSES = {
    "security": Severity.ERROR,
    "data-access": Severity.ERROR,
    "leakage": Severity.ERROR,
    "wrong-results": Severity.ERROR,
    "gate": Severity.ERROR,
    "hygiene": Severity.WARNING,
    "style": Severity.WARNING,
    "advice": Severity.INFO,
}
ROW = re.compile(r"^\| (GR\d{3}) \| ([a-z0-9-]+) \| (error|warning|info) \| ([a-z-]+) \| (.+) \|$")


def policy_table() -> Dict[str, Tuple[str, Severity, str, str]]:
    rows: Dict[str, Tuple[str, Severity, str, str]] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            code, name, severity, klass, reason = match.groups()
            assert code not in rows, f"{code} classified twice"
            rows[code] = (name, Severity.parse(severity), klass, reason.strip())
    return rows


def test_every_rule_is_classified_with_its_declared_severity() -> None:
    table = policy_table()
    for rule in all_rules():
        assert rule.code in table, f"{rule.code} ({rule.name}) is not classified in docs/severity.md"
        name, severity, klass, reason = table[rule.code]
        assert name == rule.name, rule.code
        assert rule.severity is severity, (
            f"{rule.code} declares {rule.severity.label} but docs/severity.md says {severity.label}"
        )
        assert klass in CLASSES, f"{rule.code}: unknown policy class {klass!r}"
        assert CLASSES[klass] is severity, f"{rule.code}: class {klass} is {CLASSES[klass].label}, not {severity.label}"
        assert len(reason) > 10, f"{rule.code}: give a reason"
    assert set(table) == {r.code for r in all_rules()}, "docs/severity.md lists rules that do not exist"


def test_the_policy_named_in_the_issue() -> None:
    table = policy_table()
    # `%matplotlib inline` is not an error; read_csv without dtype=/usecols= is advice.
    assert table["GR103"][1] is not Severity.ERROR
    assert table["GR307"][1] is Severity.INFO and table["GR308"][1] is Severity.INFO
    assert table["GR113"][1] is Severity.INFO and table["GR415"][1] is Severity.INFO
    # Security, leakage and wrong results stay errors.
    assert all(table[c][1] is Severity.ERROR for c in ("GR201", "GR202", "GR410", "GR411", "GR403"))


@pytest.mark.parametrize("pack", sorted(p.stem for p in PACKS_DIR.glob("*.toml")))
def test_builtin_packs_keep_the_policy_severities(tmp_path: Path, pack: str) -> None:
    config = tmp_path / "groundrules.toml"
    config.write_text(f'extends = ["groundrules:{pack}"]\nselect = ["GR"]\n', encoding="utf-8")
    resolved = load_standards(config, catalog()).resolve(tmp_path / "m.py", catalog())
    declared = {r.code: r.severity for r in all_rules()}
    changed = {c: s.label for c, s in resolved.severities.items() if s is not declared[c]}
    assert changed == {}, f"groundrules:{pack} overrides policy severities: {changed}"
