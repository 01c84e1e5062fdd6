"""The CI gate's filters: ``check --baseline FILE`` keeps new findings only, ``check --diff REF``
keeps findings on changed lines only; ``groundrules baseline`` writes or updates the baseline."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from groundrules.hooks import baseline
from groundrules.hooks.git_diff import ChangedLines, GitDiffError, changed_since, keep_changed
from groundrules.rules.framework import Finding
from groundrules.standards.model import Layer

if TYPE_CHECKING:
    from groundrules.hooks.runner import StandardsCache


@dataclass(frozen=True)
class Gated:
    findings: List[Finding]
    notes: List[str] = field(default_factory=list)  # hints for stderr
    error: Optional[str] = None


def checked_scope(
    shown: Iterable[str],
    files: Sequence[Path],
    cache: "StandardsCache",
    overrides: Tuple[Layer, ...],
    tools: Tuple[str, ...],
) -> baseline.Checked:
    """What a run covered: our rules on every checked file (``shown`` as findings name them),
    bandit and mypy on the files the gate ran them on, the command line's select and ignore."""
    from groundrules.hooks.gate.targets import plan

    sources: Dict[str, FrozenSet[str]] = {path: frozenset({"groundrules"}) for path in shown}
    for target in plan(files, cache, overrides, tools):
        sources[target.shown] = sources.get(target.shown, frozenset({"groundrules"})) | frozenset(target.tools)
    select: Optional[Tuple[str, ...]] = None
    for layer in overrides:
        if layer.select is not None:
            select = layer.select
    ignore = tuple(code for layer in overrides for code in layer.ignore)
    return baseline.Checked(sources, select, ignore)


def apply(
    findings: Sequence[Finding], checked: baseline.Checked, baseline_file: Optional[str], diff_ref: Optional[str]
) -> Gated:
    kept = list(findings)
    notes: List[str] = []
    changed: Optional[ChangedLines] = None
    if diff_ref is not None:
        try:
            changed = changed_since(diff_ref)
        except GitDiffError as exc:
            return Gated([], error=str(exc))
    if baseline_file is not None:
        try:
            known = baseline.load(Path(baseline_file))
        except baseline.BaselineError as exc:
            return Gated([], error=f"{baseline_file}: {exc}")
        cwd = str(Path.cwd())
        on_changed_line = None if changed is None else partial(ChangedLines.keeps, changed, cwd=cwd)
        comparison = baseline.compare(kept, known, checked, on_changed_line)
        kept = comparison.new
        if comparison.stale:
            count = len(comparison.stale)
            output = "" if baseline_file == baseline.DEFAULT_FILE else f" --output {baseline_file}"
            notes.append(
                f"baseline {baseline_file} has {count} stale entr{'y' if count == 1 else 'ies'}; "
                f"`groundrules baseline --update{output}` removes them"
            )
    if changed is not None:
        kept = keep_changed(kept, changed)
    return Gated(kept, notes)


def baseline_text(
    findings: Sequence[Finding], checked: baseline.Checked, output: Path, update: bool, add_new: bool
) -> str:
    """The baseline file's new content.  ``update`` drops stale entries and adds nothing, unless
    ``add_new`` also accepts the findings the baseline does not cover yet."""
    current = baseline.counts_of(findings)
    if not update:
        return baseline.render(current)
    known = baseline.load(output)
    comparison = baseline.compare(findings, known, checked)
    kept = baseline.updated(known, comparison.stale)
    if add_new:
        kept = kept + Counter(baseline.keys_of(comparison.new))
    return baseline.render(kept)
