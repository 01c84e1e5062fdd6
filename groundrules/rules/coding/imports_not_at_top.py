"""GR120: module-level imports scattered below code (typically one per notebook cell)."""

from __future__ import annotations

import ast
import json
from typing import Dict, List, Optional, Set, Union

from groundrules.rules.context import SCOPE_NODES, Context, is_main_guard
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity

_Import = Union[ast.Import, ast.ImportFrom]

#: Names whose use between the import block and an import may change what the import does.
_IMPORT_STATE = (
    "sys.path",
    "sys.modules",
    "sys.meta_path",
    "sys.path_hooks",
    "sys.setrecursionlimit",
    "os.environ",
    "os.putenv",
    "os.unsetenv",
    "os.chdir",
    "matplotlib.use",
    "matplotlib.rcParams",
    "site",
    "importlib",
    "builtins",
    "warnings",
)
#: Calls that may install or change packages (``!pip install x`` reads as
#: ``get_ipython().system(...)``): an import after one must stay after it.
_INSTALLING_CALLS = ("subprocess", "os.system", "os.popen", "os.spawn", "os.exec", "os.posix_spawn", "pip.main",
                     "pip._internal.main", "pip._internal.cli.main.main")
_IMPORT_DUNDERS = frozenset({"__path__", "__package__", "__spec__", "__builtins__", "__import__"})


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def contains_import(stmt: ast.stmt) -> bool:
    """``stmt`` is an import or holds one in a nested body (imports are statements, so the walk
    never enters expressions: this runs for every top-level statement of a file)."""
    stack = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            return True
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, field, None) or ():
                if isinstance(child, ast.stmt):
                    stack.append(child)
                elif isinstance(child, (ast.ExceptHandler, ast.match_case)):
                    stack.extend(child.body)
    return False


def hoist_destination(body: List[ast.stmt], before: int) -> int:
    """Where hoisted imports go: after the last statement holding an import above ``before``, else
    after the docstring. The fix computes the same place from the same rule."""
    for index in range(before - 1, -1, -1):
        if contains_import(body[index]):
            return index + 1
    first = body[0] if body else None
    docstring = (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    )
    return 1 if docstring and before > 0 else 0

#: Calls that must run before some imports, so they do not end the import block (as in ruff's
#: E402): import-path and environment set-up, backend selection, warning filters, skips.
_SETUP_CALLS = frozenset(
    {
        "sys.path.append",
        "sys.path.insert",
        "sys.path.extend",
        "site.addsitedir",
        "os.environ.setdefault",
        "os.environ.update",
        "os.putenv",
        "matplotlib.use",
        "pytest.importorskip",
        "warnings.filterwarnings",
        "warnings.simplefilter",
        "faulthandler.enable",
    }
)


def _notebook(*cells: str) -> str:
    """A notebook of code cells, for the examples."""
    return json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                   "source": text} for text in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    })


_MAGIC_METHODS = frozenset({"run_line_magic", "run_cell_magic", "system", "magic"})


