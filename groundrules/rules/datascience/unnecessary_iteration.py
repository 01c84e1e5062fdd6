"""GR412: row-by-row loops and ``apply(axis=1)`` where vectorised code would do."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Union

from groundrules.rules.context import Context
from groundrules.rules.datascience._exprs import keyword_value, root_name, sub_expressions
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)
_INDEXERS = frozenset({"loc", "iloc", "at", "iat"})
#: Node types a vectorisable row expression is made of (no calls, no comprehensions).
_VECTORISABLE = (
    ast.BinOp, ast.UnaryOp, ast.Compare, ast.BoolOp, ast.Subscript, ast.Attribute, ast.Name,
    ast.Constant, ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
)
_Loop = Union[ast.For, ast.AsyncFor]
#: Libraries whose calls in a row loop read, draw or write images and plots.
_PER_ROW_LIBRARIES = frozenset(
    {"cv2", "PIL", "skimage", "imageio", "matplotlib", "torchvision", "seaborn", "plotly"}
)
#: Methods of image and plot objects (``draw.rectangle``, ``ax.annotate``, ``img.save``).
_PER_ROW_METHODS = frozenset(
    """annotate text rectangle ellipse polygon add_patch imshow imread imwrite save show
    putText circle polylines paste crop resize thumbnail""".split()
)


@dataclass
class _RowLoop:
    node: _Loop
    frame: Optional[str]  # the frame's name, when it is a plain name
    rows: Set[str]  # names bound to a row (iterrows' row, itertuples' tuple or its fields)
    how: str
    vectorisable: bool = False
    #: The body reads, draws or writes something per row (an image, a plot): no column operation
    #: does that, whatever arithmetic computes its coordinates.
    per_row_work: bool = False


@dataclass
class _Scope:
    tensors: Set[str] = field(default_factory=set)
    loops: int = 0
    #: the loops open in this function, innermost last (None for loops not over rows)
    row_loops: List[Optional[_RowLoop]] = field(default_factory=list)


def _arithmetic_body(expr: ast.AST) -> bool:
    nodes = list(sub_expressions(expr))
    return all(isinstance(n, _VECTORISABLE) for n in nodes) and any(
        isinstance(n, ast.BinOp) and isinstance(n.op, _ARITHMETIC) for n in nodes
    )


class UnnecessaryIteration(Rule):
    code = "GR412"
    name = "unnecessary-iteration"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    message = "{subject}: {advice}"
    what = """
Finds loops over `df.iterrows()`, `df.itertuples()`, `df.index` or `range(len(df))` whose body
does element-wise arithmetic on the row or assigns into the same frame; `df.apply(f, axis=1)`
where `f` is a lambda or a local function computing plain arithmetic on the row; and `+=`
accumulation of TensorFlow tensors inside a Python loop.
"""
    why = """
Row-by-row Python loops are orders of magnitude slower than the equivalent column operations,
which run in compiled code; on real data sizes the loop dominates the job's run time. In
TensorFlow, growing a tensor with `+=` in a Python loop builds a long chain of graph ops.
"""
    use_instead = """\
import pandas as pd

df = pd.read_csv("sales.csv")
df["total"] = df["price"] * df["quantity"]
df["net"] = df["total"] - df["discount"]
"""
    fix_safety = """
