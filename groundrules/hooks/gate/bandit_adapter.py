"""bandit, in-process through its manager, one file per call spread over the workers and kept in
the result cache; its issues become findings.

The profile comes from the standards: a bandit test is skipped where the team turned its
groundrules peer off (``ignore = ["GR206"]`` also drops B506) and B101 (``assert``) in
``test-paths``; issues of low confidence are dropped; bandit's severity maps to ours
(HIGH: error, MEDIUM: warning, LOW: info), except for a test with a groundrules peer, whose
finding takes the peer's severity as the file's standards rate it: our rules decide what is an
error, whichever tool reports it (B105 is GR201's hard-coded password, an error).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Tuple

from groundrules.hooks.files import read_or_none
from groundrules.hooks.gate.peers import bandit_tests, peer_severity, peers
from groundrules.hooks.gate.targets import Target, ToolRun
from groundrules.rules.context import TEST_PATHS
from groundrules.rules.framework import Finding
from groundrules.rules.security.hardcoded_secret import mask
from groundrules.standards.globs import matches
from groundrules.standards.model import MAX_FILE_SIZE
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.hooks.cache import ResultCache

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


@dataclass(frozen=True)
class BanditJob:
    """One file for bandit, with the tests its standards turn off."""

    path: str  # resolved
    excluded: FrozenSet[str]


#: What bandit says about one file: its issues (as data), whether it skipped the file, an error.
FileRun = Tuple[List[Dict[str, object]], bool, Optional[str]]


def bandit_file(job: BanditJob) -> FileRun:
    """bandit on one file, in a worker: its output depends only on the file and the tests run,
    so files spread over the workers and results go in the result cache."""
    # bandit ships no type information.
    from bandit.core import config as b_config  # type: ignore[import-untyped]
    from bandit.core import manager

    try:
        # `# nosec` would bypass reason-required (GR902) and GR903: only `# noqa` silences.
        bandit = manager.BanditManager(
            b_config.BanditConfig(), "file", quiet=True, profile={"include": set(), "exclude": set(job.excluded)},
            ignore_nosec=True,
        )
        bandit.discover_files([job.path])
        bandit.run_tests()
        issues = bandit.get_issue_list(sev_level="LOW", conf_level="MEDIUM")
    except Exception as exc:  # bandit's own failure must not hide our findings
        return [], True, f"bandit: crashed: {type(exc).__name__}: {exc}"
    data = [
        {"test_id": getattr(i, "test_id"), "text": getattr(i, "text"), "lineno": getattr(i, "lineno"),
         "col_offset": getattr(i, "col_offset", 0) or 0, "end_col_offset": getattr(i, "end_col_offset", None),
         "severity": str(getattr(i, "severity")), "test": str(getattr(i, "test", ""))}
        for i in issues
    ]
    return data, bool(bandit.skipped), None


def run_bandit(
    targets: Sequence[Target], jobs: Optional[int] = None, results: "Optional[ResultCache]" = None
) -> ToolRun:
    if not targets:
        return ToolRun()
    from groundrules.hooks.runner import parallel_map

    work = [BanditJob(str(t.path.resolve()), frozenset(skipped_tests(t))) for t in targets]
    done: List[Optional[FileRun]] = [None] * len(work)
    missed: List[Tuple[int, Optional[str], BanditJob]] = []
    version = _bandit_version() if results is not None else ""
    for index, (target, job) in enumerate(zip(targets, work)):
        # Bounded and regular files only, as our check reads them: bandit is never handed a file
        # over max-file-size or one swapped for a FIFO or device since (it is unchecked, and the
        # runner's GR901 or error line says why).
        data = read_or_none(target.path, target.standards.get(MAX_FILE_SIZE))
        if data is None:
            done[index] = ([], True, None)
            continue
        key: Optional[str] = None
        if results is not None:
            key = results.key("bandit", data, (version, sorted(job.excluded)), ())
            hit = results.get(key)
            if isinstance(hit, list) and len(hit) == 2:
                done[index] = (hit[0], bool(hit[1]), None)
                continue
        missed.append((index, key, job))
    for (index, key, _), computed in zip(missed, parallel_map(bandit_file, [j for _, _, j in missed], jobs)):
        done[index] = computed
        if key is not None and results is not None and computed[2] is None:
            results.put(key, [computed[0], computed[1]])
    run = ToolRun()
    for target, job, outcome in zip(targets, work, done):
        issues, skipped, error = outcome if outcome is not None else ([], True, None)
        if error is not None:
            run.errors.append(error)
        if skipped or error is not None:
            run.unchecked.append(target.shown)  # the runner reports it as GR901 or unreadable
            continue
        for issue in issues:
            if issue["test_id"] not in job.excluded:
                run.findings.append(_finding(issue, target))
    run.errors[:] = list(dict.fromkeys(run.errors))
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


def _bandit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bandit")
    except PackageNotFoundError:
        return "unknown"


def _finding(issue: Dict[str, object], target: Target) -> Finding:
    test_id = str(issue["test_id"])
    message = str(issue["text"])
    if test_id in SECRET_TESTS:
        message = _QUOTED.sub(lambda m: f"'{mask(m.group('value'))}'", message)
    line = int(str(issue["lineno"]))
    column = int(str(issue["col_offset"] or 0))
    end_column = issue["end_col_offset"]
    return Finding(
        code=test_id,
        name=str(issue["test"]).replace("_", "-"),
        message=message,
        path=target.shown,
        line=line,
        column=column + 1,
        end_line=line,
        end_column=(end_column if isinstance(end_column, int) else column) + 1,
        severity=rated_severity(test_id, str(issue["severity"]), target),
        category=Category.SECURITY,
        source="bandit",
    )
