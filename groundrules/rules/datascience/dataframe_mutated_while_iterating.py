"""GR413: a DataFrame written to while a loop iterates over its rows."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

from groundrules.rules.context import keyword
from groundrules.rules.datascience._tracking import dotted
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_ROW_ITERATORS = frozenset({"iterrows", "itertuples"})
_INDEXERS = frozenset({"loc", "iloc", "at", "iat"})
_REBINDING_METHODS = frozenset({"drop", "append"})


class DataframeMutatedWhileIterating(Rule):
    code = "GR413"
    name = "dataframe-mutated-while-iterating"
    category = Category.DATA_SCIENCE
    severity = Severity.ERROR
    message = (
        "`{frame}` is modified while `for` iterates over `{frame}.{method}()`: collect the "
        "changes and apply them after the loop, or compute them vectorised"
    )
    what = """
Finds loops over `df.iterrows()` or `df.itertuples()` whose body writes to the same frame:
`df.loc[...] = v`, `df.at[...] = v`, `df.iloc`/`df.iat`/`df[...]` assignments, `del df[c]`,
`df.<method>(..., inplace=True)`, or `df = df.drop(...)` / `df = df.append(...)`.
"""
    why = """
The row iterator reads the frame as it goes; writing to the frame meanwhile gives undefined
results: rows are skipped, seen twice, or the update is made on a copy and silently lost.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("orders.csv")
df.loc[df["amount"] < 0, "amount"] = 0
"""
    fix_safety = "No automatic fix (SUGGEST): the change depends on what the loop computes."
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('x.csv')\nfor i, row in df.iterrows():\n"
        "    if row['a'] < 0:\n        df.loc[i, 'a'] = 0\n",
        "import pandas as pd\n\ndef clean(df):\n    for i, row in df.iterrows():\n"
        "        df.at[i, 'b'] = row['a'] * 2\n",
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nfor row in df.itertuples():\n"
        "    if row.a > 3:\n        df.drop(row.Index, inplace=True)\n",
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nfor i, row in df.iterrows():\n"
        "    df = df.drop(i)\n",
        "import pandas as pd\nfor i, r in self.df.iterrows():\n    self.df.loc[i, 'x'] = 1\n",
    )
    good = (
        # Writes to another frame.
        "import pandas as pd\ndf = pd.read_csv('x.csv')\nout = df.copy()\nfor i, row in df.iterrows():\n"
        "    out.loc[i, 'a'] = 0\n",
        # Changes collected and applied after the loop.
        "import pandas as pd\ndf = pd.read_csv('x.csv')\nbad = []\nfor i, row in df.iterrows():\n"
        "    if row['a'] < 0:\n        bad.append(i)\ndf = df.drop(bad)\n",
        # A derived frame inside the loop is not a write.
        "import pandas as pd\ndf = pd.read_csv('x.csv')\nfor i, row in df.iterrows():\n"
        "    rest = df.drop(i)\n",
        # A dict being iterated.
        "import pandas as pd\nd = {}\nfor k, v in d.items():\n    other[k] = v\n",
        # A module not importing pandas.
        "for i, row in df.iterrows():\n    df.loc[i, 'a'] = 0\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._loops: List[Tuple[ast.AST, str, str]] = []
        self._reported: Set[int] = set()

    def visit_For(self, node: ast.For) -> None:
        it = node.iter
        if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute)):
            return
        method = it.func.attr
        if method not in _ROW_ITERATORS:
            return
        frame = dotted(it.func.value)
        if frame is None:
            return
        self._loops.append((node, frame, method))

    def leave_For(self, node: ast.For) -> None:
        if self._loops and self._loops[-1][0] is node:
            self._loops.pop()

    def _loop_for(self, frame: Optional[str]) -> Optional[Tuple[ast.AST, str, str]]:
        if frame is None:
            return None
        for loop in reversed(self._loops):
            if loop[1] == frame:
                return loop
        return None

    def _check_target(self, target: ast.AST, stmt: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self._check_target(elt, stmt)
            return
        if not isinstance(target, ast.Subscript):
            return
        holder = target.value
        if isinstance(holder, ast.Attribute) and holder.attr in _INDEXERS:
            holder = holder.value
        self._hit(dotted(holder), stmt)

    def _hit(self, frame: Optional[str], node: ast.AST) -> None:
        loop = self._loop_for(frame)
        if loop is None or id(node) in self._reported:
            return
        self._reported.add(id(node))
        self.report(node, frame=loop[1], method=loop[2])

    def visit_Assign(self, node: ast.Assign) -> None:
        if not self._loops:
            return
        for target in node.targets:
            self._check_target(target, node)
            value = node.value
            if (
                isinstance(target, ast.Name)
                and isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr in _REBINDING_METHODS
                and dotted(value.func.value) == target.id
            ):
                self._hit(target.id, node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if self._loops:
            self._check_target(node.target, node)

    def visit_Delete(self, node: ast.Delete) -> None:
        if self._loops:
            for target in node.targets:
                self._check_target(target, node)

    def visit_Call(self, node: ast.Call) -> None:
        if not self._loops or not isinstance(node.func, ast.Attribute):
            return
        flag = keyword(node, "inplace")
        if flag is None or not (isinstance(flag.value, ast.Constant) and flag.value.value is True):
            return
        self._hit(dotted(node.func.value), node)
