from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(args: List[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real command, in a subprocess, as users run it."""
    return subprocess.run(
        [sys.executable, "-m", "groundrules", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(cwd)},
        check=False,
    )


@pytest.fixture
def cli():
    return run_cli
