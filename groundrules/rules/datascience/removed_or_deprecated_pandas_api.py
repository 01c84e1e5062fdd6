"""GR414: pandas APIs removed in 2.0 or deprecated (``DataFrame.append``, ``.ix``, ...)."""

from __future__ import annotations

import ast
import itertools
from typing import Dict, Optional, Set

from groundrules.rules.context import Context, literal_string
from groundrules.rules.framework import Rule
from groundrules.rules.imports import ImportTracker
from groundrules.standards.schema import Category, FixClass, Severity

#: `isnull`/`notnull` are documented aliases of `isna`/`notna`, neither removed nor deprecated:
#: not this rule's business.
_METHODS = frozenset({"append", "iteritems", "fillna"})
#: Converters that return an Index (or an array) unless given a Series: `Index.append` is alive.
_INDEX_CONVERTERS = frozenset({"pandas.to_datetime", "pandas.to_timedelta"})
_FILL_METHODS = {"ffill": "ffill", "pad": "ffill", "bfill": "bfill", "backfill": "bfill"}
#: Keywords of ``fillna`` that ``ffill``/``bfill`` take with the same meaning.
_FILL_KEPT = frozenset({"method", "axis", "inplace", "limit", "downcast"})
#: Keywords of ``DataFrame.append`` that ``pd.concat`` takes with the same meaning.
APPEND_KEPT = frozenset({"ignore_index", "verify_integrity", "sort"})
#: pandas readers that return one DataFrame (unless given ``chunksize``/``iterator``).
_FRAME_READERS = frozenset(
    "read_csv read_table read_fwf read_parquet read_feather read_orc read_sql read_sql_query "
    "read_sql_table".split()
)

_APPEND = "`{recv}.append(...)` was removed in pandas 2.0 (and is quadratic in a loop): use `pd.concat([{recv}, other])`"
_ITERITEMS = "`{recv}.iteritems()` was removed in pandas 2.0: use `{recv}.items()`"
_FILLNA = "`fillna(method=\"{method}\")` is deprecated: use `{recv}.{replacement}()`"
_IX = "`.ix` was removed in pandas 1.0: use `.loc` (labels) or `.iloc` (positions)"
_DATETIME = "`pd.datetime` was removed in pandas 2.0: `from datetime import datetime`"


