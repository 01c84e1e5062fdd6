"""What the server knows how to do with a document's unsaved text: check it, fix it, suppress a
finding in it.  Plain functions over text and resolved standards, so they are tested without an
editor and run in a worker thread without touching the event loop."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from groundrules.hooks.runner import StandardsCache
from groundrules.rules.engine import check_source
from groundrules.rules.framework import Finding
from groundrules.rules.modules import module_name
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.model import FileStandards
from groundrules.standards.schema import FixClass

from groundrules.server.options import ServerOptions

CONFIG_NAMES = ("pyproject.toml", "groundrules.toml")


@dataclass(frozen=True)
class CellText:
    """One cell of an open notebook, as the editor holds it."""

    kind: str  # "code" or "markdown"
    text: str


@dataclass(frozen=True)
class Target:
    """A document to check: a file's text, or a notebook's cells (then ``text`` is its JSON)."""

    path: Path
    text: str
    cells: Optional[Tuple[CellText, ...]] = None

    @property
    def is_notebook(self) -> bool:
        return self.cells is not None


def notebook_json(cells: Sequence[CellText]) -> str:
    """An nbformat 4 notebook of ``cells``, as the checker and the fixer read one from disk."""
    return json.dumps(
        {
            "cells": [
                {"cell_type": "code" if c.kind == "code" else "markdown", "metadata": {}, "source": c.text,
                 **({"outputs": [], "execution_count": None} if c.kind == "code" else {})}
                for c in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 5,
        },
        indent=1,
    )


def notebook_target(path: Path, cells: Sequence[CellText]) -> Target:
    cells = tuple(cells)
    return Target(path, notebook_json(cells), cells)


@dataclass
class Resolver:
    """Standards for each document from its own project (the nearest configuration file),
    loaded once and forgotten when a configuration file changes."""

    options: ServerOptions = field(default_factory=ServerOptions)
    cache: StandardsCache = field(default_factory=StandardsCache)

    def __post_init__(self) -> None:
        self.cache = StandardsCache(config=self.options.config)

    def reload(self, options: Optional[ServerOptions] = None) -> None:
        if options is not None:
            self.options = options
        self.cache = StandardsCache(config=self.options.config)

    def resolve(self, path: Path) -> Tuple[Optional[FileStandards], str, List[str]]:
        """(standards, path relative to the configuration, problems): no standards when the
        configuration is broken (the problems say why) or excludes the file."""
        standards = self.cache.standards_for(path)
        if standards is None:
            failure = self.cache.failed.get(self.cache.config_for(path))
            return None, path.name, [str(p) for p in failure.problems] if failure else []
        if standards.is_excluded(path):
            return None, standards.relative(path), []
        return standards.resolve(path, catalog(), self.options.overrides()), standards.relative(path), []


def check(target: Target, standards: FileStandards, rel_path: str) -> Tuple[Finding, ...]:
    """The findings ``groundrules check`` reports for this text (notebooks: cell-relative)."""
    data = target.text.encode("utf-8", "surrogatepass")
    # A `# %%` script is one editor document: its findings keep file lines (script_cells=False).
    return check_source(data, str(target.path), rel_path, standards, all_rules(), module_name(target.path),
                        script_cells=False).findings


@dataclass(frozen=True)
class Fixed:
    """The new text of a document (or of each changed notebook cell, by 0-based index)."""

    text: Optional[str] = None
    cells: Dict[int, str] = field(default_factory=dict)
    codes: Tuple[str, ...] = ()
    dropped: Tuple[str, ...] = ()


def fix(
    target: Target,
    standards: FileStandards,
    rel_path: str,
    allowed: FrozenSet[FixClass],
    only: Optional[Callable[[Finding], bool]] = None,
) -> Fixed:
    """The fixes ``groundrules fix`` would apply (``only`` narrows them to some findings), with
    its verification: a fix whose output does not parse or leaves its finding is dropped."""
    from groundrules.codemods.framework import fix_source  # LibCST only when a fix is asked for

    path = str(target.path)
    outcome = fix_source(target.text, path, rel_path, standards, all_rules(), allowed,
                         module_name(target.path), only=only)
    dropped = tuple(f"{codes}: {why}" for codes, why in outcome.dropped)
    if not outcome.fixed or outcome.text == target.text:
        return Fixed(dropped=dropped)
    if target.cells is None:
        return Fixed(outcome.text, codes=outcome.fixed, dropped=dropped)
    new_cells = json.loads(outcome.text).get("cells", [])
    changed: Dict[int, str] = {}
    for index, (old, new) in enumerate(zip(target.cells, new_cells)):
        source = new.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if source != old.text:
            changed[index] = source
    return Fixed(cells=changed, codes=outcome.fixed, dropped=dropped)


def noqa_line(line: str, code: str) -> Tuple[str, int]:
    """``line`` with ``code`` suppressed (added to an existing ``# noqa:`` list, else a new
    comment ending in ``-- `` for the reason) and the column where the reason goes."""
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    marker = body.find("# noqa:")
    if marker >= 0:
        codes_end = marker + len("# noqa:")
        rest = body[codes_end:]
        reason_at = rest.find(" -- ")
        codes = rest if reason_at < 0 else rest[:reason_at]
        listed = [c.strip() for c in codes.replace(",", " ").split() if c.strip()]
        if code not in listed:
            listed.append(code)
        reason = " -- " if reason_at < 0 else rest[reason_at:]
        new = body[:marker] + "# noqa: " + ", ".join(listed) + reason
        cursor = len(new) if reason_at < 0 else len(body[:marker] + "# noqa: " + ", ".join(listed) + " -- ")
        return new + ending, cursor
    new = f"{body.rstrip()}  # noqa: {code} -- "
    return new + ending, len(new)
