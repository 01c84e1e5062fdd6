"""The baseline file: findings accepted when a team adopts groundrules, so CI fails only on new ones.

A finding is keyed by (code, path, enclosing function or class, hash of its line's
whitespace-normalised text) with a count: moving code up or down changes no key, and a second
identical finding in the same place exceeds the count, so it is new.  Only a hash of the line is
stored because the line may hold a secret the finding is about.  A notebook finding's line is
the line of its cell and its scope comes from the code cells joined as the engine joins them;
the cell's number is not part of the key, because inserting a cell above would renumber every
cell below it.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from groundrules.hooks.atomic import write_text_atomic
from groundrules.hooks.files import read_or_none
from groundrules.hooks.gate.peers import peers
from groundrules.rules import cell_scripts, notebooks
from groundrules.rules.framework import Finding
from groundrules.standards.model import MAX_FILE_SIZE

DEFAULT_FILE = ".groundrules-baseline.json"
FORMAT_VERSION = 1


class BaselineError(Exception):
    """The baseline file is missing or not one this version wrote."""


@dataclass(frozen=True, order=True)
class Key:
    code: str
    path: str
    scope: str  # dotted qualname of the enclosing def/class, "" at module level
    line_hash: str


def source_of(code: str) -> str:
    """The tool that reports ``code``: ``B602`` is bandit's, ``mypy:arg-type`` mypy's."""
    if code.lower().startswith("mypy:"):
        return "mypy"
    if code[:1] == "B" and code[1:].isdigit():
        return "bandit"
    return "groundrules"


@dataclass(frozen=True)
class Checked:
    """What a run looked at: the tools that ran on each checked file (shown path), and the
    command line's ``--select``/``--ignore``.  Only a baseline entry this run could have
    reported can be stale: a run without ``--with bandit`` says nothing about bandit's entries."""

    sources: Dict[str, FrozenSet[str]]
    select: Optional[Tuple[str, ...]] = None
    ignore: Tuple[str, ...] = ()

    def covers(self, key: Key) -> bool:
        ran = self.sources.get(key.path)
        if ran is None:
            return not os.path.exists(key.path)  # a deleted file's entries are all stale
        folded = key.code.lower()
        if self.select is not None and not any(folded.startswith(p.lower()) for p in self.select):
            return False
        if any(folded.startswith(p.lower()) for p in self.ignore):
            return False
        return source_of(key.code) in ran


@dataclass(frozen=True)
class Comparison:
    new: List[Finding]
    stale: Counter[Key]  # baseline entries (with their surplus counts) no finding matches any more


@dataclass(frozen=True)
class _SourceFile:
    lines: Tuple[str, ...]
    scopes: Tuple[Tuple[int, int, str], ...]  # (first line, last line, qualname), outer before inner
    #: Notebooks: each cell's (first line in the joined code, the cell's own lines) by cell number.
    cells: Dict[int, Tuple[int, Tuple[str, ...]]]

    def key_text_and_scope(self, finding: Finding) -> Tuple[str, str]:
        """The finding's line and its enclosing def/class."""
        if finding.cell is None:
            return self.text_at(finding.line), self.scope_at(finding.line)
        first, lines = self.cells.get(finding.cell, (0, ()))
        text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        return text, self.scope_at(first + finding.line - 1) if first else ""

    def scope_at(self, line: int) -> str:
        found = ""
        for first, last, name in self.scopes:
            if first <= line <= last:
                found = name  # later spans that still contain the line are nested deeper
        return found

    def text_at(self, line: int) -> str:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else ""


def _scopes(tree: ast.AST) -> Tuple[Tuple[int, int, str], ...]:
    spans: List[Tuple[int, int, str]] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                spans.append((first, child.end_lineno or child.lineno, name))
                walk(child, f"{name}.")
            else:
                walk(child, prefix)

    walk(tree, "")
    spans.sort(key=lambda span: (span[0], -span[1]))
    return tuple(spans)


def source_file(path: str) -> _SourceFile:
    """The file's lines and scopes as keys see them (``fix`` names the baselined lines by them)."""
    return _load_source(path)


def _load_source(path: str) -> _SourceFile:
    # Bounded, regular files only: the checked file may have been swapped for a FIFO since.
    data = read_or_none(Path(path), MAX_FILE_SIZE.default)
    if data is None:
        return _SourceFile((), (), {})
    if path.endswith(".ipynb"):
        return _load_notebook(data)
    text = data.decode("utf-8-sig", errors="replace")
    lines = tuple(text.splitlines())
    # A script exported from a notebook reports `cell N:line`: keyed by its cells' lines.
    cells = cell_scripts.cells_of(data)
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _SourceFile(lines, (), cells)
    return _SourceFile(lines, _scopes(tree), cells)


def _load_notebook(data: bytes) -> _SourceFile:
    try:
        _, cells = notebooks.read_notebook(data)
    except notebooks.NotebookError:
        return _SourceFile((), (), {})
    tree, code, _ = notebooks.parse_code(notebooks.code_of(cells))
    sources = {cell.number: tuple(cell.source.splitlines()) for cell in cells}
    spans = {span.cell: (span.first, sources.get(span.cell, ())) for span in code.spans}
    return _SourceFile((), _scopes(tree) if tree is not None else (), spans)


