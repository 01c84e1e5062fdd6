"""GR426: NumPy aliases and functions removed in NumPy 2 (``np.float``, ``np.NaN``, ``np.product``...)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, FrozenSet, Optional, Tuple

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

#: Exact replacements, valid on NumPy 1.x too: removed name -> (kind, replacement).
#: ``builtin``: the alias was the builtin itself (NumPy < 1.24); ``numpy``: another member of the
#: numpy module that was (and is) the same object; ``literal``: the constant's value.
SAFE_REPLACEMENTS: Dict[str, Tuple[str, str]] = {
    # Removed in 1.24 (deprecated since 1.20): they were the builtins.
    "float": ("builtin", "float"),
    "int": ("builtin", "int"),
    "object": ("builtin", "object"),
    "complex": ("builtin", "complex"),
    "str": ("builtin", "str"),
    "unicode": ("builtin", "str"),
    # Removed in 2.0 (NEP 52): aliases of other members.
    "NaN": ("numpy", "nan"),
    "NAN": ("numpy", "nan"),
    "Inf": ("numpy", "inf"),
    "Infinity": ("numpy", "inf"),
    "infty": ("numpy", "inf"),
    "PINF": ("numpy", "inf"),
    "PZERO": ("literal", "0.0"),
    "product": ("numpy", "prod"),
    "cumproduct": ("numpy", "cumprod"),
    "sometrue": ("numpy", "any"),
    "alltrue": ("numpy", "all"),
    "round_": ("numpy", "round"),
    "float_": ("numpy", "float64"),
    "complex_": ("numpy", "complex128"),
    "cfloat": ("numpy", "complex128"),
    "singlecomplex": ("numpy", "complex64"),
    "longfloat": ("numpy", "longdouble"),
    "longcomplex": ("numpy", "clongdouble"),
    "clongfloat": ("numpy", "clongdouble"),
    "string_": ("numpy", "bytes_"),
    "unicode_": ("numpy", "str_"),
    "bool8": ("numpy", "bool_"),
    "int0": ("numpy", "intp"),
    "uint0": ("numpy", "uintp"),
    "object0": ("numpy", "object_"),
    "str0": ("numpy", "str_"),
    "bytes0": ("numpy", "bytes_"),
    "void0": ("numpy", "void"),
    "mat": ("numpy", "asmatrix"),
}
#: Removed without an exactly equivalent spelling: the message says what to use.
ADVICE: Dict[str, str] = {
    "NINF": "`-np.inf`",
    "NZERO": "`-0.0`",
    "asfarray": "`np.asarray(a, dtype=np.float64)`",
    "issubclass_": "`issubclass` (it raises on non-classes where this returned False)",
    "in1d": "`np.isin(...).ravel()` (`isin` keeps the input's shape)",
    "trapz": "`np.trapezoid` (NumPy 2.0+)",
    "msort": "`np.sort(a, axis=0)`",
    "find_common_type": "`np.result_type` or `np.promote_types`",
    "cast": "`np.asarray(arr, dtype=dtype)`",
    "geterrobj": "the `np.errstate` context manager",
    "seterrobj": "the `np.errstate` context manager",
    "safe_eval": "`ast.literal_eval`",
    "issctype": "`issubclass(rep, np.generic)`",
    "obj2sctype": "`np.dtype(obj).type`",
    "sctype2char": "`np.dtype(obj).char`",
    "sctypes": "explicit dtypes",
    "maximum_sctype": "an explicit dtype",
    "issubsctype": "`np.issubdtype`",
    "set_string_function": "`np.set_printoptions(formatter=...)`",
    "recfromcsv": "`np.genfromtxt(..., delimiter=\",\")`",
    "recfromtxt": "`np.genfromtxt`",
    "deprecate": "`warnings.warn(..., DeprecationWarning)`",
    "deprecate_with_doc": "`warnings.warn(..., DeprecationWarning)`",
    "source": "`inspect.getsource`",
    "who": "`locals()`",
    "lookfor": "the NumPy documentation",
    "fastCopyAndTranspose": "`arr.T.copy()`",
    "byte_bounds": "`np.lib.array_utils.byte_bounds`",
    "compare_chararrays": "`np.char.compare_chararrays`",
    "format_parser": "`np.rec.format_parser`",
    "DataSource": "`np.lib.npyio.DataSource`",
    "add_newdoc": "`np.lib.add_newdoc`",
    "add_docstring": "`np.lib.add_docstring`",
    "tracemalloc_domain": "`np.lib.tracemalloc_domain`",
}
REMOVED: FrozenSet[str] = frozenset(SAFE_REPLACEMENTS) | frozenset(ADVICE)


def replacement_text(name: str) -> str:
    kind, new = SAFE_REPLACEMENTS[name]
    return f"`np.{new}`" if kind == "numpy" else f"`{new}`"


class RemovedNumpyAlias(Rule):
    code = "GR426"
    name = "removed-numpy-alias"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    fix = FixClass.SAFE
    message = "`np.{old}` was removed in NumPy {version}: use {new}"
    what = """
