"""When a literal read or write can become ``catalog.load(key)`` / ``catalog.save(key, df)``.

Shared by GR303 and GR309 (and their fixes).  The rewrite is SAFE only when all of these hold:
the path maps to exactly one (unversioned) entry of the catalog read with the standards; the
call's function matches the entry's dataset type; the call's keyword arguments are literals equal
to the entry's effective ``load_args`` / ``save_args`` (Kedro's defaults included); and the name
``catalog`` (or ``catalog-object``'s last part) is free or already imported for that purpose.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, FrozenSet, Mapping, Optional, Tuple

from groundrules.rules.data_access._options import CATALOG_OBJECT, PATH_KEYWORDS, PLACEHOLDER
from groundrules.standards.catalog_file import DatasetCatalog, DatasetEntry

if TYPE_CHECKING:
    from groundrules.rules.context import Context

#: Kedro dataset type (``kedro_datasets.`` prefix and case dropped) -> reader qualnames,
#: writer method names, default load_args, default save_args (as in kedro-datasets).
_TYPES: Dict[str, Tuple[FrozenSet[str], FrozenSet[str], Mapping[str, object], Mapping[str, object]]] = {
    "pandas.csvdataset": (frozenset({"pandas.read_csv"}), frozenset({"to_csv"}), {}, {"index": False}),
    "pandas.parquetdataset": (frozenset({"pandas.read_parquet"}), frozenset({"to_parquet"}), {}, {}),
    "pandas.exceldataset": (
        frozenset({"pandas.read_excel"}), frozenset({"to_excel"}), {"engine": "openpyxl"}, {"index": False}
    ),
    "pandas.jsondataset": (frozenset({"pandas.read_json"}), frozenset({"to_json"}), {}, {}),
    "pandas.featherdataset": (frozenset({"pandas.read_feather"}), frozenset({"to_feather"}), {}, {}),
    "polars.csvdataset": (frozenset({"polars.read_csv"}), frozenset({"write_csv"}), {}, {}),
    "dask.parquetdataset": (frozenset({"dask.dataframe.read_parquet"}), frozenset(), {}, {}),
}


def dataset_type(kind: str) -> str:
    text = kind.strip().lower()
    if text.startswith("kedro_datasets."):
        text = text[len("kedro_datasets."):]
    if text.endswith("dataset"):  # the old spelling was ``CSVDataSet``
        text = text[: -len("dataset")] + "dataset"
    return text


def catalog_name(ctx: "Context") -> Optional[str]:
    """The name the rewrite calls ``.load``/``.save`` on, or ``None`` when it is not usable."""
    obj: str = ctx.standards.get(CATALOG_OBJECT).strip()
    if obj:
        module, _, name = obj.rpartition(".")
        if not module or not name.isidentifier():
            return None
    else:
        module, name = "", "catalog"
    imported = False
    for node in ast.walk(ctx.tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound = alias.asname or (
                    alias.name.split(".")[0] if isinstance(node, ast.Import) else alias.name
                )
                if bound != name:
                    continue
                if module and not (
                    isinstance(node, ast.ImportFrom) and node.level == 0 and node.module == module
                    and alias.name == name
                ):
                    return None  # `name` imported from somewhere else
                imported = True
        elif _binds(node, name):
            return None
    return name if (module or imported) else None


def _binds(node: ast.AST, name: str) -> bool:
    if isinstance(node, ast.Name):
        return node.id == name and not isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.arg):
        return node.arg == name
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, ast.ExceptHandler):
        return node.name == name
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return name in node.names
    match_as = getattr(ast, "MatchAs", None)
    match_star = getattr(ast, "MatchStar", None)
    if match_as is not None and isinstance(node, match_as) or match_star is not None and isinstance(node, match_star):
        return getattr(node, "name", None) == name
    return False


def _same(a: object, b: object) -> bool:
    """Equal values of the same types (``True`` is not ``1``; a tuple equals a YAML list)."""
    if isinstance(a, tuple):
        a = list(a)
    if isinstance(b, tuple):
        b = list(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


def _call_args(node: ast.Call) -> Optional[Dict[str, object]]:
    """The literal keyword arguments besides the path, or ``None`` when they are not provable."""
    if len(node.args) > 1 or any(isinstance(a, ast.Starred) for a in node.args):
        return None
    out: Dict[str, object] = {}
    path_seen = bool(node.args)
    for kw in node.keywords:
        if kw.arg is None:
            return None  # **kwargs
        if not path_seen and kw.arg in PATH_KEYWORDS:
            path_seen = True
            continue
        try:
            out[kw.arg] = ast.literal_eval(kw.value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return None
    return out if path_seen else None


def _entry(datasets: DatasetCatalog, path: str) -> Optional[DatasetEntry]:
    found = datasets.entries_for(path)
    if len(found) != 1 or found[0].versioned:
        return None
    return found[0]


def catalog_key(ctx: "Context", node: ast.Call, path: str, verb: str) -> Optional[str]:
    """The catalog key ``node`` (reading or writing ``path``) can be rewritten to, if provable."""
    datasets = ctx.standards.datasets
    if datasets is None or PLACEHOLDER in path:
        return None
    entry = _entry(datasets, path)
    if entry is None:
        return None
    kind = _TYPES.get(dataset_type(entry.type))
    if kind is None:
        return None
    readers, writers, load_defaults, save_defaults = kind
    func = node.func
    if verb == "load":
        if ctx.qualname(func) not in readers:
            return None
        expected = {**load_defaults, **entry.load_args}
    elif verb == "save":
        if not (isinstance(func, ast.Attribute) and func.attr in writers):
            return None
        expected = {**save_defaults, **entry.save_args}
    else:
        return None
    given = _call_args(node)
    if given is None or not _same(given, expected):
        return None
    if catalog_name(ctx) is None:
        return None
    return entry.key
