"""Do `groundrules fix` rewrites keep behaviour on real code?  A corpus of pure-Python packages.

For each package: its sdist (``pip download --no-deps --no-binary <name>``) is unpacked three times.
The first copy is left alone; in the second the package source (not its tests) is rewritten by
`groundrules fix --select GR` (the safe tier); in the third by `fix --select GR --unsafe-fixes`.
Each copy then runs the package's own test suite (junit xml, every test's outcome), ``python -c
"import <pkg>"`` and, with ``--mypy``, mypy on the package.  A safe copy whose outcomes differ from
the untouched one is a bug in a safe fix; the unsafe copy shows what ``--unsafe-fixes`` changes on
purpose.  The table is printed as Markdown (docs/fix-behaviour.md holds the last run).

    python benchmarks/fix_behaviour_corpus.py --work /tmp/corpus [--sdists DIR] [--mypy] [pkg ...]

Slow (minutes per package on two cores): not part of the test suite.  The suites need pytest,
hypothesis, freezegun (itsdangerous, dateutil), pretend and tomli_w (packaging) in the running
environment.  Nothing from the packages is
committed; the sdists are downloaded again (or read from ``--sdists``) on each run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Package:
    requirement: str  # what pip downloads
    sources: Tuple[str, ...]  # files/folders the fix rewrites (relative to the sdist root)
    tests: Tuple[str, ...]  # pytest arguments
    import_name: str
    pythonpath: Tuple[str, ...] = (".",)
    #: Other corpus packages whose untouched source the tests need on the path (jinja2: markupsafe).
    needs: Tuple[str, ...] = ()
    #: Source folders not to rewrite (tests shipped inside the package).
    exclude: Tuple[str, ...] = ()
    pytest_args: Tuple[str, ...] = ()


PACKAGES = (
    Package("toolz==1.2.0", ("toolz", "tlz"), ("toolz/tests",), "toolz", exclude=("toolz/tests",)),
    Package("six==1.17.0", ("six.py",), ("test_six.py",), "six"),
    Package("more-itertools==11.2.1", ("more_itertools",), ("tests",), "more_itertools"),
    Package("attrs==26.1.0", ("src/attr", "src/attrs"), ("tests",), "attr", pythonpath=("src",)),
    Package("boltons==26.2.0", ("boltons",), ("tests",), "boltons"),
    Package("pyparsing==3.3.3", ("pyparsing",), ("tests",), "pyparsing",
            pytest_args=("--ignore=tests/test_diagram.py", "--ignore=tests/test_matplotlib_cases.py")),
    # test_deprecations reads click's installed metadata, which an unpacked sdist does not have.
    # Its stress tests (20,000 GC reproducers) are off by default in its own addopts, which the
    # runs clear: deselected the same way.
    Package("click==8.5.1", ("src/click",), ("tests",), "click", pythonpath=("src",),
            pytest_args=("--ignore=tests/test_deprecations.py", "-m", "not stress")),
    Package("itsdangerous==2.2.0", ("src/itsdangerous",), ("tests",), "itsdangerous", pythonpath=("src",)),
    # Its tests use pytest-cov's `no_cover` mark under `filterwarnings = error`.
    Package("python-dateutil==4.0.0", ("src/dateutil",), ("tests",), "dateutil", pythonpath=("src",),
            pytest_args=("-W", "ignore::pytest.PytestUnknownMarkWarning")),
    Package("idna==3.20", ("idna",), ("tests",), "idna"),
    Package("packaging==26.4", ("src/packaging",), ("tests",), "packaging", pythonpath=("src",)),
    Package("markupsafe==3.0.4", ("src/markupsafe",), ("tests",), "markupsafe", pythonpath=("src",)),
    Package("jinja2==3.1.6", ("src/jinja2",), ("tests",), "jinja2", pythonpath=("src",), needs=("markupsafe",)),
    Package("wcwidth==0.9.4", ("wcwidth",), ("tests",), "wcwidth",
            pytest_args=("--ignore=tests/test_benchmarks.py",)),
    Package("pycodestyle==2.15.0", ("pycodestyle.py",), ("tests",), "pycodestyle"),
)


def _name(requirement: str) -> str:
    return requirement.split("==")[0]


def _sdist(package: Package, sdists: Path) -> Path:
    name, _, version = package.requirement.partition("==")
    stem = f"{name.replace('-', '_')}-{version}".lower()
    for candidate in sdists.glob("*.tar.gz"):
        if candidate.name.lower().replace("-", "_").startswith(stem.replace("-", "_")):
            return candidate
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"--no-binary={name}", package.requirement,
         "-d", str(sdists)],
        check=True, timeout=900,
    )
    return _sdist(package, sdists)


def _unpack(archive: Path, into: Path) -> Path:
    if into.exists():
        shutil.rmtree(into)
    into.mkdir(parents=True)
    with tarfile.open(archive) as tar:
        if sys.version_info >= (3, 12):
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # noqa: GR212 -- our own download of a PyPI sdist, Python < 3.12
    (root,) = [p for p in into.iterdir() if p.is_dir()]
    return root


@dataclass
class Run:
    outcomes: Dict[str, str] = field(default_factory=dict)
    imports: bool = False
    import_error: str = ""
    mypy_errors: Optional[int] = None
    fixed: str = ""  # the fix command's summary line
    fix_lines: List[str] = field(default_factory=list)


def _env(root: Path, package: Package, others: Dict[str, Path]) -> Dict[str, str]:
    paths = [str(root / p) for p in package.pythonpath]
    for need in package.needs:
        other = next(p for p in PACKAGES if _name(p.requirement) == need)
        paths += [str(others[need] / p) for p in other.pythonpath]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths), PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONOPTIMIZE", None)
    return env


def _run_suite(root: Path, package: Package, env: Dict[str, str], report: Path) -> Dict[str, str]:
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:asyncio", "-p", "no:pytest_lsp",
         f"--junitxml={report}", "-o", "addopts=", *package.pytest_args, *package.tests],
        cwd=root, env=env, capture_output=True, text=True, check=False, timeout=1800,
    )
    outcomes: Dict[str, str] = {}
    if not report.exists():
        return outcomes
    for case in ET.parse(report).getroot().iter("testcase"):
        state = "passed"
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                state = child.tag
        outcomes[f"{case.get('classname')}::{case.get('name')}"] = state
    return outcomes


def _mypy(root: Path, package: Package, env: Dict[str, str]) -> int:
    targets = [str(root / s) for s in package.sources]
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--ignore-missing-imports", "--no-error-summary",
         "--hide-error-context", *targets],
        cwd=root, env=env, capture_output=True, text=True, check=False, timeout=1800,
    )
    return sum(1 for line in proc.stdout.splitlines() if ": error:" in line)


def _fix(root: Path, package: Package, unsafe: bool) -> Tuple[str, List[str]]:
    files = []
    for source in package.sources:
        path = root / source
        candidates = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for candidate in candidates:
            relative = candidate.relative_to(root).as_posix()
            if not any(relative.startswith(e + "/") for e in package.exclude):
                files.append(relative)
    command = [sys.executable, "-m", "groundrules", "fix", "--select", "GR", *(["--unsafe-fixes"] if unsafe else []),
               *files]
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False, timeout=1800)
    if proc.returncode not in (0, 1) or "Traceback" in proc.stderr:
        raise RuntimeError(f"fix failed on {package.requirement}: {proc.stderr[-2000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    # The summary ("Fixed N findings in M files.", then "Declined ..." when some fix was declined);
    # the reasons for a declined fix are on stderr, kept in the details.
    summary = [line for line in lines if line.startswith(("Fixed", "Nothing", "Declined"))]
    declined = [line for line in proc.stderr.splitlines() if line.strip()]
    return " ".join(summary or lines[-1:]), lines + declined


def _measure(root: Path, package: Package, others: Dict[str, Path], report: Path, mypy: bool) -> Run:
    env = _env(root, package, others)
    run = Run()
    run.outcomes = _run_suite(root, package, env, report)
    proc = subprocess.run([sys.executable, "-c", f"import {package.import_name}"], cwd=root / package.pythonpath[0],
                          env=env, capture_output=True, text=True, check=False, timeout=300)
    run.imports = proc.returncode == 0
    run.import_error = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
    if mypy:
        run.mypy_errors = _mypy(root, package, env)
    return run


def _flips(before: Dict[str, str], after: Dict[str, str]) -> List[str]:
    return sorted(
        f"{test}: {before.get(test, 'absent')} -> {after.get(test, 'absent')}"
        for test in set(before) | set(after)
        if before.get(test) != after.get(test)
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="scratch folder (deleted per package)")
    parser.add_argument("--sdists", type=Path, help="folder with the sdists (downloaded there when missing)")
    parser.add_argument("--mypy", action="store_true", help="also compare mypy error counts on the package")
    parser.add_argument("--no-unsafe", action="store_true", help="skip the unsafe tier")
    parser.add_argument("--json", type=Path, help="write every run's details here")
    parser.add_argument("packages", nargs="*", help="names to run (default: all)")
    args = parser.parse_args(argv)
    sdists = args.sdists or args.work / "sdists"
    sdists.mkdir(parents=True, exist_ok=True)
    chosen = [p for p in PACKAGES if not args.packages or _name(p.requirement) in args.packages]
    untouched: Dict[str, Path] = {}
    # Packages others need (jinja2 needs markupsafe) are unpacked untouched first.
    for package in PACKAGES:
        if any(package is not p and _name(package.requirement) in p.needs for p in chosen):
            untouched[_name(package.requirement)] = _unpack(_sdist(package, sdists), args.work / "deps" /
                                                             _name(package.requirement))
    rows: List[str] = []
    details = {}
    for package in chosen:
        name = _name(package.requirement)
        archive = _sdist(package, sdists)
        runs: Dict[str, Run] = {}
        for tier in ("untouched", "safe", "unsafe"):
            if tier == "unsafe" and args.no_unsafe:
                continue
            root = _unpack(archive, args.work / name / tier)
            fixed, lines = ("", []) if tier == "untouched" else _fix(root, package, unsafe=tier == "unsafe")
            run = _measure(root, package, untouched, args.work / name / f"{tier}.xml", args.mypy)
            run.fixed, run.fix_lines = fixed, lines
            runs[tier] = run
            sys.stderr.write(f"{name} {tier}: {len(run.outcomes)} tests, import {run.imports}, {fixed}\n")
        base = runs["untouched"]
        cells = [package.requirement, str(len(base.outcomes)), str(list(base.outcomes.values()).count("passed"))]
        mypy_cell = "-" if base.mypy_errors is None else " / ".join(
            str(runs[t].mypy_errors) for t in ("untouched", "safe", "unsafe") if t in runs)
        for tier in ("safe", "unsafe"):
            run = runs.get(tier)
            if run is None:
                cells += ["-", "-"]
                continue
            flips = _flips(base.outcomes, run.outcomes)
            problems = [f"{len(flips)} tests flip"] if flips else []
            if run.imports != base.imports:
                problems.append(f"import: {run.import_error or 'ok'}")
            if run.mypy_errors is not None and base.mypy_errors is not None and run.mypy_errors != base.mypy_errors:
                problems.append(f"mypy errors {base.mypy_errors} -> {run.mypy_errors}")
            cells += [run.fixed.replace("|", "/") or "nothing", "; ".join(problems) or "same"]
            details[f"{name}/{tier}"] = {"flips": flips, "fix": run.fix_lines, "import_error": run.import_error,
                                         "mypy": [base.mypy_errors, run.mypy_errors]}
        rows.append("| " + " | ".join([*cells, mypy_cell]) + " |")
        # Each package's row and details are written as soon as it finishes: a run cut short on a
        # loaded machine keeps what it measured.
        sys.stderr.write(rows[-1] + "\n")
        if args.json:
            args.json.write_text(json.dumps(details, indent=1), encoding="utf-8")
        shutil.rmtree(args.work / name, ignore_errors=True)
    header = ("| package | tests | passed | safe tier: fixed | safe tier: outcome | unsafe tier: fixed "
              "| unsafe tier: outcome | mypy errors (untouched / safe / unsafe) |\n|---|---|---|---|---|---|---|---|")
    sys.stdout.write(header + "\n" + "\n".join(rows) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
