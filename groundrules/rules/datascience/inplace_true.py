"""GR405: pandas methods called with ``inplace=True``."""

from __future__ import annotations

import ast
from typing import Iterator, Optional

from groundrules.rules.context import keyword
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity


class InplaceTrue(Rule):
    code = "GR405"
    name = "inplace-true"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    fix = FixClass.UNSAFE
    message = (
        "`.{method}(..., inplace=True)` returns None and blocks chaining: assign the result, "
        "`x = x.{method}(...)`"
    )
    what = """
Finds method calls passing `inplace=True` in modules that import pandas.
"""
    why = """
`inplace=True` rarely saves memory (pandas usually copies anyway), returns `None` (so
`df = df.dropna(inplace=True)` silently loses the frame), prevents method chaining, and under
Copy-on-Write behaves differently on views. The pandas developers plan to deprecate it.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("sales.csv")
df = df.dropna(subset=["amount"]).rename(columns={"amount": "amount_eur"})
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): the statement
`x.m(..., inplace=True)` -> `x = x.m(...)` when `x` is a plain pandas-typed name bound in the
current scope (a module-level frame used in a function would become a local); another name
bound to the same frame no longer sees the change. Attribute or subscript receivers
(`self.df.m(...)`, `frames[k].m(...)`), class bodies and calls whose result is used are SUGGEST.
"""
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.dropna(inplace=True)\n",
        "import pandas as pd\n\ndef clean(df):\n    df.rename(columns={'a': 'b'}, inplace=True)\n",
        "import pandas as pd\n\nclass Job:\n    def run(self):\n"
        "        self.frame.sort_values('a', inplace=True)\n",
        "from pandas import DataFrame\nframe = DataFrame()\n"
        "frame.reset_index(drop=True, inplace=True)\n",
    )
    good = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf = df.dropna()\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf.dropna(inplace=False)\n",
        # Not a pandas module (polars, or plain Python).
        "import polars as pl\nobj.update(inplace=True)\n",
        "import torch.nn as nn\nact = nn.ReLU(inplace=True)\n",
        # Another library's API in a module that also imports pandas.
        "import pandas as pd\nimport torch.nn as nn\nact = nn.ReLU(inplace=True)\n",
        # A computed flag: the rule only reports the literal True.
        "import pandas as pd\n\ndef clean(df, inplace):\n    return df.dropna(inplace=inplace)\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not node.keywords or not isinstance(func, ast.Attribute):
            return
        flag = keyword(node, "inplace")
        if flag is None or not (isinstance(flag.value, ast.Constant) and flag.value.value is True):
            return
        qualname = self.ctx.qualname(func)
        if qualname is not None and not qualname.startswith("pandas."):
            # An imported API of another library (`torch.nn.ReLU(inplace=True)`), not a method.
            return
        receiver = func.value
        plain = (
            isinstance(receiver, ast.Name)
            and self.ctx.pandas.is_pandas(receiver)
            and _bound_in_scope(self.ctx.enclosing_scope(), receiver.id)
        )
        statement = isinstance(self.ctx.parent, ast.Expr)
        self.report(node, fixable=plain and statement, method=func.attr)


def _bound_in_scope(scope: Optional[ast.AST], name: str) -> bool:
    """True when assigning ``name`` here rebinds the same variable the call reads."""
    if scope is None:
        return True
    if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    args = scope.args
    params = args.posonlyargs + args.args + args.kwonlyargs
    if any(a.arg == name for a in params):
        return True
    for node in _own_nodes(scope):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
    return False


def _own_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function body, not descending into nested scopes or comprehensions."""
    nested = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef,
              ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    stack = list(getattr(scope, "body", []))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, nested):
            stack.extend(ast.iter_child_nodes(node))
