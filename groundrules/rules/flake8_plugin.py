"""The rules as a flake8 plugin (entry point prefix ``GR``), reading the same standards.

flake8 hands over the tree it already parsed, so the file is not parsed twice, and applies
``# noqa`` itself, so suppressions are left to it.  When the standards name a ``baseline``, the
findings it holds are not reported (as by ``groundrules check``): paths in the baseline are
relative to the directory flake8 runs from, the repository root as for pre-commit and CI.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Counter, Dict, Iterator, List, Optional, Sequence, Tuple, Type

from groundrules import __version__
from groundrules.rules.context import Source
from groundrules.rules.engine import check_tree
from groundrules.rules.framework import Finding
from groundrules.rules.modules import module_name
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.loader import find_config, load_standards
from groundrules.standards.model import Standards

if TYPE_CHECKING:
    from groundrules.hooks.baseline import Key

# flake8 builds one plugin object per file; loading the standards once per configuration file
# per process keeps that cheap.  The key is the config path, so this never mixes two projects.
_LOADED: Dict[Optional[Path], Standards] = {}
_BASELINES: Dict[Path, Optional["Counter[Key]"]] = {}


def _standards(path: Path) -> Standards:
    config = find_config(path.parent if path.name else Path.cwd())
    if config not in _LOADED:
        _LOADED[config] = load_standards(config, catalog())
    return _LOADED[config]


def _not_in_baseline(findings: Sequence[Finding], standards: Standards, path: Path) -> Sequence[Finding]:
    """``findings`` less those the standards' baseline holds; all of them when it cannot be read
    (flake8 has no way to report a configuration error, and hiding findings would be worse)."""
    from groundrules.hooks import baseline

    assert standards.baseline is not None  # noqa: GR119 -- narrowing: the caller checked
    if standards.baseline not in _BASELINES:
        try:
            _BASELINES[standards.baseline] = baseline.load(standards.baseline)
        except baseline.BaselineError:
            _BASELINES[standards.baseline] = None
    known = _BASELINES[standards.baseline]
    if not known or path.name == "stdin.py":
        return findings
    try:
        shown = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return findings
    keyed = [dataclasses.replace(finding, path=shown) for finding in findings]
    return baseline.compare(keyed, known, None).new


class GroundrulesPlugin:
    name = "groundrules"
    version = __version__

    def __init__(self, tree: ast.Module, filename: str, lines: List[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[Tuple[int, int, str, Type["GroundrulesPlugin"]]]:
        path = Path(self.filename if self.filename not in ("stdin", "-") else "stdin.py")
        standards = _standards(path)
        if standards.is_excluded(path):
            return
        resolved = standards.resolve(path, catalog())
        text = "".join(self.lines)
        source = Source(self.filename, standards.relative(path), text, text.splitlines(), module_name(path))
        result = check_tree(self.tree, source, resolved, all_rules(), apply_suppressions=False)
        findings = _not_in_baseline(result.findings, standards, path) if standards.baseline else result.findings
        for finding in findings:
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
