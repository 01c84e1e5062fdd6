"""The performance table of benchmarks/RESULTS.md, from one run: medians of several runs and the
ratios to the tools users would otherwise run, measured side by side on the same files.

Usage:
    python -m venv /tmp/bench-tools && /tmp/bench-tools/bin/pip install flake8 ruff bandit libcst
    python benchmarks/perf.py --tools /tmp/bench-tools [--work DIR] [--runs 3] [--notebooks DIR]
                              [--skip scaling,wheels]

The comparison tools live in their own virtualenv: in ours, flake8 would also load the groundrules
plugin.  Corpora are rebuilt under --work (nothing third-party is committed):
- stdlib: this interpreter's standard library without its tests (test/, tests/, idle_test/) and
  site-packages;
- wheels: the .py files of the pandas, scikit-learn, statsmodels and seaborn wheels (`pip
  download --no-deps`);
- scaling: the stdlib corpus copied 1x..4x.

Every figure is the wall time of a subprocess (start-up included); ratios are ours / theirs,
lower is better.  Ours and theirs run in turns (ours first in odd rounds, theirs in even ones) and
a row's ratio is the median of the rounds' ratios: on a shared machine the load drifts over
minutes, and timing all of one tool's runs before the other's measured the drift as much as the
tools.  groundrules' modules are byte-compiled first, as pip does when it installs a wheel (with
PYTHONDONTWRITEBYTECODE set, an editable install would compile each edited module on every run).
Peak RSS is the largest process of the run (ru_maxrss of waited-for children).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

TEST_DIRS = {"test", "tests", "idle_test", "site-packages", "dist-packages", "__pycache__"}
WHEELS = ("pandas", "scikit-learn", "statsmodels", "seaborn")
RUFF_SELECT = "E,F,S,B,PD,T20"
NOOP_CODEMOD = """
import sys
from pathlib import Path
from libcst.codemod import CodemodContext, parallel_exec_transform_with_prettyprint
from libcst.codemod.commands.noop import NOOPCommand

files = sorted(str(p) for p in Path(sys.argv[1]).rglob("*.py"))
# What `python -m libcst.tool codemod noop.NOOPCommand` does; unified_diff: print, never write.
parallel_exec_transform_with_prettyprint(NOOPCommand(CodemodContext()), files, jobs=2, unified_diff=1,
                                         hide_progress=True)
