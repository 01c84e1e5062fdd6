"""Parity with bandit on what both cover: every finding of a bandit test that has a peer rule
(groundrules/hooks/gate/peers.py) is also reported by that rule, on a line of the same statement.

The snippets in fixtures/bandit_parity are modelled on the cases of bandit's own examples that
groundrules missed (benchmarks/bandit_parity.py measures those examples; docs/bandit-parity.md
has the figures).  bandit runs in-process, for real, at the gate's confidence floor.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from groundrules.hooks.gate.peers import bandit_tests, peers
from groundrules.rules.engine import check_source
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.model import Layer, resolve_layers

SNIPPETS = Path(__file__).parent / "fixtures" / "bandit_parity"
#: What bandit must find in each snippet, so the parity check cannot pass on an empty run.
EXPECTED = {
    "passwords.py": {"B105": 9},
    "hashes.py": {"B303": 5, "B324": 4},
    "processes.py": {"B602": 2, "B605": 1, "B606": 3},
    "archives_and_urls.py": {"B202": 1, "B301": 1, "B310": 2},
}


def _bandit(path: Path) -> List[Tuple[str, Tuple[int, ...]]]:
    from bandit.core import config as b_config
    from bandit.core import manager

    bandit = manager.BanditManager(b_config.BanditConfig(), "file", quiet=True)
    bandit.discover_files([str(path)])
    bandit.run_tests()
    return [
        (issue.test_id, tuple(issue.linerange or [issue.lineno]))
        for issue in bandit.get_issue_list(sev_level="LOW", conf_level="MEDIUM")
    ]


def _ours(path: Path) -> Dict[str, Set[int]]:
    standards = resolve_layers((Layer("t", select=("GR",)),), catalog())
    result = check_source(path.read_bytes(), str(path), path.name, standards, all_rules())
    found: Dict[str, Set[int]] = {}
    for finding in result.findings:
        found.setdefault(finding.code, set()).add(finding.line)
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_peer_rules_report_what_bandit_reports(name: str) -> None:
    path = SNIPPETS / name
    mapped = set(bandit_tests())
    issues = [(test, lines) for test, lines in _bandit(path) if test in mapped]
    counts: Dict[str, int] = {}
    for test, _ in issues:
        counts[test] = counts.get(test, 0) + 1
    assert counts == EXPECTED[name]
    ours = _ours(path)
    missed = [
        (test, min(lines))
        for test, lines in issues
        if not any(
            line in ours.get(rule, set())
            for rule in peers(test)
            for line in range(min(lines), max(lines) + 1)
        )
    ]
    assert missed == []
