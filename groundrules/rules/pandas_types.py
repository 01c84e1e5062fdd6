"""Evidence that an expression is a pandas DataFrame or Series.

Rules marked *pandas-typed* fire only on receivers proven here: bound from a pandas constructor,
a ``read_*`` call or a DataFrame/Series method result (``df = df.append(...)`` included), a
parameter annotated or defaulted as a frame, or a call of a function of the same module that
returns one; followed through plain assignments in the
same scope (and read from enclosing scopes when the name is not rebound locally).  A dict of dicts,
a list or a local function named like a pandas API never qualifies.  The engine feeds this tracker
during its walk (scope entry and exit, assignments), so a rule sees the bindings made before the
node it is looking at.
"""

from __future__ import annotations

import ast
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Union

from groundrules.rules.imports import ImportTracker

#: pandas functions returning a DataFrame or Series.
CONSTRUCTORS = frozenset(
    {
        "DataFrame",
        "Series",
        "concat",
        "merge",
        "merge_asof",
        "merge_ordered",
        "get_dummies",
        "pivot_table",
        "pivot",
        "crosstab",
        "melt",
        "json_normalize",
        "wide_to_long",
        "to_datetime",
        "to_numeric",
        "to_timedelta",
        "cut",
        "qcut",
        "factorize",
    }
)

#: DataFrame/Series methods whose result is again a DataFrame or Series (or a groupby/window
#: object whose own aggregations are).
FRAME_METHODS = frozenset(
    """abs add add_prefix add_suffix agg aggregate align apply applymap asfreq astype at_time
    between_time bfill clip combine combine_first copy corr corrwith count cov cummax cummin
    cumprod cumsum describe diff div divide dot drop drop_duplicates droplevel dropna duplicated
    eq eval ewm expanding explode ffill fillna filter first floordiv ge groupby gt head idxmax
    idxmin infer_objects interpolate isin isna isnull join kurt last le lt map mask max mean
    median melt merge min mod mode mul multiply ne nlargest notna notnull nsmallest nunique
    pct_change pipe pivot pivot_table pow prod product quantile query rank reindex rename
    rename_axis reorder_levels replace resample reset_index rolling round rsub sample select_dtypes
    sem set_axis set_index shift skew sort_index sort_values squeeze stack std sub subtract sum
    swaplevel tail take transform transpose truncate tz_convert tz_localize unstack update
    value_counts var where xs assign to_frame append asof between convert_dtypes cumcount
    get_group ngroup nth reindex_like set_flags size swapaxes to_period to_timestamp""".split()
)
#: Methods of the ``.str``/``.dt``/``.cat`` accessors all return a Series (or an Index of one).
_ACCESSORS = frozenset({"str", "dt", "cat"})

#: Attributes of a DataFrame/Series that are again pandas objects.
FRAME_ATTRIBUTES = frozenset({"T", "loc", "iloc", "at", "iat", "str", "dt", "cat"})

_PANDAS_ANNOTATIONS = frozenset({"pandas.DataFrame", "pandas.Series"})
_OPTIONAL_WRAPPERS = frozenset({"typing.Optional", "typing.Union"})


