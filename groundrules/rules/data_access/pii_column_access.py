"""GR312: personal-data columns read without a masking function."""

from __future__ import annotations

import ast
import fnmatch
from typing import TYPE_CHECKING, FrozenSet, Iterator, Optional, Tuple

from groundrules.rules.context import keyword, literal_string
from groundrules.rules.data_access._options import MASKING_FUNCTIONS
from groundrules.rules.data_access._sql import SinkText, SqlBindings, item_column, outer_select
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import PII_COLUMNS
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_MASK = {"data-access.masking-functions": ["acme_data.mask", "acme_data.tokenize"]}
_READ_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_")
_SELECT_KEYWORDS = ("usecols", "columns")
_KEY_METHODS = frozenset({"merge", "join", "groupby", "group_by"})
_KEY_KEYWORDS = ("on", "left_on", "right_on", "by")
_MAP_METHODS = frozenset({"apply", "map", "transform", "pipe", "map_elements"})
#: Methods and attributes of a column whose result holds no personal value: counts, flags, types.
_SUMMARIES = frozenset(
    """isna isnull notna notnull nunique count duplicated dtype dtypes shape size empty hasnans
    is_unique memory_usage""".split()
)
#: ``.str`` checks returning booleans or lengths.
_STR_CHECKS = frozenset({"contains", "match", "fullmatch", "startswith", "endswith", "len", "isnumeric", "isdigit"})


def _labels(node: Optional[ast.AST]) -> Iterator[Tuple[ast.Constant, str]]:
    """(node, text) of a string label or of each string in a literal list/tuple of labels."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node, node.value
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for elt in node.elts:
            if isinstance(elt, ast.Constant) and isinstance(elt.value, str):
                yield elt, elt.value


class PiiColumnAccess(Rule):
    code = "GR312"
    name = "pii-column-access"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    message = "personal-data column `{column}` {where} without a masking function"
    what = """
Finds a `pii-columns` label read as a string subscript of a DataFrame (`df["email"]`,
`df[["id", "email"]]`, `df.loc[:, "email"]`), in `usecols=`/`columns=` of a reader, as a
`merge`/`join`/`groupby` key, or as a bare column in the outermost select list of SQL reaching a
sink, unless the value goes through one of `masking-functions` (`mask(df["email"])`,
`df["email"].map(mask)`) or a `hashlib` digest, or only a count, flag or check of it is used
(`df["email"].isna().sum()`, `.nunique()`, `.str.contains("@")`). Subscripts need pandas evidence
for the receiver.
"""
    why = """
Data minimisation: personal data should be read only where the policy allows it, and masked or
tokenized before it flows into features, joins, reports or logs.
"""
    use_instead = """\
import pandas as pd

from acme_data import mask