"""


def build_stdlib(work: Path) -> Path:
    target = work / "stdlib"
    if target.exists():
        return target
    source = Path(sysconfig.get_paths()["stdlib"])
    for path in source.rglob("*.py"):
        relative = path.relative_to(source)
        if TEST_DIRS & set(relative.parts[:-1]) or relative.name.startswith("test_"):
            continue
        out = target / relative
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out)
    return target


def build_wheels(work: Path, pip: Path) -> Path:
    target = work / "wheels"
    if target.exists():
        return target
    download = work / "wheel-files"
    subprocess.run([str(pip), "download", "--no-deps", "-q", "-d", str(download), *WHEELS], check=True)
    for wheel in sorted(download.glob("*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            for name in archive.namelist():
                if name.endswith(".py"):
                    out = target / wheel.name.split("-")[0] / name
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(archive.read(name))
    return target


def build_scaled(work: Path, base: Path, factor: int) -> Path:
    target = work / f"scaled-{factor}x"
    if not target.exists():
        for copy in range(factor):
            shutil.copytree(base, target / f"copy{copy}")
    return target


def timed(cmd: Sequence[str], cwd: Path, env: Optional[Dict[str, str]] = None) -> float:
    start = time.perf_counter()
    subprocess.run(list(cmd), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                   env=env)
    return time.perf_counter() - start


def median(cmd: Sequence[str], cwd: Path, runs: int, before: Optional[Sequence[str]] = None) -> float:
    times = []
    for _ in range(runs):
        if before is not None:
            subprocess.run(list(before), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(timed(cmd, cwd))
    return statistics.median(times)


def paired(ours: Sequence[str], theirs: Sequence[str], cwd: Path, runs: int,
           theirs_cwd: Optional[Path] = None) -> Tuple[float, float, float]:
    """(median of ours, median of theirs, median of the per-round ratios), run in turns."""
    mine: List[float] = []
    other: List[float] = []
    for round_ in range(runs):
        if round_ % 2 == 0:
            mine.append(timed(ours, cwd))
            other.append(timed(theirs, theirs_cwd or cwd))
        else:
            other.append(timed(theirs, theirs_cwd or cwd))
            mine.append(timed(ours, cwd))
    return statistics.median(mine), statistics.median(other), statistics.median(a / b for a, b in zip(mine, other))


def peak_rss_mb(cmd: Sequence[str], cwd: Path) -> float:
    """The largest resident set of any process of the command (a fresh interpreter measures it,
    so earlier runs of this script do not count)."""
    probe = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], cwd=cwd, capture_output=True, text=True, check=False)
    return int(out.stdout.strip() or 0) / 1024


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} CPUs (load {load:.1f} at start), "
            f"Python {platform.python_version()}")


class Table:
    def __init__(self) -> None:
        self.rows: List[Tuple[str, str, str, str, str]] = []

    def add(self, name: str, ours: float, theirs: Optional[float], other: str, target: str,
            ratio_value: Optional[float] = None) -> None:
        if ratio_value is None and theirs:
            ratio_value = ours / theirs
        ratio = f"{ratio_value:.2f}x" if ratio_value is not None else "-"
        theirs_text = f"{theirs:.2f} s" if theirs is not None else "-"
        self.rows.append((name, f"{ours:.2f} s", f"{other} {theirs_text}", ratio, target))
        print(f"{name:38s} {ours:8.2f}s  {other:22s} {theirs_text:>9s}  {ratio:>7s}  target {target}", flush=True)

    def markdown(self) -> str:
        lines = ["| measurement | groundrules | compared with | ratio | target |", "| --- | --- | --- | --- | --- |"]
        lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in self.rows]
        return "\n".join(lines) + "\n"


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tools", required=True, help="virtualenv with flake8, ruff, bandit, libcst")
    parser.add_argument("--work", default="/tmp/groundrules-bench")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma list of: check,warm,bandit,fix,latency,rss,scaling,wheels")
    parser.add_argument("--notebooks", type=Path,
                        help="a folder of real notebooks (benchmarks/notebook_corpus.py collect builds one)")
    args = parser.parse_args(argv)
    skip = set(args.skip.split(","))
    tools = Path(args.tools) / "bin"
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    stdlib = build_stdlib(work)
    files = sorted(stdlib.rglob("*.py"))
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    print(machine())
    print(f"stdlib corpus: {len(files)} files, {lines} lines; medians of {args.runs} runs", flush=True)
    # The console script, as users run it: `python -m` from inside the corpus would put the copied
    # stdlib first on sys.path and import (and compile) it instead of the interpreter's own.
    gr = [str(Path(sys.executable).parent / "groundrules")]
    import groundrules

    # As pip compiles a wheel it installs: timing must not include compiling our own modules.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(groundrules.__file__).parent)],
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, check=True)
    cache = work / "gr-cache"
    ruff_cache = work / "ruff-cache"
    table = Table()
    runs = args.runs

    if "check" not in skip:
        ours, flake8, ratio = paired(gr + ["check", "--no-cache", "--jobs", "2", "."], [str(tools / "flake8"), "-j2", "."],
                                     stdlib, runs)
        table.add("check cold (--jobs 2) vs flake8 -j2", ours, flake8, "flake8 -j2", "<= 0.25x", ratio)
        ours, ruff_cold, ratio = paired(
            gr + ["check", "--no-cache", "--jobs", "2", "."],
            [str(tools / "ruff"), "check", "--no-cache", "--select", RUFF_SELECT, "--exit-zero", "."], stdlib, runs)
        table.add("check cold vs ruff cold", ours, ruff_cold, "ruff --no-cache", "-", ratio)
    if "warm" not in skip:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(ruff_cache, ignore_errors=True)
        timed(gr + ["check", "--cache-dir", str(cache), "--jobs", "2", "."], stdlib)
        ruff = [str(tools / "ruff"), "check", "--cache-dir", str(ruff_cache), "--select", RUFF_SELECT, "--exit-zero", "."]
        timed(ruff, stdlib)
        # Warm runs are short: more rounds for the same confidence.
        ours_warm, ruff_warm, ratio = paired(gr + ["check", "--cache-dir", str(cache), "--jobs", "2", "."], ruff,
                                             stdlib, max(runs, 9))
        table.add("check warm (cache) vs ruff warm", ours_warm, ruff_warm, "ruff warm", "<= 1.5x", ratio)
    if "bandit" not in skip:
        ours_b, bandit, ratio = paired(gr + ["check", "--no-cache", "--jobs", "2", "--with", "bandit", "."],
                                       [str(tools / "bandit"), "-q", "-r", "."], stdlib, runs)
        table.add("check --with bandit (cold) vs bandit", ours_b, bandit, "bandit -r", "<= 0.6x", ratio)
        shutil.rmtree(cache, ignore_errors=True)
        timed(gr + ["check", "--cache-dir", str(cache), "--jobs", "2", "--with", "bandit", "."], stdlib)
        ours_bw = median(gr + ["check", "--cache-dir", str(cache), "--jobs", "2", "--with", "bandit", "."], stdlib, runs)
        table.add("check --with bandit (warm) vs bandit", ours_bw, bandit, "bandit -r", "<= 0.6x")
    if "fix" not in skip:
        ours_f, noop, ratio = paired(gr + ["fix", "--diff", "--no-cache", "--jobs", "2", "."],
                                     [str(tools / "python"), "-c", NOOP_CODEMOD, "."], stdlib, runs)
        table.add("fix --diff (cold) vs LibCST no-op", ours_f, noop, "LibCST no-op codemod", "<= 0.5x", ratio)
    if "latency" not in skip:
        one = stdlib / "json" / "decoder.py"
        latency_runs = max(10, runs)
        samples_ours: List[float] = []
        samples_f8: List[float] = []
        for _ in range(latency_runs):
            samples_ours.append(timed(gr + ["check", "--no-cache", str(one)], stdlib))
            samples_f8.append(timed([str(tools / "flake8"), str(one)], stdlib))
        table.add(f"one file, median of {latency_runs}", statistics.median(samples_ours),
                  statistics.median(samples_f8), "flake8 one file", "<= 1.2x",
                  statistics.median(a / b for a, b in zip(samples_ours, samples_f8)))
        print(f"  one-file spread: ours {min(samples_ours):.2f}-{max(samples_ours):.2f} s, "
              f"flake8 {min(samples_f8):.2f}-{max(samples_f8):.2f} s")
    if "rss" not in skip:
        rss = peak_rss_mb(gr + ["check", "--no-cache", "--jobs", "2", "."], stdlib)
        rss1 = peak_rss_mb(gr + ["check", "--no-cache", "--jobs", "1", "."], stdlib)
        print(f"peak RSS (largest process): --jobs 2 {rss:.0f} MB, --jobs 1 {rss1:.0f} MB (target <= 300 MB)")
        table.rows.append(("peak RSS, largest process (--jobs 2 / 1)", f"{rss:.0f} / {rss1:.0f} MB", "-", "-",
                           "<= 300 MB"))
    if "scaling" not in skip:
        base = None
        for factor in (1, 2, 3, 4):
            corpus = build_scaled(work, stdlib, factor)
            seconds = timed(gr + ["check", "--no-cache", "--jobs", "2", "."], corpus)
            base = base or seconds
            table.rows.append((f"scaling {factor}x stdlib (cold, 1 run)", f"{seconds:.2f} s", "-",
                               f"{seconds / base:.2f}x of 1x", f"{factor}.00x (linear)"))
            print(f"scaling {factor}x: {seconds:.2f}s ({seconds / base:.2f}x)", flush=True)
    if "wheels" not in skip:
        wheels = build_wheels(work, tools / "pip")
        count = len(list(wheels.rglob("*.py")))
        ours, flake8, ratio = paired(gr + ["check", "--no-cache", "--jobs", "2", "."],
                                     [str(tools / "flake8"), "-j2", "."], wheels, runs)
        table.add(f"wheels ({count} files) check cold vs flake8 -j2", ours, flake8, "flake8 -j2", "<= 0.25x", ratio)
    if args.notebooks is not None:
        notebooks = args.notebooks.resolve()
        count = len(list(notebooks.rglob("*.ipynb")))
        # ruff reads .ipynb files itself (flake8 cannot), so it is the tool a notebook user compares.
        ours, ruff_nb, ratio = paired(
            gr + ["check", "--no-cache", "--jobs", "2", "."],
            [str(tools / "ruff"), "check", "--no-cache", "--select", RUFF_SELECT, "--exit-zero", "."], notebooks, runs)
        table.add(f"notebooks ({count} .ipynb + scripts) check cold vs ruff cold", ours, ruff_nb, "ruff --no-cache", "-",
                  ratio)
    print()
    print(table.markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
