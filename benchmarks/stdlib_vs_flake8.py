"""Wall time of `groundrules check` against `flake8 -j2` on the same files, in the same run.

Usage: python benchmarks/stdlib_vs_flake8.py [DIR]   (default: this interpreter's standard library)

Both tools get the same directory with site-packages excluded; groundrules runs all its rules with
the recommended pack, flake8 its defaults (pycodestyle + pyflakes) plus the GR plugin disabled.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import time
from pathlib import Path


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> int:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else sysconfig.get_paths()["stdlib"]).resolve()
    files = [p for p in target.rglob("*.py") if "site-packages" not in p.parts]
    # An empty config directory, so neither tool picks up a project's settings.
    cwd = Path.cwd()
    ours = [sys.executable, "-m", "groundrules", "check", "--exit-zero", "--jobs", "2", str(target)]
    flake8 = [sys.executable, "-m", "flake8", "-j2", "--extend-exclude", "site-packages",
              "--extend-ignore", "GR", str(target)]
    g = timed(ours, cwd)
    f = timed(flake8, cwd)
    print(f"files: {len(files)}")
    print(f"groundrules check (all rules, --jobs 2): {g:.1f}s")
    print(f"flake8 -j2 (pycodestyle + pyflakes):     {f:.1f}s")
    print(f"ratio groundrules / flake8: {g / f:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
