"""Notebooks: the Python rules run on the code cells (joined, so imports in one cell count in the
others), IPython syntax is masked, findings point at ``cell N:line:col`` (cells counted from 1 in
file order, markdown included), and ``fix`` strips outputs (GR313) keeping the JSON layout."""

from __future__ import annotations

import copy
import json
import os
import stat
from pathlib import Path
from typing import Any, Dict, List, Optional

from conftest import run_cli

from groundrules.rules.notebooks import mask_cell

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n"


def code(source: str, outputs: Optional[List[Any]] = None, count: Optional[int] = None,
         metadata: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    return {"cell_type": "code", "execution_count": count, "metadata": metadata or {},
            "outputs": outputs or [], "source": source.splitlines(keepends=True)}


def markdown(source: str) -> Dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source.splitlines(keepends=True)}


def notebook(*cells: Dict[str, Any], metadata: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.11.4"}}
    meta.update(metadata or {})
    return {"cells": list(cells), "metadata": meta, "nbformat": 4, "nbformat_minor": 5}


def jupyter_dump(nb: Dict[str, Any]) -> str:
    """What Jupyter (nbformat.write) writes."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def write(path: Path, nb: Dict[str, Any]) -> Path:
    path.write_text(jupyter_dump(nb), encoding="utf-8")
    return path


STREAM = {"name": "stdout", "output_type": "stream", "text": ["rows: 3\n"]}
IMAGE = {"data": {"image/png": PNG, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
         "metadata": {}, "output_type": "display_data"}
RESULT = {"data": {"text/plain": ["   a  b\n", "0  1  2"]}, "execution_count": 3, "metadata": {},
          "output_type": "execute_result"}
TIMING = {"execution": {"iopub.execute_input": "2024-05-01T10:00:00.1Z",
                        "iopub.status.idle": "2024-05-01T10:00:01.2Z"}, "tags": ["keep-me"]}

EDA = notebook(
    markdown("# Churn: exploration\n\nCafé data, 2024.\n"),
    code("%matplotlib inline\nimport yaml\nimport pandas as pd\n", [STREAM], 1),
    code("!pip install lightgbm\nfiles = !ls data\npd.read_parquet?\n", [], 2),
    code("%%bash\nls -la data | grep csv\n", [STREAM], None),
    code("config = yaml.load(text)\nsecond = yaml.load(text)  # noqa: GR206 -- trusted fixture\n"
         "df = pd.DataFrame({'a': [1]})\ndf.plot()\n", [IMAGE, RESULT], 3, TIMING),
    metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}},
)


def findings(tmp_path: Path, *args: str) -> List[Dict[str, Any]]:
    proc = run_cli(["check", "--format", "json", *args], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return list(json.loads(proc.stdout)["findings"])


def test_python_rules_run_on_cells_and_point_at_cell_line_col(tmp_path):
    write(tmp_path / "eda.ipynb", EDA)
    # GR103 is off in notebooks (exploration) unless named by its code.
    proc = run_cli(["check", "--select", "GR,GR103", "eda.ipynb"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    # `yaml` is imported in cell 2 and used in cell 5: the cells are one module.
    assert "eda.ipynb:cell 5:1:10: GR206 " in proc.stdout
    # Magics are masked, not syntax errors; the magic rules still see them, at the magic.
    assert "GR901" not in proc.stdout
    assert "eda.ipynb:cell 2:1:1: GR103 IPython magic `%matplotlib`" in proc.stdout
    assert "eda.ipynb:cell 3:1:1: GR214 " in proc.stdout
    assert "eda.ipynb:cell 3:2:9: GR103 IPython shell escape `!ls data`" in proc.stdout
    # The notebook rule still runs.
    assert "eda.ipynb:cell 2:1:1: GR313 notebook keeps outputs in " in proc.stdout
    shown = [line.split(": ")[0] for line in proc.stdout.splitlines() if line.startswith("eda.ipynb:cell")]
    cells = [int(s.split(":")[1].split()[1]) for s in shown]
    assert cells == sorted(cells)  # reported cell by cell, not interleaved by line number


def test_json_findings_carry_the_cell(tmp_path):
    write(tmp_path / "eda.ipynb", EDA)
    found = findings(tmp_path, "--select", "GR,GR103", "eda.ipynb")
    gr206 = [f for f in found if f["code"] == "GR206"]
    # The second yaml.load is silenced by the `# noqa` inside the cell.
    assert [(f["cell"], f["line"], f["column"], f["end_line"], f["end_column"]) for f in gr206] == [(5, 1, 10, 1, 25)]
    magic = next(f for f in found if f["code"] == "GR103" and f["cell"] == 2)
    # The masked call is longer than `%matplotlib inline`: the range ends at the magic's end.
    assert (magic["line"], magic["column"], magic["end_column"]) == (1, 1, 19)
    # Every finding points at a cell (GR313, one per notebook, at the first cell concerned).
    assert [f["code"] for f in found if "cell" not in f] == []


def test_cell_magic_body_is_not_checked_as_python(tmp_path):
    nb = notebook(code("%%bash\nfor f in *.csv; do wc -l $f; done\n"), code("%%sql\nSELECT * FROM t\n"),
                  code("x = 1\n"))
    write(tmp_path / "shell.ipynb", nb)
    found = findings(tmp_path, "--select", "GR,GR103", "--ignore", "GR102", "shell.ipynb")
    assert "GR901" not in {f["code"] for f in found}
    assert [(f["code"], f["cell"]) for f in found] == [("GR103", 1), ("GR103", 2)]


def test_masking_keeps_lines_and_leaves_strings_alone():
    lines = ["text = '''", "%not a magic", "!nor this", "'''", "total = (1 +", "   2)",
             "    %time run()", "value = 10 % 3", "x = !ls", "y = %env HOME", "obj?", "??obj"]
    masked, changed = mask_cell(lines)
    assert len(masked) == len(lines)
    assert masked[:6] == lines[:6] and masked[7] == lines[7]
    assert masked[6] == "    get_ipython().run_line_magic('time', 'run()')"
    assert masked[8] == "x = get_ipython().getoutput('ls')"
    assert masked[9] == "y = get_ipython().run_line_magic('env', 'HOME')"
    assert masked[10] == "get_ipython().run_line_magic('pinfo', 'obj')"
    assert masked[11] == "get_ipython().run_line_magic('pinfo2', 'obj')"
    assert changed == [6, 8, 9, 10, 11]


def test_a_line_magic_continued_in_brackets_is_one_magic(tmp_path):
    """IPython reads a line magic's logical line: `%timeit f(a,` + `b)` runs (seen in the Python
    Data Science Handbook), so it is no syntax error (GR901) and the fix keeps both lines."""
    lines = ["x = [1, 2]", "%timeit np.fromiter((v for v in x),", "                    dtype=int, count=2)", "y = 3"]
    masked, changed = mask_cell(lines)
    assert masked == ["x = [1, 2]", "get_ipython().run_line_magic('timeit', 'np.fromiter((v for v in x), "
                      "dtype=int, count=2)')", "", "y = 3"]
    assert changed == [1, 2]
    # A bracket never closed in the cell is not swallowed: the cell stays a syntax error.
    assert mask_cell(["%timeit f(", "1"]) == (["get_ipython().run_line_magic('timeit', 'f(')", "1"], [0])
    source = "import numpy as np\nx = [1, 2]\n" + "\n".join(lines[1:3]) + "\nY = np.float(1)\n"
    write(tmp_path / "timing.ipynb", notebook(code(source)))
    found = findings(tmp_path, "timing.ipynb")
    assert "GR901" not in {f["code"] for f in found} and "GR426" in {f["code"] for f in found}
    assert run_cli(["fix", "timing.ipynb"], tmp_path).returncode == 1
    fixed = "".join(json.loads((tmp_path / "timing.ipynb").read_text(encoding="utf-8"))["cells"][0]["source"])
    assert fixed == source.replace("np.float(1)", "float(1)")


def test_broken_json_is_a_gr901_finding_and_other_files_are_still_checked(tmp_path):
    (tmp_path / "broken.ipynb").write_text('{"cells": [\n  {"cell_type": "code",}\n]}\n', encoding="utf-8")
    (tmp_path / "list.ipynb").write_text("[1, 2]\n", encoding="utf-8")
    (tmp_path / "job.py").write_text("import yaml\nconfig = yaml.load(text)\n", encoding="utf-8")
    proc = run_cli(["check", "."], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "broken.ipynb:2:24: GR901 not a notebook: invalid JSON: Expecting property name" in proc.stdout
    assert "list.ipynb:1:1: GR901 not a notebook: the top level is not a JSON object" in proc.stdout
    assert "job.py:2:10: GR206 " in proc.stdout
    # Nothing to fix in a broken notebook, and nothing written.
    before = (tmp_path / "broken.ipynb").read_bytes()
    run_cli(["fix", "broken.ipynb"], tmp_path)
    assert (tmp_path / "broken.ipynb").read_bytes() == before


def test_a_cell_with_a_syntax_error_is_reported_and_the_other_cells_still_checked(tmp_path):
    nb = notebook(code("import yaml\n"), code("def broken(:\n    pass\n"),
                  code("config = yaml.load(text)\n"))
    write(tmp_path / "wip.ipynb", nb)
    found = findings(tmp_path, "--ignore", "GR102", "wip.ipynb")
    assert [(f["code"], f["cell"], f["line"], f["column"]) for f in found] == [
        ("GR901", 2, 1, 12),
        ("GR206", 3, 1, 10),
    ]
    assert found[0]["message"].startswith("syntax error")


def stripped(nb: Dict[str, Any]) -> Dict[str, Any]:
    """What nbstripout leaves: no outputs, null counts, no run metadata or widget state."""
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            for key in ("execution", "ExecuteTime", "collapsed", "scrolled"):
                cell["metadata"].pop(key, None)
    out["metadata"].pop("widgets", None)
    return out


def test_fix_strips_outputs_byte_exact_keeps_mode_and_is_idempotent(tmp_path):
    path = write(tmp_path / "eda.ipynb", EDA)
    os.chmod(path, 0o640)
    proc = run_cli(["fix", "--select", "GR313", "eda.ipynb"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "eda.ipynb: fixed 5 (GR313 x5)" in proc.stdout
    expected = jupyter_dump(stripped(EDA)).encode("utf-8")
    assert path.read_bytes() == expected
    # Code, markdown, tags, kernelspec and language_info are kept.
    after = json.loads(expected)
    assert after["cells"][4]["metadata"] == {"tags": ["keep-me"]}
    assert after["metadata"]["kernelspec"]["name"] == "python3"
    assert "Café" in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    again = run_cli(["fix", "--select", "GR313", "eda.ipynb"], tmp_path)
    assert again.returncode == 0 and "Nothing to fix." in again.stdout
    assert path.read_bytes() == expected
    assert not [f for f in findings(tmp_path, "eda.ipynb") if f["code"] == "GR313"]
    # Only GR313 was selected: the code cells are as they were.
    assert after["cells"][4]["source"] == EDA["cells"][4]["source"]


def test_a_clean_notebook_is_left_byte_identical(tmp_path):
    path = write(tmp_path / "clean.ipynb", stripped(EDA))
    before = path.read_bytes()
    proc = run_cli(["fix", "--select", "GR313", "clean.ipynb"], tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert path.read_bytes() == before


def test_fix_keeps_another_layout(tmp_path):
    # Two-space indent, keys in insertion order (not sorted), ASCII escapes, no final newline.
    nb = {"nbformat": 4, "nbformat_minor": 4, "metadata": {"language_info": {"name": "python"}},
          "cells": [{"cell_type": "code", "source": ["print('naïve')"], "metadata": {"scrolled": True},
                     "outputs": [STREAM], "execution_count": 7}]}
    path = tmp_path / "other.ipynb"
    path.write_text(json.dumps(nb, indent=2), encoding="utf-8")
    proc = run_cli(["fix", "--select", "GR313", "other.ipynb"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert path.read_text(encoding="utf-8") == json.dumps(stripped(nb), indent=2)
    assert "\\u00ef" in path.read_text(encoding="utf-8")


def test_fix_diff_shows_the_change_and_writes_nothing(tmp_path):
    path = write(tmp_path / "eda.ipynb", EDA)
    before = path.read_bytes()
    proc = run_cli(["fix", "--diff", "--select", "GR313", "eda.ipynb"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert '-   "execution_count": 1,\n+   "execution_count": null,' in proc.stdout
    assert "+++ b/eda.ipynb" in proc.stdout
    assert path.read_bytes() == before


def test_check_json_names_gr313_fixable(tmp_path):
    write(tmp_path / "eda.ipynb", EDA)
    gr313 = [f for f in findings(tmp_path, "--select", "GR313", "eda.ipynb")]
    # One finding for the notebook (cells 2-5 and its widget state), at its first cell.
    assert [(f.get("cell"), f["fix"]) for f in gr313] == [(2, "safe")]


def test_fix_rewrites_only_the_changed_cells_and_keeps_their_magics(tmp_path):
    nb = notebook(
        markdown("Load the config.\n"),
        code("import yaml\n"),
        code("files = !ls data\nconfig = yaml.load(text)  # the team's config\ndata?", [STREAM], 4),
        code("%%bash\nls data | wc -l\n"),
        code("def broken(:\n    yaml.load(text)\n"),
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": "other = yaml.load(text)\n%env DEBUG=1"},
    )
    path = write(tmp_path / "load.ipynb", nb)
    # GR206 is UNSAFE (PyYAML 5 loaded python tags with FullLoader): opted in, alone with GR313.
    proc = run_cli(["fix", "--unsafe-fixes", "--select", "GR206,GR313", "load.ipynb"], tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "load.ipynb: fixed 3 (GR206 x2, GR313 x1)" in proc.stdout
    expected = stripped(nb)
    expected["cells"][2]["source"] = ["files = !ls data\n", "config = yaml.safe_load(text)  # the team's config\n",
                                      "data?"]
    # A cell stored as one string stays one string.
    expected["cells"][5]["source"] = "other = yaml.safe_load(text)\n%env DEBUG=1"
    # The cell that does not parse is left as it is.
    assert path.read_bytes() == jupyter_dump(expected).encode("utf-8")
    again = run_cli(["fix", "--unsafe-fixes", "--select", "GR206,GR313", "load.ipynb"], tmp_path)
    assert again.returncode == 0 and "Nothing to fix." in again.stdout, again.stdout


def test_import_after_a_pip_install_cell_is_not_hoisted(tmp_path):
    nb = notebook(code("import os\n"), code("print(os.getcwd())\n"), code("!pip install xgboost\n"),
                  code("import xgboost\n"), code("import json\n"))
    write(tmp_path / "train.ipynb", nb)
    found = findings(tmp_path, "--select", "GR120", "train.ipynb")
    assert [(f["code"], f["cell"], f.get("fix")) for f in found] == [("GR120", 4, None), ("GR120", 5, None)]
    path = tmp_path / "train.ipynb"
    before = path.read_bytes()
    proc = run_cli(["fix", "--select", "GR120", "train.ipynb"], tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert path.read_bytes() == before  # the install still runs before the import


def test_a_cell_magic_that_exposes_a_finding_does_not_block_other_fixes(tmp_path):
    nb = notebook(code("import yaml\nimport pdb\n"), code("%%time\npdb.set_trace()\nx = 1\n"),
                  code("config = yaml.load(text)\n"))
    path = write(tmp_path / "slow.ipynb", nb)
    found = findings(tmp_path, "--select", "GR,GR103", "slow.ipynb")
    magic = [f for f in found if f["code"] == "GR103"]
    assert magic and all(f.get("fix") is None for f in magic)  # the body was not checked
    proc = run_cli(["fix", "--unsafe-fixes", "--select", "GR206", "slow.ipynb"], tmp_path)
    assert "Nothing to fix." not in proc.stdout, proc.stdout + proc.stderr
    fixed = json.loads(path.read_text(encoding="utf-8"))
    assert fixed["cells"][1]["source"] == ["%%time\n", "pdb.set_trace()\n", "x = 1\n"]
    assert fixed["cells"][2]["source"] == ["config = yaml.safe_load(text)\n"]
