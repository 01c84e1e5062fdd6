"""``handoff --verify`` (groundrules.handoff.verify): the prototype notebook and a module of the
spec's shape really run, each in a fresh subprocess and working directory, on small data; the
files they write are compared as data and the module's results against the notebook's values.

The four realistic prototypes are handed off by the real ``groundrules handoff --verify``; the
hand-written modules in fixtures/prototypes/modules serve the tests that need a module known to
differ (``produce_module(..., handoff=False)``)."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Dict

import pytest
from conftest import run_cli

from groundrules.handoff.verify import compare_values, prototype_script, verify

PROTOTYPES = Path(__file__).parent / "fixtures" / "prototypes"
DATA = PROTOTYPES / "data"
#: True: what `groundrules handoff` writes for each prototype; False: the hand-written modules.
HANDOFF = True


def produce_module(notebook: Path, dest_dir: Path, handoff: bool = HANDOFF) -> Path:
    """The module that --verify compares with ``notebook`` (written into ``dest_dir``)."""
    dest = dest_dir / f"{notebook.stem}.py"
    if handoff:
        proc = run_cli(["handoff", str(notebook), "--to", str(dest), "--force"], dest_dir)
        assert dest.exists(), proc.stdout + proc.stderr
    else:
        shutil.copyfile(PROTOTYPES / "modules" / f"{notebook.stem}.py", dest)
    return dest


def orders_db(tmp_path: Path) -> Path:
    """The warehouse the revenue report reads, built from the small CSV."""
    path = tmp_path / "orders.db"
    with sqlite3.connect(path) as conn, open(DATA / "orders.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        conn.execute("CREATE TABLE orders (region TEXT, month TEXT, amount REAL)")
        conn.executemany("INSERT INTO orders VALUES (:region, :month, :amount)", rows)
    return path


def overrides(name: str, tmp_path: Path) -> Dict[str, str]:
    return {
        "churn": {"CHURN_DATA_PATH": str(DATA / "customers.csv")},
        "sales_forecast": {"sales_csv": str(DATA / "sales_daily.csv")},
        "defect_classifier": {"images_path": str(DATA / "crops.npz")},
        "revenue_report": {"DB_PATH": str(orders_db(tmp_path))},
    }[name]


@pytest.mark.parametrize("name", ["churn", "sales_forecast", "defect_classifier", "revenue_report"])
def test_prototype_and_module_do_the_same_work(tmp_path, name):
    """`handoff --verify`, end to end: the notebook and the module handoff wrote both run on the
    small data; their output files compare equal as data and so do the module's results."""
    notebook = PROTOTYPES / f"{name}.ipynb"
    dest = tmp_path / f"{name}.py"
    sets = [arg for key, value in overrides(name, tmp_path).items() for arg in ("--set", f"{key}={value}")]
    proc = run_cli(["handoff", str(notebook), "--to", str(dest), "--verify", *sets], tmp_path)
    report = json.loads(dest.with_suffix(".handoff.json").read_text(encoding="utf-8"))
    data = report["verify"]
    assert proc.returncode == 0, (proc.stderr, data, report["gates"], report["blocking"])
    assert "--verify runs SRC and DEST in subprocesses" in proc.stderr
    assert data["ok"] and data["notebook"]["ok"] and data["module"]["ok"] and data["notebook"]["seconds"] > 0
    assert data["files"], data  # each prototype writes something, compared as data
    assert data["results"], data
    assert data["differences"] == []
    assert all(report["gates"].values())


def test_verify_api_on_the_handed_off_module(tmp_path):
    notebook = PROTOTYPES / "churn.ipynb"
    module = produce_module(notebook, tmp_path)
    result = verify(notebook, module, overrides("churn", tmp_path), timeout=120)
    assert result.ok, result.to_json()


def test_a_module_that_computes_something_else_is_caught(tmp_path):
    notebook = PROTOTYPES / "churn.ipynb"
    module = produce_module(notebook, tmp_path, handoff=False)
    module.write_text(module.read_text(encoding="utf-8").replace("max_iter=500", "max_iter=500, C=0.01"),
                      encoding="utf-8")
    result = verify(notebook, module, overrides("churn", tmp_path), timeout=120)
    assert not result.ok
    assert any(d.startswith("file output/predictions.csv: column 'churn_probability'") for d in result.differences)
    assert any(d.startswith("result 'metrics'") for d in result.differences), result.differences


def test_a_failing_run_and_a_timeout_are_differences(tmp_path):
    notebook = tmp_path / "proto.py"
    notebook.write_text("# %%\nimport time\nvalue = 1\n# %%\ntime.sleep(30)\n", encoding="utf-8")
    module = tmp_path / "proto_module.py"
    module.write_text("import os\nfrom dataclasses import dataclass\n\n@dataclass(frozen=True)\nclass Settings:\n"
                      "    @classmethod\n    def from_env(cls, environ=os.environ):\n        return cls()\n\n"
                      "def run(settings):\n    raise RuntimeError('boom')\n", encoding="utf-8")
    result = verify(notebook, module, {}, timeout=2)
    assert not result.ok
    assert "the module failed: RuntimeError: boom" in result.differences
    assert "the prototype failed: timed out after 2 s" in result.differences


def test_magics_are_handled_as_the_spec_says():
    cells, skipped = prototype_script([
        "%matplotlib inline\n%load_ext autoreload\n%autoreload 2\n%config InlineBackend.figure_format = 'retina'\n"
        "import json",
        "%time total = sum(range(4))\n!pip install lightgbm\n%pip install xgboost\nfiles = !ls",
        "%%time\nsquares = [i * i for i in range(3)]\n",
        "%%bash\nrm -rf /\n",
    ])
    assert cells[0].split() == ["pass", "pass", "pass", "pass", "import", "json"]
    assert cells[1].splitlines()[0] == "total = sum(range(4))"
    assert cells[1].splitlines()[3] == "files = []"
    assert cells[2] == "squares = [i * i for i in range(3)]\n"
    assert cells[3] == ""
    assert [s.split(": ", 1)[1] for s in skipped] == [
        "!pip install lightgbm (install not run)", "%pip install xgboost (install not run)",
        "files = !ls (line not run)", "%%bash (cell magic)"]
    namespace: Dict[str, object] = {}
    for cell in cells:
        exec(compile(cell, "<cell>", "exec"), namespace)  # noqa: GR203 -- the translated test cells
    assert namespace["total"] == 6 and namespace["squares"] == [0, 1, 4]


def test_values_compare_as_data():
    assert compare_values({"a": [1.0, float("nan")]}, {"a": [1.0 + 1e-12, float("nan")]}) == ""
    assert compare_values([1, 2], [1, 3]) == "[1]: 2 vs 3"
    assert compare_values({"a": 1}, {"b": 1}).startswith("value: keys")
