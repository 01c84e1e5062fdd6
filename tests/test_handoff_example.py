"""The bundled example's handed-off module and report are what `groundrules handoff` writes today:
regenerated from the notebook in a copy of examples/churn, they must equal the checked-in files."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import ROOT, run_cli

EXAMPLE = ROOT / "examples" / "churn"
OUTPUTS = ("explore_churn.py", "explore_churn.handoff.md", "explore_churn.handoff.json")


def test_the_example_handoff_is_current(tmp_path: Path) -> None:
    copy = tmp_path / "churn"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns(".groundrules_cache", "__pycache__", *OUTPUTS))
    proc = run_cli(["handoff", "notebooks/explore_churn.ipynb"], copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in OUTPUTS:
        regenerated = (copy / "notebooks" / name).read_bytes()
        stored = (EXAMPLE / "notebooks" / name).read_bytes()
        assert regenerated == stored, (
            f"{name} is stale: run `groundrules handoff notebooks/explore_churn.ipynb --force` in examples/churn")