Finds NumPy members that no longer exist in NumPy 2: the builtin aliases `np.float`, `np.int`,
`np.object`, `np.complex`, `np.str`, `np.unicode` (removed in 1.24), and the aliases and
functions removed in 2.0 (NEP 52): `np.NaN`, `np.NAN`, `np.Inf`, `np.Infinity`, `np.infty`,
`np.PINF`, `np.NINF`, `np.PZERO`, `np.NZERO`, `np.product`, `np.cumproduct`, `np.sometrue`,
`np.alltrue`, `np.round_`, `np.float_`, `np.complex_`, `np.cfloat`, `np.singlecomplex`,
`np.longfloat`, `np.longcomplex`, `np.clongfloat`, `np.string_`, `np.unicode_`, the `*0`/`bool8`
scalar aliases, `np.mat`, `np.asfarray`, `np.in1d`, `np.trapz`, `np.msort` and the other members
listed in NumPy's `_expired_attrs_2_0`, through any alias of `numpy` or a `from numpy import`.

`np.bool` and `np.long` are not reported: NumPy 2 defines them again (`np.bool` is `np.bool_`).
"""
    why = """
On NumPy 2 each of these raises `AttributeError` the moment the line runs: a notebook or job
that worked yesterday crashes after an upgrade of an unrelated package that pulled NumPy 2 in.
"""
    use_instead = """\
import numpy as np

x = np.zeros(3, dtype=float)
y = np.where(x > 0, x, np.nan)
total = np.prod(x) + np.float64(1.5)
"""
    fix_safety = """
