"""GR305: ``SELECT *`` sent to the database."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from groundrules.rules.data_access._sql import SINK_WORDS, SinkText, SqlBindings, is_star, outer_select
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context


class SelectStar(Rule):
    code = "GR305"
    name = "select-star"
    category = Category.DATA_ACCESS
    severity = Severity.WARNING
    text_gate = SINK_WORDS
    message = "`{star}` in the outermost SELECT sent to `{sink}`: name the columns you need"
    what = """
Finds SQL text reaching a sink (`.execute`, `.executemany`, `.executescript`,
`.exec_driver_sql`, `pd.read_sql*`, `pd.read_gbq`, `spark.sql`, `session.sql`,
`sqlalchemy.text`) whose outermost projection is `*` or `alias.*`. The text is a literal, the
literal parts of an f-string, a `text()` argument, or a string bound to a name earlier in the
same scope or at module level; `count(*)` and stars inside subqueries are not projections.
"""
    why = """
`SELECT *` hides schema drift (new, renamed or reordered columns flow in silently), reads more
data than needed and can pull personal data into places it should never reach.
"""
    use_instead = """\
import pandas as pd

orders = pd.read_sql("SELECT order_id, amount, created_at FROM orders", conn)
"""
    fix_safety = "No automatic fix: the columns a query needs are not known statically."
    bad = (
        "import pandas as pd\n\ndf = pd.read_sql('SELECT * FROM orders', conn)\n",
        "cur.execute('select o.*, c.name from orders o join customers c on o.cid = c.id')\n",
        "def load(conn, day):\n"
        "    query = f'''\n        SELECT *\n        FROM events\n        WHERE day = '{day}'\n    '''\n"
        "    return conn.execute(query)\n",
        "from sqlalchemy import text\n\nstmt = text('SELECT DISTINCT * FROM users')\n",
        "QUERY = 'WITH recent AS (SELECT id FROM t WHERE d > 1) SELECT * FROM recent'\n\n"
        "def run(cur):\n    cur.execute(QUERY)\n",
    )
    good = (
        "import pandas as pd\n\ndf = pd.read_sql('SELECT id, amount FROM orders', conn)\n",
        "cur.execute('SELECT count(*) FROM orders')\n",
        "cur.execute('SELECT id FROM (SELECT * FROM orders) o')\n",
        # Not a sink: a string that is never executed.
        "HELP = 'SELECT * FROM orders'\n",
        # A local function named like a sink.
        "def execute(sql):\n    return sql\n\nexecute('SELECT * FROM orders')\n",
        # The star is inside a quoted string or a comment.
        "cur.execute(\"SELECT id, '*' AS mark FROM t -- SELECT *\")\n",
        # text() passed to a sink is reported once, by the sink (here: nothing to report).
        "from sqlalchemy import text\n\nconn.execute(text('SELECT id FROM t'))\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._bindings = SqlBindings(ctx)
        self._sinks = SinkText(ctx, self._bindings)

    def leave_Assign(self, node: ast.Assign) -> None:
        self._bindings.assign(node)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._bindings.assign(node)

    def leave_AugAssign(self, node: ast.AugAssign) -> None:
        self._bindings.assign(node)

    def visit_Call(self, node: ast.Call) -> None:
        found = self._sinks.of(node)
        if found is None:
            return
        sink, sql = found
        select = outer_select(sql)
        if select is None:
            return
        for item in select.items:
            if is_star(item):
                self.report(node, star=item, sink=sink)
                return
