"""GR116: a debugger call or import left in the code."""

from __future__ import annotations

import ast

from groundrules.rules.context import Context
from groundrules.rules.framework import Example, Rule
from groundrules.rules.imports import call_name
from groundrules.standards.schema import Category, Severity

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
    severity = Severity.ERROR
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
SAFE: the call (when it is a bare statement) and the then-unused import are deleted.
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

    def visit_Call(self, node: ast.Call) -> None:
        name = call_name(node)
        if name is None:
            return
        if name in _CALL_NAMES:
            qualname = self.ctx.qualname(node.func)
            if qualname in _CALLS:
                self.report(node, what=f"`{qualname}()`")
                return
        if self._debugger_imported:
            qualname = self.ctx.qualname(node.func)
            if qualname is not None and qualname.partition(".")[0] in _ANY_CALL_MODULES:
                self.report(node, what=f"`{qualname}()`")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.partition(".")[0] in _MODULES:
                self.report(node, what=f"`import {alias.name}`")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or node.module is None:
            return
        module = node.module
        for alias in node.names:
            if module.partition(".")[0] in _MODULES or (module, alias.name) in _FROM_IMPORTS:
                self.report(node, what=f"`from {module} import {alias.name}`")
                return
