"""Which statements only explore: they display a value, draw a plot or print in a loop.

Decided on the statement's ``ast``.  A statement is removed only when removing it cannot change
what the module computes: a bare expression built from names, attributes, literals and calls known
not to change anything (``df.head()``, ``len(x)``, ``df.describe()``); anything else, a call not
known to be pure, is kept.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import FrozenSet, Optional, Sequence, Set

#: Methods that return a new value (or print one) and change nothing.
PURE_METHODS = frozenset({
    "head", "tail", "describe", "info", "sample", "value_counts", "nunique", "unique", "isna", "isnull",
    "notna", "notnull", "sum", "mean", "median", "std", "var", "min", "max", "count", "corr", "cov",
    "memory_usage", "to_string", "to_markdown", "round", "abs", "any", "all", "idxmax", "idxmin",
    "nlargest", "nsmallest", "sort_values", "sort_index", "groupby", "agg", "aggregate", "copy",
    "reset_index", "set_index", "get_params", "keys", "values", "items", "duplicated", "quantile",
    "select_dtypes", "astype", "mode", "cumsum", "diff", "pct_change", "rolling", "crosstab",
    "pivot_table", "filter", "query", "get", "format", "lower", "upper", "strip", "split", "join",
    "tolist", "to_numpy", "to_dict", "score", "predict", "predict_proba", "transform", "shape",
})
PURE_FUNCTIONS = frozenset({
    "len", "type", "repr", "str", "int", "float", "bool", "sorted", "list", "dict", "set", "tuple",
    "isinstance", "sum", "min", "max", "abs", "round", "id", "dir", "vars", "range", "zip", "enumerate",
    "hash", "format", "getattr", "hasattr", "callable", "any", "all",
})
PLOT_MODULES = ("matplotlib", "seaborn", "plotly", "altair", "bokeh")
#: Methods that draw: ``.plot*`` and these (``np.histogram`` computes; ``.hist`` draws).
PLOT_METHODS = frozenset({"hist", "boxplot", "scatter", "imshow", "bar", "barh", "pie", "hexbin", "kde",
                          "violinplot", "errorbar", "fill_between"})
DISPLAY_FUNCTIONS = frozenset({"display", "IPython.display.display"})


@dataclass(frozen=True)
class Verdict:
    """``kind``: body (keep), display, plot, loop (a loop that only prints)."""

    kind: str
    reason: str = ""


def root_name(node: ast.AST) -> Optional[str]:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def is_pure(node: ast.AST) -> bool:
    """An expression whose evaluation changes nothing (calls only to known-pure functions)."""
    if isinstance(node, (ast.Constant, ast.Name)):
        return True
    if isinstance(node, ast.Attribute):
        return is_pure(node.value)
    if isinstance(node, ast.Subscript):
        return is_pure(node.value) and is_pure(node.slice)
    if isinstance(node, ast.Slice):
        return all(is_pure(p) for p in (node.lower, node.upper, node.step) if p is not None)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(is_pure(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(is_pure(p) for p in [*node.keys, *node.values] if p is not None)
    if isinstance(node, ast.BinOp):
        return is_pure(node.left) and is_pure(node.right)
    if isinstance(node, ast.UnaryOp):
        return is_pure(node.operand)
    if isinstance(node, ast.BoolOp):
        return all(is_pure(v) for v in node.values)
    if isinstance(node, ast.Compare):
        return is_pure(node.left) and all(is_pure(c) for c in node.comparators)
    if isinstance(node, ast.JoinedStr):
        return all(is_pure(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return is_pure(node.value)
    if isinstance(node, ast.Call):
        args_pure = all(is_pure(a) for a in node.args) and all(is_pure(k.value) for k in node.keywords)
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in PURE_FUNCTIONS and args_pure
        if isinstance(func, ast.Attribute):
            return func.attr in PURE_METHODS and is_pure(func.value) and args_pure
    return False


def _call_name(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


class Classifier:
    """Knows the notebook's plotting aliases (``plt``, ``sns``) and the names plots were bound to."""

    def __init__(self, plot_aliases: FrozenSet[str], display_aliases: FrozenSet[str] = frozenset()) -> None:
        self.plot_aliases = set(plot_aliases)
        self.display = DISPLAY_FUNCTIONS | display_aliases
        #: Names bound to what a plotting call returned (figures, axes).
        self.figures: Set[str] = set()

    def is_plot_call(self, node: ast.AST) -> bool:
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Call):
                continue
            root = root_name(sub.func)
            if root is not None and root in self.plot_aliases:
                return True
            if isinstance(sub.func, ast.Attribute) and (sub.func.attr.startswith("plot") or sub.func.attr in PLOT_METHODS):
                return True
            if isinstance(sub.func, ast.Name) and "plot" in sub.func.id.lower():
                return True  # qqplot, plot_acf, plot_predict: statsmodels' and seaborn's plotters
        return False

    def _reads_figure(self, node: ast.AST) -> bool:
        """Reads a name bound to a figure or axes (``ax`` from ``fig, ax = plt.subplots()``)."""
        return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in self.figures
                   for n in ast.walk(node))

    def _taint(self, targets: Sequence[ast.AST]) -> None:
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    self.figures.add(node.id)

    def _only_plot_names(self, node: ast.AST) -> bool:
        root = root_name(node)
        return root is not None and (root in self.plot_aliases or root in self.figures)

    def classify(self, statement: ast.stmt, keep_plots: bool) -> Verdict:
        if isinstance(statement, ast.Expr):
            value = statement.value
            if not keep_plots and (self.is_plot_call(value) or self._reads_figure(value)):
                if "savefig" not in ast.dump(value):
                    return Verdict("plot", "plotting: the module does not show figures")
            if isinstance(value, ast.Call) and _call_name(value.func) in self.display:
                if all(is_pure(a) for a in value.args) and all(is_pure(k.value) for k in value.keywords):
                    return Verdict("display", "display() only shows a value")
                return Verdict("body")
            if is_pure(value):
                return Verdict("display", "a bare expression only shows its value")
            return Verdict("body")
        if isinstance(statement, ast.Assign) and not keep_plots and "savefig" not in ast.dump(statement) and (
                self.is_plot_call(statement.value) or self._reads_figure(statement.value)):
            # `fig, ax = plt.subplots()`: what follows on fig/ax is plotting too.
            self._taint(statement.targets)
            return Verdict("plot", "plotting: the module does not show figures")
        if isinstance(statement, ast.For) and not keep_plots and "savefig" not in ast.dump(statement) and (
                self._reads_figure(statement.iter) or self._only_draws(statement.body)):
            if self._reads_figure(statement.iter):
                self._taint([statement.target])  # `for ax in axes:`
            return Verdict("plot", "plotting: the module does not show figures")
        if isinstance(statement, (ast.For, ast.While)) and _only_shows(statement):
            return Verdict("loop", "a loop whose only effect is printing or displaying")
        return Verdict("body")


    def _only_draws(self, body: Sequence[ast.stmt]) -> bool:
        """Every statement of a loop body draws (``ax.plot(...)`` on each series)."""
        return bool(body) and all(
            isinstance(s, ast.Expr) and (self.is_plot_call(s.value) or self._reads_figure(s.value)) for s in body)


def _only_shows(loop: ast.stmt) -> bool:
    body = list(getattr(loop, "body", [])) + list(getattr(loop, "orelse", []))
    if isinstance(loop, ast.For) and not is_pure(loop.iter):
        return False
    if isinstance(loop, ast.While):
        return False
    shows = False
    for statement in body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            call = statement.value
            name = _call_name(call.func)
            if name in ("print", "display") and all(is_pure(a) for a in call.args) and all(
                is_pure(k.value) for k in call.keywords if k.arg != "file"
            ) and not any(k.arg == "file" and _call_name(k.value) != "sys.stderr" for k in call.keywords):
                shows = True
                continue
        if isinstance(statement, ast.Expr) and is_pure(statement.value):
            continue
        if isinstance(statement, (ast.For, ast.If)) and _nested_only_shows(statement):
            shows = True
            continue
        return False
    return shows


def _nested_only_shows(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.If):
        if not is_pure(statement.test):
            return False
        fake = ast.For(target=ast.Name("_", ast.Store()), iter=ast.Tuple([], ast.Load()), body=statement.body,
                       orelse=statement.orelse, type_comment=None)
        return _only_shows(fake)
    return _only_shows(statement)
