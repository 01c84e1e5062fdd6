"""Options and small helpers shared by the data-access rules (rules.md section 7).

``allowed-modules``, ``data-extensions`` and ``pii-columns`` live in ``shared_options``; the
options here are read only by GR3xx rules (and the GR314 pre-commit hook for ``max-artifact-kb``).
"""

from __future__ import annotations

import ast
import fnmatch
from typing import TYPE_CHECKING, Iterable, Optional, Tuple

from groundrules.rules.context import literal_string
from groundrules.rules.shared_options import ALLOWED_MODULES
from groundrules.standards.schema import int_option, str_option, strs_option

if TYPE_CHECKING:
    from groundrules.rules.context import Context

DB_DRIVERS = strs_option(
    "data-access",
    "db-drivers",
    (),
    "Extra database driver modules or APIs (dotted names) that only the data-access layer may use "
    "(GR301).",
)
CLOUD_CLIENTS = strs_option(
    "data-access",
    "cloud-clients",
    (),
    "Extra cloud storage client APIs or modules (dotted names) that only the data-access layer may "
    "call (GR302).",
)
CATALOG = str_option(
    "data-access",
    "catalog",
    "",
    "Path of the dataset catalog (Kedro-style YAML or JSON, relative to the configuration file; "
    "URIs/paths -> dataset keys); empty means no catalog (GR309 off).",
)
CATALOG_OBJECT = str_option(
    "data-access",
    "catalog-object",
    "",
    "Dotted path of the dataset catalog object the GR303/GR309 fixes import (`acme_data.catalog`); "
    "empty means the fixes apply only where the module already imports `catalog`.",
)
LARGE_TABLES = strs_option(
    "data-access",
    "large-tables",
    (),
    "Table names or patterns (`sales.*`) that must not be scanned without a bound (GR306).",
)
MASKING_FUNCTIONS = strs_option(
    "data-access",
    "masking-functions",
    (),
    "Qualified names of the functions that mask or tokenize personal data (GR312).",
)
OUTPUT_DIRS = strs_option(
    "data-access",
    "output-dirs",
    (),
    "Local directories where extracts may be written; empty means local writes are not "
    "restricted (GR310).",
)
MAX_ARTIFACT_KB = int_option(
    "data-access",
    "max-artifact-kb",
    500,
    "Files larger than this (in KiB) may not be committed (GR314).",
)


def module_allowed(module: Optional[str], patterns: Iterable[str]) -> bool:
    """True when the dotted ``module`` is part of the data-access layer.

    Patterns are matched with ``fnmatch``; ``acme_data.*`` also covers the package ``acme_data``
    itself (and its ``__init__``).  A file outside any package (``module is None``) is never in it.
    """
    if not module:
        return False
    if module.endswith(".__init__"):
        module = module[: -len(".__init__")]
    for pattern in patterns:
        if fnmatch.fnmatchcase(module, pattern):
            return True
        if pattern.endswith(".*") and module == pattern[:-2]:
            return True
    return False


def in_allowed_module(ctx: "Context") -> bool:
    patterns: Tuple[str, ...] = ctx.standards.get(ALLOWED_MODULES)
    return module_allowed(ctx.source.module, patterns)


def name_matches(qualname: str, entries: Iterable[str]) -> bool:
    """``qualname`` equals one of the dotted ``entries`` or lies below one (``boto3.x``)."""
    return any(qualname == e or qualname.startswith(e + ".") for e in entries)


def tops_of(entries: Iterable[str]) -> Tuple[str, ...]:
    return tuple(e.partition(".")[0] for e in entries if e)


# -- paths ----------------------------------------------------------------------------------------

PLACEHOLDER = "\x00"

#: Keywords that carry the path of a read or write call.
PATH_KEYWORDS = (
    "filepath_or_buffer",
    "path_or_buf",
    "path",
    "io",
    "source",
    "file",
    "filename",
    "urlpath",
    "excel_writer",
    "fname",
    "uri",
)


def path_argument(call: ast.Call) -> Optional[ast.expr]:
    """The path argument of a read/write call: the first positional one or a path keyword."""
    if call.args:
        first = call.args[0]
        return None if isinstance(first, ast.Starred) else first
    for kw in call.keywords:
        if kw.arg in PATH_KEYWORDS:
            return kw.value
    return None


def literal_path(node: Optional[ast.AST], ctx: "Context") -> Optional[str]:
    """The literal text of a path expression, with non-literal parts as ``PLACEHOLDER``.

    Handles a string literal, an f-string, ``Path("...")`` and ``base / "name.csv"``; anything
    without literal text gives ``None``.
    """
    if node is None:
        return None
    text = literal_string(node)
    if text is not None:
        return text
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            part = literal_string(value)
            parts.append(PLACEHOLDER if part is None else part)
        joined = "".join(parts)
        return joined if joined.replace(PLACEHOLDER, "") else None
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        if ctx.qualname(node.func) in ("pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath"):
            return literal_path(node.args[0], ctx)
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        right = literal_path(node.right, ctx)
        if right is None:
            return None
        left = literal_path(node.left, ctx)
        return (left if left is not None else PLACEHOLDER) + "/" + right
    return None


_COMPRESSION = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")


def data_suffix(path: str, extensions: Iterable[str]) -> Optional[str]:
    """The data extension ``path`` ends with (compression suffixes ignored), if any."""
    lower = path.split("?", 1)[0].split("#", 1)[0].lower().rstrip()
    for comp in _COMPRESSION:
        if lower.endswith(comp):
            lower = lower[: -len(comp)]
            break
    for ext in extensions:
        ext = ext.lower()
        if not ext.startswith("."):
            ext = "." + ext
        if lower.endswith(ext) and len(lower) > len(ext) and lower[-len(ext) - 1] != "/":
            return ext
    return None