users = pd.read_parquet("data/users.parquet", columns=["user_id", "country"])
users["email_token"] = mask(users_raw["email"])
"""
    fix_safety = "No automatic fix: whether to drop, mask or tokenize the column is a policy call."
    options = (PII_COLUMNS, MASKING_FUNCTIONS)
    bad = (
        "import pandas as pd\n\ndf = pd.read_csv('users.csv')\ndomains = df['email'].str.split('@')\n",
        "import pandas as pd\n\ndf = pd.read_csv('users.csv', usecols=['id', 'phone'])\n",
        "import pandas as pd\n\nusers = pd.DataFrame(rows)\nm = users.merge(orders, on='email')\n",
        "import pandas as pd\n\ndf = pd.read_parquet('u.parquet')\ncounts = df.groupby(['ssn']).size()\n",
        "cur.execute('SELECT id, u.email AS contact FROM users u')\n",
        "import pandas as pd\n\nm = pd.merge(a, b, left_on='phone', right_on='tel')\n",
        "from pandas import merge\n\nm = merge(a, b, on=['id', 'SSN'])\n",
        "import pandas as pd\n\ndf = pd.read_csv('u.csv')\nsub = df.loc[:, ['id', 'email']]\n",
    )
    good = (
        Example(
            "import pandas as pd\nfrom acme_data import mask\n\n"
            "df = pd.read_csv('users.csv')\ndf['email'] = mask(df['email'])\n",
            options=_MASK,
        ),
        Example(
            "import pandas as pd\nimport acme_data\n\n"
            "df = pd.read_csv('users.csv')\ntokens = df['email'].map(acme_data.tokenize)\n",
            options=_MASK,
        ),
        # A dict (no pandas evidence) is not a DataFrame.
        "import pandas as pd\n\nuser = {'email': 'a@b.c'}\naddress = user['email']\n",
        # Dropping a PII column is what the policy wants.
        "import pandas as pd\n\ndf = pd.read_csv('u.csv')\ndf = df.drop(columns=['email'])\n",
        # Masked in SQL, and a SELECT without PII.
        "cur.execute('SELECT id, sha2(email) AS email_hash FROM users')\n",
        "cur.execute('SELECT id, country FROM users')\n",
        # Data-quality checks: counts and flags, no personal value leaves the expression.
        "import pandas as pd\n\ndf = pd.read_csv('u.csv')\nmissing = df['email'].isna().sum()\n"
        "distinct = df['email'].nunique()\nvalid = df['email'].str.contains('@').mean()\n",
        # Hashed with hashlib: a digest, not the value.
        "import hashlib\nimport pandas as pd\n\ndf = pd.read_csv('u.csv')\n"
        "df['uid'] = df['email'].map(lambda e: hashlib.sha256(e.encode()).hexdigest())\n",
        # A polars-only module: no pandas evidence for subscripts.
        "import polars as pl\n\nrow = record['email']\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._pii: FrozenSet[str] = frozenset(c.casefold() for c in self.option(PII_COLUMNS))
        self._masks = self.option(MASKING_FUNCTIONS)
        self._bindings = SqlBindings(ctx)
        self._sinks = SinkText(ctx, self._bindings)

    # -- helpers -----------------------------------------------------------------------------
    def _is_pii(self, label: str) -> bool:
        return label.casefold() in self._pii

    def _is_mask(self, node: ast.AST) -> bool:
        qualname = self.ctx.qualname(node)
        if qualname is None:
            return False
        if qualname.startswith("hashlib."):
            return True  # a digest of the value is not the value
        return any(qualname == m or fnmatch.fnmatchcase(qualname, m) for m in self._masks)

    def _masks_values(self, function: ast.AST) -> bool:
        """A masking function, or a lambda whose result comes from one (``lambda e: sha256(...)``)."""
        if isinstance(function, ast.Lambda):
            body = function.body
            while isinstance(body, ast.Call) and isinstance(body.func, ast.Attribute) and not self._is_mask(body.func):
                body = body.func.value  # `.hexdigest()` on the digest
            return isinstance(body, ast.Call) and self._is_mask(body.func)
        return self._is_mask(function)

    def _masked(self, node: ast.AST) -> bool:
        """The value at ``node`` flows through a masking call in the same expression."""
        child: ast.AST = node
        for ancestor in reversed(self.ctx.ancestors):
            if isinstance(ancestor, ast.stmt):
                return False
            if isinstance(ancestor, ast.Call):
                if self._is_mask(ancestor.func) and child is not ancestor.func:
                    return True
                func = ancestor.func
                if (
                    isinstance(func, ast.Attribute)
                    and func is child
                    and func.attr in _MAP_METHODS
                    and ancestor.args
                    and self._masks_values(ancestor.args[0])
                ):
                    return True
            child = ancestor
        return False

    # -- Python ------------------------------------------------------------------------------
    def leave_Assign(self, node: ast.Assign) -> None:
        self._bindings.assign(node)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bindings.assign(node)

    def leave_AugAssign(self, node: ast.AugAssign) -> None:
        self._bindings.assign(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load):
            return
        index: ast.AST = node.slice
        value = node.value
        if isinstance(value, ast.Attribute) and value.attr in ("loc", "iloc", "at"):
            if not (isinstance(index, ast.Tuple) and len(index.elts) == 2):
                return
            index = index.elts[1]
        hits = [text for _, text in _labels(index) if self._is_pii(text)]
        if not hits or not self.ctx.pandas.is_pandas(value):
            return
        if self._masked(node) or self._only_summarised(node):
            return
        self.report(node, column=hits[0], where="read from a DataFrame")

    def _only_summarised(self, node: ast.Subscript) -> bool:
        """``df["email"].isna().sum()``, ``df["email"].nunique()``, ``df["email"].str.contains("@")``:
        a count, a flag or a check, no personal value leaves the expression."""
        parent = self.ctx.parent
        if not isinstance(parent, ast.Attribute) or parent.value is not node:
            return False
        if parent.attr in _SUMMARIES:
            return True
        if parent.attr == "str":
            grand = self.ctx.ancestors[-2] if len(self.ctx.ancestors) > 1 else None
            return isinstance(grand, ast.Attribute) and grand.attr in _STR_CHECKS
        return False

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _KEY_METHODS:
            self._check_keys(node, func, func.attr)
        elif isinstance(func, ast.Name) and self.ctx.qualname(func) == "pandas.merge":
            self._check_keys(node, func, "merge")
        elif node.keywords:
            self._check_reader(node)
        found = self._sinks.of(node)
        if found is not None:
            self._check_sql(node, found[1])

    def _check_reader(self, node: ast.Call) -> None:
        kws = [keyword(node, k) for k in _SELECT_KEYWORDS]
        if not any(kw is not None for kw in kws):
            return
        qualname = self.ctx.qualname(node.func)
        if qualname is None or not qualname.startswith(_READ_PREFIXES):
            return
        for kw in kws:
            if kw is None:
                continue
            for label, text in _labels(kw.value):
                if self._is_pii(text):
                    self.report(label, column=text, where=f"selected by `{kw.arg}=`")
                    return

    def _check_keys(self, node: ast.Call, func: ast.expr, method: str) -> None:
        qualname = self.ctx.qualname(func)
        if qualname is not None:
            if qualname != "pandas.merge":
                return
        elif not (isinstance(func, ast.Attribute) and self.ctx.pandas.is_pandas(func.value)):
            return
        candidates = [kw.value for kw in node.keywords if kw.arg in _KEY_KEYWORDS]
        if method in ("groupby", "group_by") and node.args:
            candidates.append(node.args[0])
        for candidate in candidates:
            for label, text in _labels(candidate):
                if self._is_pii(text):
                    self.report(label, column=text, where=f"used as a `{method}` key")
                    return

    def _check_sql(self, node: ast.Call, sql: str) -> None:
        if not any(p in sql.casefold() for p in self._pii):
            return
        select = outer_select(sql)
        if select is None:
            return
        for item in select.items:
            column = item_column(item)
            if column is not None and self._is_pii(column):
                self.report(node, column=column, where="in a SQL select list")
                return
