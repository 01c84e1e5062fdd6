"""GR408: ``merge``/``join`` calls that leave ``how``, the keys or ``validate`` implicit."""

from __future__ import annotations

import ast
from typing import List

from groundrules.rules.context import has_kwargs_splat, keyword
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

_MERGE_FUNCTIONS = frozenset({"pandas.merge"})
_KEY_KEYWORDS = ("on", "left_on", "right_on", "left_index", "right_index")


class MergeParametersNotExplicit(Rule):
    code = "GR408"
    name = "merge-parameters-not-explicit"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    fix = FixClass.SAFE
    message = (
        "`{call}` without {missing}: state the join type, the keys and the expected cardinality"
    )
    what = """
Finds `pd.merge(...)` and `.merge(...)` / `.join(...)` on pandas-typed frames that do not pass
`how=`, the keys (`on=`, or `left_on=` and `right_on=`, or `left_index=`/`right_index=`; merge
only, since `join` always matches on the other frame's index) or `validate=`.
"""
    why = """
Implicit keys join on every shared column name, and a new column with a common name silently
changes the join. Without `validate=` a duplicated key multiplies rows (a many-to-many blow-up)
without any error, and the default `how` differs between `merge` (inner) and `join` (left).
"""
    use_instead = """\
import pandas as pd

orders = pd.read_csv("orders.csv")
customers = pd.read_csv("customers.csv")
enriched = orders.merge(customers, how="left", on="customer_id", validate="many_to_one")
"""
    fix_safety = """
SAFE: add the current default, `how="inner"` for merge and `how="left"` for join; behaviour is
unchanged. The keys and `validate=` are SUGGEST: only the author knows them, so they are reported
as a separate finding that carries no fix.
"""
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\nout = pd.merge(a, b)\n",
        "import pandas as pd\nleft = pd.read_csv('l.csv')\nout = left.merge(right, on='id')\n",
        "import pandas as pd\nleft = pd.read_csv('l.csv')\n"
        "out = left.merge(right, how='left', on='id')\n",
        "import pandas as pd\nleft = pd.read_csv('l.csv')\nout = left.join(right)\n",
        "from pandas import merge\nout = merge(a, b, how='inner', on='k')\n",
    )
    good = (
        "import pandas as pd\nout = pd.merge(a, b, how='inner', on='id', validate='one_to_one')\n",
        "import pandas as pd\nleft = pd.read_csv('l.csv')\n"
        "out = left.merge(right, how='left', left_on='a', right_on='b', validate='m:1')\n",
        "import pandas as pd\nleft = pd.read_csv('l.csv')\n"
        "out = left.join(right, how='left', validate='one_to_one')\n",
        # str.join and os.path.join are not pandas joins.
        "import pandas as pd\nimport os\ntext = ','.join(['a', 'b'])\np = os.path.join('a', 'b')\n",
        # Unknown receiver, and a **kwargs call.
        "import pandas as pd\n\ndef f(x, y):\n    return x.merge(y)\n",
        "import pandas as pd\n\ndef f(a, b, **kw):\n    return pd.merge(a, b, **kw)\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in ("merge", "join"):
                return
        elif not isinstance(func, ast.Name):
            return
        if has_kwargs_splat(node) or any(isinstance(a, ast.Starred) for a in node.args):
            return
        qualname = self.ctx.qualname(func)
        if qualname in _MERGE_FUNCTIONS:
            kind, call, offset = "merge", "pd.merge(...)", 2
        elif (
            isinstance(func, ast.Attribute)
            and qualname is None
            and self.ctx.pandas.is_pandas(func.value)
        ):
            kind, call, offset = func.attr, f".{func.attr}(...)", 1
        else:
            return
        positional = len(node.args) - offset
        missing: List[str] = []
        if kind == "join":
            # Positional order of join: other, on, how, lsuffix, rsuffix, sort, validate.
            if keyword(node, "how") is None and positional < 2:
                missing.append("`how=`")
        else:
            # Positional order of merge: (left,) right, how, on, ...
            if keyword(node, "how") is None and positional < 1:
                missing.append("`how=`")
            if positional < 2 and not any(keyword(node, k) for k in _KEY_KEYWORDS):
                missing.append("`on=`")
        if keyword(node, "validate") is None:
            missing.append("`validate=`")
        # The missing `how=` is a finding of its own, the one the fix (adding the default) removes;
        # the keys and `validate=` only the author knows.
        if "`how=`" in missing:
            missing.remove("`how=`")
            self.report(node, call=call, missing="`how=`")
        if missing:
            self.report(node, call=call, missing=", ".join(missing), fixable=False)
