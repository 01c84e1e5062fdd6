"""``check --with bandit,mypy`` (or ``gate.tools``): run the tools and join their findings to ours."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from groundrules.hooks.gate.merge import merge
from groundrules.hooks.gate.targets import ToolRun, plan
from groundrules.hooks.runner import StandardsCache
from groundrules.rules.diagnostics.unparsable_source import UnparsableSource
from groundrules.rules.framework import Finding
from groundrules.standards.model import Layer

if TYPE_CHECKING:
    from groundrules.hooks.cache import ResultCache


def run_gate(
    files: Sequence[Path],
    cache: StandardsCache,
    overrides: Tuple[Layer, ...],
    requested: Tuple[str, ...],
    ours: Sequence[Finding],
    jobs: Optional[int] = None,
    results: "Optional[ResultCache]" = None,
) -> Tuple[List[Finding], List[str]]:
    """Every finding to report, and the tools' one-line errors; ``ours`` unchanged when no tool
    runs on any file (bandit and mypy are imported only when one does)."""
    targets = plan(files, cache, overrides, requested)
    if not targets:
        return list(ours), []
    # mypy stops at a file it cannot parse, for every file: those (GR901) are not given to it.
    unparsable = {f.path for f in ours if f.code == UnparsableSource.code}
    targets = [t if t.shown not in unparsable else replace(t, tools=tuple(x for x in t.tools if x != "mypy"))
               for t in targets]
    runs: Dict[str, ToolRun] = {}
    bandit_targets = [t for t in targets if "bandit" in t.tools]
    if bandit_targets:
        from groundrules.hooks.gate.bandit_adapter import run_bandit

        runs["bandit"] = run_bandit(bandit_targets, jobs, results)
    mypy_targets = [t for t in targets if "mypy" in t.tools]
    if mypy_targets:
        from groundrules.hooks.gate.mypy_adapter import run_mypy

        runs["mypy"] = run_mypy(mypy_targets)
    # A tool's codes are judged (GR903) only on the files it checked.
    checked = [replace(t, tools=tuple(x for x in t.tools if t.shown not in runs[x].unchecked)) for t in targets]
    for warning in dict.fromkeys(w for r in runs.values() for w in r.warnings):
        sys.stderr.write(f"groundrules: {warning}\n")
    theirs = [f for r in runs.values() for f in r.findings]
    # Each mypy run repeats a configuration error: reported once.
    return merge(ours, theirs, checked), list(dict.fromkeys(e for r in runs.values() for e in r.errors))