def _statements(body: List[ast.stmt]) -> Iterator[ast.stmt]:
    """A function's statements in source order, into ``if``/``for``/``with``/``try`` bodies
    but not into nested functions or classes (their returns are not this function's)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        for handler in getattr(stmt, "handlers", ()):
            yield from _statements(handler.body)


class PandasTypes:
    """Per-file tracker of names bound to pandas objects, scope by scope."""

    def __init__(self, imports: ImportTracker, tree: Optional[ast.Module] = None) -> None:
        self.imports = imports
        self.active = imports.imports_module("pandas")
        # One dict per open scope: name -> is it a pandas object?
        self._scopes: List[Dict[str, bool]] = [{}]
        #: Module-level functions known to return a pandas object (see ``_frame_functions``).
        self._functions: FrozenSet[str] = frozenset()
        if self.active and tree is not None:
            self._functions = self._frame_functions(tree)

    def _frame_functions(self, tree: ast.Module) -> FrozenSet[str]:
        """Names of the module's top-level functions that return a pandas object: annotated
        ``-> pd.DataFrame``, or whose every ``return`` value is evidence of one.  Two rounds, so
        a helper returning another helper's frame counts too."""
        defs = [
            n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        found: Set[str] = set()
        for _ in range(2):
            self._functions = frozenset(found)
            for node in defs:
                if node.name in found:
                    continue
                if self._annotated_pandas(node.returns) or self._returns_pandas(node):
                    found.add(node.name)
        return frozenset(found)

    def _returns_pandas(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> bool:
        """Replays the function's straight-line bindings and judges its ``return`` values."""
        self.enter_scope(node)
        returns: List[bool] = []
        try:
            for stmt in _statements(node.body):
                if isinstance(stmt, ast.Assign):
                    for target in stmt.targets:
                        self.bind(target, stmt.value)
                elif isinstance(stmt, ast.AnnAssign):
                    self.bind(stmt.target, stmt.value, stmt.annotation)
                elif isinstance(stmt, ast.Return):
                    returns.append(stmt.value is not None and self.is_pandas(stmt.value))
        finally:
            self.leave_scope()
        return bool(returns) and all(returns)

    def enter_scope(self, node: ast.AST) -> None:
        scope: Dict[str, bool] = {}
        args = getattr(node, "args", None)
        if isinstance(args, ast.arguments):
            positional = args.posonlyargs + args.args
            defaults: List[Optional[ast.expr]] = [None] * (len(positional) - len(args.defaults))
            defaults += args.defaults
            for arg, default in zip(positional + args.kwonlyargs, defaults + args.kw_defaults):
                scope[arg.arg] = self._annotated_pandas(arg.annotation) or (
                    default is not None and self.is_pandas(default)
                )
            for extra in (args.vararg, args.kwarg):
                if extra is not None:
                    scope[extra.arg] = False
        self._scopes.append(scope)

    def leave_scope(self) -> None:
        self._scopes.pop()

    def bind(
        self, target: ast.expr, value: Optional[ast.expr], annotation: Optional[ast.expr] = None
    ) -> None:
        """Record ``target = value`` (or ``target: annotation = value``); tuple targets and other
        shapes bind untyped names."""
        if not self.active:
            return
        scope = self._scopes[-1]
        if isinstance(target, ast.Name):
            scope[target.id] = self._annotated_pandas(annotation) or (
                value is not None and self.is_pandas(value)
            )
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            for i, elt in enumerate(target.elts):
                if values is not None and len(values) == len(target.elts):
                    self.bind(elt, values[i])
                else:
                    self.bind(elt, None)
        elif isinstance(target, ast.Starred):
            self.bind(target.value, None)

    def _annotated_pandas(self, annotation: Optional[ast.expr]) -> bool:
        if annotation is None or not self.active:
            return False
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return False
        # ``Optional[pd.DataFrame]`` and ``pd.DataFrame | None``: a frame wherever it is used.
        # A worklist, not recursion: `a | b | ... | z` of thousands of terms is a valid annotation.
        pending: List[ast.expr] = [annotation]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
                pending.extend((node.right, node.left))
            elif isinstance(node, ast.Subscript) and self.imports.qualname(node.value) in _OPTIONAL_WRAPPERS:
                inner = node.slice
                pending.extend(inner.elts if isinstance(inner, ast.Tuple) else [inner])
            elif self.imports.qualname(node) in _PANDAS_ANNOTATIONS:
                return True
        return False

    def name_is_pandas(self, name: str) -> bool:
        for scope in reversed(self._scopes):
            if name in scope:
                return scope[name]
        return False

    def is_pandas(self, node: ast.AST) -> bool:
        """True when there is evidence ``node`` evaluates to a pandas DataFrame or Series."""
        if not self.active:
            return False
        # A worklist, not recursion: `a + a + ... + a` of thousands of terms is valid code.
        pending = [node]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Name):
                if self.name_is_pandas(node.id):
                    return True
            elif isinstance(node, ast.Call):
                func = node.func
                qualname = self.imports.qualname(func)
                if qualname is not None and qualname.startswith("pandas."):
                    last = qualname.rsplit(".", 1)[1]
                    if last in CONSTRUCTORS or last.startswith("read_"):
                        return True
                elif isinstance(func, ast.Attribute):
                    if func.attr in FRAME_METHODS:
                        pending.append(func.value)
                    elif isinstance(func.value, ast.Attribute) and func.value.attr in _ACCESSORS:
                        # ``s.str.lower()``, ``s.dt.floor("D")``: accessor methods return a Series.
                        pending.append(func.value.value)
                elif isinstance(func, ast.Name) and func.id in self._functions:
                    # A local rebinding of the helper's name hides it.
                    if not any(func.id in scope for scope in self._scopes):
                        return True
            elif isinstance(node, ast.Subscript):
                pending.append(node.value)
            elif isinstance(node, ast.Attribute):
                if node.attr in FRAME_ATTRIBUTES:
                    pending.append(node.value)
            elif isinstance(node, ast.BinOp):
                pending.extend((node.right, node.left))
            elif isinstance(node, ast.UnaryOp):
                pending.append(node.operand)
        return False
