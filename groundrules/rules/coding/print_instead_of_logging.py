"""GR101: ``print()`` where the standards want logging."""

from __future__ import annotations

import ast
import re
from typing import Iterator, Optional, Tuple

from groundrules.rules.context import ENTRY_POINTS
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity

_PRINTERS = frozenset({"print", "pprint.pprint", "pprint.pp"})
#: Modules that read a program's command line, and frameworks whose commands print on purpose.
_ARGUMENT_PARSERS = frozenset({"argparse", "optparse", "getopt", "docopt"})
_COMMAND_FRAMEWORKS = frozenset({"click", "typer", "fire"})


#: Format specs with an exact %-conversion (`.2f`), as the fix writes them.
_NUMBER_SPEC = re.compile(r"^[+ 0#]*\d*(?:\.\d+)?[dfeEgGxXo]$")


def _as_percent_format(node: ast.JoinedStr) -> bool:
    """Every field of the f-string has an exact %-conversion (`{x}`, `{x!r}`, `{x:.2f}`)."""
    for value in node.values:
        if not isinstance(value, ast.FormattedValue):
            continue
        if value.format_spec is None:
            if value.conversion not in (-1, ord("s"), ord("r")):
                return False
            continue
        spec = value.format_spec
        if value.conversion != -1 or not isinstance(spec, ast.JoinedStr) or not (
            len(spec.values) == 1 and isinstance(spec.values[0], ast.Constant)
            and isinstance(spec.values[0].value, str) and _NUMBER_SPEC.match(spec.values[0].value)
        ):
            return False
    return True


def _reads_argv(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Attribute) and node.attr == "argv" and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
        for node in ast.walk(tree)
    )


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

Modules that are a program's
interface (`__main__.py`, a `__main__` block reading the command line, click/typer commands),
prints under `if verbose:`/`if debug:` and in functions named for debugging output (pyparsing's
`_default_success_debug_action`) are not reported: their output is what the program is for.
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
`logger`) is a POLICY fix: output moves from stdout to the logging system (where, unconfigured,
INFO shows nothing), so it only runs with `--unsafe-fixes` or in `handoff`. The rule does not
fire at all where printing is the program's interface: `__main__.py`, modules with a `__main__`
block that read their command line (argparse, optparse, getopt, `sys.argv`: `python -m
pycodestyle` must not go silent), modules defining click/typer commands, prints under
`if verbose:`/`quiet`/`debug` tests, and functions named for debugging output (pyparsing's
debug actions print the trace `set_debug()` asks for; its tests read it from stdout). Calls passing `file=`, `sep=`, `end=`, `flush=` or `*args`, `pprint`
calls, and modules where `logger` or `logging` already name something else are never rewritten
(those findings are not marked fixable). An existing module-level
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
        # A program's interface prints on purpose (pycodestyle: `python -m pycodestyle`).
        "import optparse\n\ndef report(n):\n    print(n, 'errors')\n\n"
        "def _main():\n    optparse.OptionParser().parse_args()\n\nif __name__ == '__main__':\n    _main()\n",
        Example("print('usage')\n", path="pkg/__main__.py"),
        "import click\n\n@click.command()\ndef hello():\n    print('hi')\n",
        "def run(verbose=False):\n    if verbose:\n        print('step 1')\n",
        # A debug trace the caller switched on (pyparsing's `set_debug()`) is printed on purpose.
        "def scan(text, debug=False):\n    for t in text:\n        if debug:\n            print(t)\n",
        "def _default_success_debug_action(expr, toks):\n    print(f'Matched {expr} -> {toks}')\n",
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
        if self._program_interface() or self._under_verbose() or self._debug_output():
            return  # the output is what the program is for
        self.report(node, fixable=self._fixable(node, name), call=name, where=self._where())

    def _where(self) -> str:
        """What applies here: a notebook handed off as a job, an entry point's body, a library."""
        if self.ctx.source.path.endswith(".ipynb") or self.ctx.standards.exploration:
            return "a notebook cell (a job made from it logs, with levels and timestamps)"
        if self.ctx.is_entry_point():
            return "an entry point outside its `__main__` block"
        return "library code"

    _interface: Optional[bool] = None

    def _program_interface(self) -> bool:
        """A module that is a command-line program's interface prints on purpose: a
        `__main__.py`, a module whose `__main__` block runs a program that reads its arguments
        (argparse, optparse, getopt, `sys.argv`), or one defining click/typer commands."""
        if self._interface is None:
            imports = self.ctx.imports.tops
            main = self.ctx.source.rel_path.endswith("__main__.py")
            self._interface = main or bool(imports & _COMMAND_FRAMEWORKS) or (
                self.ctx.has_main_guard and (
                    bool(imports & _ARGUMENT_PARSERS)
                    # the text test first: most modules never mention argv, and the walk is costly
                    or ("argv" in self.ctx.source.text and _reads_argv(self.ctx.tree))
                )
            )
        return self._interface

    def _under_verbose(self) -> bool:
        """Inside `if verbose:` (or `self.verbose`, `options.quiet`...): output the user asked for."""
        for ancestor in self.ctx.ancestors:
            if isinstance(ancestor, ast.If):
                for sub in ast.walk(ancestor.test):
                    word = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else ""
                    if any(w in word.lower() for w in ("verbose", "quiet", "debug")):
                        return True
        return False

    def _debug_output(self) -> bool:
        """In a function named for debugging output (``debug_action``, ``print_debug``): printing is
        what it is called for."""
        function = self.ctx.enclosing_function()
        return function is not None and "debug" in function.name.lower()

    _logger: Optional[int]

    def _fixable(self, node: ast.Call, name: Optional[str]) -> bool:
        if name != "print" or node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return False
        if not all(_as_percent_format(a) for a in node.args if isinstance(a, ast.JoinedStr)):
            return False  # an f-string with no exact %-format: the fix would not write it well
        if not hasattr(self, "_logger"):
            # Only a binding of `logger` or `logging` can stop the fix, and most modules with a
            # print name neither: the walk is skipped for them.
            self._logger = logger_line(self.ctx.tree) if "logg" in self.ctx.source.text else 0
        if self._logger is None:
            return False
        # An existing logger must be bound before a call that runs at import time.
        return not self._logger or node.lineno > self._logger or self.ctx.enclosing_function() is not None
