"""``groundrules handoff`` end to end: files written, exit codes, options, determinism,
secrets, import without work, and the module doing what the notebook did (run on real data)."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict

import pandas as pd
import pytest
from test_handoff_support import CHURN, SECRET, churn_data, write_notebook

from groundrules.hooks.cli import main
from groundrules.rules.notebooks import code_of, read_notebook

ROOT = Path(__file__).resolve().parent.parent


def handoff(*args: str) -> int:
    return main(["handoff", *args])


@pytest.fixture
def churn(tmp_path: Path) -> Path:
    return write_notebook(tmp_path / "Churn Model.ipynb", CHURN)


def report_of(module: Path) -> Dict[str, Any]:
    data: Dict[str, Any] = json.loads(module.with_name(module.stem + ".handoff.json").read_text())
    return data


def test_writes_module_report_and_json_beside_the_notebook(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = churn.read_bytes()
    assert handoff(str(churn)) == 0
    module = churn.with_name("churn_model.py")
    assert module.is_file()
    assert churn.with_name("churn_model.handoff.md").is_file()
    data = report_of(module)
    assert churn.read_bytes() == before  # SRC never modified
    assert list(data) == ["source", "module", "exit", "gates", "settings", "steps", "changes", "removed",
                          "dependencies", "blocking", "checklist", "findings_before", "findings_after", "cell_map",
                          "verify"]
    assert data["gates"] == {"parses": True, "import_no_work": True, "clean": True, "accounted": True}
    assert data["exit"] == 0 and data["verify"] is None
    assert data["dependencies"] == ["xgboost"]
    assert [s["name"] for s in data["steps"]] == ["load_customers", "features_step", "train_model", "write_predictions"]
    train = data["steps"][2]
    assert train == {"name": "train_model", "cells": [10, 11], "params": ["features"], "returns": ["X_test", "model"]}
    kinds = {s["field"]: (s["kind"], s["required"], s["default"]) for s in data["settings"]}
    assert kinds == {
        "data_path": ("path", True, None),  # on a laptop: required
        "db_password": ("secret", True, None),
        "test_size": ("parameter", False, 0.25),
        "random_state": ("parameter", False, 42),
        "max_iter": ("parameter", False, 500),
        "predictions_csv": ("path", False, "predictions.csv"),
    }
    assert data["settings"][1]["env"] == "CHURN_MODEL_DB_PASSWORD"
    assert data["cell_map"]["2"] == ["removed", "imports"]
    assert data["cell_map"]["8"] == ["removed", "add_features", "constants", "features_step"]
    checklist = data["checklist"]
    assert checklist[0].startswith("Provision secret `CHURN_MODEL_DB_PASSWORD`")
    assert any("xgboost" in item for item in checklist)
    markdown = churn.with_name("churn_model.handoff.md").read_text()
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == ["## Summary", "## Checklist for the engineer", "## Steps", "## Changes", "## Removed",
                        "## Findings"]
    assert "`groundrules explain GR101`" in markdown


def test_the_module_has_the_production_shape(churn: Path) -> None:
    handoff(str(churn))
    text = churn.with_name("churn_model.py").read_text()
    assert text.startswith('"""Customer churn model.\n\nPrototype by the retention team')
    assert "Generated from Churn Model.ipynb by groundrules handoff; see churn_model.handoff.md." in text
    assert "import logging\nimport os\nfrom dataclasses import MISSING, dataclass, field, fields\n" in text
    assert "\n\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n" in text
    assert "numpy" not in text and "seaborn" not in text and "matplotlib" not in text  # unused: dropped
    assert "logger = logging.getLogger(__name__)" in text
    assert 'FEATURES = ["tenure", "spend", "spend_per_month"]' in text  # a constant stays module-level
    assert "    db_password: str = field(repr=False)" in text
    assert "    data_path: str  #" in text and "    test_size: float = 0.25" in text
    assert 'logger.info("loaded %s customers", len(customers))' in text
    assert 'logger.info("accuracy: %.3f", accuracy)' in text
    assert 'logger.warning("done")' in text
    assert "print(" not in text and ".head()" not in text and ".describe()" not in text and "countplot" not in text
    assert "def run(settings: Settings) -> Dict[str, Any]:" in text
    assert text.endswith('if __name__ == "__main__":\n    raise SystemExit(main())\n')
    assert "noqa" not in text