SAFE: each rewrite names the very object the removed alias was, and works on NumPy 1.x as well:
`np.float`/`int`/`object`/`complex`/`str`/`unicode` -> the builtin (not when the module rebinds
that builtin's name), `np.NaN`/`np.NAN` -> `np.nan`, `np.Inf`/`Infinity`/`infty`/`PINF` ->
`np.inf`, `np.PZERO` -> `0.0`, `np.product` -> `np.prod`, `np.cumproduct` -> `np.cumprod`,
`np.sometrue` -> `np.any`, `np.alltrue` -> `np.all`, `np.round_` -> `np.round`, `np.float_` ->
`np.float64`, `np.complex_`/`np.cfloat` -> `np.complex128`, `np.singlecomplex` -> `np.complex64`,
`np.longfloat` -> `np.longdouble`, `np.longcomplex`/`np.clongfloat` -> `np.clongdouble`,
`np.string_` -> `np.bytes_`, `np.unicode_` -> `np.str_`, `np.bool8` -> `np.bool_`, `np.int0` ->
`np.intp`, `np.uint0` -> `np.uintp`, `np.object0` -> `np.object_`, `np.str0` -> `np.str_`,
`np.bytes0` -> `np.bytes_`, `np.void0` -> `np.void`, `np.mat` -> `np.asmatrix`. The others (a
`from numpy import` of a removed name, `x == np.NaN` (GR407 rewrites the whole comparison), `np.NINF`, `np.in1d`, `np.trapz` whose replacement does
not exist before 2.0, ...) are SUGGEST: the message names the replacement.
"""
    requires = frozenset({"numpy"})
    bad = (
        "import numpy as np\nx = np.zeros(3, dtype=np.float)\n",
        "import numpy as np\nmissing = np.where(mask, np.NaN, values)\n",
        "import numpy\ntotal = numpy.product([1, 2, 3])\n",
        "import numpy as np\nif np.alltrue(a > 0) or np.sometrue(b):\n    pass\n",
        "import numpy as np\nx = np.array([1.5], dtype=np.float_)\nlo = np.NINF\n",
        "from numpy import infty\n",
        "import numpy as np\ny = np.trapz(ys, xs)\n",
    )
    good = (
        "import numpy as np\nx = np.zeros(3, dtype=float)\ny = np.nan\nz = np.prod([1, 2])\n",
        # Defined again in NumPy 2.
        "import numpy as np\nflags = np.zeros(3, dtype=np.bool)\nn = np.long(3)\n",
        # Not numpy: a module of our own and an object's attribute.
        "import mymath as np\nx = np.float\n",
        "import numpy as np\nclass Row:\n    NaN = 0\n\nv = Row().NaN\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._rebound: Optional[FrozenSet[str]] = None

    def _builtin_rebound(self, name: str) -> bool:
        """The module binds ``name`` somewhere (``float = ...``, a parameter ``str``): the bare
        builtin there may be something else.  Computed on the first builtin alias only."""
        if self._rebound is None:
            bound = set()
            for node in ast.walk(self.ctx.tree):
                if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                    bound.add(node.id)
                elif isinstance(node, ast.arg):
                    bound.add(node.arg)
                elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    bound.add(node.name)
                elif isinstance(node, ast.alias):
                    bound.add((node.asname or node.name).partition(".")[0])
            self._rebound = frozenset(bound)
        return name in self._rebound

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr not in REMOVED or not isinstance(node.ctx, ast.Load):
            return
        if self.ctx.qualname(node) != f"numpy.{node.attr}":
            return
        # `x == np.NaN` is GR407's to rewrite as `pd.isna(x)`; renaming it first would leave a
        # second fix for the next run.
        self._report(node, node.attr, fixable=not self._gr407_rewrites(node))

    def _gr407_rewrites(self, node: ast.Attribute) -> bool:
        """``x == np.NaN`` where GR407's fix applies (one comparison, in a function or the main
        block, pandas imported as ``pd``): GR407 rewrites the whole comparison."""
        parent = self.ctx.parent
        return (
            node.attr in ("NaN", "NAN")
            and isinstance(parent, ast.Compare)
            and len(parent.ops) == 1
            and isinstance(parent.ops[0], (ast.Eq, ast.NotEq))
            and self.ctx.imports.aliases.get("pd") == "pandas"
            and (self.ctx.enclosing_function() is not None or self.ctx.in_main_guard())
        )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module != "numpy" or node.level:
            return
        for alias in node.names:
            if alias.name in REMOVED:
                self._report(node, alias.name, fixable=False)

    def _report(self, node: ast.AST, old: str, fixable: bool) -> None:
        version = "1.24" if SAFE_REPLACEMENTS.get(old, ("",))[0] == "builtin" else "2.0"
        if old in SAFE_REPLACEMENTS:
            kind, new = SAFE_REPLACEMENTS[old]
            can_fix = fixable and not (kind == "builtin" and self._builtin_rebound(new))
            self.report(node, old=old, version=version, new=replacement_text(old), fixable=can_fix)
        else:
            self.report(node, old=old, version=version, new=ADVICE[old], fixable=False)
