"""How `groundrules fix --unsafe-fixes` on a notebook grows with its cells, against `check`.

Builds prototype-like notebooks of 100, 500 and 2,000 code cells (imports spread over cells,
prints, leftover displays, a %%time cell every 50 cells), times `check` and `fix --unsafe-fixes`
on each (the real CLI, one process per run, median of --repeat runs) and prints the ratio.  The
goal (#14): fixing is linear in the cells and a 2,000-cell notebook fixes in under 10x its check.

    python benchmarks/notebook_fix_scaling.py [--sizes 100,500,2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List


def cell_source(index: int) -> str:
    """One prototype-like code cell; the kinds rotate so every fix has work in every stretch."""
    kind = index % 10
    if index % 50 == 49:
        return f"%%time\nresult_{index} = sum(range({index}))\n"
    if kind == 0:
        return f"import json\nvalues_{index} = json.loads('[{index}, 2]')\nprint(values_{index})\n"
    if kind == 1:
        return f"frame_{index} = pd.DataFrame({{'a': [{index}, 2]}})\nframe_{index}.head()\n"
    if kind == 2:
        return f"total_{index} = {index} * 2\nprint(f'total {{total_{index}}}')\n"
    if kind == 3:
        return f"with open('out_{index}.txt', 'w') as handle:\n    handle.write('{index}')\n"
    if kind == 4:
        return f"%load_ext autoreload\nnumbers_{index} = list(range(3))\n"
    return f"value_{index} = {index} + 1\nvalue_{index}\n"


def build(cells: int) -> Dict[str, Any]:
    sources = ["import pandas as pd\nimport os\n"] + [cell_source(i) for i in range(1, cells)]
    return {"cells": [{"cell_type": "code", "execution_count": n, "metadata": {}, "outputs": [],
                       "source": s.splitlines(keepends=True)} for n, s in enumerate(sources, start=1)],
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def timed(args: List[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "groundrules", *args], cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500,2000")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    print(f"{'cells':>6} {'check s':>9} {'fix s':>9} {'fix/check':>10} {'fix s/1k cells':>15}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in (int(s) for s in options.sizes.split(",")):
            original = work / f"nb{size}.json"
            original.write_text(json.dumps(build(size), indent=1), encoding="utf-8")
            target = work / "notebook.ipynb"
            checks, fixes = [], []
            for _ in range(options.repeat):
                shutil.copyfile(original, target)
                checks.append(timed(["check", target.name], work))
                fixes.append(timed(["fix", "--unsafe-fixes", target.name], work))
            check, fix = statistics.median(checks), statistics.median(fixes)
            print(f"{size:>6} {check:>9.2f} {fix:>9.2f} {fix / check:>10.1f} {fix / size * 1000:>15.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