No automatic fix (SUGGEST): rewrite the loop as column operations (`df["c"] = df["a"] * df["b"]`,
`np.where`, `Series.map`) or, in TensorFlow, `tf.add_n` / `tf.reduce_sum` over a stacked tensor.
"""
    requires = frozenset({"pandas", "tensorflow"})
    bad = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ntotal = 0\n"
        "for _, row in df.iterrows():\n    total += row['price'] * row['qty']\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nfor i in range(len(df)):\n"
        "    df.loc[i, 'total'] = df.loc[i, 'price'] * 2\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\n"
        "df['t'] = df.apply(lambda r: r['price'] * r['qty'], axis=1)\n",
        "import pandas as pd\n\ndef total(r):\n    return r.price * r.qty\n\n"
        "df = pd.read_csv('a.csv')\ndf['t'] = df.apply(total, axis='columns')\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nfor i in df.index:\n"
        "    df.at[i, 'flag'] = 1\n",
        "import tensorflow as tf\nacc = tf.zeros([3])\nfor x in batches:\n"
        "    acc += tf.square(x)\n",
    )
    good = (
        "import pandas as pd\ndf = pd.read_csv('a.csv')\ndf['t'] = df['price'] * df['qty']\n",
        # Row loop doing I/O, no arithmetic: a job to do per row.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\nfor _, row in df.iterrows():\n"
        "    send(row['email'])\n",
        # apply with a function call body, or along columns.
        "import pandas as pd\ndf = pd.read_csv('a.csv')\n"
        "df['t'] = df.apply(lambda r: lookup(r['k']), axis=1)\n",
        "import pandas as pd\ndf = pd.read_csv('a.csv')\n"
        "m = df.apply(lambda c: c.max() - c.min())\n",
        # A plain list, not a frame; and a counter, not a tensor.
        "import pandas as pd\nrows = [1, 2]\nfor i in range(len(rows)):\n"
        "    rows[i] = rows[i] * 2\n",
        "import tensorflow as tf\nn = 0\nfor x in batches:\n    n += 1\n",
        # Loops that read or annotate an image per row: arithmetic on coordinates, not columns.
        "import cv2\nimport pandas as pd\nboxes = pd.read_csv('boxes.csv')\n"
        "for _, row in boxes.iterrows():\n    img = cv2.imread(row['path'])\n"
        "    cv2.rectangle(img, (row.x, row.y), (row.x + row.w, row.y + row.h), (0, 255, 0), 2)\n",
        "import pandas as pd\nfrom PIL import Image, ImageDraw\ndf = pd.read_csv('a.csv')\n"
        "for i in range(len(df)):\n    im = Image.open(df.loc[i, 'file'])\n"
        "    ImageDraw.Draw(im).text((df.loc[i, 'x'] + 5, 10), df.loc[i, 'label'])\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._scopes: List[_Scope] = [_Scope()]
        #: local functions whose body is `return <arithmetic on the row>`
        self._arith_functions: Dict[str, bool] = {}

    # -- scopes ---------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._enter_function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._enter_function(node)

    def _enter_function(self, node: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        body = [s for s in node.body if not (isinstance(s, ast.Expr)
                                             and isinstance(s.value, ast.Constant))]
        arith = (
            len(body) == 1
            and isinstance(body[0], ast.Return)
            and body[0].value is not None
            and _arithmetic_body(body[0].value)
        )
        self._arith_functions[node.name] = arith
        self._scopes.append(_Scope())

    def leave_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scopes.pop()

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._scopes.pop()

    # -- row loops ----------------------------------------------------------------------
    def _row_loop(self, node: _Loop) -> Optional[_RowLoop]:
        it = node.iter
        pandas = self.ctx.pandas
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute):
            method = it.func.attr
            frame = it.func.value
            if method in ("iterrows", "itertuples") and pandas.is_pandas(frame):
                rows: Set[str] = set()
                target = node.target
                if method == "iterrows":
                    if isinstance(target, ast.Tuple) and len(target.elts) == 2:
                        if isinstance(target.elts[1], ast.Name):
                            rows.add(target.elts[1].id)
                elif isinstance(target, ast.Name):
                    rows.add(target.id)
                elif isinstance(target, ast.Tuple):
                    rows.update(e.id for e in target.elts[1:] if isinstance(e, ast.Name))
                return _RowLoop(node, root_name(frame) if isinstance(frame, ast.Name) else None,
                                rows, f"{method}()")
        if isinstance(it, ast.Attribute) and it.attr == "index" and pandas.is_pandas(it.value):
            frame_name = it.value.id if isinstance(it.value, ast.Name) else None
            return _RowLoop(node, frame_name, set(), ".index")
        if (
            isinstance(it, ast.Call)
            and isinstance(it.func, ast.Name)
            and len(it.args) == 1
            and isinstance(it.args[0], ast.Call)
            and len(it.args[0].args) == 1
            and self.ctx.qualname(it.func) == "range"
            and self.ctx.qualname(it.args[0].func) == "len"
            and pandas.is_pandas(it.args[0].args[0])
        ):
            inner = it.args[0].args[0]
            frame_name = inner.id if isinstance(inner, ast.Name) else None
            return _RowLoop(node, frame_name, set(), "range(len(df))")
        return None

    def _enter_loop(self, node: _Loop) -> None:
        scope = self._scopes[-1]
        scope.row_loops.append(self._row_loop(node))
        scope.loops += 1

    def _leave_loop(self, node: _Loop) -> None:
        scope = self._scopes[-1]
        scope.loops -= 1
        loop = scope.row_loops.pop()
        if loop is not None and loop.vectorisable and not loop.per_row_work:
            self.report(
                loop.node.iter,
                subject=f"row-by-row loop over `{loop.how}` doing element-wise work",
                advice="vectorise it with column operations (`df['c'] = df['a'] * df['b']`)",
            )

    def visit_For(self, node: ast.For) -> None:
        self._enter_loop(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._enter_loop(node)

    def leave_For(self, node: ast.For) -> None:
        self._leave_loop(node)

    def leave_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._leave_loop(node)

    def visit_While(self, node: ast.While) -> None:
        scope = self._scopes[-1]
        scope.loops += 1
        scope.row_loops.append(None)

    def leave_While(self, node: ast.While) -> None:
        scope = self._scopes[-1]
        scope.loops -= 1
        scope.row_loops.pop()

    def _element(self, node: ast.AST, loop: _RowLoop) -> bool:
        """Is ``node`` an element of the row or of the frame (``row['a']``, ``df.loc[i, 'a']``)?"""
        if isinstance(node, ast.Name):
            return node.id in loop.rows
        if isinstance(node, (ast.Subscript, ast.Attribute)):
            root = root_name(node)
            return root is not None and (root in loop.rows or root == loop.frame)
        return False

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not isinstance(node.op, _ARITHMETIC) or not self._scopes[-1].row_loops:
            return
        loop = self._innermost()
        if loop is not None and not loop.vectorisable:
            if self._element(node.left, loop) or self._element(node.right, loop):
                loop.vectorisable = True

    def _innermost(self) -> Optional[_RowLoop]:
        """The innermost row loop of the current function (a plain inner loop does not hide it)."""
        for loop in reversed(self._scopes[-1].row_loops):
            if loop is not None:
                return loop
        return None

    def _frame_write(self, target: ast.expr) -> None:
        loop = self._innermost()
        if loop is None or loop.frame is None or not isinstance(target, ast.Subscript):
            return
        base = target.value
        if isinstance(base, ast.Attribute) and base.attr in _INDEXERS:
            base = base.value
        if isinstance(base, ast.Name) and base.id == loop.frame:
            loop.vectorisable = True

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._frame_write(target)
        self._track_tensors(node.targets, node.value)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._frame_write(node.target)
        loop = self._innermost()
        arithmetic = isinstance(node.op, _ARITHMETIC)
        if loop is not None and arithmetic and self._element(node.value, loop):
            loop.vectorisable = True
        self._tensor_accumulation(node)

    def _mark_per_row_work(self, node: ast.Call) -> None:
        loop = self._innermost()
        if loop is None or loop.per_row_work:
            return
        func = node.func
        qualname = self.ctx.qualname(func) or ""
        if qualname.partition(".")[0] in _PER_ROW_LIBRARIES or qualname == "open":
            loop.per_row_work = True
        elif isinstance(func, ast.Attribute) and func.attr in _PER_ROW_METHODS:
            loop.per_row_work = True

    # -- apply(axis=1) --------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        self._mark_per_row_work(node)
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr != "apply" or not node.args:
            return
        axis = keyword_value(node, "axis")
        if axis is None and len(node.args) > 1:
            axis = node.args[1]
        if not (isinstance(axis, ast.Constant) and axis.value in (1, "columns")):
            return
        if not self.ctx.pandas.is_pandas(func.value):
            return
        f = node.args[0]
        if isinstance(f, ast.Lambda):
            vectorisable = _arithmetic_body(f.body)
        elif isinstance(f, ast.Name):
            vectorisable = self._arith_functions.get(f.id, False)
        else:
            return
        if vectorisable:
            self.report(
                node,
                subject="`apply(..., axis=1)` computes plain arithmetic row by row",
                advice="compute it on whole columns instead (`df['a'] * df['b']`)",
            )

    # -- TensorFlow += in loops -----------------------------------------------------------
    def _is_tf_call(self, value: Optional[ast.expr]) -> bool:
        if not isinstance(value, ast.Call):
            return False
        qualname = self.ctx.qualname(value.func)
        return qualname is not None and qualname.startswith("tensorflow.")

    def _track_tensors(self, targets: List[ast.expr], value: ast.expr) -> None:
        scope = self._scopes[-1]
        is_tensor = self._is_tf_call(value)
        for target in targets:
            if isinstance(target, ast.Name):
                if is_tensor:
                    scope.tensors.add(target.id)
                elif scope.loops == 0:
                    scope.tensors.discard(target.id)

    def _tensor_accumulation(self, node: ast.AugAssign) -> None:
        scope = self._scopes[-1]
        if scope.loops == 0 or not isinstance(node.op, ast.Add):
            return
        if not isinstance(node.target, ast.Name):
            return
        if node.target.id in scope.tensors or self._is_tf_call(node.value):
            self.report(
                node,
                subject=f"`{node.target.id} +=` accumulates a tensor in a Python loop",
                advice="collect the terms and use `tf.add_n(...)` / `tf.reduce_sum(...)`, "
                "or a `tf.TensorArray` inside `tf.function`",
            )
