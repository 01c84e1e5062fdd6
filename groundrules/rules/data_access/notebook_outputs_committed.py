"""GR313: a notebook committed with its outputs, execution counts or widget state."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, List, Tuple

from groundrules.rules.framework import Example, Rule
from groundrules.rules.notebooks import RUN_METADATA, RUN_NOTEBOOK_METADATA
from groundrules.standards.schema import Category, FixClass, Severity


def _notebook(cells: List[Any], metadata: Any = None) -> str:
    return json.dumps({"cells": cells, "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": 5})


def _code(source: str, outputs: Any = (), count: Any = None) -> Any:
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": list(outputs),
            "source": source}


_OUT = {"output_type": "stream", "name": "stdout", "text": "42\n"}


class NotebookOutputsCommitted(Rule):
    code = "GR313"
    name = "notebook-outputs-committed"
    category = Category.DATA_ACCESS
    severity = Severity.WARNING
    file_kind = "notebook"
    fix = FixClass.SAFE
    message = "notebook keeps its {what}: strip outputs before committing"
    what = """
Checks `.ipynb` files (as pre-commit passes staged ones, or when named on the command line) for
code cells with outputs or a non-null execution count, run metadata in a cell's metadata
(timings `execution`/`ExecuteTime`, output view state `collapsed`/`scrolled`) and widget state in
the notebook's metadata. One finding per notebook, at the first cell concerned, listing the cells.
"""
    why = """
Outputs carry data samples, personal data, secrets and tokens printed while exploring; once
committed they stay in git history. They also make every diff noisy.
"""
    use_instead = _notebook([_code("df.head()")])
    fix_safety = """
SAFE: `groundrules fix` (and the `groundrules-notebook-outputs` pre-commit hook, which runs
`groundrules fix --select GR313`) empties outputs, sets execution counts to null and removes the
run metadata and widget state, as nbstripout does; code, markdown, attachments, the kernelspec and
language_info are untouched, and the file's JSON layout (indent, key order, escaping, final
newline) is kept.
"""
    bad = (
        Example(_notebook([_code("print(42)", [_OUT], 1)]), path="eda.ipynb"),
        Example(_notebook([_code("x = 1", (), 3)]), path="eda.ipynb"),
        Example(_notebook([_code("x = 1")], {"widgets": {"state": {}}}), path="eda.ipynb"),
        Example(_notebook([dict(_code("x = 1"), metadata={"execution": {"iopub.status.idle": "2024"}})]),
                path="eda.ipynb"),
    )
    good = (
        Example(_notebook([_code("print(42)")]), path="eda.ipynb"),
        Example(_notebook([{"cell_type": "markdown", "metadata": {}, "source": "# Title"}]), path="eda.ipynb"),
        Example(_notebook([]), path="empty.ipynb"),
        # Not JSON at all: a broken notebook is not this rule's finding.
        Example("{not json", path="broken.ipynb"),
    )

    def check_file(self, data: bytes) -> None:
        try:
            notebook = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return
        if not isinstance(notebook, dict):
            return
        # One problem, one finding: the notebook keeps its run state; the fix strips it all.
        kept: List[Tuple[int, str]] = []
        for index, cell in enumerate(notebook.get("cells") or [], start=1):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            if cell.get("outputs"):
                kept.append((index, "outputs"))
            elif cell.get("execution_count") is not None:
                kept.append((index, "execution count"))
            elif isinstance(cell.get("metadata"), dict) and any(k in cell["metadata"] for k in RUN_METADATA):
                kept.append((index, "run metadata"))
        metadata = notebook.get("metadata")
        widgets = isinstance(metadata, dict) and any(k in metadata for k in RUN_NOTEBOOK_METADATA)
        if not kept and not widgets:
            return
        kinds = sorted({what for _, what in kept}, key=_ORDER.index)
        cells = [index for index, _ in kept]
        parts = []
        if cells:
            shown = ", ".join(str(c) for c in cells[:5]) + (f" and {len(cells) - 5} more" if len(cells) > 5 else "")
            parts.append(f"{' and '.join(kinds)} in {'cell' if len(cells) == 1 else 'cells'} {shown}")
        if widgets:
            parts.append("widget state")
        self.report((1, 0), what="; ".join(parts))
        if cells:
            self.findings[-1] = dataclasses.replace(self.findings[-1], cell=cells[0])


_ORDER = ["outputs", "execution count", "run metadata"]
