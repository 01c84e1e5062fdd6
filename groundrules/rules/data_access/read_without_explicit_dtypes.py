"""GR307: pandas reads that leave column types to inference."""

from __future__ import annotations

import ast

from groundrules.rules.context import has_kwargs_splat, keyword
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

READERS = frozenset(
    {
        "pandas.read_csv",
        "pandas.read_table",
        "pandas.read_fwf",
        "pandas.read_excel",
        "pandas.read_json",
        "pandas.read_sql",
        "pandas.read_sql_query",
        "pandas.read_sql_table",
    }
)
_LAST = frozenset(r.rsplit(".", 1)[1] for r in READERS)


class ReadWithoutExplicitDtypes(Rule):
    code = "GR307"
    name = "read-without-explicit-dtypes"
    category = Category.DATA_ACCESS
    severity = Severity.INFO
    message = "`{call}()` without `dtype=`: declare the column types (`dtype={{\"id\": \"string\"}}`)"
    what = """
Finds `pd.read_csv`, `read_table`, `read_fwf`, `read_excel`, `read_json` and `read_sql*` calls
without `dtype=` or `converters=`. `read_parquet` and `read_feather` are exempt: those formats
carry their schema.
"""
    why = """
Silent type inference turns IDs into floats (and drops their leading zeros), mixes types within a
column depending on which rows were sampled, and changes when the data does, so the same code
produces different frames from one day to the next.
"""
    use_instead = """\
import pandas as pd

orders = pd.read_csv(
    "data/orders.csv",
    dtype={"order_id": "string", "zip": "string", "amount": "float64"},
)
"""
    fix_safety = "No automatic fix: inferring `dtype={...}` from the data is out of scope."
    requires = frozenset({"pandas"})
    bad = (
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv')\n",
        "from pandas import read_csv as rc\n\ndf = rc('data/orders.csv', sep=';')\n",
        "import pandas as pd\n\ndf = pd.read_excel('report.xlsx', sheet_name='Q1')\n",
        "import pandas as pd\n\ndf = pd.read_sql('SELECT id FROM t', conn)\n",
        "import pandas\n\ndf = pandas.read_json('x.json', lines=True)\n",
    )
    good = (
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv', dtype={'id': 'string'})\n",
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv', converters={'zip': str})\n",
        # Formats with an embedded schema.
        "import pandas as pd\n\ndf = pd.read_parquet('data/orders.parquet')\n",
        # Options passed through **kwargs may hold dtype.
        "import pandas as pd\n\ndf = pd.read_csv(path, **read_options)\n",
        # A polars-only module.
        "import polars as pl\n\ndf = pl.read_csv('data/orders.csv')\n",
        # A local function named like the reader.
        "import pandas as pd\n\ndef read_csv(p):\n    return p\n\nread_csv('x.csv')\n",
    )

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr not in _LAST:
            return
        qualname = self.ctx.qualname(func)
        if qualname not in READERS:
            return
        if keyword(node, "dtype") or keyword(node, "converters") or has_kwargs_splat(node):
            return
        self.report(node, call=qualname.replace("pandas.", "pd."))
