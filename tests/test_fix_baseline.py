"""``groundrules fix`` (and so the ``groundrules-fix`` hook) honours the configured baseline (#17).

A team that records a baseline on an existing repo has accepted those findings: the fix hook must
not rewrite them on the next commit that touches the file, while a new finding of the same kind
is still fixed.  Real CLI, real files, the real baseline file ``groundrules baseline`` writes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

from conftest import ROOT

GROUNDRULES = [sys.executable, "-m", "groundrules"]
CONFIG = '[tool.groundrules]\nbaseline = ".groundrules-baseline.json"\n'
OLD = '"""Old code."""\nimport numpy as np\n\nX = np.float(1)\n'


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GROUNDRULES, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=300)


def test_fix_leaves_baselined_findings_and_fixes_new_ones(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(OLD, encoding="utf-8")
    assert "GR426" in run(tmp_path, "check", "m.py").stdout  # a SAFE fix applies here
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    assert run(tmp_path, "baseline").returncode == 0

    untouched = run(tmp_path, "fix", "m.py")
    assert untouched.returncode == 0 and "Nothing to fix." in untouched.stdout, untouched.stdout + untouched.stderr
    assert module.read_text(encoding="utf-8") == OLD

    module.write_text(OLD + "Y = np.int(2)\n", encoding="utf-8")
    fixed = run(tmp_path, "fix", "m.py")
    assert fixed.returncode == 1 and "GR426 x1" in fixed.stdout, fixed.stdout + fixed.stderr
    assert module.read_text(encoding="utf-8") == OLD + "Y = int(2)\n"


def test_fix_leaves_a_baselined_notebook_as_it_is(tmp_path: Path) -> None:
    notebook = tmp_path / "explore.ipynb"
    shutil.copy2(ROOT / "examples" / "churn" / "notebooks" / "explore_churn.ipynb", notebook)
    doc = json.loads(notebook.read_text(encoding="utf-8"))
    doc["cells"].append(code_cell(["import numpy as np\n", "Z = np.float(3)\n"]))
    notebook.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    report = json.loads(run(tmp_path, "check", "--format", "json", "explore.ipynb").stdout)
    codes = {f["code"] for f in report["findings"]}
    assert {"GR313", "GR426"} <= codes  # outputs to strip, an alias to rewrite: both SAFE
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    assert run(tmp_path, "baseline").returncode == 0
    before = notebook.read_bytes()

    untouched = run(tmp_path, "fix", "explore.ipynb")
    assert untouched.returncode == 0, untouched.stdout + untouched.stderr
    assert notebook.read_bytes() == before

    doc["cells"].append(code_cell(["W = np.int(4)\n"]))
    notebook.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    fixed = run(tmp_path, "fix", "explore.ipynb")
    assert fixed.returncode == 1 and "GR426 x1" in fixed.stdout and "GR313" not in fixed.stdout, fixed.stdout
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    assert "".join(cells[-1]["source"]) == "W = int(4)\n"
    assert "".join(cells[-2]["source"]) == "import numpy as np\nZ = np.float(3)\n"
    assert any(cell.get("outputs") for cell in cells)  # the baselined outputs are kept


def test_a_configured_baseline_that_is_missing_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    module = tmp_path / "m.py"
    module.write_text(OLD, encoding="utf-8")
    result = run(tmp_path, "fix", "m.py")
    assert result.returncode == 2
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 1 and "pyproject.toml: baseline: .groundrules-baseline.json" in errors[0], result.stderr
    assert module.read_text(encoding="utf-8") == OLD


def code_cell(source: List[str]) -> object:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
