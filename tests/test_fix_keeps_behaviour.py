"""Safe fixes keep behaviour on real code: two pure-Python packages from PyPI, whose offline test
suites pass the same before and after `groundrules fix` rewrote their sources.

Slow (downloads sdists): deselect with `-m "not slow"`.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Dict

import pytest

from conftest import run_cli

PACKAGES = [
    ("six==1.17.0", "six-1.17.0", "six.py", "test_six.py"),
    ("more-itertools==11.2.1", "more_itertools-11.2.1", "more_itertools", "tests"),
    # Its bottom-of-module `from . import curried` is a deliberate circular import (issue #13).
    ("toolz==1.2.0", "toolz-1.2.0", "toolz", "toolz/tests"),
]


def _outcomes(root: Path, tests: str, report: Path) -> Dict[str, str]:
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:asyncio", "-o", "addopts=",
         f"--junitxml={report}", tests],
        cwd=root, capture_output=True, text=True, check=False, timeout=900,
    )
    outcome = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        state = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                state = child.tag
        outcome[f"{case.get('classname')}::{case.get('name')}"] = state
    return outcome


def _download(tmp_path: Path, requirement: str, folder: str) -> Path:
    subprocess.run(
        # --no-binary for the package alone: its build backend may come as a wheel (much faster).
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"--no-binary={requirement.split('==')[0]}", requirement,
         "-d", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )
    archive = next(tmp_path.glob("*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data") if sys.version_info >= (3, 12) else tar.extractall(tmp_path)
    return tmp_path / folder


@pytest.mark.slow
@pytest.mark.parametrize("requirement, folder, sources, tests", PACKAGES, ids=[p[0] for p in PACKAGES])
def test_safe_fixes_keep_the_package_tests_passing(tmp_path, requirement, folder, sources, tests):
    root = _download(tmp_path, requirement, folder)
    before = _outcomes(root, tests, tmp_path / "before.xml")
    assert before and list(before.values()).count("passed") > 50
    # Every rule, not just the recommended pack: as many safe fixes as possible get exercised.
    fixed = run_cli(["fix", "--select", "GR", sources], root)
    assert fixed.returncode in (0, 1), fixed.stderr
    assert "Traceback" not in fixed.stderr
    after = _outcomes(root, tests, tmp_path / "after.xml")
    assert after == before
    # Say what was rewritten, for the record in the test log.
    sys.stdout.write(f"{requirement}: {fixed.stdout.strip().splitlines()[-1]}\n")


@pytest.mark.slow
def test_unsafe_import_hoisting_keeps_toolz_importable(tmp_path):
    # GR120 once hoisted toolz' deliberate `from . import curried` above the definitions the
    # curried module reads back: `import toolz` failed.  Even --unsafe-fixes must not do that.
    root = _download(tmp_path, "toolz==1.2.0", "toolz-1.2.0")
    fixed = run_cli(["fix", "--unsafe-fixes", "--select", "GR120", "toolz"], root)
    assert fixed.returncode in (0, 1), fixed.stderr
    proc = subprocess.run([sys.executable, "-c", "import toolz, toolz.curried"], cwd=root, capture_output=True,
                          text=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr
