"""Instructions (not seconds) spent by a cold check, per stage, under valgrind: a measure that
does not move with the load of a shared machine, for comparing two versions of the code.

    python benchmarks/check_instructions.py DIR [--every 8] [--tree PATH]

Checks every N-th ``.py`` file of DIR (sorted; ``--every 8`` on the stdlib is 91 files, about
20 s per stage under valgrind) with the groundrules found at ``--tree`` (default: this checkout)
and prints, in billions of instructions, each stage minus the start-up the stages share:
- parse: ``ast.parse`` of each file;
- walk: the engine's walk with no rule (parse included);
- check: ``check_source`` with the default standards, everything included.
Needs ``valgrind`` on PATH.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from typing import List

_STAGE = r'''
import ast, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from groundrules.rules.context import Source
from groundrules.rules.engine import check_source, check_tree
from groundrules.rules.registry import all_rules, catalog
from groundrules.standards.loader import load_standards
root = Path(sys.argv[2]).resolve()
every = int(sys.argv[4])
files = [p for i, p in enumerate(sorted(root.rglob("*.py")), start=1) if i % every == 0]
data = [p.read_bytes() for p in files]
standards = load_standards(None, catalog(), root).resolve(root / "x.py", catalog(), ())
rules = all_rules()
stage = sys.argv[3]
for path, raw in zip(files, data):
    if stage == "parse":
        ast.parse(raw)
    elif stage == "walk":
        text = raw.decode("utf-8", "replace")
        check_tree(ast.parse(text), Source(str(path), path.name, text, text.splitlines()), standards, ())
    elif stage == "check":
        check_source(raw, str(path), path.relative_to(root).as_posix(), standards, rules)
'''


def instructions(tree: Path, corpus: Path, stage: str, every: int) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         sys.executable, "-c", _STAGE, str(tree), str(corpus), stage, str(every)],
        capture_output=True, text=True, check=True,
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", out.stderr)
    if found is None:
        raise SystemExit(f"valgrind printed no instruction count:\n{out.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--every", type=int, default=8)
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args(argv)
    base = instructions(args.tree, args.corpus, "none", args.every)
    for stage in ("parse", "walk", "check"):
        spent = instructions(args.tree, args.corpus, stage, args.every) - base
        print(f"{stage:6s} {spent / 1e9:6.3f} G instructions", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
