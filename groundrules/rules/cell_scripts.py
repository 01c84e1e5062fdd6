"""Python scripts exported from notebooks, read as the cells they were.

Two exports are recognised by their cell markers, at the start of a line:

- nbconvert's ``--to script``: ``# In[ ]:`` / ``# In[3]:`` before each code cell (markdown cells
  become plain comments and are not counted);
- percent scripts: ``# %%`` (jupytext, VS Code, Spyder, sphinx-gallery), ``# %% [markdown]``
  included, so markdown cells count as in the notebook.

The file keeps its text and line numbers (the rules and the fixes see the file as it is); only
positions are mapped, with the notebook machinery of :mod:`groundrules.rules.notebooks`: cell N
is the Nth cell of the file, a non-empty part before the first marker (code or a docstring, not
just a shebang and comments) being cell 1, and line 1 of a cell is the line after its marker.
A script that does not parse as Python is masked as a notebook cell is (``%matplotlib inline``
in a VS Code cell), and a cell that still does not parse is left out and reported on its own.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from groundrules.rules.notebooks import Masked, NotebookCode, Span, mask_cell

#: ``# In[ ]:``, ``# In[12]:`` (nbconvert) and ``# %%``, ``#%%``, ``# %% [markdown]`` (percent).
CELL_MARKER = re.compile(r"^(?:# In\[\s*\d*\s*\]:\s*|#\s?%%(?:\s.*)?)$")


def is_marker(line: str) -> bool:
    return CELL_MARKER.match(line.rstrip("\r")) is not None


def _has_code(lines: Sequence[str]) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in lines)


def split(text: str) -> Optional[NotebookCode]:
    """The script as cells (text and lines unchanged), or ``None`` when it has no cell marker."""
    if "In[" not in text and "%%" not in text:
        return None  # every marker holds one of them; most files have neither
    lines = text.splitlines()
    markers = [index for index, line in enumerate(lines) if is_marker(line)]
    if not markers:
        return None
    spans: List[Span] = []
    number = 0
    if _has_code(lines[: markers[0]]):
        number = 1
        spans.append(Span(1, 1, markers[0]))
    for position, index in enumerate(markers):
        number += 1
        end = markers[position + 1] if position + 1 < len(markers) else len(lines)
        spans.append(Span(number, index + 2, end - index - 1))
    return NotebookCode(text, tuple(lines), tuple(spans), ())


def masked(code: NotebookCode) -> NotebookCode:
    """The same cells with IPython syntax masked line for line (``%matplotlib inline``)."""
    lines = list(code.lines)
    found: List[Masked] = []
    for span in code.spans:
        start = span.first - 1
        new_lines, changed = mask_cell(lines[start : start + span.count])
        for index in changed:
            found.append(Masked(span.first + index, lines[start + index], new_lines[index]))
        lines[start : start + span.count] = new_lines
    text = "".join(line + "\n" for line in lines)
    return NotebookCode(text, tuple(lines), code.spans, tuple(found))


def file_line(code: NotebookCode, cell: int, line: int) -> int:
    """The line of the file holding line ``line`` of cell ``cell``."""
    for span in code.spans:
        if span.cell == cell:
            return span.first + line - 1
    return line


def cells_of(data: bytes) -> Dict[int, Tuple[int, Tuple[str, ...]]]:
    """Cell number -> (first line in the file, the cell's lines) of an exported script; empty
    when ``data`` is not one.  For reports that turn ``cell N:line`` back into a line of the file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}
    code = split(text)
    if code is None:
        return {}
    return {s.cell: (s.first, code.lines[s.first - 1 : s.first - 1 + s.count]) for s in code.spans}
