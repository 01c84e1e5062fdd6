"""GR306: a full scan of a large table: no WHERE, no LIMIT, no chunking."""

from __future__ import annotations

import ast
import fnmatch
import re
from typing import TYPE_CHECKING, Iterable, Optional

from groundrules.rules.context import has_kwargs_splat, keyword, literal_string
from groundrules.rules.data_access._options import LARGE_TABLES
from groundrules.rules.data_access._sql import (
    EXPR,
    PANDAS_SQL_READERS,
    SINK_WORDS,
    SinkText,
    SqlBindings,
    outer_select,
)
from groundrules.rules.framework import Example, Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_LARGE = {"data-access.large-tables": ["events", "sales.*"]}
_TABLE = re.compile(r"^\s*[\w$]+(\.[\w$]+)*\s*$")


def is_large(table: str, patterns: Iterable[str]) -> bool:
    table = table.lower()
    last = table.rsplit(".", 1)[-1]
    for pattern in patterns:
        pattern = pattern.lower()
        if fnmatch.fnmatchcase(table, pattern) or fnmatch.fnmatchcase(last, pattern):
            return True
    return False


class UnboundedQuery(Rule):
    code = "GR306"
    name = "unbounded-query"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    text_gate = SINK_WORDS
    message = (
        "unbounded read of large table `{table}`: add a partition predicate (`WHERE`) or a "
        "`LIMIT`{chunk}"
    )
    what = """
Finds a `SELECT` reaching a SQL sink whose outermost `FROM`/`JOIN` names a table in
`large-tables` (names or patterns such as `sales.*`) with no `WHERE` and no
`LIMIT`/`TOP`/`FETCH FIRST` at the outermost level, and `pd.read_sql_table` (or `pd.read_sql`
given a bare table name) on such a table. `pd.read_sql*` calls passing `chunksize=` are bounded.
"""
    why = """
Full scans of large tables cost money, exhaust the memory of the notebook or job, and contend
with production workloads for the warehouse.
"""
    use_instead = """\
import pandas as pd

events = pd.read_sql(
    "SELECT user_id, kind FROM events WHERE day = %(day)s", conn, params={"day": day}
)
"""
    fix_safety = """
No automatic fix: the right partition predicate or bound depends on the question being asked.
"""
    options = (LARGE_TABLES,)
    bad = (
        Example(
            "import pandas as pd\n\ndf = pd.read_sql('SELECT user_id, kind FROM events', conn)\n",
            options=_LARGE,
        ),
        Example("cur.execute('select * from sales.orders o')\n", options=_LARGE),
        Example(
            "import pandas as pd\n\ndf = pd.read_sql_table('orders', conn, schema='sales')\n",
            options=_LARGE,
        ),
        Example(
            "q = 'SELECT a.id FROM users a JOIN events e ON a.id = e.uid'\ncur.execute(q)\n",
            options=_LARGE,
        ),
        Example("df = spark.sql('SELECT kind, count(1) FROM events GROUP BY kind')\n", options=_LARGE),
    )
    good = (
        Example("cur.execute('SELECT kind FROM events WHERE day = %s', (day,))\n", options=_LARGE),
        Example("cur.execute('SELECT kind FROM events LIMIT 100')\n", options=_LARGE),
        Example(
            "import pandas as pd\n\n"
            "for chunk in pd.read_sql('SELECT * FROM events', conn, chunksize=10000):\n"
            "    handle(chunk)\n",
            options=_LARGE,
        ),
        # A small table.
        Example("cur.execute('SELECT id, name FROM countries')\n", options=_LARGE),
        # No large tables configured (the default).
        "cur.execute('SELECT kind FROM events')\n",
        # A WHERE added before execution.
        Example(
            "q = 'SELECT kind FROM events'\nq += ' WHERE day = %s'\ncur.execute(q, (day,))\n",
            options=_LARGE,
        ),
        # The table is not literal.
        Example("cur.execute(f'SELECT kind FROM {table}')\n", options=_LARGE),
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._large = self.option(LARGE_TABLES)
        self._bindings = SqlBindings(ctx)
        self._sinks = SinkText(ctx, self._bindings)

    def leave_Assign(self, node: ast.Assign) -> None:
        if self._large:
            self._bindings.assign(node)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        if self._large:
            self._bindings.assign(node)

    def leave_AugAssign(self, node: ast.AugAssign) -> None:
        if self._large:
            self._bindings.assign(node)

    def visit_Call(self, node: ast.Call) -> None:
        if not self._large:
            return
        found = self._sinks.of(node)
        if found is None:
            return
        sink, sql = found
        chunked = sink in PANDAS_SQL_READERS and (
            keyword(node, "chunksize") is not None or has_kwargs_splat(node)
        )
        if sink == "pandas.read_sql_table" or (sink == "pandas.read_sql" and _TABLE.match(sql)):
            table = sql.strip()
            schema_kw = keyword(node, "schema")
            schema = literal_string(schema_kw.value) if schema_kw is not None else None
            if schema:
                table = f"{schema}.{table}"
            if not chunked and EXPR not in table and is_large(table, self._large):
                self.report(node, table=table, chunk=", or read with `chunksize=`")
            return
        select = outer_select(sql)
        if select is None or select.has_where or select.has_limit or chunked:
            return
        large = self._large_table(select.tables)
        if large is not None:
            chunk = ", or read with `chunksize=`" if sink in PANDAS_SQL_READERS else ""
            self.report(node, table=large, chunk=chunk)

    def _large_table(self, tables: Iterable[str]) -> Optional[str]:
        for table in tables:
            if EXPR not in table and is_large(table, self._large):
                return table
        return None
