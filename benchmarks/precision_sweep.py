"""Precision sweep: run groundrules over real code and print finding counts per group and code.

Downloads the pandas, scikit-learn, seaborn and statsmodels wheels (no dependencies) into a temporary
directory, unpacks them, and checks each tree plus the running interpreter's standard library
(site-packages excluded).  Counts come from the JSON report; nothing is hard-coded.

    python benchmarks/precision_sweep.py [--jobs N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

PACKAGES = ("pandas", "scikit-learn", "seaborn", "statsmodels")
LIBRARY_GATE = frozenset({"pandas", "numpy", "sklearn", "torch", "tensorflow"})


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def download(dest: Path) -> List[Tuple[str, List[Path]]]:
    """Download and unpack the wheels; return (tree name, paths to check) pairs."""
    wheels = dest / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", *PACKAGES,
         "-d", str(wheels)],
        check=True,
    )
    trees: List[Tuple[str, List[Path]]] = []
    for wheel in sorted(wheels.glob("*.whl")):
        name = wheel.name.split("-")[0]
        target = dest / "src" / name
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
        trees.append((name, [target]))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    trees.append(("stdlib", sorted(p for p in stdlib.iterdir() if p.name != "site-packages")))
    return trees


def check(paths: List[Path], jobs: int, cwd: Path) -> Dict[str, object]:
    """Run `groundrules check` from an empty directory (no pyproject) and parse its JSON report."""
    result = subprocess.run(
        [sys.executable, "-m", "groundrules", "check", "--format", "json", "--exit-zero",
         "--jobs", str(jobs), *map(str, paths)],
        check=True, capture_output=True, text=True, cwd=cwd,
    )
    report: Dict[str, object] = json.loads(result.stdout)
    return report


def _imported_tops(path: str) -> frozenset:  # type: ignore[type-arg]
    import ast

    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8", errors="replace"))
    except SyntaxError:
        return frozenset()
    tops: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            tops.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops.add(node.module.split(".")[0])
    return frozenset(tops)


def summarize(name: str, report: Dict[str, object]) -> None:
    findings = report["findings"]
    assert isinstance(findings, list)  # noqa: GR119 -- benchmark script, JSON shape check
    summary = report.get("summary", {})
    files = summary.get("files", "?") if isinstance(summary, dict) else "?"
    codes = collections.Counter(str(f["code"]) for f in findings)
    groups = collections.Counter(code[:3] for code in codes.elements())
    ungated = sum(
        1 for f in findings
        if str(f["code"]).startswith("GR4") and not _imported_tops(str(f["path"])) & LIBRARY_GATE
    )
    _write(f"== {name}: files={files} findings={len(findings)} "
           f"GR900={codes.get('GR900', 0)} GR901={codes.get('GR901', 0)} "
           f"GR4-without-data-library-import={ungated}")
    _write("   groups: " + ", ".join(f"{g}xx={n}" for g, n in sorted(groups.items())))
    _write("   codes:  " + ", ".join(f"{c}={n}" for c, n in sorted(codes.items())))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="work here instead of a temp dir")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        empty = root / "cwd"
        empty.mkdir(exist_ok=True)
        for name, paths in download(root):
            summarize(name, check(paths, args.jobs, empty))
    return 0


if __name__ == "__main__":
    sys.exit(main())
