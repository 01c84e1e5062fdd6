"""GR407: comparing with NaN (``x == np.nan``), which is always False."""

from __future__ import annotations

import ast
from typing import Optional

from groundrules.rules.context import literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

_NAN_NAMES = frozenset({"numpy.nan", "numpy.NaN", "numpy.NAN", "math.nan", "torch.nan"})
#: Singletons: identity (`x is pd.NA`) is a legitimate test for them, equality is not.
_NA_SINGLETONS = frozenset({"pandas.NA", "pandas.NaT"})
_ATTRS = frozenset({"nan", "NaN", "NAN", "NA", "NaT"})
_EQUALITY = (ast.Eq, ast.NotEq)
_IDENTITY = (ast.Is, ast.IsNot)
_MEMBERSHIP = (ast.In, ast.NotIn)
_OP_TEXT = {ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not", ast.In: "in",
            ast.NotIn: "not in"}


class NanEqualityComparison(Rule):
    code = "GR407"
    name = "nan-equality-comparison"
    category = Category.DATA_SCIENCE
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = (
        "`{op}` with `{nan}` never matches a missing value (NaN is not equal to itself): "
        "use `pd.isna(x)` / `pd.notna(x)` or `math.isnan(x)`"
    )
    what = """
Finds `==`, `!=`, `is`, `is not`, `in` and `not in` comparisons with `np.nan`, `math.nan`,
`float("nan")`, `pd.NA` or `pd.NaT` as an operand (or as an element of the literal container
tested with `in`). `x is pd.NA` and `x is pd.NaT` test for a singleton and are not reported.
"""
    why = """
NaN compares unequal to everything, itself included, so `x == np.nan` is always False and
`x != np.nan` always True; `pd.NA` comparisons return NA. Identity works only for the very same
NaN object, which computed values never are. The check is dead code and the missing values
slip through.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("sales.csv")
missing = df[df["amount"].isna()]
present = df[pd.notna(df["amount"])]
"""
    fix_safety = """
POLICY (a bug fix, applied only with `--unsafe-fixes` or in `handoff`): `x == np.nan` ->
`pd.isna(x)`, `x != np.nan` -> `pd.notna(x)` (elementwise on a Series, like `s.isna()`), in
modules that import pandas as `pd`, inside a function or the main guard (a module-level call
would be script code, GR102). Elsewhere, chained comparisons and the other operators are
SUGGEST.
"""
    #: The data-science gate shared by the GR4xx group: `x == math.nan` in a module that uses none of
    #: these libraries is plain-Python territory (ruff PLW0177), not a data-science finding.
    requires = frozenset({"pandas", "numpy", "sklearn", "torch", "tensorflow"})
    bad = (
        "import numpy as np\nif value == np.nan:\n    value = 0\n",
        "import pandas as pd\nimport numpy as np\ndf = pd.read_csv('a.csv')\n"
        "rows = df[df['a'] != np.nan]\n",
        "import math\nimport numpy as np\nok = x is math.nan\n",
        "import pandas as pd\nmissing = x == float('nan')\n",
        "import pandas as pd\nflag = cell == pd.NA\n",
        "import numpy as np\nif v in (None, np.nan):\n    pass\n",
    )
    good = (
        "import numpy as np\nif np.isnan(value):\n    value = 0\n",
        "import pandas as pd\nflag = cell is pd.NA\n",
        "import math\nok = math.isnan(x)\n",
        # A local variable named nan is not NaN.
        "nan = 0\nok = x == nan\n",
        "import numpy as np\nbig = x > np.inf\nsame = x == float('inf')\n",
        "import pandas as pd\nmask = pd.isna(df['a'])\n",
        # A module importing no data library (stdlib tests of NaN semantics, array-API shims).
        "import math\nsame = x == float('nan')\nseen = math.nan in sizes\n",
    )

    def _nan(self, node: ast.expr) -> Optional[str]:
        """The spelling of NaN that ``node`` is (``np.nan``), or ``None``."""
        if isinstance(node, ast.Attribute):
            if node.attr not in _ATTRS:
                return None
            qualname = self.ctx.qualname(node)
            if qualname in _NAN_NAMES or qualname in _NA_SINGLETONS:
                return qualname
            return None
        if isinstance(node, ast.Name) and node.id in _ATTRS:
            qualname = self.ctx.qualname(node)
            if qualname in _NAN_NAMES or qualname in _NA_SINGLETONS:
                return qualname
            return None
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            text = literal_string(node.args[0])
            if text is not None and text.strip().lower().lstrip("+-") == "nan":
                if self.ctx.qualname(node.func) == "float":
                    return 'float("nan")'
        return None

    def visit_Compare(self, node: ast.Compare) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            found = self._check(left, op, right)
            if found is not None:
                fixable = (
                    len(node.ops) == 1
                    and isinstance(op, _EQUALITY)
                    and self._pandas_as_pd()
                    # At module level the new `pd.isna(...)` call would be script code (GR102).
                    and (self.ctx.enclosing_function() is not None or self.ctx.in_main_guard())
                )
                self.report(node, op=_OP_TEXT.get(type(op), "=="), nan=found, fixable=fixable)
                return
            left = right

    def _pandas_as_pd(self) -> bool:
        """The fix writes ``pd.isna``: only where ``pd`` already names pandas."""
        return self.ctx.qualname(ast.Name(id="pd", ctx=ast.Load())) == "pandas"

    def _check(self, left: ast.expr, op: ast.cmpop, right: ast.expr) -> Optional[str]:
        if isinstance(op, _EQUALITY):
            return self._nan(left) or self._nan(right)
        if isinstance(op, _IDENTITY):
            found = self._nan(left) or self._nan(right)
            return None if found in _NA_SINGLETONS else found
        if isinstance(op, _MEMBERSHIP):
            found = self._nan(left)
            if found is None and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
                for elt in right.elts:
                    found = self._nan(elt)
                    if found is not None:
                        break
            return found
        return None
