"""GR416: a new column initialised with ``0`` or ``""`` as a placeholder."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from groundrules.rules.context import keyword, literal_string
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_COLUMN_KEYWORDS = ("columns", "usecols", "names")
#: Methods whose result is (usually) a Series: aggregations, counts.
_SERIES_RESULTS = frozenset(
    """value_counts size sum mean count nunique max min median std var idxmax idxmin prod
    isna notna any all""".split()
)
_TO_FRAME = frozenset({"to_frame", "reset_index", "unstack", "agg", "aggregate", "describe"})


def _placeholder(node: ast.AST) -> Optional[str]:
    """``0``, ``0.0`` or ``""`` as the user wrote it, else None."""
    if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
        return None
    if isinstance(node.value, (int, float)) and node.value == 0:
        return repr(node.value)
    if node.value == "":
        return '""'
    return None


_COUNTER_WORDS = ("count", "counts", "cnt", "num", "n", "total", "is", "has", "flag", "flags")


def _counter_or_flag(column: str) -> bool:
    """``n_orders``, ``click_count``, ``is_fraud``, ``has_email``: zero is a real value there."""
    words = [w for w in column.lower().replace("-", "_").split("_") if w]
    return bool(words) and (words[0] in _COUNTER_WORDS or words[-1] in _COUNTER_WORDS)


def _strings(node: Optional[ast.AST]) -> Set[str]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    if isinstance(node, ast.Dict):
        return {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    return set()


class EmptyColumnMisinitialisation(Rule):
    code = "GR416"
    name = "empty-column-misinitialisation"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    message = (
        "new column `{column}` initialised with `{value}`: a placeholder that looks like real "
        "data; use `np.nan` or `pd.Series(pd.NA, index=df.index, dtype=...)`"
    )
    what = """
Finds `df["new"] = 0`, `df["new"] = ""`, `df.assign(new=0)` and `df.assign(new="")` on a
pandas DataFrame where `"new"` is not a column the frame is known to have (read earlier, or
declared by the constructor, `columns=`, `usecols=` or `names=`). Zero is a real value, and not
reported, in a column later written for some rows only (`df.loc[mask, "target"] = 1`, `+=`) and
in counters and flags (`n_*`, `*_count`, `is_*`, `has_*`, `*_flag`).
"""
    why = """
`0` and `""` are values, not missing data: rows never filled in are indistinguishable from rows
that really are zero or empty, and they flow into sums, means and models unnoticed.
"""
    use_instead = """\
import numpy as np
import pandas as pd

