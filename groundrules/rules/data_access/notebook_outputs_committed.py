"""GR313: a notebook committed with its outputs, execution counts or widget state."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, List

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
    message = "notebook keeps {what}{where}: strip outputs before committing"
    what = """
Checks `.ipynb` files (as pre-commit passes staged ones, or when named on the command line) for
code cells with outputs or a non-null execution count, run metadata in a cell's metadata
(timings `execution`/`ExecuteTime`, output view state `collapsed`/`scrolled`) and widget state in
the notebook's metadata. One finding per notebook, at the first cell concerned, counts them all.
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
        # Many cells, one finding.
        Example(_notebook([_code("x = 1"), _code("print(x)", [_OUT], 1), _code("y = 2", (), 2)],
                          {"widgets": {"state": {}}}), path="eda.ipynb"),
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
        # One finding per notebook (one problem, one fix), at the first cell concerned.
        kinds: Dict[str, int] = {}
        cells: List[int] = []
        for index, cell in enumerate(notebook.get("cells") or [], start=1):
            if not isinstance(cell, dict) or cell.get("cell_type") != "code":
                continue
            what = None
            if cell.get("outputs"):
                what = "outputs"
            elif cell.get("execution_count") is not None:
                what = "execution counts"
            elif isinstance(cell.get("metadata"), dict) and any(k in cell["metadata"] for k in RUN_METADATA):
                what = "run metadata"
            if what is not None:
                kinds[what] = kinds.get(what, 0) + 1
                cells.append(index)
        metadata = notebook.get("metadata")
        if isinstance(metadata, dict) and any(k in metadata for k in RUN_NOTEBOOK_METADATA):
            kinds["widget state"] = 1
        if not kinds:
            return
        parts = [
            "widget state in its metadata" if what == "widget state"
            else f"{what} in {n} cell{'s' if n > 1 else ''}"
            for what, n in kinds.items()
        ]
        where = f" (first: cell {cells[0]})" if cells else ""
        self.report((1, 0), what=" and ".join(parts), where=where)
        if cells:
            self.findings[-1] = dataclasses.replace(self.findings[-1], cell=cells[0])
