"""Parity with bandit: how many of bandit's findings on its own ``examples/`` our rules also report.

Downloads the sdist of the installed bandit (``pip download --no-binary :all: --no-deps``), unpacks
its ``examples/`` directory, runs ``bandit -r -f json`` and ``groundrules check --format json`` on
it (every rule, default options), and prints, for each bandit test that has a peer among our rules
(groundrules/hooks/gate/peers.py), how many of bandit's findings a peer rule reports on a line of
the same statement.  Nothing is hard-coded but the mapping; the examples are never committed.

    python benchmarks/bandit_parity.py [--keep DIR] [--misses] [--confidence all|low|medium|high]

The default confidence floor is the gate's (medium): low-confidence issues never reach a report.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tarfile
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Dict, List, Set, Tuple

from groundrules.hooks.gate.peers import bandit_tests, peers

#: Bandit tests grouped as the issue counts them: the group's name and its tests.
GROUPS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("hard-coded passwords", ("B105", "B106", "B107")),
    ("SQL strings", ("B608",)),
    ("shell / subprocess", ("B602", "B604", "B605", "B606")),
    ("weak hashes", ("B303", "B324")),
    ("tar extraction", ("B202",)),
)


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def examples(dest: Path) -> Path:
    version = metadata.version("bandit")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
         f"bandit=={version}", "-d", str(dest)],
        check=True,
    )
    sdist = next(dest.glob("bandit-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if "/examples/" in m.name and m.isfile()]
        tar.extractall(dest, members=members, filter="data")
    return next(dest.glob("bandit-*/examples"))


def bandit_findings(root: Path, confidence: str) -> List[Tuple[str, str, Tuple[int, ...]]]:
    """(test id, file relative to root, lines of the statement) for each bandit finding."""
    done = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "-q", "-f", "json", "--exit-zero",
         "--confidence-level", confidence, "--severity-level", "all", str(root)],
        capture_output=True, text=True, check=True,
    )
    report = json.loads(done.stdout)
    return [
        (r["test_id"], str(Path(r["filename"]).relative_to(root)), tuple(r["line_range"] or [r["line_number"]]))
        for r in report["results"]
    ]


def our_findings(root: Path) -> Dict[str, Set[Tuple[str, int]]]:
    """code -> {(file relative to root, line)} from ``groundrules check --format json``."""
    done = subprocess.run(
        [sys.executable, "-m", "groundrules", "check", "--format", "json", "--exit-zero",
         "--select", "GR", str(root)],
        capture_output=True, text=True, cwd=root,
    )
    found: Dict[str, Set[Tuple[str, int]]] = collections.defaultdict(set)
    for item in json.loads(done.stdout)["findings"]:
        path = Path(item["path"])
        rel = str(path.relative_to(root) if path.is_absolute() else path)
        found[item["code"]].add((rel, int(item["line"])))
    return found


def parity(root: Path, confidence: str = "medium") -> Tuple[Dict[str, Tuple[int, int]], List[Tuple[str, str, int]]]:
    """Per mapped bandit test: (found by a peer, bandit's count); and the misses."""
    ours = our_findings(root)
    mapped = set(bandit_tests())
    counts: Dict[str, List[int]] = collections.defaultdict(lambda: [0, 0])
    misses: List[Tuple[str, str, int]] = []
    for test, path, lines in bandit_findings(root, confidence):
        if test not in mapped:
            continue
        span = range(min(lines), max(lines) + 1)
        hit = any((path, line) in ours.get(rule, ()) for rule in peers(test) for line in span)
        counts[test][1] += 1
        if hit:
            counts[test][0] += 1
        else:
            misses.append((test, path, min(lines)))
    return {t: (c[0], c[1]) for t, c in sorted(counts.items())}, misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, help="download and unpack here (kept)")
    parser.add_argument("--misses", action="store_true", help="list bandit findings we miss")
    parser.add_argument(
        "--confidence", default="medium", choices=("all", "low", "medium", "high"),
        help="bandit's confidence floor (default: medium, what the gate keeps)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dest = args.keep or Path(tmp)
        dest.mkdir(parents=True, exist_ok=True)
        root = examples(dest)
        per_test, misses = parity(root, args.confidence)
    _write(
        f"bandit {metadata.version('bandit')} examples/, confidence >= {args.confidence}: "
        "mapped tests, found by a peer rule / bandit"
    )
    _write("| group | tests | found / bandit | recall |")
    _write("|---|---|---|---|")
    grouped = {t for _, tests in GROUPS for t in tests}
    rows = list(GROUPS) + [("other mapped", tuple(t for t in per_test if t not in grouped))]
    for name, tests in rows:
        hit = sum(per_test.get(t, (0, 0))[0] for t in tests)
        total = sum(per_test.get(t, (0, 0))[1] for t in tests)
        if total:
            shown = ", ".join(t for t in tests if t in per_test)
            _write(f"| {name} | {shown} | {hit}/{total} | {hit / total:.0%} |")
    hit = sum(h for h, _ in per_test.values())
    total = sum(t for _, t in per_test.values())
    _write(f"| **all mapped** | | **{hit}/{total}** | **{hit / max(total, 1):.0%}** |")
    _write("")
    _write("per test: " + ", ".join(f"{t} {h}/{n}" for t, (h, n) in per_test.items()))
    if args.misses:
        for test, path, line in misses:
            _write(f"miss {test} {path}:{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
