"""GR406: a DataFrame/Series method whose new result is thrown away."""

from __future__ import annotations

import ast

from groundrules.rules.context import keyword
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, Severity

#: Methods that return a new object and leave the receiver unchanged (without ``inplace``).
RETURNS_NEW = frozenset(
    """dropna fillna ffill bfill interpolate drop drop_duplicates rename rename_axis replace
    reset_index set_index set_axis reindex sort_values sort_index astype merge join assign apply
    applymap map transform clip round abs where mask add_prefix add_suffix droplevel
    convert_dtypes infer_objects explode melt pivot pivot_table transpose""".split()
)


class DiscardedDataframeResult(Rule):
    code = "GR406"
    name = "discarded-dataframe-result"
    category = Category.DATA_SCIENCE
    severity = Severity.ERROR
    message = (
        "the result of `.{method}()` is discarded and the frame is unchanged: "
        "assign it, `df = df.{method}(...)`"
    )
    what = """
Finds expression statements that call a DataFrame/Series method returning a new object
(`dropna`, `fillna`, `drop`, `rename`, `replace`, `reset_index`, `set_index`, `sort_values`,
`astype`, `drop_duplicates`, `merge`, `assign`, `apply`, ...) without `inplace=` and do nothing
with the result. The last expression of a notebook cell is not reported: Jupyter displays
it.
"""
    why = """
These methods do not modify the frame they are called on; they return a new one. Calling them
as a statement does nothing, so the cleaning step the author wrote is silently lost.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("sales.csv")
df = df.dropna(subset=["amount"])
df = df.sort_values("date")
"""
    fix_safety = """
No automatic fix (SUGGEST): `df = df.dropna()` is the likely intent, but the author may have
meant to use the result elsewhere.
"""
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.dropna()\n",
        "import pandas as pd\n\ndef clean(df: pd.DataFrame):\n    df.rename(columns={'a': 'b'})\n"
        "    return df\n",
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf['a'].astype(float)\n",
        "import pandas as pd\nleft = pd.read_csv('l.csv')\nleft.merge(right, on='id')\n",        # Not the last statement of its cell: nobody sees it.
        Example(
            '{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],'
            ' "source": "import pandas as pd\\ndf = pd.read_csv(\\"a.csv\\")\\ndf.dropna()\\nn = len(df)"}],'
            ' "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
            path="eda.ipynb",
        ),
    )
    good = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf = df.dropna()\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.dropna(inplace=True)\n",
        # str.join and list methods are not pandas.
        "import pandas as pd\n','.join(['a', 'b'])\nitems = [3, 1]\nitems.sort()\n",
        # Unknown receiver: no evidence it is a frame.
        "import pandas as pd\n\ndef f(obj):\n    obj.drop('x')\n",
        # In-place methods return None by design.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.update(other)\ndf.insert(0, 'a', 1)\n",
        "import polars as pl\ndf = pl.read_csv('a.csv')\ndf.drop('a')\n",        # The last expression of a notebook cell is displayed, not discarded.
        Example(
            '{"cells": [{"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],'
            ' "source": "import pandas as pd\\ndf = pd.read_csv(\\"a.csv\\")\\ndf.sort_values(\\"a\\")"},'
            ' {"cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [],'
            ' "source": "df.dropna()"}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
            path="eda.ipynb",
        ),
    )

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if not isinstance(call, ast.Call):
            return
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in RETURNS_NEW:
            return
        if keyword(call, "inplace") is not None or any(kw.arg is None for kw in call.keywords):
            return
        if self.ctx.displays_in_cell(node):
            return  # the cell shows the new frame: looking at it is the point
        if self.ctx.pandas.is_pandas(func.value):
            self.report(call, method=func.attr)
