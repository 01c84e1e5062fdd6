"""GR101: ``print()`` where the standards want logging."""

from __future__ import annotations

import ast

from groundrules.rules.context import ENTRY_POINTS
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, Severity

_PRINTERS = frozenset({"print", "pprint.pprint", "pprint.pp"})


class PrintInsteadOfLogging(Rule):
    code = "GR101"
    name = "print-instead-of-logging"
    category = Category.CODING
    severity = Severity.WARNING
    message = "`{call}()` in library code: log with `logger.info(...)` instead"
    what = """
Finds `print(...)` and `pprint.pprint(...)` calls in modules that are not entry points, and in
entry points outside their `if __name__ == "__main__":` block.
"""
    why = """
Standard output has no levels, timestamps or structure, and log shipping in a scheduled job
misses it. A message that matters belongs in the logging system, where operators can filter it.
"""
    use_instead = """\
import logging

logger = logging.getLogger(__name__)


def train(rows: int) -> None:
    logger.info("training on %s rows", rows)
"""
    fix_safety = """
`print(a, b)` -> `logger.info("%s %s", a, b)` (adding `import logging` and a module-level
`logger`) is a POLICY fix: output moves from stdout to the logging system, so it only runs with
`--unsafe-fixes` or in `handoff`. Calls passing `file=`, `sep=`, `end=`, `flush=` or `*args` are
never rewritten.
"""
    options = (ENTRY_POINTS,)
    bad = (
        "def train(rows):\n    print('training on', rows)\n",
        "print('loaded')\n",
        "import pprint\npprint.pprint({'a': 1})\n",
        "from pprint import pprint\npprint([1, 2])\n",
        # An entry point prints freely only inside its __main__ block.
        "def main():\n    print('x')\n\nif __name__ == '__main__':\n    main()\n",
    )
    good = (
        "import logging\nlogger = logging.getLogger(__name__)\nlogger.info('loaded')\n",
        "if __name__ == '__main__':\n    print('done')\n",
        Example("print('usage: tool FILE')\n", path="scripts/tool.py"),
        Example("print('hi')\n", path="pkg/cli.py"),
        # A local function that happens to be called print is not the builtin.
        "def print(*args):\n    return args\n\nprint(1)\n",
        "class Report:\n    def print(self):\n        return 1\n\nReport().print()\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        name = self.ctx.qualname(node.func)
        if name not in _PRINTERS:
            return
        if self.ctx.is_entry_point() and (
            self.ctx.in_main_guard() or self.ctx.path_matches(ENTRY_POINTS)
        ):
            return
        self.report(node, call=name)
