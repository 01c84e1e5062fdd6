"""GR303: data read straight from a remote URI instead of through the dataset catalog."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Optional, Tuple

from groundrules.rules.data_access._catalog_fix import catalog_key
from groundrules.rules.data_access._options import (
    CATALOG,
    CATALOG_OBJECT,
    PLACEHOLDER,
    data_suffix,
    in_allowed_module,
    literal_path,
    path_argument,
)
from groundrules.rules.framework import Example, Rule
from groundrules.rules.shared_options import ALLOWED_MODULES, DATA_EXTENSIONS
from groundrules.standards.schema import Category, FixClass, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_REMOTE = re.compile(r"^(?:(?:s3[an]?|gs|gcs|abfss?|wasbs?|az|adl|hdfs)://|jdbc:)", re.I)
_HTTP = re.compile(r"^https?://", re.I)
_READER_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_")
_LOADERS = frozenset({"open", "fsspec.open", "numpy.load", "joblib.load"})
_SPARK_FORMATS = frozenset({"csv", "parquet", "json", "orc", "text", "load", "avro", "delta"})
_NAMES = frozenset({"open", "load"}) | _SPARK_FORMATS


def _is_spark_reader(func: ast.Attribute) -> bool:
    """``spark.read.<fmt>(...)`` or ``spark.read.format(...).option(...).load(...)``."""
    node: ast.expr = func.value
    for _ in range(20):
        if isinstance(node, ast.Attribute):
            if node.attr == "read":
                return True
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            return False
    return False


class DirectRemoteUriRead(Rule):
    code = "GR303"
    name = "direct-remote-uri-read"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = "reads `{uri}` directly: load the dataset through the catalog (`catalog.load(key)`)"
    what = """
Finds `pd.read_*`, `pl.read_*`/`scan_*`, `dd.read_*`, `spark.read.*`, `open`/`fsspec.open`,
`np.load` and `joblib.load` calls whose path literal (or an f-string's literal prefix) starts with
`s3://`, `gs://`, `abfs(s)://`, `wasb(s)://`, `hdfs://` or `jdbc:`, or is an `http(s)://` URL of
a data file (a `data-extensions` suffix), outside `allowed-modules`. When the `catalog` file
(read once with the standards) maps the URI to one entry, the finding offers a rewrite to
`catalog.load("<key>")` (see Fix safety).
"""
    why = """
A hard-coded remote URI bypasses the dataset catalog: no lineage, no access control, and every
copy of the path must be found and edited when the dataset moves.
"""
    use_instead = """\
from acme_data import catalog

events = catalog.load("raw.events")
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): the read now goes through the catalog object: importing it
runs the project's catalog set-up, Kedro logs each load, resolves credentials its own way and wraps
a failing read in its own `DatasetError`, so exceptions and output differ even when the data is the
same. With `--unsafe-fixes`:
`pd.read_parquet("s3://...")` ->
`catalog.load("<key>")` when the `catalog` file (read once with the standards) maps the URI to
exactly one unversioned entry whose type matches the reader (`pandas.ParquetDataset` <->
`read_parquet`, `pandas.CSVDataset` <-> `read_csv`, ...) and whose effective `load_args` (Kedro's
defaults included) equal the call's literal keyword arguments; `catalog` must be importable from
`catalog-object` (the fix adds the import) or already imported by the module, and not bound to
anything else. Otherwise the finding is reported without a fix.
"""
    options = (ALLOWED_MODULES, CATALOG, CATALOG_OBJECT, DATA_EXTENSIONS)
    bad = (
        "import pandas as pd\n\ndf = pd.read_parquet('s3://lake/raw/events.parquet')\n",
        "import polars as pl\n\nlf = pl.scan_parquet(f's3://lake/raw/{day}/*.parquet')\n",
        "from pandas import read_csv as rc\n\ndf = rc('https://example.com/data/sales.csv')\n",
        "import pyspark\n\ndf = spark.read.parquet('abfss://raw@acct.dfs.core.windows.net/x')\n",
        "import pyspark\n\ndf = spark.read.format('csv').option('header', True).load('gs://b/x.csv')\n",
        "import numpy as np\n\narr = np.load('hdfs://cluster/features.npy')\n",
        "import fsspec\n\nwith fsspec.open('s3://bucket/key.json') as f:\n    data = f.read()\n",
    )
    good = (
        "from acme_data import catalog\n\ndf = catalog.load('raw.events')\n",
        # A local path is GR309's business, not this rule's.
        "import pandas as pd\n\ndf = pd.read_parquet('data/events.parquet')\n",
        # An API endpoint, not a data file.
        "import pandas as pd\n\ndf = pd.read_json('https://api.example.com/v1/items')\n",
        # The URI is not a literal.
        "import pandas as pd\n\ndf = pd.read_parquet(uri)\n",
        # A local function named like a reader.
        "def read_csv(path):\n    return path\n\nread_csv('s3://bucket/x.csv')\n",
        Example(
            "import pandas as pd\n\ndf = pd.read_parquet('s3://lake/raw/events.parquet')\n",
            path="acme_data/lake.py",
            options={"data-access.allowed-modules": ["acme_data.*"]},
        ),
        # Placeholder prefix: the scheme is not literal.
        "import pandas as pd\n\ndf = pd.read_csv(f'{base}/x.csv')\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._allowed: Optional[bool] = None

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            last = func.attr
        elif isinstance(func, ast.Name):
            last = func.id
        else:
            return
        if isinstance(func, ast.Attribute) and not (
            last in _NAMES or last.startswith(("read_", "scan_"))
        ):
            return
        if not self._is_reader(func, last):
            return
        path = literal_path(path_argument(node), self.ctx)
        if path is None:
            return
        if not self._remote(path):
            return
        if self._allowed is None:
            self._allowed = in_allowed_module(self.ctx)
        if self._allowed:
            return
        shown = path.split(PLACEHOLDER, 1)[0] + ("..." if PLACEHOLDER in path else "")
        self.report(node, uri=shown, fixable=catalog_key(self.ctx, node, path, "load") is not None)

    def _is_reader(self, func: ast.expr, last: str) -> bool:
        qualname = self.ctx.qualname(func)
        if qualname is not None:
            return qualname in _LOADERS or qualname.startswith(_READER_PREFIXES)
        return (
            isinstance(func, ast.Attribute)
            and last in _SPARK_FORMATS
            and self.ctx.imports.imports_module("pyspark")
            and _is_spark_reader(func)
        )

    def _remote(self, path: str) -> bool:
        if path.startswith(PLACEHOLDER):
            return False
        if _REMOTE.match(path):
            return True
        if _HTTP.match(path) and PLACEHOLDER not in path:
            extensions: Tuple[str, ...] = self.option(DATA_EXTENSIONS)
            return data_suffix(path, extensions) is not None
        return False
