"""GR101: ``print()`` where the standards want logging."""

from __future__ import annotations

import ast
from typing import Iterator, Optional, Tuple

from groundrules.rules.context import ENTRY_POINTS
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity

_PRINTERS = frozenset({"print", "pprint.pprint", "pprint.pp"})


def _bound_names(node: ast.AST) -> Iterator[Tuple[str, ast.AST]]:
    """Every name ``node`` binds, with the node binding it."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        yield node.id, node
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        yield node.name, node
    elif isinstance(node, ast.arg):
        yield node.arg, node
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            yield alias.asname or alias.name.split(".")[0], node
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name, node
    elif isinstance(node, (ast.Global, ast.Nonlocal)):
        for name in node.names:
            yield name, node
    elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        yield node.name, node
    elif isinstance(node, ast.MatchMapping) and node.rest:
        yield node.rest, node


def is_module_logger(node: ast.stmt) -> bool:
    """``logger = logging.getLogger(__name__)``."""
    return (
        isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id == "logger"
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr == "getLogger"
        and isinstance(node.value.func.value, ast.Name)
        and node.value.func.value.id == "logging"
        and len(node.value.args) == 1
        and not node.value.keywords
        and isinstance(node.value.args[0], ast.Name)
        and node.value.args[0].id == "__name__"
    )


def logger_line(tree: ast.Module) -> Optional[int]:
    """Where the fix's ``logger`` is: 0 when the fix will add it, the line of an existing
    module-level ``logger = logging.getLogger(__name__)``, or None when ``logger`` or ``logging``
    is bound to something else (the fix cannot use them)."""
    existing = [s for s in tree.body if is_module_logger(s)]
    for node in ast.walk(tree):
        for name, binder in _bound_names(node):
            if name == "logging" and not (
                isinstance(binder, ast.Import)
                and any(a.name.split(".")[0] == "logging" and a.asname in (None, "logging") for a in binder.names)
            ):
                return None
            if name == "logger" and not (len(existing) == 1 and binder is existing[0].targets[0]):  # type: ignore[attr-defined]
                return None
    return existing[0].lineno if existing else 0


class PrintInsteadOfLogging(Rule):
    code = "GR101"
    name = "print-instead-of-logging"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = "`{call}()` in {where}: log with `logger.info(...)` instead"
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
`--unsafe-fixes` or in `handoff`. Calls passing `file=`, `sep=`, `end=`, `flush=` or `*args`,
`pprint` calls, and modules where `logger` or `logging` already name something else are never
rewritten (those findings are not marked fixable). An existing module-level
`logger = logging.getLogger(__name__)` is reused.
"""
    options = (ENTRY_POINTS,)
    bad = (
        "def train(rows):\n    print('training on', rows)\n",
        "print('loaded')\n",
        "import pprint\npprint.pprint({'a': 1})\n",
        "from pprint import pprint\npprint([1, 2])\n",
        # An entry point prints freely only inside its __main__ block.
        "def main():\n    print('x')\n\nif __name__ == '__main__':\n    main()\n",
        Example(
            '{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],'
            ' "source": "print(42)"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
            path="eda.ipynb",
        ),
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
        self.report(node, fixable=self._fixable(node, name), call=name, where=self._where())

    def _where(self) -> str:
        """What applies here: a notebook handed off as a job, an entry point's body, a library."""
        if self.ctx.source.path.endswith(".ipynb") or self.ctx.standards.exploration:
            return "a notebook cell (a job made from it logs, with levels and timestamps)"
        if self.ctx.is_entry_point():
            return "an entry point outside its `__main__` block"
        return "library code"

    _logger: Optional[int]

    def _fixable(self, node: ast.Call, name: Optional[str]) -> bool:
        if name != "print" or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return False
        if not hasattr(self, "_logger"):
            self._logger = logger_line(self.ctx.tree)
        if self._logger is None:
            return False
        # An existing logger must be bound before a call that runs at import time.
        return not self._logger or node.lineno > self._logger or self.ctx.enclosing_function() is not None
