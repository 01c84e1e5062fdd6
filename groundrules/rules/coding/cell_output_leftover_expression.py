"""GR105: module-level expressions left over from notebook cell outputs (``df.head()``, ``df``)."""

from __future__ import annotations

import ast
from typing import Optional

from groundrules.rules.framework import Example, Rule
from groundrules.rules.spelling import unparse
from groundrules.standards.schema import Category, FixClass, Severity

_PURE = (ast.Name, ast.Attribute, ast.Subscript, ast.Compare)
#: DataFrame/Series methods whose only use as a statement is to show their result in a cell.
_INSPECTIONS = frozenset(
    {"head", "tail", "describe", "sample", "value_counts", "nunique", "corr"}
)
_NULL_CHECKS = frozenset({"isnull", "isna"})


class CellOutputLeftoverExpression(Rule):
    code = "GR105"
    name = "cell-output-leftover-expression"
    category = Category.CODING
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = "`{expr}` is computed and discarded (a leftover cell output): {advice}"
    what = """
Finds module-level expression statements whose value is thrown away: a bare name, attribute,
subscript or comparison (`df`, `df.shape`, `df["age"]`, `x == 1`), and, in modules importing pandas,
discarded inspection calls: `.head()`, `.tail()`, `.describe()`, `.sample()`, `.value_counts()`,
`.nunique()`, `.corr()`, `.isnull().sum()`/`.isna().sum()`, and `.info()` on a proven frame.

A bare name or attribute directly in a `try:` body is an existence probe and not reported.
"""
    why = """
In a notebook the last expression of a cell is displayed; in a script or module it is computed and
thrown away. It costs time (a `describe()` or `corr()` on a large frame is not free) and hides
what the code actually does. A discarded comparison is often a typo for an assignment.
"""
    use_instead = """\
import logging

import pandas as pd

logger = logging.getLogger(__name__)
df = pd.read_parquet("data/train.parquet")
logger.info("loaded %s rows", len(df))
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): in a notebook a cell's last expression (`df.head()`,
`df.describe()`, a trailing `df`) is what the cell shows, and anywhere an expression can raise
(`NameError`, `KeyError`, `AttributeError`) or run a property: deleting it changes output and
exceptions. In notebooks this is `handoff`'s work. With `--unsafe-fixes`:
the pure forms (names, attributes, subscripts, comparisons and the inspection calls) are
deleted, with the imports they leave unused; a block left empty gets `pass`. `df.info()` prints,
so deleting it changes output: no automatic fix, only the message.
"""
    options = ()
    bad = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.head()\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.shape\n",
        "x = [1, 2]\nx\n",
        "import pandas as pd\ndf = pd.DataFrame()\ndf.isnull().sum()\n",
        "import pandas as pd\ndf = pd.DataFrame()\ndf['a'].value_counts()\n",
        "import pandas as pd\ndf = pd.DataFrame()\ndf.info()\n",
        "x = 1\nx == 2\n",
        "import pandas as pd\ndf = load()\ndf.describe()\n",
    )
    good = (
        '"""Module docstring."""\nx = 1\n',
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nfirst = df.head()\n",
        # Calls with effects are not leftovers; ellipsis is a placeholder.
        "items = []\nitems.append(1)\n...\n",
        # Inside a function (not a cell leftover) and a module not importing pandas.
        "def f(df):\n    df\n    return df.head()\n",
        Example("import polars as pl\ndf = pl.read_csv('a.csv')\ndf.head()\n"),
        "import pandas as pd\nprint(pd.DataFrame().head())\n",
        "try:\n    unicode\nexcept NameError:\n    unicode = str\n",
        "import logging\nimport random\nimport pandas as pd\nlogger = logging.getLogger(__name__)\n"
        "logger.info('x')\nrandom.sample([1, 2], 1)\n",
    )

    def visit_Expr(self, node: ast.Expr) -> None:
        if not self.ctx.at_module_level():
            return
        value = node.value
        if isinstance(value, _PURE):
            parent = self.ctx.parent
            if isinstance(parent, ast.Try) and any(s is node for s in parent.body):
                return  # `try: basestring` / `except NameError:`: an existence probe
            self.report(node, expr=_short(value), advice="delete it, or log what you need to see")
            return
        if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
            return
        method = value.func.attr
        receiver = value.func.value
        if method not in _INSPECTIONS and method not in ("sum", "info"):
            return
        if not self.ctx.imports.imports_module("pandas"):
            return
        if method == "sum":
            if not (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Attribute)
                and receiver.func.attr in _NULL_CHECKS
            ):
                return
        if method == "info":
            # `logger.info(...)` is the same spelling: only a proven frame qualifies.
            if not self.ctx.pandas.is_pandas(receiver):
                return
            self.report(
                node,
                fixable=False,
                expr=_short(value),
                advice="`.info()` prints to stdout: log the facts you need instead",
            )
        elif self._frame_like(receiver):
            self.report(node, expr=_short(value), advice="delete it, or log what you need to see")

    def _frame_like(self, receiver: ast.expr) -> bool:
        """Not provably something else: a local name, attribute chain or call on one."""
        if self.ctx.pandas.is_pandas(receiver):
            return True
        # Without binding evidence, accept receivers that are not literals or known modules.
        if isinstance(receiver, (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set)):
            return False
        qual: Optional[str] = self.ctx.qualname(receiver)
        return qual is None


def _short(node: ast.expr) -> str:
    text = unparse(node)
    return text if len(text) <= 40 else text[:37] + "..."
