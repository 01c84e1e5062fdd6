"""Exploration habits are not findings in notebooks, exported notebook scripts and prototype
paths; naming a rule by its code still reports and fixes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from groundrules.codemods.framework import fix_source
from groundrules.rules import cell_scripts
from groundrules.rules.engine import check_source
from groundrules.rules.framework import Finding
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.errors import StandardsError
from groundrules.standards.loader import load_standards
from groundrules.standards.model import Layer
from groundrules.standards.schema import FixClass

EXPLORATION = {"GR101", "GR102", "GR103", "GR104", "GR105", "GR106", "GR108", "GR113", "GR119", "GR120"}
HABITS = (
    "import pandas as pd\n"
    "%s\n"
    "df = pd.DataFrame({'a': [1]})\n"
    "print(df)\n"
    "import numpy as np\n"
    "def f(x):\n"
    "    return x\n"
    "df.head()\n"
    "assert len(df) == 1\n"
)
MAGIC = "get_ipython().run_line_magic('matplotlib', 'inline')"


def check(tmp_path: Path, name: str, text: str, config: Optional[str] = None,
          select: Optional[Tuple[str, ...]] = None) -> List[Finding]:
    cfg = None
    if config is not None:
        cfg = tmp_path / "groundrules.toml"
        cfg.write_text(config, encoding="utf-8")
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    overrides = (Layer("command line", select=select),) if select else ()
    standards = load_standards(cfg, catalog(), cwd=tmp_path).resolve(path, catalog(), overrides)
    return list(check_source(path.read_bytes(), name, name, standards, all_rules()).findings)


def codes(findings: List[Finding]) -> set[str]:
    return {f.code for f in findings}


def test_a_plain_module_reports_the_habits(tmp_path: Path) -> None:
    found = codes(check(tmp_path, "pipeline.py", HABITS % MAGIC))
    assert {"GR101", "GR102", "GR103", "GR105", "GR113", "GR119", "GR120"} <= found


@pytest.mark.parametrize("marker", ["# In[1]:", "# In[ ]:", "# %%", "#%%", "# %% [markdown]"])
def test_an_exported_script_does_not(tmp_path: Path, marker: str) -> None:
    found = check(tmp_path, "eda.py", f"{marker}\n" + HABITS % MAGIC)
    assert not codes(found) & EXPLORATION, found


def test_a_notebook_does_not(tmp_path: Path) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": source} for source in ("%matplotlib inline\n%load_ext autoreload\n%autoreload 2\n",
                                               HABITS % "x = 1")]
    nb = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    found = check(tmp_path, "eda.ipynb", nb)
    assert not codes(found) & EXPLORATION, found


def test_a_prototype_profile_does_not(tmp_path: Path) -> None:
    config = "[profiles.prototype]\npaths = ['scratch/**']\nextends = ['groundrules:prototype']\n"
    assert not codes(check(tmp_path, "scratch/try.py", HABITS % MAGIC, config)) & EXPLORATION
    assert "GR101" in codes(check(tmp_path, "src/job.py", HABITS % MAGIC, config))


def test_security_and_correctness_stay_on(tmp_path: Path) -> None:
    text = "# %%\nimport yaml\nconfig = yaml.load(open('c.yml'))\npassword = 'Hunter2pass!'\n"
    assert {"GR206", "GR201"} <= codes(check(tmp_path, "eda.py", text))


def test_selecting_by_code_overrides_the_context(tmp_path: Path) -> None:
    found = check(tmp_path, "eda.py", "# %%\n" + HABITS % MAGIC, select=("GR101", "GR120"))
    assert codes(found) == {"GR101", "GR120"}
    # A notebook cell is not called library code.
    assert "in a notebook cell" in next(f.message for f in found if f.code == "GR101")
    # A prefix is not a name: `--select GR1` keeps the context.
    assert not codes(check(tmp_path, "eda.py", "# %%\n" + HABITS % MAGIC, select=("GR1",))) & EXPLORATION


def test_fix_select_by_code_still_offers_the_fix(tmp_path: Path) -> None:
    text = "# %%\nimport os\n\n# %%\nx = 1\n\n# %%\nimport json\n"
    path = tmp_path / "eda.py"
    path.write_text(text, encoding="utf-8")
    std = load_standards(None, catalog(), cwd=tmp_path)
    default = fix_source(text, "eda.py", "eda.py", std.resolve(path, catalog()), all_rules(),
                         frozenset({FixClass.SAFE}))
    assert "GR120" not in default.fixed
    chosen = std.resolve(path, catalog(), (Layer("command line", select=("GR120",)),))
    # GR120's hoisting is an UNSAFE fix (#13): offered with --unsafe-fixes once selected by code.
    fixed = fix_source(text, "eda.py", "eda.py", chosen, all_rules(), frozenset({FixClass.SAFE, FixClass.UNSAFE}))
    assert fixed.fixed == ("GR120",) and fixed.text.index("import json") < fixed.text.index("x = 1")


def test_context_production_judges_notebook_scripts_as_production(tmp_path: Path) -> None:
    config = "[profiles.handoff]\npaths = ['handoff/**']\ncontext = 'production'\n"
    assert "GR101" in codes(check(tmp_path, "handoff/eda.py", "# %%\n" + HABITS % MAGIC, config))


def test_the_team_can_change_the_list(tmp_path: Path) -> None:
    config = "[exploration]\nignore = ['GR101']\n"
    found = codes(check(tmp_path, "eda.py", "# %%\n" + HABITS % MAGIC, config))
    assert "GR101" not in found and "GR120" in found


@pytest.mark.parametrize("config, key", [("context = 'maybe'\n", "context"),
                                          ("[exploration]\nignor = ['GR101']\n", "exploration.ignor"),
                                          ("[exploration]\nignore = ['GR999']\n", "exploration.ignore")])
def test_bad_settings_name_file_and_key(tmp_path: Path, config: str, key: str) -> None:
    cfg = tmp_path / "groundrules.toml"
    cfg.write_text(config, encoding="utf-8")
    with pytest.raises(StandardsError) as info:
        load_standards(cfg, catalog())
    assert any(p.key == key for p in info.value.problems), info.value.problems


def test_exported_scripts_report_cell_positions(tmp_path: Path) -> None:
    text = (
        "#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\nimport yaml\n\n\n# In[2]:\n\n\n"
        "config = yaml.load(text)\n"
    )
    found = [f for f in check(tmp_path, "export.py", text) if f.code == "GR206"]
    assert [(f.cell, f.line, f.column) for f in found] == [(2, 3, 10)]


def test_percent_script_cells_count_markdown_and_a_code_header(tmp_path: Path) -> None:
    text = '"""Title."""\nimport yaml\n\n# %% [markdown]\n# prose\n\n# %%\nc = yaml.load(s)\n'
    code = cell_scripts.split(text)
    assert code is not None and [s.cell for s in code.spans] == [1, 2, 3]
    found = [f for f in check(tmp_path, "g.py", text) if f.code == "GR206"]
    assert [(f.cell, f.line) for f in found] == [(3, 1)]
    assert cell_scripts.split("import os\n# a comment with %% in it\n") is None


def test_magics_in_a_cell_script_are_masked_not_syntax_errors(tmp_path: Path) -> None:
    text = "# %%\n%matplotlib inline\nimport yaml\n\n# %%\nc = yaml.load(s)\n\n# %%\ndef broken(:\n"
    found = check(tmp_path, "vs.py", text)
    assert [(f.code, f.cell) for f in found if f.code in ("GR206", "GR901")] == [("GR206", 2), ("GR901", 3)]


def test_reports_turn_script_cells_back_into_file_lines(tmp_path: Path) -> None:
    """SARIF regions, fingerprints and baseline keys read a cell script's lines from the file."""
    from groundrules.hooks.formats.fingerprints import _cell_lines
    from groundrules.hooks.formats.notebook_lines import file_lines

    data = b"# In[1]:\n\n\nimport yaml\n\n\n# In[2]:\n\n\nconfig = yaml.load(text)\n"
    assert file_lines(data)[2][2] == 10  # cell 2, line 3 is line 10 of the file
    assert _cell_lines(data, 2)[2] == "config = yaml.load(text)"
    assert cell_scripts.cells_of(b"import os\n") == {}


