"""``check --with bandit,mypy`` (or ``gate.tools``): run the tools and join their findings to ours."""

from __future__ import annotations

from pathlib import Path
from typing import List, Sequence, Tuple

from groundrules.hooks.gate.merge import merge
from groundrules.hooks.gate.targets import ToolRun, plan
from groundrules.hooks.runner import StandardsCache
from groundrules.rules.framework import Finding
from groundrules.standards.model import Layer


def run_gate(
    files: Sequence[Path],
    cache: StandardsCache,
    overrides: Tuple[Layer, ...],
    requested: Tuple[str, ...],
    ours: Sequence[Finding],
) -> Tuple[List[Finding], List[str]]:
    """Every finding to report, and the tools' one-line errors; ``ours`` unchanged when no tool
    runs on any file (bandit and mypy are imported only when one does)."""
    targets = plan(files, cache, overrides, requested)
    if not targets:
        return list(ours), []
    runs: List[ToolRun] = []
    bandit_targets = [t for t in targets if "bandit" in t.tools]
    if bandit_targets:
        from groundrules.hooks.gate.bandit_adapter import run_bandit

        runs.append(run_bandit(bandit_targets))
    mypy_targets = [t for t in targets if "mypy" in t.tools]
    if mypy_targets:
        from groundrules.hooks.gate.mypy_adapter import run_mypy

        runs.append(run_mypy(mypy_targets))
    theirs = [f for r in runs for f in r.findings]
    return merge(ours, theirs, targets), [e for r in runs for e in r.errors]
