"""A notebook's code cells as the stale-state rules see them: masked as the check masks them,
with the bodies of timing cell magics (``%%time``) kept as Python, their dataflow, and the
recorded execution counts.  Examples are written in jupytext's percent format and turned into
notebooks here, so a rule's docs read as cells."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from groundrules.rules.cell_dataflow import Dataflow, analyze
from groundrules.rules.framework import Example, Rule
from groundrules.rules.notebooks import Cell, NotebookError, mask_cell, read_notebook

#: Cell magics whose body runs as Python in the kernel's namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
#: Cell magics whose body binds nothing in the namespace.
INERT_CELL_MAGICS = frozenset({"bash", "sh", "html", "markdown", "latex", "javascript", "js", "svg", "writefile",
                               "script", "perl", "ruby", "system"})
#: Magics that bind names the dataflow cannot see (`%run x.py`, `%store -r`, `%%capture out`).
_HIDDEN_BINDERS = re.compile(r"run_(line|cell)_magic\('(run|store|load|capture|sql|macro|recall)'")
_DYNAMIC = re.compile(r"\b(globals|locals|vars|exec|eval)\s*\(")
_CELL_MAGIC = re.compile(r"^%%([A-Za-z_][\w.]*)")
_TIMED_LINE = re.compile(r"^(\s*)%(?:time|timeit|prun)\s+(\S.*)$")


@dataclass(frozen=True)
class NotebookState:
    flow: Dataflow
    #: Execution count of each code cell by cell number (``None``: not run or stripped).
    counts: Dict[int, Optional[int]]
    #: Some cell binds names the analysis cannot see, or does not parse: "never bound" and
    #: "bound only later" are then not known, and the rules stay silent.
    opaque: bool


@functools.lru_cache(maxsize=8)
def notebook_state(data: bytes) -> Optional[NotebookState]:
    """The state of the notebook in ``data``; ``None`` when it is not a readable notebook.
    Cached: the four rules read the same bytes in one check."""
    try:
        notebook, cells = read_notebook(data)
    except NotebookError:
        return None
    raw = notebook.get("cells") or []
    counts: Dict[int, Optional[int]] = {}
    sources: List[Tuple[int, str]] = []
    opaque = False
    for cell in cells:
        if cell.cell_type != "code":
            continue
        count = raw[cell.number - 1].get("execution_count") if isinstance(raw[cell.number - 1], dict) else None
        counts[cell.number] = count if isinstance(count, int) and not isinstance(count, bool) else None
        source, hidden = _python_of(cell)
        opaque = opaque or hidden
        sources.append((cell.number, source))
    flow = analyze(sources)
    opaque = opaque or any(f.error for f in flow.flows)
    return NotebookState(flow, counts, opaque)


def _python_of(cell: Cell) -> Tuple[str, bool]:
    """The cell as Python, line for line, and whether it may bind names the analysis cannot see."""
    lines = cell.source.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    hidden = False
    if first is not None:
        magic = _CELL_MAGIC.match(lines[first].strip())
        if magic is not None:
            name = magic.group(1)
            if name in PYTHON_CELL_MAGICS:
                # The magic's line becomes blank so the body keeps its line numbers.
                body, _ = mask_cell(lines[first + 1 :])
                hidden = name == "capture" and bool(lines[first].split()[1:])
                masked = [""] * (first + 1) + body
                text = "\n".join(masked) + "\n"
                return text, hidden or bool(_HIDDEN_BINDERS.search(text) or _DYNAMIC.search(text))
            return "\n" * len(lines), name not in INERT_CELL_MAGICS
    masked, changed = mask_cell(lines)
    for index in changed:
        # `%time model = fit()` runs its statement in the namespace: it binds `model`.
        timed = _TIMED_LINE.match(lines[index])
        if timed is not None:
            masked[index] = timed.group(1) + timed.group(2)
    text = "\n".join(masked) + "\n"
    return text, bool(_HIDDEN_BINDERS.search(text) or _DYNAMIC.search(text))


def report_in_cell(rule: Rule, at_cell: int, line: int, column: int, **values: object) -> None:
    """A finding at ``cell N:line:col`` (notebook rules report in the file, then name the cell)."""
    rule.report((line, column), rule.message.format(**values))
    rule.findings[-1] = dataclasses.replace(rule.findings[-1], cell=at_cell)


_COUNT = re.compile(r"^# execution_count: *(\d+) *$")


def notebook_example(percent: str, path: str = "example.ipynb") -> Example:
    """An example notebook written as jupytext percent cells: ``# %%`` starts a code cell,
    ``# %% [markdown]`` a markdown cell, and a ``# execution_count: N`` line in a code cell is
    its recorded execution count (as Jupyter saves it) rather than code."""
    cells: List[Dict[str, Any]] = []
    for chunk in percent.strip().split("# %%")[1:]:
        header, _, body = chunk.partition("\n")
        lines = body.rstrip("\n").splitlines()
        if "[markdown]" in header:
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in lines)
            cells.append({"cell_type": "markdown", "metadata": {}, "source": text})
            continue
        count: Optional[int] = None
        code: List[str] = []
        for line in lines:
            match = _COUNT.match(line)
            if match is not None:
                count = int(match.group(1))
            else:
                code.append(line)
        cells.append({"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": [],
                      "source": "\n".join(code)})
    return Example(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1),
                   path=path)
