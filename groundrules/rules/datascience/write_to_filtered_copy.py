"""GR404: writing to a filtered slice of a frame that was never ``.copy()``-ed."""

from __future__ import annotations

import ast
from typing import Dict, Optional, Tuple

from groundrules.rules.context import Context
from groundrules.rules.datascience._exprs import is_true, keyword_value, target_names
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

_INDEXERS = frozenset({"loc", "iloc", "at", "iat"})
_MASK_METHODS = frozenset(
    {"isin", "isna", "notna", "isnull", "notnull", "between", "contains", "startswith",
     "endswith", "match", "duplicated", "eq", "ne", "lt", "le", "gt", "ge"}
)
_MASK_OPS = (ast.BitAnd, ast.BitOr, ast.BitXor)

ScopeKey = Tuple[int, str]


def _is_mask(key: ast.expr) -> bool:
    """Keys that select rows or several columns (a boolean mask, a slice, a list of labels)."""
    if isinstance(key, (ast.Compare, ast.List, ast.Slice)):
        return True
    if isinstance(key, ast.BoolOp):
        return True
    if isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.Invert):
        return True
    if isinstance(key, ast.BinOp) and isinstance(key.op, _MASK_OPS):
        return True
    if isinstance(key, ast.Call) and isinstance(key.func, ast.Attribute):
        return key.func.attr in _MASK_METHODS
    return False


class WriteToFilteredCopy(Rule):
    code = "GR404"
    name = "write-to-filtered-copy"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = (
        "`{name}` is a filtered slice of a frame (line {line}) without `.copy()`: writing to it "
        "may or may not reach the original; add `.copy()` to its definition"
    )
    what = """
Finds `sub = df[<mask>]` (also `df.query(...)`, `df.loc[<mask>]`, `df[[cols]]`, `df.iloc[a:b]`)
on a pandas frame, followed in the same scope by a write into `sub`: `sub[c] = ...`,
`sub.loc[...] = ...` or `sub.<method>(..., inplace=True)`, when the definition has no `.copy()`.
"""
    why = """
This is the `SettingWithCopyWarning` pattern: pandas 2 may or may not propagate the write to the
parent frame depending on memory layout, while Copy-on-Write (pandas 3) never does. A reader
cannot tell whether the author meant to change `df` too.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("sales.csv")
recent = df[df["year"] >= 2020].copy()
recent["amount_k"] = recent["amount"] / 1000
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): without Copy-on-Write (pandas < 3 by default) `df["col"]` can
be a view: a write through it reached `df` before and no longer does; the `SettingWithCopyWarning`
is no longer raised; and the copy costs memory and time. With `--unsafe-fixes`:
append `.copy()` to the defining expression. Copy-on-Write already treats the slice as a
copy, so making it explicit changes nothing there and removes the ambiguity under pandas 2.
The finding is reported at the write; the fix rewrites the definition the rule traced it to.
"""
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nsub = df[df['a'] > 0]\nsub['b'] = 1\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nsub = df.query('a > 0')\n"
        "sub.loc[:, 'b'] = 2\n",
        "import pandas as pd\n\ndef f(df: pd.DataFrame):\n    cols = df[['a', 'b']]\n"
        "    cols.fillna(0, inplace=True)\n    return cols\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nsub = df.loc[df['a'].isin([1, 2])]\n"
        "for c in ['x', 'y']:\n    sub[c] += 1\n",
    )
    good = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nsub = df[df['a'] > 0].copy()\n"
        "sub['b'] = 1\n",
        # A dict of lists filtered and written is not pandas.
        "import pandas as pd\nd = {'a': [1]}\nsub = d['a']\nsub[0] = 2\n",
        # Rebinding to a new object before the write.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nsub = df[df['a'] > 0]\n"
        "sub = sub.assign(b=1)\nsub['c'] = 2\n",
        # Reading from the slice is fine.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nsub = df[df['a'] > 0]\n"
        "total = sub['b'].sum()\n",
        # A single column label selects a Series; not this rule.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ns = df['a']\nt = s.copy()\n",
        # The write is in another function's scope.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nsub = df[df['a'] > 0]\n\n"
        "def g(sub):\n    sub['b'] = 1\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: (id of scope node or 0, name) -> line of the filtering definition
        self._filtered: Dict[ScopeKey, int] = {}

    def _key(self, name: str) -> ScopeKey:
        scope = self.ctx.enclosing_scope()
        return (0 if scope is None else id(scope), name)

    def _is_filter(self, value: ast.expr) -> bool:
        if isinstance(value, ast.Subscript):
            base = value.value
            key = value.slice
            if isinstance(base, ast.Attribute) and base.attr in _INDEXERS:
                if base.attr in ("at", "iat"):
                    return False
                if isinstance(key, ast.Tuple) and key.elts:
                    key = key.elts[0]
                base = base.value
            return _is_mask(key) and self.ctx.pandas.is_pandas(base)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
            if value.func.attr == "query" and keyword_value(value, "inplace") is None:
                return self.ctx.pandas.is_pandas(value.func.value)
        return False

    def _written_name(self, target: ast.expr) -> Optional[ast.Name]:
        if not isinstance(target, ast.Subscript):
            return None
        base = target.value
        if isinstance(base, ast.Attribute) and base.attr in _INDEXERS:
            base = base.value
        return base if isinstance(base, ast.Name) else None

    def _check_write(self, target: ast.expr, node: ast.AST) -> None:
        name = self._written_name(target)
        if name is None:
            return
        line = self._filtered.get(self._key(name.id))
        if line is not None:
            self.report(node, name=name.id, line=line)

    def _rebind(self, target: ast.expr, value: Optional[ast.expr], line: int) -> None:
        if isinstance(target, ast.Name):
            key = self._key(target.id)
            if value is not None and self._is_filter(value):
                self._filtered[key] = line
            else:
                self._filtered.pop(key, None)
            return
        for name in target_names(target):
            self._filtered.pop(self._key(name), None)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_write(target, node)
        for target in node.targets:
            self._rebind(target, node.value, node.lineno)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_write(node.target, node)
        if isinstance(node.target, ast.Name):
            self._filtered.pop(self._key(node.target.id), None)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is None:
            return
        self._check_write(node.target, node)
        self._rebind(node.target, node.value, node.lineno)

    def visit_For(self, node: ast.For) -> None:
        self._rebind(node.target, None, node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            return
        if not node.keywords or not is_true(keyword_value(node, "inplace")):
            return
        line = self._filtered.get(self._key(func.value.id))
        if line is not None:
            self.report(node, name=func.value.id, line=line)
