"""bandit, in-process through its manager, once per run; its issues become findings.

The profile comes from the standards: a bandit test is skipped where the team turned its
groundrules peer off (``ignore = ["GR206"]`` also drops B506) and B101 (``assert``) in
``test-paths``; issues of low confidence are dropped; bandit's severity maps to ours
(HIGH: error, MEDIUM: warning, LOW: info), except for a test with a groundrules peer, whose
finding takes the peer's severity as the file's standards rate it: our rules decide what is an
error, whichever tool reports it (B105 is GR201's hard-coded password, an error).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, FrozenSet, Optional, Sequence, Tuple

from groundrules.hooks.gate.peers import bandit_tests, peer_severity, peers
from groundrules.hooks.gate.targets import Target, ToolRun
from groundrules.rules.context import TEST_PATHS
from groundrules.rules.framework import Finding
from groundrules.rules.security.hardcoded_secret import mask
from groundrules.standards.globs import matches
from groundrules.standards.schema import Category, Severity

SEVERITIES = {"HIGH": Severity.ERROR, "MEDIUM": Severity.WARNING, "LOW": Severity.INFO}
#: Tests whose message quotes the secret they found.
SECRET_TESTS = frozenset({"B105", "B106", "B107"})
_QUOTED = re.compile(r"'(?P<value>.*)'")


def skipped_tests(target: Target) -> FrozenSet[str]:
    """The bandit tests this file's standards turn off: those whose every peer is ignored."""
    # `ignore`, not `select`: `--select B` turns every GR rule off yet must run bandit's tests.
    off = {test for test in bandit_tests() if all(_ignored(rule, target) for rule in peers(test))}
    test_paths: Tuple[str, ...] = target.standards.get(TEST_PATHS)
    if matches(target.rel_path, test_paths):
        off.add("B101")
    return frozenset(off)


def _ignored(code: str, target: Target) -> bool:
    return any(code.startswith(p.upper()) for p in target.ignore)


def run_bandit(targets: Sequence[Target]) -> ToolRun:
    # bandit ships no type information.
    from bandit.core import config as b_config  # type: ignore[import-untyped]
    from bandit.core import manager

    if not targets:
        return ToolRun()
    by_path: Dict[str, Target] = {str(t.path.resolve()): t for t in targets}
    skipped = {key: skipped_tests(t) for key, t in by_path.items()}
    everywhere = frozenset.intersection(*skipped.values())
    try:
        # `# nosec` would bypass reason-required (GR902) and GR903: only `# noqa` silences.
        bandit = manager.BanditManager(
            b_config.BanditConfig(), "file", quiet=True, profile={"include": set(), "exclude": set(everywhere)},
            ignore_nosec=True,
        )
        bandit.discover_files(list(by_path))
        bandit.run_tests()
        issues = bandit.get_issue_list(sev_level="LOW", conf_level="MEDIUM")
    except Exception as exc:  # bandit's own failure must not hide our findings
        return ToolRun(errors=[f"bandit: crashed: {type(exc).__name__}: {exc}"], unchecked=[t.shown for t in targets])
    # Files bandit could not read or parse (the runner reports them as GR901 or unreadable).
    run = ToolRun(unchecked=[by_path[k].shown for k in (str(Path(f).resolve()) for f, _ in bandit.skipped)
                             if k in by_path])
    for issue in issues:
        key = str(Path(issue.fname).resolve())
        target = by_path.get(key)
        if target is None or issue.test_id in skipped[key]:
            continue
        run.findings.append(_finding(issue, target))
    return run


def rated_severity(test_id: str, bandit_severity: str, target: Target) -> Severity:
    """The peer's severity for the file when the test has a peer, else bandit's own, mapped."""
    from groundrules.rules.registry import catalog

    rated = target.rated or target.standards
    rules = catalog().rules

    def rating(rule: str) -> Optional[Severity]:
        if rule in rated.enabled:
            return rated.severity_of(rule, rules[rule].severity)
        return rules[rule].severity if rule in rules else None

    peer = peer_severity(test_id, rating)
    return peer if peer is not None else SEVERITIES.get(bandit_severity, Severity.WARNING)


def _finding(issue: object, target: Target) -> Finding:
    test_id: str = getattr(issue, "test_id")
    message: str = getattr(issue, "text")
    if test_id in SECRET_TESTS:
        message = _QUOTED.sub(lambda m: f"'{mask(m.group('value'))}'", message)
    line: int = getattr(issue, "lineno")
    column: int = getattr(issue, "col_offset", 0) or 0
    end_column = getattr(issue, "end_col_offset", None)
    return Finding(
        code=test_id,
        name=str(getattr(issue, "test", "")).replace("_", "-"),
        message=message,
        path=target.shown,
        line=line,
        column=column + 1,
        end_line=line,
        end_column=(end_column if isinstance(end_column, int) else column) + 1,
        severity=rated_severity(test_id, str(getattr(issue, "severity")), target),
        category=Category.SECURITY,
        source="bandit",
    )
