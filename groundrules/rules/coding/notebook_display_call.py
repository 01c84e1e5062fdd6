"""GR104: notebook-only display calls and imports (``display()``, ``IPython``, Colab, ``tqdm.notebook``)."""

from __future__ import annotations

import ast
from typing import Optional

from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity

#: IPython imports that GR116 (debugger-leftover) reports instead.
_DEBUGGER_MODULES = ("IPython.core.debugger", "IPython.terminal.debugger")
_DEBUGGER_NAMES = frozenset({"embed", "set_trace"})
_COLAB_CALLS = frozenset({"google.colab.drive.mount", "google.colab.drive.flush_and_unmount"})


def _notebook_module(module: str) -> Optional[str]:
    """The notebook-only family ``module`` belongs to, if any."""
    if module == "IPython" or module.startswith("IPython."):
        if module.startswith(_DEBUGGER_MODULES):
            return None
        return "IPython"
    if module == "google.colab" or module.startswith("google.colab."):
        return "Colab"
    if module == "tqdm.notebook" or module.startswith("tqdm.notebook."):
        return "Jupyter widgets"
    return None


class NotebookDisplayCall(Rule):
    code = "GR104"
    name = "notebook-display-call"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = "{what} makes {family} a runtime dependency and does nothing headless: {advice}"
    what = """
Finds `display(...)` (the name IPython injects, or imported from `IPython.display`), other
`IPython.display.*` calls (`HTML`, `Markdown`, `Image`...), imports from `IPython`,
`from google.colab import ...` and `drive.mount(...)`, and imports of `tqdm.notebook`.

Imports inside a `try:` whose handler catches `ImportError` are optional and not reported; the
IPython debugger imports are left to GR116.
"""
    why = """
These only make sense in a running notebook: in a scheduled job or a library they pull IPython or
Colab into the runtime dependencies, fail where they are missing and display nothing anyway.
"""
    use_instead = """\
import logging

import pandas as pd
from tqdm.auto import tqdm

logger = logging.getLogger(__name__)


def summarise(df: pd.DataFrame) -> None:
    for _ in tqdm(range(3)):
        pass
    logger.info("summary:\\n%s", df.describe())
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): `display(...)` is output: in a notebook it shows the value,
outside one IPython's `display` prints its repr; deleting it changes what the program shows. In
notebooks this is `handoff`'s work. With `--unsafe-fixes`:
a `display(...)` call that is a bare expression statement (`display(df)`) is deleted, with
its imports once unused. Other calls (`HTML(...)`, `drive.mount(...)`), a `display(...)` whose value
is used, and the imports themselves have no automatic fix: the message says what to use instead.
"""
    options = ()
    bad = (
        "import pandas as pd\ndf = pd.DataFrame()\ndisplay(df)\n",
        "from IPython.display import display, HTML\ndisplay(HTML('<b>x</b>'))\n",
        "from google.colab import drive\ndrive.mount('/content/drive')\n",
        "from tqdm.notebook import tqdm\n",
        "import IPython\n",
        "import IPython.display\nIPython.display.Markdown('# x')\n",
    )
    good = (
        "from tqdm.auto import tqdm\nfor i in tqdm(range(3)):\n    pass\n",
        # A local function named display, and a method called display.
        "def display(x):\n    return str(x)\n\ndisplay(1)\n",
        "class Shop:\n    def display(self):\n        return 1\n\nShop().display()\n",
        # Optional import guarded for environments without IPython.
        "try:\n    from IPython.display import display\nexcept ImportError:\n    display = None\n",
        # Debugger leftovers are GR116's.
        "from IPython.core.debugger import set_trace\n",
        "import google.cloud.storage\nfrom tqdm import tqdm\n",
        Example("def show(display):\n    display(1)\n"),
    )

    # -- imports ---------------------------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            family = _notebook_module(alias.name)
            if family is not None and not self._optional_import():
                self.report(
                    node,
                    fixable=False,
                    what=f"`import {alias.name}`",
                    family=family,
                    advice=_advice(family),
                )
                return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module:
            return
        module = node.module
        family = _notebook_module(module)
        if family is None and module == "tqdm":
            if any(alias.name == "notebook" for alias in node.names):
                family = "Jupyter widgets"
        if family is None:
            return
        if module == "IPython" and all(a.name in _DEBUGGER_NAMES for a in node.names):
            return
        if self._optional_import():
            return
        self.report(
            node,
            fixable=False,
            what=f"`from {module} import ...`",
            family=family,
            advice=_advice(family),
        )

    def _optional_import(self) -> bool:
        for ancestor in self.ctx.ancestors:
            if isinstance(ancestor, ast.Try):
                for handler in ancestor.handlers:
                    caught = handler.type
                    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
                    for name in names:
                        if name is None or self.ctx.qualname(name) in (
                            "ImportError",
                            "ModuleNotFoundError",
                            "Exception",
                        ):
                            return True
        return False

    # -- calls -----------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            if func.id == "display" and self._injected_display(func):
                self.report(
                    node,
                    fixable=self._statement(node),
                    what="`display(...)`",
                    family="IPython",
                    advice=_advice("IPython"),
                )
                return
        elif not isinstance(func, ast.Attribute):
            return
        name = self.ctx.qualname(func)
        if name is None:
            return
        if name.startswith("IPython.display."):
            short = name.rsplit(".", 1)[1]
            self.report(
                node,
                fixable=short == "display" and self._statement(node),
                what=f"`{short}(...)`",
                family="IPython",
                advice=_advice("IPython"),
            )
        elif name in _COLAB_CALLS:
            self.report(
                node, fixable=False, what="`drive.mount(...)`", family="Colab", advice=_advice("Colab")
            )

    def _statement(self, node: ast.Call) -> bool:
        """The call is a whole expression statement (so deleting it drops no value)."""
        parent = self.ctx.parent
        return isinstance(parent, ast.Expr) and parent.value is node

    def _injected_display(self, func: ast.Name) -> bool:
        """``display`` neither imported nor bound in the module nor a parameter of a function."""
        imports = self.ctx.imports
        if "display" in imports.aliases:
            return False  # imported: qualname decides
        if "display" in imports.local:
            return False
        for ancestor in self.ctx.ancestors:
            args = getattr(ancestor, "args", None)
            if isinstance(args, ast.arguments):
                every = args.posonlyargs + args.args + args.kwonlyargs
                every += [a for a in (args.vararg, args.kwarg) if a is not None]
                if any(a.arg == "display" for a in every):
                    return False
        return True


def _advice(family: str) -> str:
    if family == "Colab":
        return "read data through configured paths or the data-access layer"
    if family == "Jupyter widgets":
        return "use `tqdm.auto` or plain `tqdm`"
    return "log what you need to see, or move it into a notebook"
