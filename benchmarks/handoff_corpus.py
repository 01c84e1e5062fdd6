"""Hand off every notebook of a corpus and count how many pass each gate (no file written).

Rebuild the statsmodels corpus from a git mirror (never commit the notebooks):

    git -C <statsmodels mirror> archive HEAD examples/notebooks | tar -x -C /tmp/sm
    python benchmarks/handoff_corpus.py /tmp/sm/examples/notebooks

Prints one line per notebook (exit, failed gates, blocking count, seconds) and a summary; a crash
is reported with its exception and counted, never hidden.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from groundrules.handoff.pipeline import Request, hand_off, module_name_for
from groundrules.handoff.source import PrototypeError
from groundrules.rules.registry import catalog
from groundrules.standards.model import Layer, resolve_layers


def main(directory: str) -> int:
    standards = resolve_layers((Layer("handoff corpus", select=("GR",)),), catalog())
    passed: Counter[str] = Counter()
    exits: Counter[int] = Counter()
    reasons: Counter[str] = Counter()
    crashes = 0
    notebooks = sorted(Path(directory).rglob("*.ipynb"))
    started = time.perf_counter()
    for path in notebooks:
        dest = path.with_name(module_name_for(path) + ".py")
        begin = time.perf_counter()
        try:
            outcome = hand_off(Request(path, dest, dest.with_name(dest.stem + ".handoff.md"), standards))
        except PrototypeError as exc:
            print(f"{path.name}: input error: {exc}")
            exits[2] += 1
            continue
        except Exception:  # noqa: GR112 -- a sweep reports every crash and goes on
            crashes += 1
            print(f"{path.name}: CRASH\n{traceback.format_exc()}")
            continue
        gates = outcome.data["gates"]
        assert isinstance(gates, dict)
        failed = [name for name, ok in gates.items() if not ok]
        for name, ok in gates.items():
            passed[name] += bool(ok)
        for gate, problems in outcome.gate_problems.items():
            for problem in problems:
                reasons[f"{gate}: {problem.split(': ', 1)[-1][:60]}"] += 1
        blocking = outcome.data["blocking"]
        assert isinstance(blocking, list)
        for item in blocking:
            reasons[f"blocking {item['rule']}"] += 1
        exits[outcome.exit] += 1
        print(f"{path.name}: exit {outcome.exit} failed={failed} blocking={len(blocking)} "
              f"{time.perf_counter() - begin:.1f}s")
    total = len(notebooks)
    print(f"\n{total} notebooks, {crashes} crashes, exits {dict(sorted(exits.items()))}, "
          f"{time.perf_counter() - started:.0f}s")
    for name in ("parses", "import_no_work", "clean", "accounted"):
        print(f"  {name}: {passed[name]}/{total - crashes - exits[2]}")
    print("most common reasons:")
    for reason, count in reasons.most_common(25):
        print(f"  {count:4d}  {reason}")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
