"""GR108: display and style settings changed at import (``pd.set_option("display.*")``...)."""

from __future__ import annotations

import ast
from typing import Optional

from groundrules.rules.context import literal_string
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity

_NAMES = frozenset(
    {
        "set_option",
        "set_printoptions",
        "set",
        "set_theme",
        "set_style",
        "set_context",
        "set_palette",
        "set_color_codes",
        "use",
    }
)
_PANDAS_SET_OPTION = frozenset({"pandas.set_option", "pandas.options.set_option"})
_OTHERS = frozenset(
    {
        "numpy.set_printoptions",
        "seaborn.set",
        "seaborn.set_theme",
        "seaborn.set_style",
        "seaborn.set_context",
        "seaborn.set_palette",
        "seaborn.set_color_codes",
        "matplotlib.pyplot.style.use",
        "matplotlib.style.use",
    }
)


#: Short forms pandas matches against ``display.*`` keys (``pd.set_option("max_rows", 50)``).
_SHORT_DISPLAY_KEYS = frozenset(
    {
        "max_rows",
        "min_rows",
        "max_columns",
        "max_colwidth",
        "width",
        "precision",
        "float_format",
        "expand_frame_repr",
        "max_seq_items",
        "show_dimensions",
        "colheader_justify",
        "chop_threshold",
        "max_info_columns",
        "large_repr",
        "notebook_repr_html",
    }
)


def _display_key(key: Optional[str]) -> bool:
    if key is None:
        return False
    return key.startswith("display.") or key in _SHORT_DISPLAY_KEYS


class GlobalDisplayOptionMutation(Rule):
    code = "GR108"
    name = "global-display-option-mutation"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = "`{what}` at import changes global display state for every importer: {advice}"
    what = """
Finds, at module level (outside the `if __name__ == "__main__":` block): `pd.set_option("display.*",
...)`, assignments to `pd.options.display.*`, `np.set_printoptions(...)`, seaborn `sns.set*()` and
`plt.style.use(...)`.
"""
    why = """
Importing the module silently changes how every other module prints frames and arrays or styles its
figures. These are notebook presentation settings; in a library they surprise callers and make
output depend on import order.
"""
    use_instead = """\
import pandas as pd


def show(df: pd.DataFrame) -> str:
    with pd.option_context("display.max_columns", 50):
        return df.to_string()
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): display options change what `print(df)`, `repr` and a notebook
show: deleting them changes the program's output (and a notebook's display, which is its
behaviour). With `--unsafe-fixes`:
the pandas `display.*` forms (`pd.set_option("display.*", ...)` as a statement, every key a
display option, and single-target assignments to `pd.options.display.*`), when the values contain
no calls: the statement is deleted, it only affects presentation, and so are the imports it leaves
unused. Other forms, and the NumPy, seaborn and matplotlib calls, have no automatic fix: move them
into the reporting code or use `np.printoptions(...)` / `plt.style.context(...)` as a context
manager.
"""
    options = ()
    requires = frozenset({"pandas", "numpy", "seaborn", "matplotlib"})
    bad = (
        "import pandas as pd\npd.set_option('display.max_columns', None)\n",
        "import pandas as pd\npd.options.display.max_rows = 100\n",
        "import numpy as np\nnp.set_printoptions(precision=3)\n",
        "import seaborn as sns\nsns.set_theme(style='whitegrid')\n",
        "import matplotlib.pyplot as plt\nplt.style.use('ggplot')\n",
        "from pandas import set_option\nset_option('display.width', 200)\n",
        "import pandas as pd\npd.set_option('max_columns', None)\n",
    )
    good = (
        "import pandas as pd\n\ndef show(df):\n    pd.set_option('display.max_rows', 10)\n",
        "import pandas as pd\nwith pd.option_context('display.max_rows', 10):\n    x = 1\n",
        # Not a display option.
        "import pandas as pd\npd.set_option('mode.copy_on_write', True)\n",
        "import pandas as pd\nif __name__ == '__main__':\n    pd.set_option('display.width', 200)\n",
        "import numpy as np\nwith np.printoptions(precision=3):\n    x = 1\n",
        # A local function and a polars-only module.
        "def set_option(k, v):\n    return k\n\nset_option('display.width', 1)\n",
        Example("import polars as pl\npl.Config.set_tbl_rows(20)\n"),
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in _NAMES:
                return
        elif not isinstance(func, ast.Name):
            return
        name = self.ctx.qualname(func)
        if name is None or not self._at_import():
            return
        if name in _PANDAS_SET_OPTION:
            if any(_display_key(literal_string(a)) for a in node.args[::2]):
                parent = self.ctx.parent
                fixable = (
                    isinstance(parent, ast.Expr)
                    and parent.value is node
                    and not node.keywords
                    and len(node.args) % 2 == 0
                    and all(_display_key(literal_string(a)) for a in node.args[::2])
                    and all(_inert(a) for a in node.args[1::2])
                )
                self.report(
                    node,
                    fixable=fixable,
                    what=f"{name}(...)",
                    advice="delete it or use pd.option_context",
                )
        elif name in _OTHERS:
            advice = "move it into the reporting code or use a context manager"
            self.report(node, fixable=False, what=f"{name}(...)", advice=advice)

    def visit_Assign(self, node: ast.Assign) -> None:
        deletable = len(node.targets) == 1 and _inert(node.value)
        for target in node.targets:
            self._check_target(target, deletable)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, _inert(node.value))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, False)

    def _check_target(self, target: ast.expr, deletable: bool) -> None:
        if not isinstance(target, ast.Attribute):
            return
        name: Optional[str] = self.ctx.qualname(target)
        if name is None or not name.startswith("pandas.options.display."):
            return
        if self._at_import():
            self.report(
                target, fixable=deletable, what=name, advice="delete it or use pd.option_context"
            )

    def _at_import(self) -> bool:
        return self.ctx.at_module_level() and not self.ctx.in_main_guard()


def _inert(node: Optional[ast.AST]) -> bool:
    """A value whose evaluation calls nothing: deleting it loses no effect but the option's."""
    pending = [node]  # a worklist: deep expressions (`a + a + ... + a`) are valid code
    while pending:
        item = pending.pop()
        if item is None or isinstance(item, (ast.Call, ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(item, ast.Lambda):
            pending.append(item.args)  # the body runs only when called; the defaults run now
        else:
            pending.extend(ast.iter_child_nodes(item))
    return True