def test_flake8_applies_the_context_and_one_finding_per_cause(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "eda.py").write_text("# %%\n" + HABITS % MAGIC + "try:\n    f(1)\nexcept:\n    pass\n",
                                     encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "GR", "eda.py"], cwd=tmp_path,
                          capture_output=True, text=True)
    reported = {line.split()[1] for line in proc.stdout.splitlines()}
    assert not reported & EXPLORATION, proc.stdout
    assert "GR112" in reported and "GR111" not in reported, proc.stdout + proc.stderr


def test_notebook_fix_leaves_magics_unless_asked_by_code(tmp_path: Path) -> None:
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": "%matplotlib inline\nimport pandas as pd\nx = 1\n"}
    text = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    path = tmp_path / "eda.ipynb"
    path.write_text(text, encoding="utf-8")
    std = load_standards(None, catalog(), cwd=tmp_path)
    safe = frozenset({FixClass.SAFE})
    assert fix_source(text, "eda.ipynb", "eda.ipynb", std.resolve(path, catalog()), all_rules(), safe).fixed == ()
    chosen = std.resolve(path, catalog(), (Layer("command line", select=("GR103",)),))
    # Deleting a presentation magic changes what a notebook shows: UNSAFE (#13).
    fixed = fix_source(text, "eda.ipynb", "eda.ipynb", chosen, all_rules(), frozenset({FixClass.SAFE, FixClass.UNSAFE}))
    assert fixed.fixed == ("GR103",) and "%matplotlib" not in fixed.text


def test_an_editor_can_ask_for_file_lines_of_a_script(tmp_path: Path) -> None:
    text = "# %%\nimport yaml\n\n# %%\nc = yaml.load(s)\n"
    path = tmp_path / "e.py"
    path.write_text(text, encoding="utf-8")
    standards = load_standards(None, catalog(), cwd=tmp_path).resolve(path, catalog())
    found = check_source(text.encode(), "e.py", "e.py", standards, all_rules(), script_cells=False).findings
    assert [(f.code, f.cell, f.line) for f in found if f.code == "GR206"] == [("GR206", None, 5)]


def test_unused_suppressions_stay_fixable_in_exploration_files(tmp_path: Path) -> None:
    found = check(tmp_path, "eda.py", "# %%\nimport os\nhome = os.environ.get('HOME')  # noqa: GR201\n")
    unused = [f for f in found if f.code == "GR903"]
    assert unused and unused[0].fix is FixClass.SAFE
    # ... and the fix applies, in a notebook too.
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": s}
             for s in ("import os\n", "home = os.environ.get('HOME')  # noqa: GR201\n")]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    path = tmp_path / "nb.ipynb"
    path.write_text(text, encoding="utf-8")
    standards = load_standards(None, catalog(), cwd=tmp_path).resolve(path, catalog())
    fixed = fix_source(text, "nb.ipynb", "nb.ipynb", standards, all_rules(), frozenset({FixClass.SAFE}))
    assert fixed.fixed == ("GR903",) and "noqa" not in fixed.text
