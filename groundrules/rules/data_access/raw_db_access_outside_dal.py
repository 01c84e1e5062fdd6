"""GR301: database drivers used outside the approved data-access layer."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, List, Optional, Set, Tuple

from groundrules.rules.data_access._options import (
    DB_DRIVERS,
    in_allowed_module,
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
#: The calls of a driver module that open a connection (``psycopg2.connect``, ``pyodbc.connect``).
_DRIVER_CONNECTS = frozenset({"connect", "Connection", "Client", "read_gbq", "to_gbq"})
_CALL_NAMES = frozenset(n.rsplit(".", 1)[1] for n in DRIVER_CALLS) | {"jdbc"} | _DRIVER_CONNECTS


class RawDbAccessOutsideDal(Rule):
    code = "GR301"
    name = "raw-db-access-outside-dal"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    message = "`{api}` outside the data-access layer: {advice}"
    #: When no layer is declared yet (a new repo): say how to declare one, name no helper.
    no_layer_advice = (
        "connect only in your data-access module and list it under "
        "`[tool.groundrules.data-access] allowed-modules`"
    )
    layer_advice = "use the data-access layer ({layer}) instead of a connection of your own"
    what = """
Finds database drivers (`psycopg2`, `psycopg`, `pymysql`, `mysql.connector`, `pyodbc`,
`cx_Oracle`/`oracledb`, `snowflake.connector`, `redshift_connector`, `databricks.sql`,
`pandas_gbq`) and calls of `sqlite3.connect`, `sqlalchemy.create_engine`, `pymongo.MongoClient`,
`google.cloud.bigquery.Client` and `spark.read.jdbc` in modules outside `allowed-modules`,
wherever they are (a function of a model-training module too). A driver's calls
(`psycopg2.connect(...)`) are reported where they connect; a driver imported and never called
is reported on its import. `db-drivers` adds driver modules or APIs (flagged on call).
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
No automatic fix: which helper replaces the connection depends on the team's data-access layer.
The message names the layer declared in `allowed-modules`, or, when none is declared yet, says to
declare the module that connects there.
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
        # Inside the functions of a model-training module, each connection is reported.
        Example(
            "import pymysql\nimport sklearn\n\ndef train():\n    conn = pymysql.connect(host='db')\n"
            "\ndef score():\n    import psycopg2\n    return psycopg2.connect('dbname=x')\n",
            path="src/models/train.py",
        ),
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
        #: Driver imports not yet reported: (driver, import statement); reported in ``end``
        #: unless a call of the driver was reported instead.
        self._imports: List[Tuple[str, ast.stmt]] = []
        self._called: Set[str] = set()
        layers: Tuple[str, ...] = self.option(ALLOWED_MODULES)
        self._advice = (
            self.layer_advice.format(layer=", ".join(f"`{p}`" for p in layers))
            if layers
            else self.no_layer_advice
        )

    def _driver(self, module: str) -> Optional[str]:
        for driver in self._drivers:
            if module == driver or module.startswith(driver + "."):
                return driver
        return None

    def visit_Import(self, node: ast.Import) -> None:
        if not self._active:
            return
        for alias in node.names:
            driver = self._driver(alias.name)
            if driver:
                self._imports.append((driver, node))
                return

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if not self._active or node.level or not node.module:
            return
        candidates = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for candidate in candidates:
            driver = self._driver(candidate)
            if driver:
                self._imports.append((driver, node))
                return

    def end(self) -> None:
        reported: Set[int] = set()
        for driver, node in self._imports:
            if driver not in self._called and id(node) not in reported:
                reported.add(id(node))
                self.report(node, api=driver, advice=self._advice)

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
            self.report(node, api="spark.read.jdbc", advice=self._advice)
            return
        qualname = self.ctx.qualname(func)
        if qualname is None:
            return
        driver = self._driver(qualname)
        if driver is not None and last in _DRIVER_CONNECTS:
            self._called.add(driver)
            self.report(node, api=qualname, advice=self._advice)
        elif qualname in DRIVER_CALLS or qualname in self.option(DB_DRIVERS):
            self.report(node, api=qualname, advice=self._advice)
