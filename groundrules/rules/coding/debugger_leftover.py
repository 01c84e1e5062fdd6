"""GR116: a debugger call or import left in the code."""

from __future__ import annotations

import ast
import re
from typing import Optional

from groundrules.rules.context import FUNCTION_NODES, Context
from groundrules.rules.framework import Example, Rule
from groundrules.rules.imports import call_name
from groundrules.standards.schema import Category, FixClass, Severity

#: Calls that stop the program for an interactive session.
_CALLS = frozenset(
    {
        "breakpoint",
        "pdb.set_trace",
        "pdb.post_mortem",
        "pdb.pm",
        "pdb.Pdb",
        "pudb.set_trace",
        "pudb.post_mortem",
        "IPython.embed",
        "IPython.terminal.embed.embed",
        "IPython.terminal.embed.InteractiveShellEmbed",
        "IPython.core.debugger.set_trace",
        "IPython.core.debugger.Pdb",
        "IPython.terminal.debugger.set_trace",
        "celery.contrib.rdb.set_trace",
        "debugpy.breakpoint",
        "debugpy.wait_for_client",
        "ptvsd.break_into_debugger",
        "ptvsd.wait_for_attach",
        "sys.breakpointhook",
    }
)
_CALL_NAMES = frozenset(name.rpartition(".")[2] for name in _CALLS)
#: Calls the fix deletes when they are a whole statement whose arguments have no side effects.
_DELETABLE = frozenset(
    {
        "breakpoint",
        "pdb.set_trace",
        "ipdb.set_trace",
        "pudb.set_trace",
        "IPython.embed",
        "IPython.terminal.embed.embed",
        "IPython.core.debugger.set_trace",
        "IPython.terminal.debugger.set_trace",
    }
)
#: Function names that say the function starts a debugger on purpose (pyparsing's `set_break`,
#: boltons' `pdb_on_signal`): the debugger call inside is its job, not a leftover.
_DEBUGGING_NAME = re.compile(r"break|pdb|debug|trace|embed|shell|post_?mortem|inspect", re.IGNORECASE)
#: Debugger modules: importing them at all is a leftover.
_MODULES = frozenset({"pdb", "ipdb", "pudb"})
_ANY_CALL_MODULES = frozenset({"ipdb", "pudb"})
#: `from X import Y` imports of a debugger entry point.
_FROM_IMPORTS = frozenset(
    {
        ("IPython", "embed"),
        ("IPython.core.debugger", "set_trace"),
        ("IPython.core.debugger", "Pdb"),
        ("IPython.terminal.debugger", "set_trace"),
        ("IPython.terminal.embed", "embed"),
        ("IPython.terminal.embed", "InteractiveShellEmbed"),
        ("celery.contrib.rdb", "set_trace"),
    }
)


