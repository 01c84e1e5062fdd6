"""The lines a notebook's cells gained between two versions, for ``check --diff``.

A diff of the .ipynb JSON says nothing about lines of a cell, and outputs or execution counts
change with every run: the cells are matched instead (by ``id`` where both versions have one, else
by their order and sources) and each matched cell's source is diffed on its own.
"""

from __future__ import annotations

import difflib
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from groundrules.rules.notebooks import NotebookError, read_notebook

#: Cell number (1-based, every cell type counted, as findings number them) -> changed lines.
CellLines = Dict[int, FrozenSet[int]]


def _cells(data: bytes) -> List[Tuple[Optional[str], str, List[str]]]:
    """(id, cell type, source lines) of each cell; raises NotebookError."""
    notebook, cells = read_notebook(data)
    raw = notebook.get("cells", [])
    out: List[Tuple[Optional[str], str, List[str]]] = []
    for cell, entry in zip(cells, raw):
        cell_id = entry.get("id") if isinstance(entry, dict) else None
        out.append((cell_id if isinstance(cell_id, str) else None, cell.cell_type, cell.source.splitlines()))
    return out


def _match(
    old: Sequence[Tuple[Optional[str], str, List[str]]], new: Sequence[Tuple[Optional[str], str, List[str]]]
) -> Dict[int, int]:
    """New cell index -> old cell index (0-based) for the cells that are one cell edited."""
    matched: Dict[int, int] = {}
    old_ids = {cell[0]: index for index, cell in enumerate(old) if cell[0] is not None}
    for index, cell in enumerate(new):
        if cell[0] is not None and cell[0] in old_ids:
            matched[index] = old_ids[cell[0]]
    taken = set(matched.values())
    rest_new = [i for i in range(len(new)) if i not in matched]
    rest_old = [i for i in range(len(old)) if i not in taken]
    sources_new = [(new[i][1], "\n".join(new[i][2])) for i in rest_new]
    sources_old = [(old[i][1], "\n".join(old[i][2])) for i in rest_old]
    matcher = difflib.SequenceMatcher(None, sources_old, sources_new, autojunk=False)
    for tag, o1, o2, n1, n2 in matcher.get_opcodes():
        if tag == "insert" or tag == "delete":
            continue
        # Equal cells, or cells edited in place: in order, each new cell is the next old cell of
        # its type (a code cell turned markdown is a new cell).
        next_old = o1
        for n in range(n1, n2):
            cell_type = new[rest_new[n]][1]
            for o in range(next_old, o2):
                if old[rest_old[o]][1] == cell_type:
                    matched[rest_new[n]] = rest_old[o]
                    next_old = o + 1
                    break
    return matched


def _added(old: List[str], new: List[str]) -> FrozenSet[int]:
    """1-based lines of ``new`` that are not ``old``'s, unchanged."""
    added: List[int] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, _, _, n1, n2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            added.extend(range(n1 + 1, n2 + 1))
    return frozenset(added)


def changed_cells(old_data: bytes, new_data: bytes) -> Optional[CellLines]:
    """Each cell's changed lines in the new version (a new cell: all of them); ``None`` when
    either version is not a notebook, and the caller keeps the file's findings whole."""
    try:
        old, new = _cells(old_data), _cells(new_data)
    except NotebookError:
        return None
    matched = _match(old, new)
    result: CellLines = {}
    for index, cell in enumerate(new):
        lines = cell[2]
        if index in matched:
            result[index + 1] = _added(old[matched[index]][2], lines)
        else:
            result[index + 1] = frozenset(range(1, len(lines) + 1))
    return result