def test_secret_never_appears_in_any_output(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handoff(str(churn))
    handoff(str(churn), "--diff")
    captured = capsys.readouterr()
    outputs = [p.read_text() for p in churn.parent.iterdir() if p.suffix in (".py", ".md", ".json")]
    assert SECRET in churn.read_text()  # the test would prove nothing otherwise
    for text in [*outputs, captured.out, captured.err]:
        assert SECRET not in text
    data = report_of(churn.with_name("churn_model.py"))
    secret = next(s for s in data["settings"] if s["kind"] == "secret")
    assert secret["original"] == "***" and secret["default"] is None


def test_deterministic_and_idempotent(churn: Path, tmp_path: Path) -> None:
    for run in ("one", "two"):
        (tmp_path / run).mkdir()
        assert handoff(str(churn), "--to", str(tmp_path / run / "job.py")) == 0
    a, b = (tmp_path / "one" / "job.py").read_bytes(), (tmp_path / "two" / "job.py").read_bytes()
    assert a == b
    first = report_of(tmp_path / "one" / "job.py")
    second = report_of(tmp_path / "two" / "job.py")
    assert {k: v for k, v in first.items() if k != "module"} == {k: v for k, v in second.items() if k != "module"}
    # Handing off the module it wrote changes nothing and leaves nothing to do.
    assert handoff(str(tmp_path / "one" / "job.py"), "--to", str(tmp_path / "again.py")) == 0
    assert (tmp_path / "again.py").read_bytes() == a
    again = report_of(tmp_path / "again.py")
    assert again["steps"] == [] and again["settings"] == [] and again["changes"] == [] and again["removed"] == []


def test_dest_exists_is_a_usage_error_and_force_overwrites(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    module = churn.with_name("churn_model.py")
    module.write_text("# mine\n")
    assert handoff(str(churn)) == 2
    assert module.read_text() == "# mine\n"
    assert not churn.with_name("churn_model.handoff.md").exists()
    assert "exists; use --force" in capsys.readouterr().err
    assert handoff(str(churn), "--force") == 0
    assert module.read_text().startswith('"""Customer churn model.')


def test_unreadable_notebook_is_exit_2_with_nothing_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    assert handoff(str(broken)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.ipynb"]
    assert "broken.ipynb: not a notebook: invalid JSON" in capsys.readouterr().err
    assert handoff(str(tmp_path / "missing.ipynb")) == 2


def test_diff_prints_the_module_and_writes_nothing(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert handoff(str(churn), "--diff") == 0
    out = capsys.readouterr().out
    assert out.startswith('"""Customer churn model.') and "def run(settings: Settings)" in out
    assert sorted(p.name for p in churn.parent.iterdir()) == ["Churn Model.ipynb"]


def test_to_and_report_choose_the_paths(churn: Path, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "docs").mkdir()
    assert handoff(str(churn), "--to", str(tmp_path / "src" / "train.py"), "--report",
                   str(tmp_path / "docs" / "handoff.md")) == 0
    assert (tmp_path / "src" / "train.py").is_file()
    assert (tmp_path / "docs" / "handoff.md").is_file()
    data = json.loads((tmp_path / "docs" / "handoff.json").read_text())
    assert data["module"].endswith("src/train.py")
    assert "see handoff.md" in (tmp_path / "src" / "train.py").read_text()
    assert data["settings"][0]["env"] == "TRAIN_DATA_PATH"


def test_split_on_cell_and_none(churn: Path, tmp_path: Path) -> None:
    handoff(str(churn), "--to", str(tmp_path / "per_cell.py"), "--split-on", "cell")
    per_cell = report_of(tmp_path / "per_cell.py")["steps"]
    assert [s["cells"] for s in per_cell] == [[4], [8], [10], [11], [13]]
    assert per_cell[3]["name"] == "step_4" and per_cell[3]["params"] == ["model", "X_test", "y_test"]
    handoff(str(churn), "--to", str(tmp_path / "one.py"), "--split-on", "none")
    one = report_of(tmp_path / "one.py")
    assert len(one["steps"]) == 1 and one["steps"][0]["cells"] == [4, 8, 10, 11, 13]
    assert one["gates"]["clean"] and one["exit"] == 0


def test_importing_the_module_does_no_work(tmp_path: Path) -> None:
    source = write_notebook(tmp_path / "writer.ipynb", [
        ("code", "from pathlib import Path\nOUT_PATH = 'side_effect.txt'\nPath(OUT_PATH).write_text('ran')\nprint('wrote')"),
    ])
    # The prototype itself does work when run.
    code = code_of(read_notebook(source.read_bytes())[1]).text
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
    assert (tmp_path / "side_effect.txt").read_text() == "ran"
    (tmp_path / "side_effect.txt").unlink()
    assert handoff(str(source)) == 0
    imported = subprocess.run([sys.executable, "-c", "import writer; print(sorted(vars(writer.Settings.from_env())))"],
                              cwd=tmp_path, capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "['out_path']"
    assert not (tmp_path / "side_effect.txt").exists()


def _run_prototype(notebook: Path, cwd: Path, replace: Dict[str, str]) -> None:
    """The notebook's code top to bottom in a fresh interpreter, magics as IPython runs them
    (timing and cell magics run their code; set-up magics and installs do nothing).  matplotlib
    and seaborn are not test dependencies: they draw nothing here (the module drops plots)."""
    code = code_of(read_notebook(notebook.read_bytes())[1]).text
    for old, new in replace.items():
        code = code.replace(old, new)
    shim = textwrap.dedent("""
        import sys as _sys
        import types as _types
        class _Plotting(_types.ModuleType):
            def __getattr__(self, name):
                return lambda *args, **kwargs: None
        for _name in ("matplotlib", "matplotlib.pyplot", "seaborn"):
            _sys.modules[_name] = _Plotting(_name)
        _sys.modules["matplotlib"].pyplot = _sys.modules["matplotlib.pyplot"]
        class _Shell:
            def run_line_magic(self, name, line):
                return None
            def run_cell_magic(self, name, line, cell):
                exec(cell, globals())
            def system(self, command):
                return None
        def get_ipython():
            return _Shell()
        def display(*values):
            return None
    """)
    subprocess.run([sys.executable, "-c", shim + code], cwd=cwd, check=True, capture_output=True)


def test_module_run_writes_the_same_predictions_as_the_notebook(churn: Path, tmp_path: Path) -> None:
    data = churn_data(tmp_path / "customers.csv")
    notebook_dir = tmp_path / "notebook_run"
    notebook_dir.mkdir()
    _run_prototype(churn, notebook_dir, {"/Users/ana/churn/customers.csv": str(data)})
    assert handoff(str(churn), "--to", str(tmp_path / "churn_job.py")) == 0
    module_dir = tmp_path / "module_run"
    module_dir.mkdir()
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import churn_job
        results = churn_job.run(churn_job.Settings(data_path={str(data)!r}, db_password="x"))
        print(sorted(results))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=module_dir, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['credentials', 'predictions']"
    expected = pd.read_csv(notebook_dir / "predictions.csv")
    got = pd.read_csv(module_dir / "predictions.csv")
    assert len(expected) == 30
    pd.testing.assert_frame_equal(got, expected)


def test_main_reports_a_missing_variable_by_name(churn: Path, tmp_path: Path) -> None:
    handoff(str(churn), "--to", str(tmp_path / "job.py"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOB_")}
    done = subprocess.run([sys.executable, str(tmp_path / "job.py")], cwd=tmp_path, capture_output=True, text=True,
                          env=env)
    assert done.returncode == 2
    assert "environment variable JOB_DATA_PATH is not set (Settings.data_path)" in done.stderr
    assert "Traceback" not in done.stderr


def test_from_env_converts_types(churn: Path, tmp_path: Path) -> None:
    handoff(str(churn), "--to", str(tmp_path / "job.py"))
    script = ("import job; s = job.Settings.from_env({'JOB_DATA_PATH': 'd.csv', 'JOB_DB_PASSWORD': 'pw', "
              "'JOB_TEST_SIZE': '0.5', 'JOB_RANDOM_STATE': '7'}); "
              "print(repr(s.test_size), repr(s.random_state), repr(s.max_iter), 'pw' in repr(s))")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0.5", "7", "500", "False"]  # the secret stays out of repr


def test_stale_state_is_blocking_and_marked_in_the_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_notebook(tmp_path / "stale.ipynb", [
        ("code", "import pandas as pd"),
        ("code", "total = base * 2\nprint(total)"),
        ("code", "base = 21"),
        ("code", "print(ghost)"),
    ])
    assert handoff(str(source)) == 1
    module = tmp_path / "stale.py"
    text = module.read_text()
    assert "# TODO(handoff): GR601 `base` is read before any cell binds it (bound later, in cell 3)" in text
    assert "# TODO(handoff): GR602 `ghost` is read but no cell binds it" in text
    data = report_of(module)
    assert [(b["rule"], b["cell"], b["text"]) for b in data["blocking"]] == [("GR601", 2, "base"), ("GR602", 4, "ghost")]
    assert data["exit"] == 1 and data["gates"]["clean"] is False  # the undefined names stay visible
    assert "gates failed: clean; 2 blocking item(s)" in capsys.readouterr().err


def test_py_prototype_with_percent_cells(tmp_path: Path) -> None:
    script = tmp_path / "report_job.py"
    script.write_text(
        "# %% [markdown]\n# # Monthly report\n# Sums sales per month.\n"
        "# %%\nimport pandas as pd\nSALES_CSV = 'data/sales.csv'\n"
        "# %% [markdown]\n# ## Load\n"
        "# %%\nsales = pd.read_csv(SALES_CSV)\nsales.head()\n"
        "# %% [markdown]\n# ## Summarise\n"
        "# %%\nmonthly = sales.groupby('month')['amount'].sum()\nmonthly.to_csv('out/monthly.csv')\n",
        encoding="utf-8",
    )
    before = script.read_text()
    assert handoff(str(script), "--to", str(tmp_path / "monthly.py")) == 0
    assert script.read_text() == before
    text = (tmp_path / "monthly.py").read_text()
    assert text.startswith('"""Monthly report.\nSums sales per month.\n')
    data = report_of(tmp_path / "monthly.py")
    assert [(s["name"], s["params"], s["returns"]) for s in data["steps"]] == [
        ("load", [], ["sales"]), ("summarise", ["sales"], ["monthly"])]
    assert [(s["field"], s["default"]) for s in data["settings"]] == [("sales_csv", "data/sales.csv"),
                                                                        ("monthly_csv", "out/monthly.csv")]


def test_verify_goes_through_its_interface(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_notebook(tmp_path / "tiny.ipynb", [
        ("code", "import pandas as pd\nframe = pd.DataFrame({'a': [1, 2]})\nframe.to_csv('out.csv', index=False)"),
    ])
    try:
        importlib.import_module("groundrules.handoff.verify")
    except ImportError:
        # Not built on this branch: a usage error before anything is written.
        assert handoff(str(source), "--verify") == 2
        assert "--verify is not available" in capsys.readouterr().err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.ipynb"]
        return
    code = handoff(str(source), "--verify", "--set", "TINY_OUT_CSV=out.csv")
    data = report_of(tmp_path / "tiny.py")
    assert isinstance(data["verify"], dict)
    assert code == data["exit"] and code in (0, 1)
    assert "--verify runs SRC and DEST in subprocesses" in capsys.readouterr().err


def test_execution_counts_out_of_order_is_a_warning(tmp_path: Path) -> None:
    source = write_notebook(tmp_path / "counts.ipynb", [("code", "x = 1"), ("code", "y = x + 1\nprint(y)")],
                            counts=[5, 2])
    assert handoff(str(source)) == 0  # a warning, not blocking
    checklist = report_of(tmp_path / "counts.py")["checklist"]
    assert checklist[-1].startswith("Warning GR603: the notebook's execution counts are not in file order")


def test_bad_set_is_a_usage_error(churn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert handoff(str(churn), "--verify", "--set", "NOEQUALS") == 2
    assert "--set: expected NAME=VALUE" in capsys.readouterr().err
    assert sorted(p.name for p in churn.parent.iterdir()) == ["Churn Model.ipynb"]


def test_listed_in_help() -> None:
    done = subprocess.run([sys.executable, "-m", "groundrules", "handoff", "--help"], capture_output=True, text=True,
                          check=True)
    for flag in ("--to", "--report", "--split-on", "--unsafe-fixes", "--keep-plots", "--force", "--diff", "--verify",
                 "--set"):
        assert flag in done.stdout