def _hash(text: str) -> str:
    normalised = " ".join(text.split())
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def keys_of(findings: Sequence[Finding]) -> List[Key]:
    """One key per finding, in order; each file with findings is read and parsed once."""
    sources: Dict[str, _SourceFile] = {}
    keys: List[Key] = []
    for finding in findings:
        if finding.path not in sources:
            sources[finding.path] = _load_source(finding.path)
        text, scope = sources[finding.path].key_text_and_scope(finding)
        keys.append(Key(finding.code, finding.path, scope, _hash(text)))
    return keys


def counts_of(findings: Sequence[Finding]) -> Counter[Key]:
    return Counter(keys_of(findings))


def compare(
    findings: Sequence[Finding],
    baseline: Counter[Key],
    checked: Optional[Checked],
    changed: Optional[Callable[[Finding], bool]] = None,
) -> Comparison:
    """The findings beyond the baseline's counts, and the baseline's stale entries among those the
    run ``checked`` (or in files deleted since): entries this run could not report are not stale
    (``checked`` ``None``: only the new findings are wanted, as by the flake8 plugin).

    When a key has more findings than the baseline counts, which of them are "new" is a choice:
    those on ``changed`` lines first (the diff filter would otherwise drop the new one and keep
    nothing), then the last ones in the file, where added code more often lands."""
    groups: Dict[Key, List[int]] = {}
    for index, key in enumerate(keys_of(findings)):
        groups.setdefault(_as_recorded(findings[index], key, baseline), []).append(index)
    new_indexes: List[int] = []
    for key, indexes in groups.items():
        surplus = len(indexes) - baseline[key]
        if surplus <= 0:
            continue
        ranked = sorted(indexes, key=lambda i: (bool(changed and changed(findings[i])), i), reverse=True)
        new_indexes.extend(ranked[:surplus])
    new = [findings[i] for i in sorted(new_indexes)]
    stale: Counter[Key] = Counter()
    for key, count in baseline.items():
        if checked is not None and checked.covers(key):
            surplus = count - len(groups.get(key, ()))
            if surplus > 0:
                stale[key] = surplus
    return Comparison(new, stale)


def _as_recorded(finding: Finding, key: Key, baseline: Counter[Key]) -> Key:
    """A bandit finding the baseline holds as its groundrules peer: a run with our rules on
    reports the two as one finding under our code (GR201 ``also bandit B105``), while the
    security hook (``--select B``) reports bandit's alone."""
    if finding.source != "bandit" or baseline[key]:
        return key
    for peer in peers(finding.code):
        recorded = Key(peer, key.path, key.scope, key.line_hash)
        if baseline[recorded]:
            return recorded
    return key


def updated(baseline: Counter[Key], stale: Counter[Key]) -> Counter[Key]:
    """The baseline without its stale entries; nothing is added."""
    result = Counter(baseline)
    result.subtract(stale)
    return Counter({key: count for key, count in result.items() if count > 0})


def render(counts: Counter[Key]) -> str:
    """Sorted, no timestamps: the same findings always give the same bytes."""
    entries = []
    for key in sorted(counts):
        if counts[key] <= 0:
            continue
        entry: Dict[str, object] = {
            "code": key.code,
            "path": key.path,
            "scope": key.scope,
            "line_hash": key.line_hash,
            "count": counts[key],
        }
        entries.append(entry)
    return json.dumps({"version": FORMAT_VERSION, "entries": entries}, indent=2, sort_keys=True) + "\n"


def load(path: Path) -> Counter[Key]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError("baseline file not found; `groundrules baseline` writes one") from None
    except OSError as exc:
        raise BaselineError(f"cannot read baseline: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"not a baseline file: invalid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION or not isinstance(
        doc.get("entries"), list
    ):
        raise BaselineError(f"not a baseline file: expected {{\"version\": {FORMAT_VERSION}, \"entries\": [...]}}")
    counts: Counter[Key] = Counter()
    for index, entry in enumerate(doc["entries"]):
        key = _entry_key(entry)
        count = entry.get("count") if isinstance(entry, dict) else None
        if key is None or not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BaselineError(f"not a baseline file: entry {index + 1} is malformed")
        counts[key] += count
    return counts


def _entry_key(entry: object) -> Optional[Key]:
    if not isinstance(entry, dict):
        return None
    fields = [entry.get(name, "") for name in ("code", "path", "scope", "line_hash")]
    if not all(isinstance(value, str) for value in fields) or not fields[0] or not fields[1]:
        return None
    return Key(*(str(value) for value in fields))


def summary(text: str) -> Tuple[int, int]:
    """(findings, files) a rendered baseline holds, for the line ``baseline`` prints."""
    entries = json.loads(text)["entries"]
    return sum(int(e["count"]) for e in entries), len({e["path"] for e in entries})


def write(path: Path, text: str) -> None:
    """Atomically, creating the directory as ``check --output`` does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text)
