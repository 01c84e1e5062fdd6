"""GR112: an exception handler that makes the failure vanish."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import List, Optional, Union

from groundrules.rules.context import Context
from groundrules.rules.framework import Rule
from groundrules.rules.spelling import unparse
from groundrules.standards.schema import Category, Severity

_BROAD = frozenset({"Exception", "BaseException"})
#: Method names that log or report, whatever the logger is called (`logger`, `log`, `self.log`).
_LOG_METHODS = frozenset(
    {"exception", "error", "warning", "warn", "info", "debug", "critical", "fatal", "log"}
)
#: Calls that report or end the program, so the failure does not vanish.
_REPORTERS = frozenset(
    {
        "print",
        "warnings.warn",
        "traceback.print_exc",
        "traceback.print_exception",
        "traceback.format_exc",
        "traceback.format_exception",
        "sys.exit",
        "os._exit",
        "exit",
        "quit",
    }
)
_REPORTER_NAMES = frozenset(name.rpartition(".")[2] for name in _REPORTERS)

_Function = Union[ast.FunctionDef, ast.AsyncFunctionDef]


@dataclass
class _Open:
    """A broad handler being walked: does its body log, re-raise or use the exception?"""

    handler: ast.ExceptHandler
    function: Optional[_Function]
    handled: bool = False


def _is_noop(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.Pass, ast.Continue)):
        return True
    # `...` and a lone string (a "docstring" explaining the silence) do nothing either.
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


class SwallowedException(Rule):
    code = "GR112"
    name = "swallowed-exception"
    category = Category.CODING
    severity = Severity.WARNING
    message = "{what}: log it with `logger.exception(...)` and re-raise, or handle it"
    what = """
Finds exception handlers whose body is only `pass`, `...` or `continue`, and broad handlers
(`except Exception`, `except BaseException`, bare `except:`) that neither log, re-raise nor use
the exception they caught.
"""
    why = """
A swallowed exception turns a failure into silence: the job goes on with a missing row, file or
model and ships partial data, and nobody learns why. When ignoring an error is intended, say so
with `contextlib.suppress(KeyError)`; otherwise log it and re-raise (or handle it for real).
"""
    use_instead = """\
import contextlib
import logging

logger = logging.getLogger(__name__)


def load(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        logger.exception("cannot read %s", path)
        raise


def forget(cache: dict, key: str) -> None:
    with contextlib.suppress(KeyError):
        del cache[key]
"""
    fix_safety = """
No automatic fix: whether to log and re-raise, handle the error, or declare the silence with
`contextlib.suppress(...)` is a decision about the program's behaviour (SUGGEST).
"""
    bad = (
        "try:\n    x = compute()\nexcept Exception:\n    pass\n",
        "for row in rows:\n    try:\n        parse(row)\n    except ValueError:\n        continue\n",
        "try:\n    import ujson\nexcept ImportError:\n    ...\n",
        # Broad and silent: returning a default hides every failure.
        "def load(path):\n    try:\n        return read(path)\n    except Exception:\n"
        "        return None\n",
        "try:\n    run()\nexcept (ValueError, Exception) as exc:\n    status = 'failed'\n",
        "try:\n    run()\nexcept:\n    result = None\n",
    )
    good = (
        "import logging\nlogger = logging.getLogger(__name__)\n"
        "try:\n    run()\nexcept Exception:\n    logger.exception('run failed')\n",
        "try:\n    run()\nexcept Exception:\n    cleanup()\n    raise\n",
        # The caught exception is used: recorded, wrapped or returned.
        "def safe(f):\n    try:\n        return f(), None\n    except Exception as exc:\n"
        "        return None, exc\n",
        "try:\n    run()\nexcept Exception as exc:\n    raise RuntimeError('run failed') from exc\n",
        # A narrow handler that does something is fine.
        "try:\n    value = table[key]\nexcept KeyError:\n    value = default\n",
        "import contextlib\nwith contextlib.suppress(KeyError):\n    del cache[key]\n",
        "import sys\ntry:\n    main()\nexcept Exception:\n    sys.exit(1)\n",
        # Any logging call counts, whatever the logger is called.
        "try:\n    run()\nexcept Exception:\n    log.warning('retrying')\n    retry()\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._open: List[_Open] = []

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.body and all(_is_noop(stmt) for stmt in node.body):
            kind = "continue" if any(isinstance(s, ast.Continue) for s in node.body) else "pass"
            self.report(node, what=f"`{self._spelling(node)}` with only `{kind}` swallows it")
            # Already reported; a broad handler need not be judged twice.
            return
        if self._is_broad(node.type):
            self._open.append(_Open(node, self.ctx.enclosing_function()))

    def leave_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if not self._open or self._open[-1].handler is not node:
            return
        state = self._open.pop()
        if not state.handled:
            self.report(
                node, what=f"`{self._spelling(node)}` neither logs nor re-raises what it caught"
            )

    def visit_Raise(self, node: ast.Raise) -> None:
        self._mark_handled()

    def visit_Call(self, node: ast.Call) -> None:
        if not self._open:
            return
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _LOG_METHODS:
            self._mark_handled()
            return
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _REPORTER_NAMES and self.ctx.qualname(func) in _REPORTERS:
            self._mark_handled()

    def visit_Name(self, node: ast.Name) -> None:
        if not self._open or not isinstance(node.ctx, ast.Load):
            return
        function = self.ctx.enclosing_function()
        for state in self._open:
            if state.handler.name == node.id and state.function is function:
                state.handled = True

    def _mark_handled(self) -> None:
        if not self._open:
            return
        function = self.ctx.enclosing_function()
        for state in self._open:
            if state.function is function:
                state.handled = True

    def _is_broad(self, type_: Optional[ast.expr]) -> bool:
        if type_ is None:
            return True
        items = type_.elts if isinstance(type_, ast.Tuple) else [type_]
        return any(self.ctx.qualname(item) in _BROAD for item in items)

    @staticmethod
    def _spelling(node: ast.ExceptHandler) -> str:
        if node.type is None:
            return "except:"
        return f"except {unparse(node.type)}"
