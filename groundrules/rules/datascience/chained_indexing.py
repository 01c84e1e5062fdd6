"""GR403: chained indexing (``df[a][b] = v``) on a pandas object."""

from __future__ import annotations

import ast
from typing import Iterator, Optional

from groundrules.rules.datascience._options import CHAINED_INDEXING_READS
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, FixClass, Severity

_INDEXERS = frozenset({"loc", "iloc", "at", "iat"})


def _inner_subscript(node: ast.Subscript) -> Optional[ast.Subscript]:
    """For ``X[k]`` the subscript ``X`` is, looking through one indexer: ``df[c].iloc[i]``."""
    inner = node.value
    if isinstance(inner, ast.Attribute) and inner.attr in _INDEXERS:
        inner = inner.value
    return inner if isinstance(inner, ast.Subscript) else None


def _is_label(node: ast.expr) -> bool:
    """A string or number constant (not a bool): a column label."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (str, int, float))
        and not isinstance(node.value, bool)
    )


def _is_positional(node: ast.expr) -> bool:
    """An integer literal (``0``, ``-1``), or a list or tuple holding one: maybe a position."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return any(_is_positional(elt) for elt in node.elts)
    return isinstance(node, ast.Constant) and isinstance(node.value, int)


def fixable_chain(target: ast.Subscript) -> bool:
    """``df[col][key]`` the fix turns into ``df.loc[key, col]``: ``col`` a constant label, ``key``
    a mask or label (not an integer literal, a slice or a tuple), ``df`` a name or attribute."""
    inner = target.value
    if not isinstance(inner, ast.Subscript) or not isinstance(inner.value, (ast.Name, ast.Attribute)):
        return False
    if isinstance(inner.value, ast.Attribute) and inner.value.attr in _INDEXERS:
        return False  # ``df.loc[r][c]``
    key = target.slice
    if isinstance(key, (ast.Slice, ast.Tuple, ast.Starred)) or _is_positional(key):
        return False
    if isinstance(key, ast.Constant) and (key.value is None or isinstance(key.value, bool)):
        return False
    return _is_label(inner.slice)


def _targets(target: ast.expr) -> Iterator[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        for elt in target.elts:
            yield from _targets(elt)
    elif isinstance(target, ast.Starred):
        yield from _targets(target.value)
    else:
        yield target


class ChainedIndexing(Rule):
    code = "GR403"
    name = "chained-indexing"
    category = Category.DATA_SCIENCE
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = (
        "chained indexing writes to a temporary copy, not the frame: use one indexer, "
        "`df.loc[row, col] = value`"
    )
    read_message = (
        "chained indexing read `df[a][b]`: use one indexer, `df.loc[b, a]` (or `.iloc`)"
    )
    what = """
Finds assignments (including augmented ones) whose target indexes the result of another
indexing of a pandas object: `df[a][b] = v`, `df.loc[r][c] = v`, `df[c].iloc[i] = v`. With
`chained-indexing-reads = true` it also reports reads such as `x = df[a][b]`.
"""
    why = """
The first indexing may return a copy. Under Copy-on-Write (the default from pandas 3.0) the write
never reaches `df` and pandas raises `ChainedAssignmentError`; under pandas 2.x whether it
reaches `df` depends on dtypes and layout. Either way the code does not say what it means.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("sales.csv")
df.loc[df["amount"] < 0, "amount"] = 0
df.loc[3, "region"] = "north"
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): `df[col][mask] = v` ->
`df.loc[mask, col] = v` (also for `+=` and the other augmented assignments) when `col` is a string
or number constant label and the inner key is a boolean mask or a label; the write now reaches
`df`, which is what it was meant to do. Integer literal keys are SUGGEST (`.iloc` or `.loc`
depends on the index), as are slices, `df.loc[r][c]`, `df[c].iloc[i]` and reads.
"""
    options = (CHAINED_INDEXING_READS,)
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf['price'][df['price'] < 0] = 0\n",
        "import pandas as pd\ndf = pd.DataFrame({'a': [1]})\ndf.loc[0]['a'] = 5\n",
        "import pandas as pd\ndf = pd.read_parquet('a.pq')\ndf['a'].iloc[0] = 1\n",
        "import pandas as pd\n\ndef fix(df: pd.DataFrame):\n    df['a']['b'] += 1\n",
        Example(
            "import pandas as pd\ndf = pd.read_csv('a.csv')\nx = df['a'][0]\n",
            options={"data-science.chained-indexing-reads": True},
        ),
        # A frame from a helper of the same module.
        "import pandas as pd\n\ndef load():\n    df = pd.read_csv('a.csv')\n    return df.dropna()\n\n"
        "df = load()\ndf['a'][df['a'] < 0] = 0\n",
        # A parameter defaulted (or annotated `Optional`) as a frame.
        "import pandas as pd\n\ndef f(df=pd.DataFrame()):\n    df['a'][0] = 1\n",
        "from typing import Optional\nimport pandas as pd\n\n"
        "def f(df: Optional[pd.DataFrame]):\n    df.iloc[0:5].loc[:, 'a'][0] = 1\n",
        # Still a frame after `df = df.append(other)` and a `groupby().agg()`.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf = df.append(other)\n"
        "g = df.groupby('k').agg('sum')\ng['a'][g['a'] > 9] = 9\n",
    )
    good = (
        # A dict of dicts is not a DataFrame.
        "import pandas as pd\nd = {}\nd['k'] = {}\nd['k']['f1'] = 1\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.loc[df['a'] < 0, 'a'] = 0\n",
        # Reads are reported only when asked for.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nx = df['a'][0]\n",
        # Unknown receiver: no evidence it is pandas.
        "import pandas as pd\n\ndef f(cfg):\n    cfg['a']['b'] = 1\n",
        # A polars-only module.
        "import polars as pl\ndf = pl.read_csv('a.csv')\ndf['a'][0] = 1\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.at[0, 'a'] = 1\n",
        # A helper that does not always return a frame is no evidence.
        "import pandas as pd\n\ndef load(p):\n    if p:\n        return pd.read_csv(p)\n    return {}\n\n"
        "cfg = load(None)\ncfg['a']['b'] = 1\n",
    )

    def _check_target(self, target: ast.expr) -> None:
        for item in _targets(target):
            if not isinstance(item, ast.Subscript):
                continue
            inner = _inner_subscript(item)
            if inner is not None and self.ctx.pandas.is_pandas(inner):
                self.report(item, fixable=fixable_chain(item))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._check_target(node.target)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load):
            return
        parent = self.ctx.parent
        # Report a chain once, at its outermost subscript (the inner one of a write is a Load).
        if isinstance(parent, ast.Subscript) and parent.value is node:
            return
        if isinstance(parent, ast.Attribute) and parent.attr in _INDEXERS:
            return
        inner = _inner_subscript(node)
        if inner is None:
            return
        if not self.option(CHAINED_INDEXING_READS):
            return
        if self.ctx.pandas.is_pandas(inner):
            self.report(node, self.read_message, fixable=False)
