"""The prototype as cells: a notebook's cells, or a script split on jupytext's ``# %%`` markers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from groundrules.rules.notebooks import Cell, NotebookError, read_notebook

_MARKER = re.compile(r"^# ?%%(?!%)(.*)$")
_MARKDOWN = re.compile(r"\[(markdown|md)\]")


class PrototypeError(ValueError):
    """SRC cannot be read as a notebook or a Python script."""


@dataclass(frozen=True)
class Prototype:
    path: Path
    cells: Tuple[Cell, ...]
    is_notebook: bool
    #: Jupyter's ``[n]`` of each code cell, in file order (``None``: not run or stripped).
    execution_counts: Tuple[Optional[int], ...] = ()

    def out_of_order(self) -> bool:
        """GR603: the recorded execution counts are not increasing in file order."""
        counts = [c for c in self.execution_counts if c is not None]
        return any(later <= earlier for earlier, later in zip(counts, counts[1:]))

    @property
    def code_cells(self) -> Tuple[Cell, ...]:
        return tuple(c for c in self.cells if c.cell_type == "code")


def read_prototype(path: Path, data: Optional[bytes] = None) -> Prototype:
    """The cells of ``path`` (whose bytes are ``data`` when the caller read them, as the command
    does, bounded and from a regular file only); raises :class:`PrototypeError` naming the problem."""
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PrototypeError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if path.suffix == ".ipynb":
        try:
            notebook, cells = read_notebook(data)
        except NotebookError as exc:
            raise PrototypeError(f"{path}: {exc.message}") from exc
        raw = [c for c in notebook.get("cells", []) if isinstance(c, dict) and c.get("cell_type") == "code"]
        counts = tuple(c.get("execution_count") if isinstance(c.get("execution_count"), int) else None for c in raw)
        return Prototype(path, cells, True, counts)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PrototypeError(f"{path}: cannot decode as UTF-8: {exc.reason}") from exc
    return Prototype(path, split_percent_cells(text), False)


def split_percent_cells(text: str) -> Tuple[Cell, ...]:
    """jupytext's percent format: ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown
    cell whose lines are comments; a script without markers is one code cell."""
    lines = text.replace("\r\n", "\n").split("\n")
    if text.endswith("\n"):
        lines.pop()
    if not any(_MARKER.match(line) for line in lines):
        return (Cell(1, "code", text.replace("\r\n", "\n")),)
    cells: List[Cell] = []
    kind = "code"
    body: List[str] = []
    for line in lines:
        marker = _MARKER.match(line)
        if marker is None:
            body.append(line)
            continue
        _flush(cells, kind, body)
        kind, body = ("markdown" if _MARKDOWN.search(marker.group(1)) else "code"), []
    _flush(cells, kind, body)
    return tuple(cells)


def _flush(cells: List[Cell], kind: str, body: List[str]) -> None:
    while body and not body[-1].strip():
        body.pop()
    if not any(line.strip() for line in body):
        return
    if kind == "markdown":
        body = [re.sub(r"^# ?", "", line) for line in body]
    cells.append(Cell(len(cells) + 1, kind, "\n".join(body) + "\n"))