class DebuggerLeftover(Rule):
    code = "GR116"
    name = "debugger-leftover"
    category = Category.CODING
    severity = Severity.WARNING
    #: Every debugger it knows is spelled with one of these (`ipdb` holds `pdb`; the `IPython`
    #: and `celery` entry points are imported from their packages by name).
    text_gate = frozenset({"breakpoint", "pdb", "pudb", "IPython", "celery", "debugpy", "ptvsd"})
    fix = FixClass.UNSAFE
    message = "debugger leftover {what}: delete it before committing"
    what = """
Finds `breakpoint()`, `pdb.set_trace()` and other `pdb`/`ipdb`/`pudb` calls, `IPython.embed()`,
IPython's `set_trace`, remote debuggers (`celery.contrib.rdb`, `debugpy`), and imports of `pdb`,
`ipdb`, `pudb` or of IPython's debugger entry points.
"""
    why = """
A debugger call waits for a human at a prompt: a scheduled job or CI run hangs until it times out.
"""
    use_instead = """\
import logging

logger = logging.getLogger(__name__)


def train(rows: int) -> None:
    logger.debug("training on %s rows", rows)
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): a debugger call is behaviour. Deleting `breakpoint()` drops
the `PYTHONBREAKPOINT` hook and the prompt a developer relies on; libraries start the debugger on
purpose (pyparsing's `ParserElement.set_break`, boltons' `pdb_on_signal`). So the deletion is
never applied by the safe tier. With `--unsafe-fixes`: a `breakpoint()`, `pdb.set_trace()`,
`ipdb.set_trace()`, `pudb.set_trace()`, `IPython.embed()` or IPython `set_trace()` call that is a
whole statement, with arguments that are only names, attributes and literals, is deleted, with its
import once unused; `import pdb` is deleted when nothing else uses `pdb`. No fix at all inside a
function whose name says it starts a debugger (`set_break`, `pdb_on_signal`, `debug_shell`: the
call is its purpose), nor for other debugger calls (`post_mortem`, `Pdb(...)`, remote debuggers),
calls whose value is used, and imports left without a deleted call.
"""
    bad = (
        "def f(x):\n    breakpoint()\n    return x\n",
        "import pdb\npdb.set_trace()\n",
        "import ipdb\nipdb.set_trace()\n",
        "from IPython.core.debugger import set_trace\nset_trace()\n",
        "import IPython\nIPython.embed()\n",
        "from IPython import embed\n",
    )
    good = (
        # Local functions named like a debugger.
        "def breakpoint():\n    return None\n\nbreakpoint()\n",
        "def set_trace():\n    return None\n\nset_trace()\n",
        "class Tracer:\n    def set_trace(self):\n        return 1\n\nTracer().set_trace()\n",
        # IPython's display helpers are not debuggers (GR104 covers them).
        "from IPython.display import display\n",
        "import logging\nlogging.getLogger(__name__).debug('x')\n",
        Example("import sys\nsys.settrace(None)\n", path="src/x.py"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: Any call into these modules is a debugger call.
        self._debugger_imported = bool(ctx.imports.tops & _ANY_CALL_MODULES)
        self._pdb_only_set_trace: Optional[bool] = None  # computed at the first `import pdb`

    def visit_Call(self, node: ast.Call) -> None:
        name = call_name(node)
        if name is None:
            return
        if name in _CALL_NAMES:
            qualname = self.ctx.qualname(node.func)
            if qualname is not None and qualname in _CALLS:
                self.report(node, fixable=self._deletable(node, qualname), what=f"`{qualname}()`")
                return
        if self._debugger_imported:
            qualname = self.ctx.qualname(node.func)
            if qualname is not None and qualname.partition(".")[0] in _ANY_CALL_MODULES:
                self.report(node, fixable=self._deletable(node, qualname), what=f"`{qualname}()`")

    def _deletable(self, node: ast.Call, qualname: str) -> bool:
        """A whole-statement call of a deletable debugger entry point whose arguments are
        names, attributes and literals (deleting it deletes no other effect), outside a helper
        whose job is to start the debugger."""
        parent = self.ctx.parent
        if not (isinstance(parent, ast.Expr) and parent.value is node) or qualname not in _DELETABLE:
            return False
        if self._in_debugging_helper():
            return False
        arguments = [*node.args, *(kw.value for kw in node.keywords)]
        return all(
            isinstance(sub, (ast.Name, ast.Attribute, ast.Constant, ast.Load, ast.Tuple, ast.Starred))
            for arg in arguments
            for sub in ast.walk(arg)
        )

    def _in_debugging_helper(self) -> bool:
        """Inside a function named for starting a debugger: the call is what it is for."""
        return any(
            isinstance(a, FUNCTION_NODES) and _DEBUGGING_NAME.search(a.name) is not None
            for a in self.ctx.ancestors
        )

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.partition(".")[0] in _MODULES:
                fixable = len(node.names) == 1 and alias.name == "pdb" and alias.asname is None
                fixable = fixable and not self._in_debugging_helper()
                if fixable and self._pdb_only_set_trace is None:
                    self._pdb_only_set_trace = _pdb_only_in_set_trace_statements(self.ctx.tree)
                fixable = fixable and bool(self._pdb_only_set_trace)
                self.report(node, fixable=fixable, what=f"`import {alias.name}`")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or node.module is None:
            return
        module = node.module
        for alias in node.names:
            if module.partition(".")[0] in _MODULES or (module, alias.name) in _FROM_IMPORTS:
                self.report(node, fixable=False, what=f"`from {module} import {alias.name}`")
                return


def _pdb_only_in_set_trace_statements(tree: ast.Module) -> bool:
    """Every use of the name ``pdb`` is a whole-statement ``pdb.set_trace(...)`` call."""
    deletable = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "set_trace"
                and isinstance(func.value, ast.Name)
            ):
                deletable.add(id(func.value))
    return all(
        id(node) in deletable
        for node in ast.walk(tree)
        if isinstance(node, ast.Name) and node.id == "pdb"
    )
