"""GR310: data written to databases, remote storage or local paths the standards do not approve."""

from __future__ import annotations

import ast
import posixpath
import re
from typing import TYPE_CHECKING, Iterable, Optional

from groundrules.rules.context import keyword, literal_string
from groundrules.rules.data_access._options import (
    OUTPUT_DIRS,
    PLACEHOLDER,
    in_allowed_module,
    literal_path,
    path_argument,
)
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import ALLOWED_MODULES
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|jdbc:)", re.I)
FILE_WRITERS = frozenset({"to_parquet", "to_csv", "to_excel", "to_pickle"})
TABLE_WRITERS = frozenset({"to_sql", "to_gbq"})
SPARK_TABLE_WRITERS = frozenset({"saveAsTable", "insertInto"})
_NAMES = FILE_WRITERS | TABLE_WRITERS | SPARK_TABLE_WRITERS
_OUTPUTS = {"data-access.output-dirs": ["data/outputs", "reports"]}


def _through_write(func: ast.Attribute) -> bool:
    """``df.write.saveAsTable`` / ``df.write.mode("overwrite").insertInto``."""
    node: ast.expr = func.value
    for _ in range(20):
        if isinstance(node, ast.Attribute):
            if node.attr in ("write", "writeTo"):
                return True
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            return False
    return False


def inside(path: str, dirs: Iterable[str]) -> bool:
    path = path.replace("\\", "/")
    if path.startswith("file://"):
        path = path[len("file://") :]
    norm = posixpath.normpath(path)
    for directory in dirs:
        base = posixpath.normpath(directory.replace("\\", "/").rstrip("/"))
        if norm == base or norm.startswith(base + "/"):
            return True
    return False


class WriteOutsideApprovedSinks(Rule):
    code = "GR310"
    name = "write-outside-approved-sinks"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    message = "{what}: write through the data-access layer{hint}"
    what = """
Finds, outside `allowed-modules`: `to_sql`, `to_gbq`, `df.write.saveAsTable` / `insertInto`
(any direct table write; `to_sql(..., if_exists="replace")` drops the table first);
`to_parquet`/`to_csv`/`to_excel`/`to_pickle` to a remote URI, or to a literal local path outside
`output-dirs` when `output-dirs` is set.
"""
    why = """
Direct writes to production tables are unreviewed and can drop or corrupt data others depend on;
extracts written to arbitrary places are untracked copies of (possibly personal) data.
"""
    use_instead = """\
from acme_data import catalog

catalog.save("reports.daily_revenue", revenue)
revenue.to_csv("reports/daily_revenue.csv", index=False)
"""
    fix_safety = "No automatic fix: where the data should go is a policy decision."
    options = (OUTPUT_DIRS, ALLOWED_MODULES)
    requires = frozenset({"pandas", "polars", "pyspark", "dask", "modin"})
    bad = (
        "import pandas as pd\n\ndf = pd.DataFrame()\ndf.to_sql('orders', engine, if_exists='replace')\n",
        "import pandas as pd\n\ndef publish(df, engine):\n    df.to_sql('scores', engine, index=False)\n",
        "import pyspark\n\ndf.write.mode('overwrite').saveAsTable('prod.scores')\n",
        "import pandas as pd\n\ndf.to_parquet('s3://lake/extracts/users.parquet')\n",
        Example("import pandas as pd\n\ndf.to_csv('/tmp/users.csv')\n", options=_OUTPUTS),
        Example("import pandas as pd\n\ndf.to_excel('data/outputs/../x.xlsx')\n", options=_OUTPUTS),
    )
    good = (
        Example("import pandas as pd\n\ndf.to_csv('reports/daily.csv', index=False)\n",
                options=_OUTPUTS),
        Example("import pandas as pd\n\ndf.to_parquet(out_path)\n", options=_OUTPUTS),
        # Without output-dirs, local writes are not restricted.
        "import pandas as pd\n\ndf.to_csv('daily.csv')\n",
        # to_csv() with no path returns a string.
        "import pandas as pd\n\ntext = df.to_csv(index=False)\n",
        Example(
            "import pandas as pd\n\ndef save(df, engine):\n    df.to_sql('scores', engine)\n",
            path="acme_data/writer.py",
            options={"data-access.allowed-modules": ["acme_data.*"]},
        ),
        # A module importing no dataframe library.
        "class Store:\n    def to_sql(self, name):\n        return name\n\nStore().to_sql('x')\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._allowed: Optional[bool] = None

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in _NAMES:
            return
        name = func.attr
        if self._allowed is None:
            self._allowed = in_allowed_module(self.ctx)
        if self._allowed:
            return
        if name in TABLE_WRITERS:
            mode = keyword(node, "if_exists")
            if mode is not None and literal_string(mode.value) == "replace":
                self.report(
                    node,
                    what=f'`{name}(..., if_exists="replace")` drops and recreates the table',
                    hint=", and append or merge instead of replacing",
                )
            else:
                self.report(node, what=f"`{name}()` writes straight to a table", hint="")
            return
        if name in SPARK_TABLE_WRITERS:
            if _through_write(func):
                self.report(node, what=f"`.write.{name}()` writes straight to a table", hint="")
            return
        path = literal_path(path_argument(node), self.ctx)
        if path is None or path.startswith(PLACEHOLDER):
            return
        if _REMOTE.match(path) and not path.lower().startswith("file://"):
            self.report(
                node, what=f"`{name}()` to remote `{path.split(PLACEHOLDER)[0]}`", hint=""
            )
            return
        dirs = self.option(OUTPUT_DIRS)
        if dirs and not inside(path.split(PLACEHOLDER)[0] + "x", dirs):
            self.report(
                node,
                what=f"`{name}()` to `{path.replace(PLACEHOLDER, '{...}')}`",
                hint=f" or into one of `output-dirs` ({', '.join(dirs)})",
            )
