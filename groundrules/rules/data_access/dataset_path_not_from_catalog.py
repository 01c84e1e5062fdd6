"""GR309: a literal dataset path in a read or write call when the project has a catalog."""

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

_URI = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|jdbc:)", re.I)
_CATALOG = {"data-access.catalog": "conf/catalog.yml"}

_READ_PREFIXES = ("pandas.read_", "polars.read_", "polars.scan_", "dask.dataframe.read_")
_FUNCTIONS = frozenset(
    {"open", "numpy.load", "numpy.save", "numpy.savez", "numpy.loadtxt", "numpy.genfromtxt",
     "joblib.load", "joblib.dump", "pickle.load", "fsspec.open",
     # Images and models: a catalog lists them too when `data-extensions` names their suffixes.
     "torch.load", "torch.save", "cv2.imread", "cv2.imwrite", "PIL.Image.open", "imageio.imread",
     "imageio.v3.imread", "skimage.io.imread", "tensorflow.keras.models.load_model",
     "keras.models.load_model"}
)
_SAVERS = frozenset({"save", "savez", "dump", "imwrite"})
#: DataFrame / polars / Spark writer methods; the literal data path is the evidence.
WRITE_METHODS = frozenset(
    {"to_csv", "to_parquet", "to_excel", "to_json", "to_feather", "to_pickle", "to_hdf",
     "write_csv", "write_parquet", "write_ipc", "write_json", "write_excel"}
)
_SPARK_METHODS = frozenset({"csv", "parquet", "json", "orc", "load", "save"})


def _spark_chain(func: ast.Attribute) -> bool:
    """``spark.read.<fmt>(...)`` / ``df.write.<fmt>(...)``, possibly via ``.format().option()``."""
    node: ast.expr = func.value
    for _ in range(20):
        if isinstance(node, ast.Attribute):
            if node.attr in ("read", "write"):
                return True
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            return False
    return False


