"""GR308: pandas reads of every column when the code uses a few."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional

from groundrules.rules.context import has_kwargs_splat, keyword
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

READERS = frozenset(
    {
        "pandas.read_csv",
        "pandas.read_excel",
        "pandas.read_parquet",
        "pandas.read_feather",
        "pandas.read_sql_table",
    }
)
_LAST = frozenset(r.rsplit(".", 1)[1] for r in READERS)
#: How many statements after the read may select the columns.
LOOKAHEAD = 3
_SELECTING_METHODS = frozenset({"filter", "drop", "reindex"})


@dataclass
class _Pending:
    call: ast.Call
    qualname: str
    follow: FrozenSet[int]  # ids of the statements that may select the columns
    selected: bool = False


def _column_list(node: ast.expr) -> bool:
    """A literal list/tuple of labels, or a name that says it holds columns (`COLS`, `features`)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return bool(node.elts) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, (str, int)) for e in node.elts
        )
    if isinstance(node, ast.Name):
        name = node.id.lower()
        return name.endswith(("cols", "columns", "features", "fields"))
    return False


class ReadWithoutColumnSelection(Rule):
    code = "GR308"
    name = "read-without-column-selection"
    category = Category.DATA_ACCESS
    severity = Severity.INFO
    message = "`{call}()` reads every column: pass `{keyword}=[...]` with the columns you use"
    what = """
Finds `pd.read_csv`, `read_excel`, `read_parquet`, `read_feather` and `read_sql_table` calls
without `usecols=`/`columns=`, unless the read is subscripted with a column list right away
(`pd.read_csv(p)[["a", "b"]]`) or one of the next statements of the block selects a column
subset of the frame it was bound to (`df = df[["a", "b"]]`, `df.loc[:, cols]`,
`df.filter(items=...)`, `df.drop(columns=...)`).
"""
    why = """
Reading every column over-reads (memory, I/O, cost), leaves the columns the code depends on
implicit, and can bring personal data into an analysis that never needed it.
"""
    use_instead = """\
import pandas as pd

orders = pd.read_parquet("data/orders.parquet", columns=["order_id", "amount"])
"""
    fix_safety = (
        "No automatic fix: which columns the code needs is a whole-program question; the message "
        "names the keyword to add."
    )
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv')\ntotal = df.amount.sum()\n",
        "import pandas as pd\n\ndef load():\n    return pd.read_parquet('data/orders.parquet')\n",
        "from pandas import read_excel\n\nsheet = read_excel('q1.xlsx', sheet_name='sales')\n",
        "import pandas as pd\n\ndf = pd.read_sql_table('orders', conn)\n",
        # Selecting rows is not selecting columns.
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv')\ndf = df[df.amount > 0]\n",
    )
    good = (
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv', usecols=['id', 'amount'])\n",
        "import pandas as pd\n\ndf = pd.read_parquet('data/o.parquet', columns=['id'])\n",
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv')[['id', 'amount']]\n",
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv')\ndf = df[['id', 'amount']]\n",
        "import pandas as pd\n\nCOLS = ['id', 'amount']\n\ndef load(p):\n"
        "    df = pd.read_parquet(p)\n    df.columns = [c.lower() for c in df.columns]\n"
        "    return df.loc[:, COLS]\n",
        "import pandas as pd\n\nraw = pd.read_csv('x.csv')\nraw = raw.drop(columns=['ssn'])\n",
        # A polars-only module.
        "import polars as pl\n\ndf = pl.read_csv('data/orders.csv')\n",
        # Options passed through **kwargs may select columns.
        "import pandas as pd\n\ndf = pd.read_csv(path, **opts)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._pending: Dict[str, List[_Pending]] = {}
        self._unbound: List[_Pending] = []

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if self._pending and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.attr in _SELECTING_METHODS and self._is_selecting_call(node):
                self._selected(func.value.id)
        if isinstance(func, ast.Attribute) and func.attr not in _LAST:
            return
        qualname = self.ctx.qualname(func)
        if qualname is None or qualname not in READERS:
            return
        for name in ("usecols", "columns"):
            kw = keyword(node, name)
            if kw is not None and not (
                isinstance(kw.value, ast.Constant) and kw.value.value is None
            ):
                return
        if has_kwargs_splat(node):
            return
        parent = self.ctx.parent
        if isinstance(parent, ast.Subscript) and parent.value is node:
            if _column_list(parent.slice) or _is_label(parent.slice):
                return
        if isinstance(parent, ast.Attribute) and parent.attr in _SELECTING_METHODS:
            return  # pd.read_csv(p).filter(items=[...]) / .drop(columns=...)
        pending = _Pending(node, qualname, self._following(node))
        if (
            isinstance(parent, (ast.Assign, ast.AnnAssign))
            and getattr(parent, "value", None) is node
        ):
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                self._pending.setdefault(targets[0].id, []).append(pending)
                return
        self._unbound.append(pending)

    def _following(self, call: ast.Call) -> FrozenSet[int]:
        ancestors = self.ctx.ancestors
        if len(ancestors) < 2:
            return frozenset()
        stmt = ancestors[-1]
        container = ancestors[-2]
        for field in ("body", "orelse", "finalbody"):
            block = getattr(container, field, None)
            if isinstance(block, list):
                for index, item in enumerate(block):
                    if item is stmt:
                        return frozenset(id(s) for s in block[index + 1 : index + 1 + LOOKAHEAD])
        return frozenset()

    def _is_selecting_call(self, call: ast.Call) -> bool:
        func = call.func
        method = func.attr if isinstance(func, ast.Attribute) else ""
        if method == "filter":
            return keyword(call, "items") is not None or keyword(call, "like") is not None or (
                keyword(call, "regex") is not None
            )
        return keyword(call, "columns") is not None

    def _selected(self, name: str) -> None:
        ids = {id(a) for a in self.ctx.ancestors}
        for pending in self._pending.get(name, ()):
            if not pending.selected and ids & pending.follow:
                pending.selected = True

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not self._pending or not isinstance(node.ctx, ast.Load):
            return
        value = node.value
        index = node.slice
        if isinstance(value, ast.Attribute) and value.attr in ("loc", "iloc"):
            value = value.value
            if not (isinstance(index, ast.Tuple) and len(index.elts) == 2):
                return
            index = index.elts[1]
            if not (_column_list(index) or _is_label(index)):
                return
        elif not _column_list(index):
            return
        if isinstance(value, ast.Name) and value.id in self._pending:
            self._selected(value.id)

    def end(self) -> None:
        found = list(self._unbound)
        for pendings in self._pending.values():
            found.extend(p for p in pendings if not p.selected)
        for pending in sorted(found, key=lambda p: (p.call.lineno, p.call.col_offset)):
            by_columns = pending.qualname.endswith(("parquet", "feather", "sql_table"))
            kw = "columns" if by_columns else "usecols"
            self.report(pending.call, call=pending.qualname.replace("pandas.", "pd."), keyword=kw)


def _is_label(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)
