"""Hand off every notebook of a corpus and tabulate the gates (#11's "real notebooks" figures).

    python benchmarks/handoff_corpus.py NOTEBOOK_DIR [--out OUT_DIR] [--timeout 120] [--verify]

Runs `groundrules handoff NB --to OUT/<stem>.py --force` on each `*.ipynb` under NOTEBOOK_DIR
(one subprocess each, the real CLI), reads the JSON report it writes beside the module and prints
one row per notebook (exit, the four gates, blocking items, steps, settings, seconds), then how
many pass each gate and the most frequent reasons for the failures (failing gates' findings and
blocking rules).  It also checks, independently of the report, that each module parses.  Nothing
is downloaded: build the corpus first, e.g. statsmodels' example notebooks from its sdist

    pip download statsmodels --no-binary :all: --no-deps -d /tmp/sm   # needs meson-python for metadata
    tar xzf /tmp/sm/statsmodels-*.tar.gz -C /tmp/sm && python benchmarks/handoff_corpus.py /tmp/sm/statsmodels-*/examples/notebooks

or from a git checkout (`git archive HEAD examples/notebooks | tar x -C /tmp/sm`).
If this installation has no `handoff` command, the script says so and exits 2.
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Counter, Dict, List, Optional

GATES = ("parses", "import_no_work", "clean", "accounted")


def handoff_available() -> bool:
    proc = subprocess.run([sys.executable, "-m", "groundrules", "handoff", "--help"], capture_output=True,
                          text=True, check=False)
    return proc.returncode == 0


def hand_off(notebook: Path, out: Path, timeout: float, verify: bool) -> Dict[str, Any]:
    dest = out / f"{notebook.stem.replace('-', '_').replace(' ', '_').lower()}.py"
    args = [sys.executable, "-m", "groundrules", "handoff", str(notebook), "--to", str(dest), "--force"]
    if verify:
        args.append("--verify")
    start = time.perf_counter()
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"notebook": notebook.name, "exit": "timeout", "seconds": timeout}
    row: Dict[str, Any] = {"notebook": notebook.name, "exit": proc.returncode,
                           "seconds": round(time.perf_counter() - start, 2)}
    report = dest.with_suffix(".handoff.json")
    if proc.returncode == 2 or not report.exists():
        row["error"] = (proc.stderr.strip().splitlines() or ["no report"])[-1]
        return row
    data = json.loads(report.read_text(encoding="utf-8"))
    row.update({gate: bool(data["gates"].get(gate)) for gate in GATES})
    row["blocking"] = [b.get("rule", "?") for b in data.get("blocking", [])]
    row["steps"] = len(data.get("steps", []))
    row["settings"] = len(data.get("settings", []))
    row["after"] = collections.Counter(f.get("code", "?") for f in data.get("findings_after", []))
    # "Gate G3 clean failed: line 103: undefined name 'ax'" -> "G3 clean: undefined name '…'"
    row["gate_problems"] = sorted({_reason(item) for item in data.get("checklist", [])
                                   if isinstance(item, str) and item.startswith("Gate ")})
    row["module_parses"] = _parses(dest)
    if data.get("verify") is not None:
        row["verify"] = bool(data["verify"].get("ok"))
    return row


def _reason(item: str) -> str:
    gate, _, problem = item[len("Gate "):].partition(" failed: ")
    problem = re.sub(r"line \d+: ", "", problem)
    problem = re.sub(r"'[^']*'|`[^`]*`", "'…'", problem)
    return f"{gate}: {problem}"


def _parses(path: Path) -> bool:
    try:
        ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return False
    return True


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, help="where the modules and reports go (default: a temp dir)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--verify", action="store_true", help="also run --verify (runs the notebooks' code)")
    options = parser.parse_args(argv)
    notebooks = sorted(options.corpus.rglob("*.ipynb"))
    if not notebooks:
        sys.stderr.write(f"{options.corpus}: no notebooks\n")
        return 2
    if not handoff_available():
        sys.stderr.write("this groundrules has no `handoff` command: nothing to measure\n")
        return 2
    with tempfile.TemporaryDirectory(prefix="handoff-corpus-") as tmp:
        out = options.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        rows = [hand_off(nb, out, options.timeout, options.verify) for nb in notebooks]
    width = max(len(r["notebook"]) for r in rows)
    sys.stdout.write(f"{'notebook':{width}}  exit  G1 G2 G3 G4  steps settings blocking  seconds\n")
    for row in rows:
        gates = "  ".join("ok" if row.get(g) else "--" for g in GATES) if "parses" in row else "(no report)"
        sys.stdout.write(f"{row['notebook']:{width}}  {row['exit']!s:>4}  {gates}  {row.get('steps', '-')!s:>5} "
                         f"{row.get('settings', '-')!s:>8} {len(row.get('blocking', []))!s:>8}  {row['seconds']:>7}\n")
    total = len(rows)
    sys.stdout.write(f"\n{total} notebooks; exit 0: {sum(1 for r in rows if r['exit'] == 0)}; "
                     f"crashed or unreadable (exit 2 / timeout): {sum(1 for r in rows if r['exit'] in (2, 'timeout'))}\n")
    for gate in GATES:
        sys.stdout.write(f"  {gate:15} pass {sum(1 for r in rows if r.get(gate))}/{total}\n")
    sys.stdout.write(f"  module parses (ast) {sum(1 for r in rows if r.get('module_parses'))}/{total}\n")
    if any("verify" in r for r in rows):
        sys.stdout.write(f"  verify ok       {sum(1 for r in rows if r.get('verify'))}/{total}\n")
    reasons: Counter[str] = collections.Counter()
    for row in rows:
        reasons.update(row.get("gate_problems", []))
        reasons.update(f"blocking {rule}" for rule in row.get("blocking", []))
        if "error" in row:
            reasons[f"error: {row['error'][:70]}"] += 1
    if reasons:
        sys.stdout.write("\nwhy the others fail (notebooks x reason):\n")
        for reason, count in reasons.most_common(15):
            sys.stdout.write(f"  {count:4}  {reason}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
