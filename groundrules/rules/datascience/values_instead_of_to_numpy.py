"""GR415: ``.values`` on a pandas object instead of ``.to_numpy()``."""

from __future__ import annotations

import ast

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity


class ValuesInsteadOfToNumpy(Rule):
    code = "GR415"
    name = "values-instead-of-to-numpy"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    fix = FixClass.UNSAFE
    message = "`.values` on a pandas object: use `.to_numpy()` (or `.array`) to say which type you want"
    what = """
Finds `.values` attribute reads, not calls, on receivers known to be a pandas DataFrame or Series.
"""
    why = """
`.values` returns a NumPy array for some dtypes and an ExtensionArray for others (categoricals,
nullable integers, timezone-aware datetimes), so downstream code gets a different type depending
on the data. `.to_numpy()` always returns an ndarray; `.array` always the extension array.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("x.csv")
X = df[["a", "b"]].to_numpy()
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes`): `x.values` -> `x.to_numpy()` on a pandas-typed
receiver; for extension dtypes the result type changes from ExtensionArray to ndarray. Writes
through the array (`df.values[0] = 1`) are SUGGEST: `.to_numpy()` may return a copy.
"""
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('x.csv')\nX = df.values\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ny = df['target'].values\n",
        "import pandas as pd\n\ndef f(s: pd.Series):\n    return s.values.sum()\n",
        "from pandas import DataFrame\n\ndef f():\n    return DataFrame({'a': [1]}).dropna().values\n",
    )
    good = (
        # dict.values() is a call, and the receiver is no pandas object.
        "import pandas as pd\nd = {'a': 1}\nfor v in d.values():\n    pass\n",
        # Unknown receiver.
        "import pandas as pd\n\ndef f(obj):\n    return obj.values\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\nX = df.to_numpy()\n",
        # A module not importing pandas.
        "X = df.values\n",
        # A polars-only module.
        "import polars as pl\ndf = pl.read_csv('x.csv')\nX = df.to_numpy()\n",
        # Assigning to an attribute named values.
        "import pandas as pd\n\nclass Box:\n    def __init__(self, v):\n        self.values = v\n",
    )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr != "values" or not isinstance(node.ctx, ast.Load):
            return
        parent = self.ctx.parent
        if isinstance(parent, ast.Call) and parent.func is node:
            return
        if self.ctx.pandas.is_pandas(node.value):
            # `df.values[i] = v` writes through the array; `.to_numpy()` may be a copy.
            written = (
                isinstance(parent, ast.Subscript)
                and parent.value is node
                and not isinstance(parent.ctx, ast.Load)
            )
            self.report(node, fixable=not written)
