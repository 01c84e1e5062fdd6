"""The real-code sweep of issue 15 (benchmarks/reliability_sweep.py): the standard library, the
data-science wheels, scikit-learn's gallery and statsmodels' notebooks through check, fix and
handoff without a crash.  Slow (downloads, minutes on two cores): deselect with ``-m "not slow"``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "reliability_sweep.py"


def _sweep():
    spec = importlib.util.spec_from_file_location("reliability_sweep", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_real_code_sweep_has_no_crash(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sweep")
    code = _sweep().main(["--workdir", str(workdir), "--jobs", "2"])
    summary = json.loads((workdir / "summary.json").read_text(encoding="utf-8"))
    assert code == 0, [c[:300] for step in summary for c in step["crashes"]][:10]
    checked = {step["corpus"]: step["files"] for step in summary if step["step"] == "check"}
    assert checked["stdlib"] > 1000 and checked["wheels"] > 1000
    assert checked["gallery-notebooks"] + checked["statsmodels-notebooks"] >= 150


def test_gallery_scripts_become_notebooks_cell_by_cell():
    # The one piece of the sweep with logic of its own, checked fast.
    script = '"""Title."""\n\n# %%\n# Some prose.\n\n# %%\nimport numpy as np\n\nx = np.ones(3)\n'
    notebook = json.loads(_sweep().script_to_notebook(script))
    kinds = [cell["cell_type"] for cell in notebook["cells"]]
    assert kinds == ["code", "markdown", "code"]
    assert "".join(notebook["cells"][2]["source"]) == "import numpy as np\n\nx = np.ones(3)"