class RemovedOrDeprecatedPandasApi(Rule):
    code = "GR414"
    name = "removed-or-deprecated-pandas-api"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = _APPEND
    what = """
Finds pandas APIs that were removed or deprecated: `DataFrame.append`/`Series.append` and
`.iteritems()` (removed in 2.0), `.ix`, `fillna(method="ffill"|"bfill")` and `pd.datetime`. Only
receivers known to be pandas objects are checked, so `list.append` never fires. The
`.isnull()`/`.notnull()` aliases are documented and not deprecated: not reported.
"""
    why = """
Removed APIs break the code on the next pandas upgrade; deprecated ones will. Growing a frame
with `.append` in a loop copies it every time, which is quadratic.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("a.csv")
more = pd.read_csv("b.csv")
df = pd.concat([df, more], ignore_index=True)
df = df.ffill()
missing = df.isna()
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): `.iteritems()` -> `.items()` and `fillna(method="ffill")` ->
`.ffill()` (likewise `pad`, `bfill`, `backfill`, when the method is a string literal and the other
arguments are keywords `ffill` takes: `axis`, `inplace`, `limit`, `downcast`; with a value or
positional arguments it is SUGGEST): the old spelling warns (`FutureWarning`) on the pandas versions
that have it and raises `AttributeError`/`TypeError` on those that removed it, the new one does
neither, so warnings and exceptions change.
UNSAFE, applied when proven: `a.append(b, ignore_index=...)` -> `pd.concat([a, b], ignore_index=...)`
when both `a` and `b` are known DataFrames (a `pd.DataFrame(...)` or single-frame `pd.read_*` call,
or a name last bound to one in the same scope), the only other arguments are `ignore_index`,
`verify_integrity` and `sort`, and the module imports `pandas` under a name the call can use
(`append` was removed in pandas 2: the call that raised now works).
`DataFrame.append` of a Series or dict adds a row, not a column, and `Series.append` rejects a
DataFrame, so otherwise it is SUGGEST. `.ix` and `pd.datetime`: SUGGEST.
"""
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf = df.append(pd.read_csv('b.csv'))\n",
        "import pandas as pd\ns = pd.Series([1, 2])\nfor k, v in s.iteritems():\n    pass\n",
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\nx = df.ix[0, 'a']\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf = df.fillna(method='ffill')\n",
        "import pandas as pd\nnow = pd.datetime.now()\n",
        "def f(df: pd.DataFrame, row):\n    return df.append(row, ignore_index=True)\n\nimport pandas as pd\n",
        # The second append, after `df = df.append(row)` rebound the name.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nfor row in rows:\n    df = df.append(row)\n"
        "df = df.append(extra)\n",
        # A frame from a helper returning `pd.concat(...)`.
        "import pandas as pd\n\ndef both(a, b):\n    return pd.concat([a, b])\n\nboth(x, y).append(z)\n",
    )
    good = (
        # A list's append, even in a pandas module.
        "import pandas as pd\nrows = []\nfor i in range(3):\n    rows.append({'a': i})\ndf = pd.DataFrame(rows)\n",
        # Unknown receiver: no evidence it is a pandas object.
        "import pandas as pd\n\ndef add(acc, x):\n    acc.append(x)\n    return acc.isnull()\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf = df.fillna(0)\nm = df.isna()\n",
        "import pandas as pd\nd = {'a': 1}\nfor k, v in d.items():\n    pass\n",
        # A module not importing pandas.
        "df.append(other)\nx.ix[0]\n",
        # A polars-only module.
        "import polars as pl\ndf = pl.read_csv('a.csv')\ndf = df.fill_null(strategy='forward')\n",
        "import pandas as pd\nfrom datetime import datetime\nnow = datetime.now()\n",
        # Documented aliases, not deprecated.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nm = df['a'].isnull() | df['b'].notnull()\n",
        # `pd.to_datetime` of a list/array is a DatetimeIndex, and `Index.append` was not removed.
        "import pandas as pd\nidx = pd.to_datetime(['2020-01-01'])\n"
        "idx = idx.append(pd.to_datetime(['2020-01-02']))\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        #: Per scope: names last bound to an Index-returning converter call.
        self._index_names: Dict[int, Set[str]] = {}
        #: Per scope: names last bound to an expression known to be one DataFrame.
        self._frames: Dict[int, Set[str]] = {}
        self._pandas = pandas_alias(ctx.imports)

    def _scope_key(self) -> int:
        return id(self.ctx.enclosing_scope())

    def _index_converter(self, node: Optional[ast.expr]) -> bool:
        """``pd.to_datetime(["2020-01-01"])``: an Index, unless the argument is a Series/DataFrame."""
        if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Attribute, ast.Name)):
            return False
        if self.ctx.qualname(node.func) not in _INDEX_CONVERTERS:
            return False
        first = node.args[0] if node.args else None
        return first is not None and not isinstance(first, ast.Starred) and not (
            self.ctx.pandas.is_pandas(first)
        )

    def leave_Assign(self, node: ast.Assign) -> None:
        # On leave, so `idx = idx.append(...)` is checked against the binding before this one.
        names = self._index_names.setdefault(self._scope_key(), set())
        frames = self._frames.setdefault(self._scope_key(), set())
        is_index = self._index_converter(node.value)
        # Only an unconditional binding, directly in the scope's body, is evidence.
        is_frame = isinstance(self.ctx.parent, _SCOPE_BODIES) and self._is_frame(node.value)
        for target in node.targets:
            for name in _names(target):
                names.discard(name)
                frames.discard(name)
            if isinstance(target, ast.Name):
                if is_index:
                    names.add(target.id)
                if is_frame:
                    frames.add(target.id)

    def visit_Name(self, node: ast.Name) -> None:
        # Any other binding (``for df in ...``, ``with ... as df``, ``del df``) forgets the name.
        parent = self.ctx.parent
        if isinstance(parent, ast.Assign) and any(t is node for t in parent.targets):
            return  # leave_Assign rebinds it, after the value is checked
        if not isinstance(node.ctx, ast.Load):
            self._frames.get(self._scope_key(), set()).discard(node.id)

    def _is_frame(self, node: ast.expr) -> bool:
        """Evidence that ``node`` is one DataFrame (not a Series, a reader or a dict of frames)."""
        if isinstance(node, ast.Name):
            return node.id in self._frames.get(self._scope_key(), set())
        if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Attribute, ast.Name)):
            return False
        if isinstance(node.func, ast.Attribute) and node.func.attr == "append":
            return self._concat_fixable(node, node.func.value)  # what the fix makes pd.concat
        qualname = self.ctx.qualname(node.func) or ""
        module, _, name = qualname.rpartition(".")
        if module != "pandas":
            return False
        if name == "DataFrame":
            return True
        return name in _FRAME_READERS and all(
            kw.arg is not None and kw.arg not in ("chunksize", "iterator") for kw in node.keywords
        )

    def _concat_fixable(self, node: ast.Call, receiver: ast.expr) -> bool:
        """``a.append(b)`` is ``pd.concat([a, b])`` when both are known DataFrames."""
        if self._pandas is None or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            return False
        if any(kw.arg not in APPEND_KEPT for kw in node.keywords):
            return False
        if not (self._is_frame(receiver) and self._is_frame(node.args[0])):
            return False
        # A parameter named like the pandas alias hides the module.
        for ancestor in self.ctx.ancestors:
            args = getattr(ancestor, "args", None)
            if isinstance(args, ast.arguments):
                every = args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]
                if any(a is not None and a.arg == self._pandas for a in every):
                    return False
        return True

    def _is_index(self, receiver: ast.expr) -> bool:
        if isinstance(receiver, ast.Name):
            return receiver.id in self._index_names.get(self._scope_key(), set())
        return self._index_converter(receiver)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in _METHODS:
            return
        receiver = func.value
        # A name known to be a DataFrame from appends the fix turns into `pd.concat` counts too.
        if not self.ctx.pandas.is_pandas(receiver) and not (func.attr == "append" and self._is_frame(receiver)):
            return
        recv = _short(receiver)
        method = func.attr
        if method == "append":
            if not self._is_index(receiver):
                self.report(node, _APPEND, recv=recv, fixable=self._concat_fixable(node, receiver),
                            fix_class=FixClass.UNSAFE)
        elif method == "iteritems":
            self.report(node, _ITERITEMS, recv=recv, fix_class=FixClass.UNSAFE)
        elif method == "fillna":
            for kw in node.keywords:
                if kw.arg == "method":
                    fill = literal_string(kw.value)
                    if fill in _FILL_METHODS:
                        self.report(
                            node,
                            _FILLNA,
                            recv=recv,
                            method=fill,
                            replacement=_FILL_METHODS[fill],
                            fixable=_plain_fill(node),
                            fix_class=FixClass.UNSAFE,
                        )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "ix":
            if self.ctx.pandas.is_pandas(node.value):
                self.report(node, _IX, fixable=False)
        elif node.attr == "datetime" and self.ctx.qualname(node) == "pandas.datetime":
            self.report(node, _DATETIME, fixable=False)


_SCOPE_BODIES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)


def pandas_alias(imports: ImportTracker) -> Optional[str]:
    """The name the module binds to the ``pandas`` module itself (``pd`` first), if any."""
    names = sorted(name for name, target in imports.aliases.items() if target == "pandas")
    return "pd" if "pd" in names else (names[0] if names else None)


def _names(target: ast.expr) -> Set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _plain_fill(node: ast.Call) -> bool:
    """``fillna(method=...)`` with only keywords that ``ffill``/``bfill`` also take."""
    return not node.args and all(kw.arg in _FILL_KEPT for kw in node.keywords)


def _short(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if next(itertools.islice(ast.walk(node), 30, None), None) is not None:
        return "df"  # over 30 nodes cannot spell in 30 characters: not unparsed (long chains)
    text = ast.unparse(node)
    return text if len(text) <= 30 else "df"