def _is_magic(call: ast.Call) -> bool:
    """``get_ipython().run_line_magic(...)``: what a notebook's magic line becomes."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in _MAGIC_METHODS
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "get_ipython"
    )
def _is_guard(stmt: ast.stmt) -> bool:
    """An `assert`, a `raise`, or a statement holding a `raise` or an exit call outside a
    function or class body (a module guard such as `if sys.platform != "win32": raise ...`)."""
    if isinstance(stmt, (ast.Assert, ast.Raise)):
        return True
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    stack: List[ast.AST] = list(ast.iter_child_nodes(stmt))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Assert, ast.Raise)):
            return True
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("exit", "_exit", "abort"):
                return True
        stack.extend(ast.iter_child_nodes(node))
    return False


def _binds(stmt: ast.stmt) -> bool:
    """A definition or assignment at module level (a name an importer's import may read)."""
    return not isinstance(stmt, (ast.Import, ast.ImportFrom, ast.Expr, ast.Pass))


class ImportsNotAtTop(Rule):
    code = "GR120"
    name = "imports-not-at-top"
    category = Category.CODING
    severity = Severity.WARNING
    message = "import below code ({first} is the first statement that is not an import): {fix}"
    what = """
Finds module-level imports that come after the first statement that is not an import, as left
behind when each notebook cell imports what it needs. A module docstring, `from __future__`,
dunder assignments (`__all__`, `__version__`), `if`/`try` blocks holding only imports (optional
dependencies, `TYPE_CHECKING`), and set-up that must precede imports (`sys.path` and `os.environ`
changes, `matplotlib.use(...)`, warning filters) do not end the import block. Imports inside
functions, classes and the `__main__` block are not module-level and are not checked.
"""
    why = """
Imports scattered through a module hide its dependencies, and the module's behaviour starts to
depend on the order its cells were run in.
"""
    use_instead = """\
import numpy as np
import pandas as pd

frame = pd.DataFrame({"x": [1, 2]})
values = np.asarray(frame["x"])
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): importing runs the imported module, which may read names
back from the module importing it (a circular import, such as toolz's deliberate bottom-of-module
`from . import curried`) or fail where a guard above it would have failed first with a clearer
error (`assert sys.platform == "win32"`, mypy's PyPy `sys.exit(2)` check); hoisting it above any
statement changes that order. The only statements an import can be hoisted over without that
risk are imports, docstrings and `from __future__`, and those do not end the import block, so
no hoist is in the safe tier.
With `--unsafe-fixes` the import is hoisted into the import block (after its last import), in
order, when it is unconditional (not in a `try` or `if`), alone on its line without a trailing
comment (a pragma such as `# noqa: E402` may pin it), not a star import, no statement it jumps
over mentions the name it binds, and none of them touches `sys.path`, `sys.modules`,
`os.environ`, `os.chdir`, `matplotlib.use`, `importlib` or warning filters, calls anything that
may install packages (`get_ipython()`, `subprocess`, `os.system`, `pip.main`), or is a guard
(`assert`, `raise`, an `if` that raises or exits, `sys.exit(...)`). A relative import, or one of
the module's own package, is not hoisted over a definition or assignment (the circular-import
case). An import that must stay keeps every later one in place. Otherwise the message only
suggests the move.
"""
    fix = FixClass.UNSAFE
    bad = (
        "import pandas as pd\ndf = pd.DataFrame()\nimport numpy as np\n",
        Example(_notebook("%matplotlib inline\nx = 1", "import json"), path="eda.ipynb"),
        "x = 1\nfrom pathlib import Path\n",
        "import os\n\nprint(os.getcwd())\n\n# %%\nimport json\n\n# %%\nfrom typing import List\n",
        "import os\nDATA = os.environ['DATA']\ntry:\n    import ujson as json\n"
        "except ImportError:\n    import json\n",
        "def load():\n    return 1\n\nimport sys\n",
    )
    good = (
        '"""Docstring."""\nfrom __future__ import annotations\n\n__all__ = ["f"]\n'
        "__version__ = '1.0'\nimport os\n",
        "import sys\nsys.path.insert(0, 'src')\nimport project\n",
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n",
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy\nx = 1\n",
        # Imports inside functions, classes and the main block are not module-level.
        "x = 1\ndef f():\n    import json\n    return json\n",
        "x = 1\nif __name__ == '__main__':\n    import argparse\n",
        "import os\nos.environ['TZ'] = 'UTC'\nimport time\n",
        # A magic configures the session (or installs what the imports need): not code above.
        Example(_notebook("%matplotlib inline", "!pip install seaborn\nimport seaborn as sns"),
                path="eda.ipynb"),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: The first top-level statement that ends the import block, if any.
        self._first: Optional[ast.stmt] = None
        self._index: Dict[int, int] = {}
        #: Imports the fix may hoist (by id).
        self._hoistable: Set[int] = set()
        self._planned = False
        self._body: List[ast.stmt] = []

    def visit_Module(self, node: ast.Module) -> None:
        body = node.body
        for index, stmt in enumerate(body):
            self._index[id(stmt)] = index
            if self._first is None and not self._allowed(stmt, index == 0):
                self._first = stmt
        self._body = body

    def _plan(self, body: List[ast.stmt], first: int) -> None:
        """Mark the imports below ``first`` that hoisting cannot change, in order, stopping at the
        first import that must stay (later ones would jump over it).  Run only for files that
        have a late import: most files have none and should not pay for the walk."""
        destination = hoist_destination(body, first)
        mentioned: Set[str] = set()
        for stmt in body[destination:first]:
            if self._summarise(stmt, mentioned):
                return  # state the imports depend on: none of them may move above it
        holding = [index for index in range(first, len(body)) if contains_import(body[index])]
        # Nothing after the last import can stop a hoist: it is not summarised.
        for index in range(first, holding[-1] + 1 if holding else first):
            stmt = body[index]
            if not contains_import(stmt):
                if self._summarise(stmt, mentioned):
                    return
                continue
            if not self._can_hoist(body, index, mentioned):
                return
            self._hoistable.add(id(stmt))

    def _summarise(self, stmt: ast.stmt, mentioned: Set[str]) -> bool:
        """Add the names ``stmt`` mentions to ``mentioned``; True when it touches state that
        imports depend on or is a guard (an import hoisted above a guard would fail, or succeed,
        before it), after which nothing below it is hoisted and its names no longer matter."""
        if _is_guard(stmt):
            return True
        stack: List[ast.AST] = [stmt]
        while stack:
            sub = stack.pop()
            if isinstance(sub, ast.Name):
                mentioned.add(sub.id)
                if self._import_state(sub):
                    return True
                continue
            if isinstance(sub, ast.Attribute):
                if self._import_state(sub):
                    return True
                # The attributes inside spell prefixes of this name, which match no state if
                # this one does not: only the chain's base remains to be looked at.
                base = sub.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                stack.append(base)
                continue
            if isinstance(sub, _DEFINITIONS):
                mentioned.add(sub.name)
            elif isinstance(sub, ast.arg):
                mentioned.add(sub.arg)
            elif isinstance(sub, (ast.Global, ast.Nonlocal)):
                mentioned.update(sub.names)
            elif isinstance(sub, ast.Call) and self._installs(sub):
                return True
            stack.extend(ast.iter_child_nodes(sub))
        return False

    def _import_state(self, node: ast.AST) -> bool:
        qualname = self.ctx.qualname(node)
        return qualname is not None and any(qualname == p or qualname.startswith(p + ".") for p in _IMPORT_STATE)

    def _installs(self, call: ast.Call) -> bool:
        """A call that may install packages or run other programs: any ``get_ipython()`` call
        (a magic or shell escape such as ``!pip install x``), ``subprocess``, ``os.system``, ``pip.main``."""
        func = call.func
        if isinstance(func, ast.Name) and func.id == "get_ipython":
            return True
        qualname = self.ctx.qualname(func)
        if qualname is None:
            return False
        return any(
            qualname == p or qualname.startswith(p + ".") or (p in ("os.spawn", "os.exec") and qualname.startswith(p))
            for p in _INSTALLING_CALLS
        )

    def _can_hoist(self, body: List[ast.stmt], index: int, mentioned: Set[str]) -> bool:
        stmt = body[index]
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)) or stmt.col_offset != 0:
            return False
        if isinstance(stmt, ast.ImportFrom) and (
            stmt.module == "__future__" or any(a.name == "*" for a in stmt.names)
        ):
            return False
        end = stmt.end_lineno or stmt.lineno
        if (index > 0 and (body[index - 1].end_lineno or 0) >= stmt.lineno) or (
            index + 1 < len(body) and body[index + 1].lineno <= end
        ):
            return False  # shares its line with another statement
        line = self.ctx.source.lines[end - 1] if 0 < end <= len(self.ctx.source.lines) else ""
        if "#" in line.encode("utf-8")[stmt.end_col_offset or 0 :].decode("utf-8", "ignore"):
            return False  # a pragma such as `# noqa: E402` or `# isort: skip` may pin it there
        names = {(a.asname or a.name).partition(".")[0] for a in stmt.names}
        if self._own_package(stmt) and any(_binds(s) for s in body[hoist_destination(body, index):index]):
            return False  # the imported module may read those bindings back (a circular import)
        return not (mentioned & (names | _IMPORT_DUNDERS))

    def _own_package(self, stmt: Union[ast.Import, ast.ImportFrom]) -> bool:
        """A relative import, or an import of the package this module belongs to."""
        if isinstance(stmt, ast.ImportFrom) and stmt.level:
            return True
        own = (self.ctx.source.module or "").partition(".")[0]
        if not own:
            return False
        modules = [stmt.module or ""] if isinstance(stmt, ast.ImportFrom) else [a.name for a in stmt.names]
        return any(m.partition(".")[0] == own for m in modules)

    def visit_Import(self, node: ast.Import) -> None:
        self._check(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        self._check(node)

    def _check(self, node: _Import) -> None:
        first = self._first
        if first is None:
            return
        ancestors = self.ctx.ancestors
        top: ast.AST = node if len(ancestors) == 1 else ancestors[1]
        index = self._index.get(id(top))
        if index is None or index <= self._index[id(first)]:
            return
        for ancestor in ancestors[1:]:
            if isinstance(ancestor, SCOPE_NODES):
                return
            if isinstance(ancestor, ast.If) and is_main_guard(ancestor):
                return
        if not self._planned:
            self._planned = True
            self._plan(self._body, self._index[id(first)])
        conditional = top is not node
        fix = (
            "move it into the import block at the top (it is conditional: move the whole block)"
            if conditional
            else "move it into the import block at the top"
        )
        where = self.ctx.source.where(first.lineno)
        self.report(node, fixable=id(node) in self._hoistable, first=where, fix=fix)

    # -- what may precede imports ---------------------------------------------------------
    def _allowed(self, stmt: ast.stmt, is_first: bool) -> bool:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return True
        if is_first and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return isinstance(stmt.value.value, str)  # the module docstring
        if self._is_dunder_assignment(stmt) or self._is_setup(stmt):
            return True
        if isinstance(stmt, (ast.If, ast.Try)) and not (
            isinstance(stmt, ast.If) and is_main_guard(stmt)
        ):
            return self._import_block(stmt)
        return False

    def _import_block(self, stmt: Union[ast.If, ast.Try]) -> bool:
        """An `if`/`try` holding imports and only the statements that go with optional ones."""
        bodies: List[List[ast.stmt]] = [stmt.body, stmt.orelse]
        if isinstance(stmt, ast.Try):
            bodies.append(stmt.finalbody)
            bodies.extend(handler.body for handler in stmt.handlers)
        has_import = False
        for body in bodies:
            for inner in body:
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    has_import = True
                elif isinstance(inner, (ast.If, ast.Try)):
                    if not self._import_block(inner):
                        return False
                    has_import = True
                elif isinstance(inner, (ast.Pass, ast.Raise, ast.Assign, ast.AnnAssign)):
                    continue  # `HAS_X = False`, `x = None`, `raise ImportError(...)`
                elif isinstance(inner, ast.Expr) and (
                    isinstance(inner.value, ast.Constant) or self._is_setup(inner)
                ):
                    continue
                else:
                    return False
        return has_import

    @staticmethod
    def _is_dunder_assignment(stmt: ast.stmt) -> bool:
        targets: List[ast.expr] = []
        if isinstance(stmt, ast.Assign):
            targets = list(stmt.targets)
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            targets = [stmt.target]
        return bool(targets) and all(
            isinstance(t, ast.Name) and t.id.startswith("__") and t.id.endswith("__")
            for t in targets
        )

    def _is_setup(self, stmt: ast.stmt) -> bool:
        qualname = self.ctx.qualname
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            # A magic or shell escape (`%matplotlib inline`, `%load_ext`, `!pip install x`)
            # configures the session or installs what the imports below need.
            return qualname(stmt.value.func) in _SETUP_CALLS or _is_magic(stmt.value)
        if isinstance(stmt, ast.Assign):
            if isinstance(stmt.value, ast.Call) and qualname(stmt.value.func) in _SETUP_CALLS:
                return True  # `np = pytest.importorskip("numpy")`
            return all(self._is_environ_target(t) for t in stmt.targets)
        if isinstance(stmt, ast.AugAssign):
            return qualname(stmt.target) == "sys.path"
        return False

    def _is_environ_target(self, target: ast.expr) -> bool:
        if isinstance(target, ast.Subscript):
            return self.ctx.qualname(target.value) in ("os.environ", "sys.path")
        return False
