"""GR601-GR604, the stale-state rules, through the real CLI on notebooks: findings point at
``cell N:line:col``, the analysis sees what IPython runs (``%%time`` bodies, ``%time x = ...``),
and the rules stay silent where bindings cannot all be seen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from conftest import run_cli

from groundrules.rules.notebook_state._cells import notebook_example

PROTOTYPES = Path(__file__).parent / "fixtures" / "prototypes"


def code(source: str, count: Optional[int] = None) -> Dict[str, Any]:
    return {"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def write(path: Path, *cells: Dict[str, Any]) -> Path:
    path.write_text(json.dumps({"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                               indent=1), encoding="utf-8")
    return path


def stale(tmp_path: Path, name: str = "nb.ipynb") -> List[Tuple[str, int, int, int, str]]:
    proc = run_cli(["check", "--select", "GR6", "--format", "json", name], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return [(f["code"], f["cell"], f["line"], f["column"], f["severity"]) for f in json.loads(proc.stdout)["findings"]]


def test_each_rule_on_a_notebook_that_ran_out_of_order(tmp_path):
    write(tmp_path / "nb.ipynb",
          {"cell_type": "markdown", "metadata": {}, "source": ["# Revenue\n"]},
          code("import pandas as pd\ndf = pd.DataFrame({'a': [1, -2]})\n", 1),
          code("df = df[df['a'] > 0]\n", 6),
          code("total = df['a'].sum()\nshare = total * rate\n", 4),
          code("rate = 0.2\n", 3),
          code("print(ghost)\n", 5))
    assert stale(tmp_path) == [
        ("GR604", 3, 1, 1, "warning"),  # df filtered again after cell 4 read it
        ("GR603", 4, 1, 1, "warning"),
        ("GR601", 4, 2, 17, "warning"),   # `rate` is bound only in cell 5
        ("GR603", 5, 1, 1, "warning"),
        ("GR602", 6, 1, 7, "warning"),    # `ghost` is bound nowhere
    ]
    text = run_cli(["check", "--select", "GR601,GR602", "nb.ipynb"], tmp_path).stdout
    assert "nb.ipynb:cell 4:2:17: GR601 `rate` is read before any cell binds it (bound later, in cell 5)" in text


def test_the_prototypes_are_clean_and_a_fixed_order_is_clean(tmp_path):
    for name in ("churn", "sales_forecast", "defect_classifier", "revenue_report"):
        (tmp_path / f"{name}.ipynb").write_bytes((PROTOTYPES / f"{name}.ipynb").read_bytes())
        assert stale(tmp_path, f"{name}.ipynb") == [], name
    write(tmp_path / "nb.ipynb", code("rate = 0.2\n", 1), code("n = 0\n", 2), code("n += 1\n", 3),
          code("print(n * rate)\n", 4))
    assert stale(tmp_path) == []


def test_what_ipython_runs_binds_names(tmp_path):
    # A %%time body and a %time statement bind names; a %%bash body does not read Python names.
    write(tmp_path / "nb.ipynb", code("%%time\nmodel = object()\n"), code("%time fitted = model\n"),
          code("%%bash\necho $undefined\n"), code("print(fitted, display, get_ipython, In, Out, _)\n"))
    assert stale(tmp_path) == []


def test_silent_where_bindings_cannot_be_seen(tmp_path):
    for hidden in ("%run setup.py\n", "from helpers import *\n", "globals()['model'] = 1\n",
                   "%%capture captured\nx = 1\n", "def broken(:\n"):
        write(tmp_path / "nb.ipynb", code(hidden), code("print(model)\n"))
        assert [f for f in stale(tmp_path) if f[0] in ("GR601", "GR602")] == [], hidden


def test_self_update_needs_evidence_from_the_counts(tmp_path):
    # Re-ran after a reader, but rebinding from a fresh value (not its own): not a self-update.
    write(tmp_path / "nb.ipynb", code("df = [1, 2]\n", 1), code("df = [3]\n", 5), code("print(df)\n", 2))
    assert [f[0] for f in stale(tmp_path)] == ["GR603"]
    # The reader is inside a function body (deferred): the cell below never read it at run time.
    write(tmp_path / "nb.ipynb", code("n = 0\n", 1), code("n += 1\n", 5), code("def show():\n    return n\n", 2))
    assert [f[0] for f in stale(tmp_path)] == ["GR603"]


def test_examples_use_percent_cells_with_execution_counts():
    example = notebook_example("# %% [markdown]\n# Title\n# %%\n# execution_count: 7\nx = 1\ny = 2\n# %%\nz = 3")
    nb = json.loads(example.source)
    assert example.path.endswith(".ipynb")
    assert [(c["cell_type"], c.get("execution_count"), c["source"]) for c in nb["cells"]] == [
        ("markdown", None, "Title"), ("code", 7, "x = 1\ny = 2"), ("code", None, "z = 3")]


def test_explain_shows_the_rule(tmp_path):
    proc = run_cli(["explain", "GR604"], tmp_path)
    assert proc.returncode == 0 and "self-update" in proc.stdout
