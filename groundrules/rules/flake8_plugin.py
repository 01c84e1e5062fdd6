"""The rules as a flake8 plugin (entry point prefix ``GR``), reading the same standards.

flake8 hands over the tree it already parsed, so the file is not parsed twice, and applies
``# noqa`` itself, so suppressions are left to it.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple, Type

from groundrules import __version__
from groundrules.rules import cell_scripts
from groundrules.rules.context import Source
from groundrules.rules.engine import check_tree
from groundrules.rules.modules import module_name
from groundrules.rules.overlaps import one_per_cause
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.loader import find_config, load_standards
from groundrules.standards.model import Standards

# flake8 builds one plugin object per file; loading the standards once per configuration file
# per process keeps that cheap.  The key is the config path, so this never mixes two projects.
_LOADED: Dict[Optional[Path], Standards] = {}


def _standards(path: Path) -> Standards:
    config = find_config(path.parent if path.name else Path.cwd())
    if config not in _LOADED:
        _LOADED[config] = load_standards(config, catalog())
    return _LOADED[config]


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
        text = "".join(self.lines)
        # An exported notebook script is exploration code here too (flake8 reports file lines).
        resolved = standards.resolve(path, catalog()).in_context(cell_scripts.split(text) is not None)
        source = Source(self.filename, standards.relative(path), text, text.splitlines(), module_name(path))
        result = check_tree(self.tree, source, resolved, all_rules(), apply_suppressions=False)
        for finding in one_per_cause(result.findings):
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)
