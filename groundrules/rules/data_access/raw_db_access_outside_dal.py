"""GR301: database drivers used outside the approved data-access layer."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Tuple

from groundrules.rules.data_access._options import (
    DB_DRIVERS,
    in_allowed_module,
    name_matches,
    tops_of,
)
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import ALLOWED_MODULES
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

#: Driver modules: importing one is raw database access.
DRIVER_MODULES = (
    "psycopg2",
    "psycopg",
    "pymysql",
    "mysql.connector",
    "pyodbc",
    "cx_Oracle",
    "oracledb",
    "snowflake.connector",
    "redshift_connector",
    "databricks.sql",
    "pandas_gbq",
)
#: APIs of general libraries: only the call is raw access (``import sqlalchemy`` is fine).
DRIVER_CALLS = frozenset(
    {
        "sqlite3.connect",
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "pymongo.MongoClient",
        "google.cloud.bigquery.Client",
    }
)
_TOPS = frozenset(tops_of(DRIVER_MODULES) + tops_of(DRIVER_CALLS) + ("pyspark",))
_CALL_NAMES = frozenset(n.rsplit(".", 1)[1] for n in DRIVER_CALLS) | {"jdbc"}


class RawDbAccessOutsideDal(Rule):
    code = "GR301"
    name = "raw-db-access-outside-dal"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    message = (
        "`{api}` outside the data-access layer: get connections from the approved helper "
        "(`get_connection()` / `read_table(...)`)"
    )
    what = """
Finds imports of database drivers (`psycopg2`, `psycopg`, `pymysql`, `mysql.connector`, `pyodbc`,
`cx_Oracle`/`oracledb`, `snowflake.connector`, `redshift_connector`, `databricks.sql`,
`pandas_gbq`) and calls of `sqlite3.connect`, `sqlalchemy.create_engine`, `pymongo.MongoClient`,
`google.cloud.bigquery.Client` and `spark.read.jdbc` in modules outside `allowed-modules`.
`db-drivers` adds driver modules (flagged on import) or APIs (flagged on call).
"""
    why = """
Connections are governed centrally: authentication, pooling, auditing and row-level security
live in the data-access layer. A hand-made connection bypasses all of them.
"""
    use_instead = """\
from acme_data import get_connection, read_table

orders = read_table("sales.orders")
with get_connection() as conn:
    conn.execute("SELECT 1")
"""
    fix_safety = """
No automatic fix: which helper replaces the connection depends on the team's data-access layer,
so the message names the approved helper (`from acme_data import get_connection`).
"""
    options = (ALLOWED_MODULES, DB_DRIVERS)
    bad = (
        "import psycopg2\n\nconn = psycopg2.connect(dsn)\n",
        "from sqlalchemy import create_engine\n\nengine = create_engine(url)\n",
        "import sqlite3\n\nconn = sqlite3.connect('local.db')\n",
        "from mysql import connector\n",
        "from sqlalchemy import create_engine as ce\n\nengine = ce(url)\n",
        "from google.cloud import bigquery\n\nclient = bigquery.Client()\n",
        "import pyspark\n\ndf = spark.read.jdbc(url, 'orders', properties=props)\n",
        Example("import teradatasql\n", options={"data-access.db-drivers": ["teradatasql"]}),
    )
    good = (
        "from acme_data import get_connection\n\nconn = get_connection()\n",
        # The data-access layer itself may use drivers.
        Example(
            "import psycopg2\n\nconn = psycopg2.connect(dsn)\n",
            path="acme_data/db.py",
            options={"data-access.allowed-modules": ["acme_data.*"]},
        ),
        Example(
            "from sqlalchemy import create_engine\n\nengine = create_engine(url)\n",
            path="acme_data/__init__.py",
            options={"data-access.allowed-modules": ["acme_data.*"]},
        ),
        # Importing sqlalchemy for its expression language is not a connection.
        "import sqlalchemy as sa\n\nstmt = sa.select(sa.column('id'))\n",
        # A local function named like the driver call.
        "def create_engine(url):\n    return url\n\nengine = create_engine('x')\n",
        # `reader.jdbc` without pyspark is something else.
        "reader.read.jdbc(url)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._drivers: Tuple[str, ...] = DRIVER_MODULES + self.option(DB_DRIVERS)
        extra = self.option(DB_DRIVERS)
        self._call_names = _CALL_NAMES | frozenset(e.rsplit(".", 1)[-1] for e in extra)
        tops = _TOPS | frozenset(tops_of(extra))
        self._active = ctx.imports.imports_any(tops) and not in_allowed_module(ctx)
        self._flagged: List[str] = []

    def _driver(self, module: str) -> Optional[str]:
        for driver in self._drivers:
            if module == driver or module.startswith(driver + "."):
                return driver
        return None

    def visit_Import(self, node: ast.Import) -> None:
        if not self._active:
            return
        found: List[str] = [a.name for a in node.names if self._driver(a.name)]
        if found:
            self._flagged.extend(found)
            self.report(node, api=found[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if not self._active or node.level or not node.module:
            return
        candidates = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for candidate in candidates:
            if self._driver(candidate):
                self._flagged.append(candidate)
                self.report(node, api=candidate)
                return

    def visit_Call(self, node: ast.Call) -> None:
        if not self._active:
            return
        func = node.func
        if isinstance(func, ast.Attribute):
            last = func.attr
            if last not in self._call_names:
                return
        elif isinstance(func, ast.Name):
            last = func.id  # an alias (`create_engine as ce`) resolves below
        else:
            return
        if (
            last == "jdbc"
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "read"
            and self.ctx.imports.imports_module("pyspark")
        ):
            self.report(node, api="spark.read.jdbc")
            return
        qualname = self.ctx.qualname(func)
        if qualname is None:
            return
        if name_matches(qualname, self._flagged):
            return  # already reported on its import
        if qualname in DRIVER_CALLS or qualname in self.option(DB_DRIVERS):
            self.report(node, api=qualname)
