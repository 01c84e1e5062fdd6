"""Where a cold ``check`` spends its time, per stage, on one process (the profile behind the
cold-check row of benchmarks/RESULTS.md).

    python benchmarks/check_breakdown.py DIR

Stages, each timed over every ``.py`` file of DIR (CPU seconds of this one process):
- read: the bytes;
- parse: ``ast.parse``, which every checker on ``ast`` pays (flake8 pays it too, plus tokenizing);
- walk: the engine's one shared walk with no rule enabled (the per-node bookkeeping: ancestors,
  scopes, pandas bindings);
- check: ``check_source`` with the default standards, everything included.
The rules' own share is check - parse - walk.
"""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path
from typing import Callable, List


def main(argv: List[str]) -> int:
    from groundrules.rules.engine import check_source, check_tree
    from groundrules.rules.context import Source
    from groundrules.rules.registry import all_rules, catalog
    from groundrules.standards.loader import load_standards

    root = Path(argv[0]).resolve()
    files = sorted(root.rglob("*.py"))
    data = [path.read_bytes() for path in files]
    standards = load_standards(None, catalog(), root).resolve(root / "x.py", catalog(), ())
    rules = all_rules()

    def timed(name: str, work: Callable[[], None]) -> float:
        start = time.process_time()
        work()
        seconds = time.process_time() - start
        print(f"{name:10s} {seconds:7.2f} s", flush=True)
        return seconds

    texts = [raw.decode("utf-8", "replace") for raw in data]
    timed("read", lambda: [path.read_bytes() for path in files])
    # Each tree is dropped before the next parse, as in a check: keeping 700 trees alive makes
    # the cyclic garbage collector walk them all, again and again, and triples the parse time.
    def parse_each() -> None:
        for text in texts:
            ast.parse(text)

    parse = timed("parse", parse_each)

    def walk() -> None:
        for path, text in zip(files, texts):
            source = Source(str(path), path.relative_to(root).as_posix(), text, text.splitlines())
            check_tree(ast.parse(text), source, standards, ())

    walked = timed("parse+walk", walk) - parse

    def check() -> None:
        for path, raw in zip(files, data):
            check_source(raw, str(path), path.relative_to(root).as_posix(), standards, rules)

    total = timed("check", check)
    print(f"{len(files)} files; parse {parse / total:.0%}, walk {walked / total:.0%}, "
          f"rules {(total - parse - walked) / total:.0%} of a check")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
