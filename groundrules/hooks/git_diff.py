"""``check --diff REF``: the lines added or changed since ``git merge-base REF HEAD``, working tree
included, so a pull request is judged only on what it touches.  A notebook's findings are kept
on the lines its cells gained (``notebook_diff``), not on lines of the .ipynb JSON."""

from __future__ import annotations

import ast
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple

from groundrules.hooks.notebook_diff import CellLines, changed_cells
from groundrules.rules import cell_scripts
from groundrules.rules.framework import Finding

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class GitDiffError(Exception):
    """No repository, no git, or a revision git does not know."""


@dataclass(frozen=True)
class ChangedLines:
    """Absolute real paths: the lines each changed file gained, and the files new as a whole;
    for notebooks, the lines each cell gained."""

    lines: Dict[str, FrozenSet[int]]
    whole: FrozenSet[str]
    cells: Dict[str, CellLines]

    def keeps(self, finding: Finding, cwd: str) -> bool:
        path = os.path.realpath(os.path.join(cwd, finding.path))
        if path in self.whole:
            return True
        added = self.lines.get(path)
        if added is None:
            return False
        if finding.cell is not None and not path.endswith(".ipynb"):
            return _script_line(path, finding.cell, finding.line) in added
        if finding.cell is not None:
            cells = self.cells.get(path)
            if cells is None:
                # Neither version could be read as a notebook: any change to the file counts.
                return bool(added)
            return finding.line in cells.get(finding.cell, frozenset())
        return finding.line in added


def _script_line(path: str, cell: int, line: int) -> int:
    """The file line of ``cell N:line`` in a script exported from a notebook."""
    try:
        first, _ = cell_scripts.cells_of(Path(path).read_bytes()).get(cell, (1, ()))
    except OSError:
        return line
    return first + line - 1


def _git(args: Sequence[str], cwd: str) -> str:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120
        )
    except OSError as exc:
        raise GitDiffError(f"--diff needs git: {exc.strerror or exc}") from None
    except subprocess.TimeoutExpired:
        raise GitDiffError(f"--diff: `git {args[0]}` took too long") from None
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip().splitlines()
        raise GitDiffError(message[0] if message else f"`git {args[0]}` failed")
    return proc.stdout.decode("utf-8", errors="surrogateescape")


def _unquote(name: str) -> str:
    """Git C-quotes unusual paths (octal escapes of UTF-8 bytes)."""
    if not name.startswith('"'):
        return name
    try:
        raw = ast.literal_eval(name)
    except (ValueError, SyntaxError):
        return name.strip('"')
    return str(raw).encode("latin-1", errors="replace").decode("utf-8", errors="replace")


def _name(line: str) -> Optional[str]:
    """The path of a ``--- a/x`` or ``+++ b/x`` line, ``None`` for /dev/null."""
    name = line[4:].rstrip("\t")
    if name == "/dev/null":
        return None
    name = _unquote(name)
    return name[2:] if name.startswith(("a/", "b/")) else name


def old_names(text: str, root: str) -> Dict[str, Optional[str]]:
    """Each changed file's (absolute real path) name at the base, relative to ``root``; ``None``
    for a file the base does not have."""
    names: Dict[str, Optional[str]] = {}
    old: Optional[str] = None
    for line in _headers(text):
        if line.startswith("--- "):
            old = _name(line)
        elif line.startswith("+++ "):
            new = _name(line)
            if new is not None:
                names[os.path.realpath(os.path.join(root, new))] = old
    return names


def _headers(text: str) -> Iterator[str]:
    """The file header and hunk header lines: a removed line ``-- x`` reads ``--- x`` in a hunk."""
    in_header = False
    for line in text.splitlines():
        if line.startswith("diff --git "):
            in_header = True
        elif line.startswith("@@"):
            in_header = False
            yield line
        if in_header:
            yield line


def parse_diff(text: str, root: str) -> Dict[str, FrozenSet[int]]:
    """Added line numbers per file from ``git diff -U0`` output (deleted files have none)."""
    changed: Dict[str, Set[int]] = {}
    current: Optional[Set[int]] = None
    for line in _headers(text):
        if line.startswith("+++ "):
            name = _name(line)
            current = None if name is None else changed.setdefault(os.path.realpath(os.path.join(root, name)), set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start, count = int(match.group(1)), int(match.group(2) or "1")
                current.update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in changed.items()}


def changed_since(ref: str, cwd: Optional[str] = None) -> ChangedLines:
    """The lines changed since the merge base of ``ref`` and HEAD, plus untracked files as new."""
    here = cwd or os.getcwd()
    try:
        root = _git(["rev-parse", "--show-toplevel"], here).strip()
    except GitDiffError:
        raise GitDiffError("--diff needs a git repository; this is not one") from None
    try:
        base = _git(["merge-base", ref, "HEAD"], root).strip()
    except GitDiffError:
        raise GitDiffError(f"--diff {ref}: no merge base with HEAD (unknown revision?)") from None
    # --text and --no-textconv: a .gitattributes that marks notebooks binary or converts them
    # for display must not hide their lines.
    diff = _git(
        ["-c", "core.quotePath=false", "diff", "-U0", "--no-color", "--no-ext-diff", "--no-textconv",
         "--text", "-M", "--src-prefix=a/", "--dst-prefix=b/", base, "--"],
        root,
    )
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    whole = {os.path.realpath(os.path.join(root, name)) for name in untracked.split("\0") if name}
    cells: Dict[str, CellLines] = {}
    for path, old in old_names(diff, root).items():
        if not path.endswith(".ipynb"):
            continue
        if old is None:
            whole.add(path)
            continue
        versions = _notebook_versions(base, old, path, root)
        found = changed_cells(*versions) if versions is not None else None
        if found is not None:
            cells[path] = found
    return ChangedLines(parse_diff(diff, root), frozenset(whole), cells)


def _notebook_versions(base: str, old: str, path: str, root: str) -> Optional[Tuple[bytes, bytes]]:
    """The notebook at the base and in the working tree; ``None`` if either cannot be read."""
    try:
        proc = subprocess.run(
            ["git", "show", f"{base}:{old}"], cwd=root, capture_output=True, check=False, timeout=120
        )
        current = Path(path).read_bytes()
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout, current


def keep_changed(findings: Sequence[Finding], changed: ChangedLines) -> List[Finding]:
    cwd = str(Path.cwd())
    return [f for f in findings if changed.keeps(f, cwd)]