df = pd.read_csv("orders.csv")
df["discount"] = np.nan
"""
    fix_safety = "No automatic fix (SUGGEST): the right missing-value marker depends on the dtype."
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf['score'] = 0\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf['label'] = ''\n",
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf = df.assign(flag=0)\n",
        "import pandas as pd\n\ndef prep(df: pd.DataFrame):\n    df['note'] = ''\n    return df\n",
    )
    good = (
        "import numpy as np\nimport pandas as pd\ndf = pd.read_csv('x.csv')\ndf['score'] = np.nan\n",
        # A dict, not a frame.
        "import pandas as pd\ncounts = {}\ncounts['a'] = 0\n",
        # Resetting a column the frame is known to have.
        "import pandas as pd\ndf = pd.DataFrame({'count': [3]})\ndf['count'] = 0\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv', usecols=['id', 'n'])\ndf['n'] = 0\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ntotal = df['hits'].sum()\ndf['hits'] = 0\n",
        # A Series element, not a column.
        "import pandas as pd\ns = pd.Series({'a': 1})\ns['b'] = 0\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ncounts = df['city'].value_counts()\ncounts['other'] = 0\n",
        # A module not importing pandas.
        "df['score'] = 0\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf['score'] = 1\n",
        # 0 is a real value: the default class set for the rows a mask does not select, a count.
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf['target'] = 0\n"
        "df.loc[df['amount'] > 100, 'target'] = 1\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf['visits'] = 0\n"
        "for day in days:\n    df['visits'] += day\n",
        "import pandas as pd\ndf = pd.read_csv('x.csv')\ndf['n_orders'] = 0\ndf['is_churned'] = 0\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._columns: Dict[str, Set[str]] = {}
        self._series: Set[str] = set()
        #: Columns set to a placeholder, reported at the end unless written row by row later.
        self._pending: List[Tuple[ast.Assign, str, str, str]] = []
        self._written: Set[Tuple[str, str]] = set()

    def _known(self, frame: ast.AST, column: str) -> bool:
        return isinstance(frame, ast.Name) and column in self._columns.get(frame.id, set())

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load) or not isinstance(node.value, ast.Name):
            return
        key = node.slice
        if isinstance(key, ast.Index):  # pragma: no cover - Python 3.8
            key = key.value  # type: ignore[attr-defined]
        names = _strings(key)
        label = literal_string(key)
        if label is not None:
            names.add(label)
        if names:
            self._columns.setdefault(node.value.id, set()).update(names)

    def visit_Assign(self, node: ast.Assign) -> None:
        if len(node.targets) != 1:
            return
        target = node.targets[0]
        if not isinstance(target, ast.Subscript) or not isinstance(target.value, ast.Name):
            return
        column = literal_string(target.slice)
        if column is None:
            return
        frame = target.value
        value = _placeholder(node.value)
        if (
            value is not None
            and frame.id not in self._series
            and not self._known(frame, column)
            and not _counter_or_flag(column)
            and self.ctx.pandas.is_pandas(frame)
        ):
            self._pending.append((node, frame.id, column, value))
        self._columns.setdefault(frame.id, set()).add(column)

    def _partial_write(self, target: ast.expr) -> None:
        """``df.loc[mask, "col"] = 1`` or ``df["col"] += x``: the rows not written keep the
        initial value, so it is a real value (the default class, a count's zero)."""
        if not isinstance(target, ast.Subscript):
            return
        base, key = target.value, target.slice
        column: Optional[str] = None
        if isinstance(base, ast.Attribute) and base.attr in ("loc", "iloc", "at") and isinstance(key, ast.Tuple):
            if len(key.elts) == 2:
                column = literal_string(key.elts[1])
            base = base.value
        if isinstance(base, ast.Name) and column is not None:
            self._written.add((base.id, column))

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            column = literal_string(target.slice)
            if column is not None:
                self._written.add((target.value.id, column))
        self._partial_write(target)

    def end(self) -> None:
        for node, frame, column, value in self._pending:
            if (frame, column) not in self._written:
                self.report(node, column=column, value=value)

    def leave_Assign(self, node: ast.Assign) -> None:
        for written in node.targets:
            self._partial_write(written)
        value = node.value
        for target in node.targets:
            if not isinstance(target, ast.Name):
                continue
            name = target.id
            self._series.discard(name)
            columns: Set[str] = set()
            if self._is_series(value):
                self._series.add(name)
            if isinstance(value, ast.Call):
                qualname = self.ctx.qualname(value.func)
                if qualname == "pandas.DataFrame" and value.args:
                    columns |= _strings(value.args[0])
                for kw_name in _COLUMN_KEYWORDS:
                    kw = keyword(value, kw_name)
                    if kw is not None:
                        columns |= _strings(kw.value)
                func = value.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                    columns |= self._columns.get(func.value.id, set())
            elif isinstance(value, ast.Name):
                columns |= self._columns.get(value.id, set())
            self._columns[name] = columns

    def _is_series(self, node: ast.AST) -> bool:
        """Evidence that ``node`` is a Series, whose ``s["label"] = 0`` sets an element."""
        while True:  # down the chain by a loop: `d[0][0]...[0]` may be thousands deep
            if isinstance(node, ast.Name):
                return node.id in self._series
            if isinstance(node, ast.Subscript):
                if literal_string(node.slice) is not None:
                    return True
                node = node.value
            elif isinstance(node, ast.Call):
                func = node.func
                if self.ctx.qualname(func) == "pandas.Series":
                    return True
                if not isinstance(func, ast.Attribute) or func.attr in _TO_FRAME:
                    return False
                if func.attr in _SERIES_RESULTS:
                    return True
                node = func.value
            else:
                return False

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr != "assign":
            return
        for kw in node.keywords:
            if kw.arg is None:
                continue
            value = _placeholder(kw.value)
            if value is None or self._known(func.value, kw.arg):
                continue
            if self.ctx.pandas.is_pandas(func.value):
                self.report(kw.value, column=kw.arg, value=value)
