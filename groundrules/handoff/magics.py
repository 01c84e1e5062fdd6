"""IPython syntax in a cell becomes Python, a removal or a blocking item.

The cell is masked as the rules mask it (:func:`groundrules.rules.notebooks.mask_cell`), then
each masked line is decided: set-up magics (``%matplotlib``, ``%load_ext`` ...) are removed,
timing magics keep their statement, package installs become dependencies to add, and anything
that runs other code or the shell (``%run``, ``%sql``, ``%%bash``, ``!cmd``) is kept as a
``# TODO`` comment and listed as blocking: only a person can say what it should become.
Line numbers are kept (a removed line becomes blank), so every item points at the cell's line.
"""

from __future__ import annotations

import ast
import re
import shlex
from dataclasses import dataclass
from typing import List, Optional, Tuple

from groundrules.handoff.items import Blocking, Change, Removed
from groundrules.rules.notebooks import Cell, mask_cell

SETUP_MAGICS = frozenset({"matplotlib", "load_ext", "reload_ext", "unload_ext", "autoreload", "config",
                          "aimport", "precision"})
TIMING_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
EXPLORATION_MAGICS = frozenset({"who", "whos", "who_ls", "pinfo", "pinfo2", "pdoc", "psource", "pwd",
                                "lsmagic", "history", "ls", "pdef", "pfile"})
INSTALLERS = frozenset({"pip", "conda", "mamba"})
TODO = "TODO(handoff)"
MAGIC_RULE = "GR103"
INSTALL_RULE = "GR214"


@dataclass(frozen=True)
class CleanCell:
    """A code cell as Python: same line count as the original (removed lines are blank)."""

    number: int
    source: str
    changes: Tuple[Change, ...] = ()
    removed: Tuple[Removed, ...] = ()
    blocking: Tuple[Blocking, ...] = ()
    dependencies: Tuple[str, ...] = ()


@dataclass(frozen=True)
class _Magic:
    kind: str  # line, cell, system, getoutput
    name: str
    args: str
    target: str  # "x = " for an assigned magic, else ""


def clean_cell(cell: Cell) -> CleanCell:
    lines = cell.source.splitlines()
    masked, changed = mask_cell(lines)
    out = list(masked)
    changes: List[Change] = []
    removed: List[Removed] = []
    blocking: List[Blocking] = []
    dependencies: List[str] = []
    for index in changed:
        magic = _parse(masked[index])
        original = lines[index]
        number = index + 1
        if magic is None:
            continue  # the emptied body of a cell magic: decided with its first line
        indent = original[: len(original) - len(original.lstrip())]
        if magic.kind == "cell":
            body = lines[index + 1 :]
            if magic.name in TIMING_MAGICS and not magic.target:
                out[index] = ""
                out[index + 1 :] = body
                changes.append(Change(MAGIC_RULE, cell.number, number, f"`%%{magic.name}` dropped; the cell's code is kept"))
                continue
            why = f"`%%{magic.name}` cell: not Python; rewrite it as code the module can run"
            blocking.append(Blocking(cell.number, number, original.strip(), why, MAGIC_RULE))
            out[index] = f"# {TODO}: {why}"
            out[index + 1 :] = [f"# {line}" if line.strip() else "" for line in body]
            continue
        installs = _installs(magic)
        if installs is not None:
            dependencies.extend(installs)
            removed.append(Removed(cell.number, number, original.strip(),
                                   "package install at run time: add to the project's dependencies", INSTALL_RULE))
            out[index] = _empty(indent)
            continue
        if magic.kind == "line" and magic.name in SETUP_MAGICS:
            removed.append(Removed(cell.number, number, original.strip(), "notebook set-up magic", MAGIC_RULE))
            out[index] = _empty(indent)
            continue
        if magic.kind == "line" and magic.name in EXPLORATION_MAGICS and not magic.target:
            removed.append(Removed(cell.number, number, original.strip(), "exploration (help or listing)", MAGIC_RULE))
            out[index] = _empty(indent)
            continue
        if magic.kind == "line" and magic.name in TIMING_MAGICS and magic.args and _is_python(magic.args):
            out[index] = f"{indent}{magic.target}{magic.args}" if magic.target else f"{indent}{magic.args}"
            changes.append(Change(MAGIC_RULE, cell.number, number, f"`%{magic.name}` dropped; the statement is kept"))
            continue
        what = {"line": f"`%{magic.name}` magic", "system": "shell command", "getoutput": "shell command"}[magic.kind]
        why = f"{what}: not Python; rewrite it (subprocess, a library call or a pipeline step)"
        blocking.append(Blocking(cell.number, number, original.strip(), why, MAGIC_RULE))
        out[index] = f"{indent}pass  # {TODO}: {original.strip()}" if indent else f"# {TODO}: {original.strip()}"
    source = "".join(line + "\n" for line in out)
    return CleanCell(cell.number, source, tuple(changes), tuple(removed), tuple(blocking), tuple(dependencies))


def _empty(indent: str) -> str:
    # An indented line keeps its block non-empty.
    return f"{indent}pass" if indent else ""


def _is_python(text: str) -> bool:
    try:
        ast.parse(text.strip())
    except SyntaxError:
        return False
    return True


_CALL = re.compile(r"^(\s*)(.*?)get_ipython\(\)\.(run_line_magic|run_cell_magic|system|getoutput)\((.*)\)\s*(#.*)?$")


def _parse(masked: str) -> Optional[_Magic]:
    match = _CALL.match(masked)
    if match is None:
        return None
    _, target, method, arguments, _ = match.groups()
    try:
        call = ast.parse(f"f({arguments})", mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(call, ast.Call):
        return None
    values = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if method == "run_line_magic" and len(values) == 2:
        return _Magic("line", values[0], values[1], target)
    if method == "run_cell_magic" and values:
        return _Magic("cell", values[0], values[1] if len(values) > 1 else "", target)
    if method in ("system", "getoutput") and values:
        kind = "system" if method == "system" else "getoutput"
        return _Magic(kind, "", values[0], target)
    return None


def _installs(magic: _Magic) -> Optional[List[str]]:
    """The packages a ``%pip install``/``!pip install`` line installs, or ``None``."""
    if magic.target:
        return None
    if magic.kind == "line" and magic.name in INSTALLERS:
        words = _split(magic.args)
    elif magic.kind == "system":
        words = _split(magic.args)
        if words[:3] in (["python", "-m", "pip"], ["python3", "-m", "pip"]):
            words = words[2:]
        if not words or words[0] not in INSTALLERS:
            return None
        words = words[1:]
    else:
        return None
    if not words or words[0] != "install":
        return None
    return [w for w in words[1:] if not w.startswith("-")]


def _split(text: str) -> List[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()
