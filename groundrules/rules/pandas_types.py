"""Evidence that an expression is a pandas DataFrame or Series.

Rules marked *pandas-typed* fire only on receivers proven here: bound from a pandas constructor,
a ``read_*`` call or a DataFrame/Series method result, followed through plain assignments in the
same scope (and read from enclosing scopes when the name is not rebound locally).  A dict of dicts,
a list or a local function named like a pandas API never qualifies.  The engine feeds this tracker
during its walk (scope entry and exit, assignments), so a rule sees the bindings made before the
node it is looking at.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Optional

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
    value_counts var where xs assign to_frame""".split()
)

#: Attributes of a DataFrame/Series that are again pandas objects.
FRAME_ATTRIBUTES = frozenset({"T", "loc", "iloc", "at", "iat", "str", "dt", "cat"})

_PANDAS_ANNOTATIONS = frozenset({"pandas.DataFrame", "pandas.Series"})


class PandasTypes:
    """Per-file tracker of names bound to pandas objects, scope by scope."""

    def __init__(self, imports: ImportTracker) -> None:
        self.imports = imports
        self.active = imports.imports_module("pandas")
        # One dict per open scope: name -> is it a pandas object?
        self._scopes: List[Dict[str, bool]] = [{}]

    def enter_scope(self, node: ast.AST) -> None:
        scope: Dict[str, bool] = {}
        args = getattr(node, "args", None)
        if isinstance(args, ast.arguments):
            for arg in args.posonlyargs + args.args + args.kwonlyargs:
                scope[arg.arg] = self._annotated_pandas(arg.annotation)
            for extra in (args.vararg, args.kwarg):
                if extra is not None:
                    scope[extra.arg] = False
        self._scopes.append(scope)

    def leave_scope(self) -> None:
        self._scopes.pop()

    def bind(self, target: ast.expr, value: Optional[ast.expr]) -> None:
        """Record ``target = value``; tuple targets and other shapes bind untyped names."""
        if not self.active:
            return
        scope = self._scopes[-1]
        if isinstance(target, ast.Name):
            scope[target.id] = value is not None and self.is_pandas(value)
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
        return self.imports.qualname(annotation) in _PANDAS_ANNOTATIONS

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
                elif isinstance(func, ast.Attribute) and func.attr in FRAME_METHODS:
                    pending.append(func.value)
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
