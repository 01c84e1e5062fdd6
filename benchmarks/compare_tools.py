"""groundrules against the tools users would otherwise run, on the same files, in the same run.

Usage: python benchmarks/compare_tools.py [DIR] [--part check|fix|gate|latency ...]
(default DIR: this interpreter's standard library, site-packages excluded).

- check:   `groundrules check` (all rules, --jobs 2) vs `flake8 -j2` and `ruff check --no-cache`.
- fix:     `groundrules fix --diff --jobs 2` (check, then one LibCST parse of each file with a
           fixable finding, the fixes, a re-check; nothing is written) vs LibCST's own codemod
           runner with its no-op codemod and 2 jobs (parse and regenerate every file).
- gate:    `groundrules check --with bandit --select B` vs `bandit -r` on the same files.
- latency: one file, `groundrules check FILE` vs `flake8 FILE` (start-up included).
Every figure is a wall time of a subprocess; the ratio is ours / theirs (lower is better).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import List

NOOP_CODEMOD = """
import sys
from pathlib import Path
from libcst.codemod import CodemodContext, parallel_exec_transform_with_prettyprint
from libcst.codemod.commands.noop import NOOPCommand

files = [str(p) for p in Path(sys.argv[1]).rglob("*.py") if "site-packages" not in p.parts]
# What `python -m libcst.tool codemod noop.NOOPCommand` does; unified_diff: print, never write.
parallel_exec_transform_with_prettyprint(
    NOOPCommand(CodemodContext()), files, jobs=2, unified_diff=1, hide_progress=True
)
"""


def timed(cmd: List[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def row(name: str, ours: float, theirs: float, other: str) -> None:
    print(f"{name:8s} groundrules {ours:7.1f}s  {other} {theirs:7.1f}s  ratio {ours / theirs:.2f}")


def main(argv: List[str]) -> int:
    parts = [a for a in argv if not a.startswith("-") and a in {"check", "fix", "gate", "latency"}]
    dirs = [a for a in argv if not a.startswith("-") and a not in {"check", "fix", "gate", "latency"}]
    target = Path(dirs[0] if dirs else sysconfig.get_paths()["stdlib"]).resolve()
    parts = parts or ["check", "fix", "gate", "latency"]
    files = [p for p in target.rglob("*.py") if "site-packages" not in p.parts]
    bindir = Path(sys.executable).parent
    # An empty working directory, so no tool picks up a project's settings.
    cwd = Path(tempfile.mkdtemp())
    gr = [sys.executable, "-m", "groundrules"]
    print(f"{target}: {len(files)} files")
    if "check" in parts:
        ours = timed(gr + ["check", "--exit-zero", "--jobs", "2", str(target)], cwd)
        flake8 = timed([sys.executable, "-m", "flake8", "-j2", "--extend-exclude", "site-packages",
                        "--extend-ignore", "GR", str(target)], cwd)
        row("check", ours, flake8, "flake8 -j2")
        ruff = shutil.which("ruff", path=str(bindir)) or shutil.which("ruff")
        if ruff:
            theirs = timed([ruff, "check", "--no-cache", "--exit-zero", "--extend-exclude", "site-packages",
                            str(target)], cwd)
            row("check", ours, theirs, "ruff --no-cache")
    if "fix" in parts:
        ours = timed(gr + ["fix", "--diff", "--jobs", "2", str(target)], cwd)
        noop = timed([sys.executable, "-c", NOOP_CODEMOD, str(target)], cwd)
        row("fix", ours, noop, "LibCST no-op codemod -j2")
    if "gate" in parts:
        ours = timed(gr + ["check", "--exit-zero", "--with", "bandit", "--select", "B", str(target)], cwd)
        bandit = timed([sys.executable, "-m", "bandit", "-q", "-r", "-x", "site-packages", str(target)], cwd)
        row("gate", ours, bandit, "bandit -r")
    if "latency" in parts:
        one = max(files, key=lambda p: p.stat().st_size)
        ours = timed(gr + ["check", "--exit-zero", str(one)], cwd)
        theirs = timed([sys.executable, "-m", "flake8", "--extend-ignore", "GR", str(one)], cwd)
        row("latency", ours, theirs, f"flake8 ({one.name})")
    shutil.rmtree(cwd, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