class DatasetPathNotFromCatalog(Rule):
    code = "GR309"
    name = "dataset-path-not-from-catalog"
    category = Category.DATA_ACCESS
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = "literal dataset path `{path}`: use `catalog.{verb}(<key>)` from the dataset catalog"
    what = """
When `catalog` is set, finds read and write calls (`pd.read_*`, `pl.read_*`/`scan_*`,
`dd.read_*`, `open`, `np.load`, `joblib.load`/`dump`, `df.to_*`, polars `write_*`, Spark
`read`/`write`, and image and model loaders: `cv2.imread`/`imwrite`, `PIL.Image.open`,
`imageio`/`skimage` readers, `torch.load`/`save`, Keras `load_model`) whose path is a literal (string, f-string with literal suffix, `Path("...")`,
`base / "x.csv"`) ending in one of `data-extensions`, outside `allowed-modules`. Remote URIs
are left to GR303 (reads) and GR310 (writes). The `catalog` file (Kedro-style YAML or JSON,
relative to the configuration file) is read once with the standards; a path it maps to exactly
one entry offers a rewrite to `catalog.load`/`catalog.save` (see Fix safety).
"""
    why = """
The catalog is the one source of truth for where datasets live and which version is used. A
path written into code goes stale silently when the data moves and hides lineage.
"""
    use_instead = """\
from acme_data import catalog

orders = catalog.load("sales.orders")
catalog.save("reports.daily_revenue", orders)
"""
    fix_safety = """
UNSAFE (only with `--unsafe-fixes`): the read or write now goes through the catalog object:
importing it runs the project's catalog set-up, Kedro logs each load and save, and wraps a failing
read in its own `DatasetError`, so exceptions and output differ even when the data is the same.
With `--unsafe-fixes`:
`pd.read_csv("data/orders.csv")`
-> `catalog.load("<key>")` and `df.to_parquet("data/x.parquet")` -> `catalog.save("<key>", df)`
when the path maps to exactly one unversioned entry of the `catalog` file (read once with the
standards), the entry's type matches the call (`pandas.CSVDataset` <-> `read_csv`/`to_csv`, ...;
unknown types are not rewritten), and the call's literal keyword arguments equal the entry's
effective `load_args`/`save_args` (Kedro's defaults included, e.g. CSV `index: false`);
`catalog` must come from `catalog-object` (the fix adds the import) or an existing import, and
not be bound to anything else. Otherwise the finding is reported without a fix.
"""
    options = (CATALOG, CATALOG_OBJECT, DATA_EXTENSIONS, ALLOWED_MODULES)
    bad = (
        Example("import pandas as pd\n\ndf = pd.read_csv('data/orders.csv')\n", options=_CATALOG),
        Example(
            "import pandas as pd\n\ndef save(df):\n    df.to_parquet('data/out/daily.parquet')\n",
            options=_CATALOG,
        ),
        Example(
            "from pathlib import Path\nimport pandas as pd\n\n"
            "df = pd.read_excel(Path('data/q1.xlsx'))\n",
            options=_CATALOG,
        ),
        Example("with open(f'data/{day}/events.json', encoding='utf-8') as f:\n    pass\n",
                options=_CATALOG),
        Example("import joblib\n\nmodel = joblib.load(MODELS / 'clf.pkl')\n", options=_CATALOG),
        # Images and model weights, when the project lists their suffixes as data.
        Example(
            "import cv2\nimport torch\n\nimg = cv2.imread(f'data/{split}/cat.png')\n"
            "state = torch.load('models/best.pt', weights_only=True)\n",
            options={**_CATALOG, "data-access.data-extensions": [".png", ".pt"]},
        ),
    )
    good = (
        # No catalog configured (the default): the rule is silent.
        "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv')\n",
        Example(
            "from acme_data import catalog\n\ndf = catalog.load('sales.orders')\n",
            options=_CATALOG,
        ),
        Example("with open('README.md', encoding='utf-8') as f:\n    text = f.read()\n",
                options=_CATALOG),
        Example("import pandas as pd\n\ndf = pd.read_csv(path)\n", options=_CATALOG),
        Example("import pandas as pd\n\ndf = pd.read_csv('s3://b/x.csv')\n", options=_CATALOG),
        Example(
            "import pandas as pd\n\ndf = pd.read_csv('data/orders.csv')\n",
            path="acme_data/io.py",
            options={**_CATALOG, "data-access.allowed-modules": ["acme_data.*"]},
        ),
        # A local function named like a reader.
        Example("def read_csv(p):\n    return p\n\nread_csv('data/orders.csv')\n",
                options=_CATALOG),
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._active = bool(self.option(CATALOG).strip())
        self._allowed: Optional[bool] = None

    def visit_Call(self, node: ast.Call) -> None:
        if not self._active:
            return
        verb = self._verb(node.func)
        if verb is None:
            return
        path = literal_path(path_argument(node), self.ctx)
        extensions: Tuple[str, ...] = self.option(DATA_EXTENSIONS)
        if path is None or data_suffix(path, extensions) is None:
            return
        if path.startswith(PLACEHOLDER) and PLACEHOLDER in path.rsplit("/", 1)[-1]:
            return  # f"{folder}/{name}.json": nothing about the dataset is literal
        if _URI.match(path):
            return  # remote URIs are GR303's (reads) and GR310's (writes)
        if self._allowed is None:
            self._allowed = in_allowed_module(self.ctx)
        if self._allowed:
            return
        if verb == "load" and _opens_for_writing(node):
            verb = "save"
        fixable = catalog_key(self.ctx, node, path, verb) is not None
        self.report(node, path=path.replace(PLACEHOLDER, "{...}"), verb=verb, fixable=fixable)

    def _verb(self, func: ast.expr) -> Optional[str]:
        if isinstance(func, ast.Attribute):
            if func.attr in WRITE_METHODS:
                return "save"
            if func.attr in _SPARK_METHODS and _spark_chain(func):
                return "save" if func.attr == "save" or _writes(func) else "load"
            if not func.attr.startswith(("read_", "scan_")) and func.attr not in (
                "load", "save", "savez", "loadtxt", "genfromtxt", "dump", "open", "imread",
                "imwrite", "load_model"
            ):
                return None
        elif not isinstance(func, ast.Name):
            return None
        qualname = self.ctx.qualname(func)
        if qualname is None:
            return None
        if qualname.startswith(_READ_PREFIXES):
            return "load"
        if qualname in _FUNCTIONS:
            last = qualname.rsplit(".", 1)[-1]
            return "save" if last in _SAVERS else "load"
        return None


def _writes(func: ast.Attribute) -> bool:
    node: ast.expr = func.value
    for _ in range(20):
        if isinstance(node, ast.Attribute):
            if node.attr == "write":
                return True
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            return False
    return False


def _opens_for_writing(node: ast.Call) -> bool:
    """``open(path, "w")`` and friends."""
    mode: Optional[ast.expr] = node.args[1] if len(node.args) > 1 else None
    if mode is None:
        for kw in node.keywords:
            if kw.arg == "mode":
                mode = kw.value
    text = mode.value if isinstance(mode, ast.Constant) else None
    return isinstance(text, str) and any(c in text for c in "wax+")
