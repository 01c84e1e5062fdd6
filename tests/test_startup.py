"""Start-up: checking one file (as the pre-commit hook does, ``entry: groundrules check``) never
imports LibCST, bandit or mypy; only ``fix`` and ``--with`` need them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List, Set

import pytest

HEAVY = ("libcst", "bandit", "mypy")
#: Only a run with many files starts worker processes; one file must not pay for their import.
POOL = ("multiprocessing", "concurrent")
SOURCE = "import yaml\n\ndef load(path):\n    return yaml.load(open(path))  # a finding with a fix\n"
NOTEBOOK = ('{"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],'
            ' "source": "import os\\nos.system(x)"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')


def _imported(args: List[str], cwd: Path) -> Set[str]:
    """Top-level packages imported by ``python -X importtime -m groundrules ARGS``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "groundrules", *args],
        cwd=cwd, capture_output=True, text=True, check=False,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(cwd)},
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "groundrules" in names  # the probe itself works
    return names


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_check_of_one_file_imports_no_libcst_bandit_or_mypy(tmp_path, fmt):
    (tmp_path / "one.py").write_text(SOURCE, encoding="utf-8")
    (tmp_path / "eda.ipynb").write_text(NOTEBOOK, encoding="utf-8")
    for target in ("one.py", "eda.ipynb"):
        imported = _imported(["check", "--format", fmt, target], tmp_path)
        assert not imported & set(HEAVY + POOL), sorted(imported & set(HEAVY + POOL))


def test_the_probe_sees_them_when_they_are_needed(tmp_path):
    (tmp_path / "one.py").write_text(SOURCE, encoding="utf-8")
    assert "bandit" in _imported(["check", "--with", "bandit", "one.py"], tmp_path)
    assert "libcst" in _imported(["fix", "--diff", "--unsafe-fixes", "one.py"], tmp_path)
    for i in range(45):  # enough files for worker processes (runner.PARALLEL_THRESHOLD)
        (tmp_path / f"m{i}.py").write_text(SOURCE, encoding="utf-8")
    assert "multiprocessing" in _imported(["check", "--no-cache", "--jobs", "2", "."], tmp_path)


CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"
#: A file with a SAFE fix (GR118 deletes a dead `if False:` branch; most rewrites are UNSAFE, #13).
DEAD = 'import os\n\nif False:\n    os.remove("x")\n\nVALUE = 1\n'


def test_fix_parses_only_files_with_a_fixable_finding(tmp_path, monkeypatch):
    from groundrules.hooks.cache import ResultCache
    from groundrules.hooks.fix import allowed_classes, fix_files
    from groundrules.hooks.runner import StandardsCache

    for i in range(12):
        (tmp_path / f"clean{i}.py").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "dirty.py").write_text(DEAD, encoding="utf-8")
    (tmp_path / "notes.py").write_text("import os\nos.system(x)  # a finding without a safe fix\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    files = sorted(tmp_path.glob("*.py"))
    for results in (None, ResultCache(tmp_path / "cache"), ResultCache(tmp_path / "cache")):
        report = fix_files(files, StandardsCache(cwd=tmp_path), allowed_classes(False), diff_only=True,
                           jobs=1, results=results)
        assert [Path(p).name for p in report.examined] == ["dirty.py"]
        assert [Path(p).name for p, _ in report.changed] == ["dirty.py"]
    # The second cached run took the checks from the cache (shared with `check`).
    assert results is not None and results.hits == len(files)


def test_fix_with_nothing_to_fix_never_loads_libcst(tmp_path):
    for i in range(3):
        (tmp_path / f"clean{i}.py").write_text(CLEAN, encoding="utf-8")
    imported = _imported(["fix", "."], tmp_path)
    assert "libcst" not in imported
