"""GR424: ``log(x)`` where ``x`` may be zero or negative."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, List, Optional

from groundrules.rules.context import keyword
from groundrules.rules.datascience._tracking import ScopedFlags, dotted, positive_number, target_names
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_LOGS = frozenset(
    {
        "numpy.log",
        "numpy.log2",
        "numpy.log10",
        "torch.log",
        "torch.log2",
        "torch.log10",
        "tensorflow.math.log",
        "tensorflow.log",
    }
)
_LOG_NAMES = frozenset(q.rsplit(".", 1)[1] for q in _LOGS)
#: Calls whose result is bounded away from zero (given a positive bound).
_MASKS = frozenset(
    {"clamp", "clamp_min", "clamp_", "clamp_min_", "clip", "clip_by_value", "maximum", "fmax", "exp"}
)
_EPS_NAME = re.compile(r"(?i)(eps|epsilon|tiny|smooth|delta|offset|jitter)")
_EPS_ALONE = re.compile(r"(?i)^_?(eps|epsilon)")
_CONSTANT_ATTRS = frozenset({"pi", "e", "inf"})


_COUNTS = frozenset({"value_counts", "size"})
#: Calls whose result reaches 0 or goes negative in ordinary use: probabilities underflow to 0
#: (a tree's `predict_proba` gives exact zeros), differences and random normals go negative.
_MAY_BE_NONPOSITIVE = frozenset(
    {"softmax", "sigmoid", "predict_proba", "diff", "pct_change", "randn", "normal", "standard_normal"}
)
#: Names that hold probabilities (`probs`, `p_hat`, `y_proba`): 0 is a probability.
_PROBABILITY_NAME = re.compile(r"(?i)(^|_)(probs?|probas?|probabilit(y|ies)|p_hat|phat|likelihoods?)($|_)")
_QUERY_POSITIVE = re.compile(r"\b([A-Za-z_]\w*)\s*(?:>\s*0(?![.\d]*[1-9])|>=\s*[1-9]\d*)")


def _column_key(node: ast.AST) -> Optional[str]:
    """``df["price"]`` and ``df.price`` as ``df[price]``."""
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return f"{node.value.id}[{key.value}]"
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}[{node.attr}]"
    return None


def _positive_bound(cond: ast.Compare) -> bool:
    """``x > 0``, ``x >= 1`` (a positive lower bound)."""
    if len(cond.ops) != 1:
        return False
    bound = cond.comparators[0]
    if not isinstance(bound, ast.Constant) or not isinstance(bound.value, (int, float)):
        return False
    if isinstance(bound.value, bool):
        return False
    op = cond.ops[0]
    return (isinstance(op, ast.Gt) and bound.value >= 0) or (isinstance(op, ast.GtE) and bound.value > 0)


class LogOfUnmaskedValue(Rule):
    code = "GR424"
    name = "log-of-unmasked-value"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    message = (
        "`{call}(x)` of a value that may be 0 or negative gives -inf/NaN: clamp it "
        "(`x.clamp_min(eps)`, `np.clip(x, eps, None)`), add `eps`, or use `log1p`"
    )
    what = """
Finds `np.log`, `torch.log`, `tf.math.log` (and the `log2`/`log10` variants) of a value that
ordinary use makes 0 or negative: a difference (`x - y`, `.diff()`, `.pct_change()`), a
negation, probabilities (`softmax`, `sigmoid`, `predict_proba`, a name such as `probs` or
`y_proba`: 0 is a probability, and tree models give exact zeros) or random normals, directly or
through a name assigned from one. A log of anything else (prices, GDP, counts, lengths) is
taken to be of a positive quantity, as real analysis code overwhelmingly is. Such a value is
still exempt when it is clamped or clipped (`clamp`, `clamp_min`, `clip`, `clip_by_value`,
`maximum`), adds a positive constant or an `eps`-like name, or is a positive literal (a name
assigned from a masked expression counts as masked); so are `np.log(x, where=...)`, counts
(`value_counts()`, a groupby's `size()`) and a column or array after a filter keeping it
positive (`df = df[df["price"] > 0]`, `x = x[x > 0]`, `.loc[...]`, `.query("price > 0")`).
"""
    why = """
`log(0)` is `-inf` and `log` of a negative number is `NaN`; either poisons a loss, a gradient or
a feature column and the training run fails far from the cause.
"""
    use_instead = """\
import numpy as np

EPS = 1e-12
log_p = np.log(np.clip(p, EPS, None))
log_q = np.log(q + EPS)
log_r = np.log1p(r)
"""
    fix_safety = "No automatic fix (SUGGEST): the right epsilon depends on the data's scale."
    requires = frozenset({"numpy", "torch", "tensorflow"})
    bad = (
        "import numpy as np\ny = np.log(df['price'] - df['cost'])\n",
        "import torch\nloss = -torch.log(probs).mean()\n",
        "import tensorflow as tf\nl = tf.math.log(tf.nn.sigmoid(z))\n",
        "from numpy import log\nv = log(x - 1)\n",
        "import torch\np = torch.softmax(z, dim=1)\nlp = torch.log(p)\n",
        "import numpy as np\nloss = -np.mean(np.log(model.predict_proba(X_test)[:, 1]))\n",
        "import numpy as np\ngrowth = np.log(df['sales'].diff())\n",
        # Log returns taken of the returns themselves: negative on every falling day.
        "import numpy as np\nreturns = prices.pct_change()\nlr = np.log(returns)\n",
    )
    good = (
        "import numpy as np\ny = np.log(np.clip(x, 1e-12, None))\n",
        "import torch\neps = 1e-8\nl = torch.log(p + eps)\nm = torch.log(p.clamp_min(1e-8))\n",
        "import tensorflow as tf\nl = tf.math.log(tf.clip_by_value(p, 1e-7, 1.0))\n",
        "import numpy as np\nq = np.clip(p, 1e-9, 1)\nl = np.log(q)\nc = np.log(2) + np.log(np.pi)\n",
        "import numpy as np\ny = np.log1p(x)\nz = np.log(x, where=x > 0)\n",
        # math.log and a local function named log.
        "import numpy as np\nimport math\n\ndef log(x):\n    return x\n\nlog(0)\nmath.log(3)\n",
        # Known positive: a count, a column or array kept only where positive, `x + 1`.
        "import numpy as np\ncounts = df['city'].value_counts()\nw = np.log(counts)\n",
        "import numpy as np\ndf = df[df['price'] > 0]\ndf['log_price'] = np.log(df['price'])\n",
        "import numpy as np\nsales = sales.loc[(sales.qty >= 1) & (sales.price > 0)]\n"
        "y = np.log(sales.price)\n",
        "import numpy as np\nx = x[x > 0]\nlx = np.log(x)\nly = np.log(y + 1)\n",
        'import numpy as np\ndf = df.query("price > 0")\nlp = np.log(df["price"])\n',
        # A module importing none of the libraries.
        "import jax.numpy as jnp\ny = jnp.log(x)\n",
        # Levels, lengths and ratios of positive quantities: what real analysis code takes logs of.
        "import numpy as np\ndata['ln_wpi'] = np.log(data['wpi'])\ninfl = np.log(cpi).diff()\n"
        "bic = np.log(len(X)) * k\nfactor = np.log(max_rate / min_rate)\n",
        # A probability kept away from 0 by an epsilon from a call.
        "import tensorflow as tf\nlogits = tf.math.log(probas + keras.backend.epsilon())\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._masked = ScopedFlags(ctx)
        self._evidence = ScopedFlags(ctx)  # names assigned from a value that may be 0 or negative

    def _is_masked(self, node: ast.AST) -> bool:
        if positive_number(node):
            return True
        if isinstance(node, ast.Name):
            return self._masked.get(node.id) or _EPS_ALONE.search(node.id) is not None
        if isinstance(node, ast.Attribute):
            if node.attr in _CONSTANT_ATTRS or _EPS_ALONE.search(node.attr) is not None:
                return True
            return self._filtered_positive(node)
        if isinstance(node, ast.Subscript):
            return self._filtered_positive(node)
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            # `value_counts()` and a groupby's `size()` count at least one row per entry.
            return name in _MASKS or name in _COUNTS
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                return self._positive_offset(node.left) or self._positive_offset(node.right)
            if isinstance(node.op, (ast.Mult, ast.Div)):
                return self._is_masked(node.left) and self._is_masked(node.right)
        return False

    def _may_be_nonpositive(self, node: ast.AST) -> bool:
        """Evidence that ordinary use makes ``node`` 0 or negative (see ``what``).  Walked with a
        stack: a 1,000-term product is valid code and must not exhaust the recursion limit."""
        stack = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, ast.UnaryOp) and isinstance(current.op, ast.USub):
                return True
            if isinstance(current, ast.BinOp):
                if isinstance(current.op, ast.Sub):
                    return True
                # A quotient's sign and zeros are its numerator's: `z / z.sum() / (x[1] - x[0])`
                # divides by a positive step.
                stack.extend((current.left,) if isinstance(current.op, ast.Div) else (current.left, current.right))
            elif isinstance(current, ast.Subscript):
                stack.append(current.value)
            elif isinstance(current, ast.Call):
                func = current.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in _MAY_BE_NONPOSITIVE:
                    return True
            elif isinstance(current, ast.Name):
                if self._evidence.get(current.id) or _PROBABILITY_NAME.search(current.id) is not None:
                    return True
            elif isinstance(current, ast.Attribute) and _PROBABILITY_NAME.search(current.attr) is not None:
                return True
        return False

    def _positive_offset(self, node: ast.AST) -> bool:
        if positive_number(node):
            return True
        if isinstance(node, ast.Call):  # `keras.backend.epsilon()`
            node = node.func
        name = dotted(node)
        if name is not None:
            return _EPS_NAME.search(name.rsplit(".", 1)[-1]) is not None
        return False

    def _filtered_positive(self, node: ast.AST) -> bool:
        """``df["price"]`` after ``df = df[df["price"] > 0]`` (or ``.loc``/``.query``)."""
        key = _column_key(node)
        return key is not None and self._masked.get(key)

    def _record_filter(self, target: ast.expr, value: ast.AST) -> None:
        """``df = df[df["price"] > 0]``, ``x = x[x > 0]``, ``df = df.query("price > 0")``: the
        filtered column (or the name itself) holds only positive values from here on."""
        if not isinstance(target, ast.Name):
            return
        conditions: List[ast.AST] = []
        base: Optional[ast.AST] = None
        if isinstance(value, ast.Subscript):
            base = value.value
            if isinstance(base, ast.Attribute) and base.attr == "loc":
                base = base.value
            key = value.slice
            conditions = list(key.elts[:1]) if isinstance(key, ast.Tuple) else [key]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "query":
            base = value.func.value
            text = value.args[0] if value.args else None
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and isinstance(base, ast.Name):
                for column in _QUERY_POSITIVE.findall(text.value):
                    self._masked.set(f"{target.id}[{column}]", True)
            return
        if not isinstance(base, ast.Name):
            return
        while conditions:
            cond = conditions.pop()
            if isinstance(cond, ast.BoolOp) and isinstance(cond.op, ast.And):
                conditions.extend(cond.values)
            elif isinstance(cond, ast.BinOp) and isinstance(cond.op, ast.BitAnd):
                conditions.extend((cond.left, cond.right))
            elif isinstance(cond, ast.Compare) and _positive_bound(cond):
                left = cond.left
                if isinstance(left, ast.Name) and left.id == base.id:
                    self._masked.set(target.id, True)
                column_key = _column_key(left)
                if column_key is not None and column_key.split("[", 1)[0] == base.id:
                    self._masked.set(target.id + "[" + column_key.split("[", 1)[1], True)

    def leave_Assign(self, node: ast.Assign) -> None:
        masked = self._is_masked(node.value)
        evidence = not masked and self._may_be_nonpositive(node.value)
        for target in node.targets:
            for name in target_names(target):
                self._masked.set(name, masked and isinstance(target, ast.Name))
                self._evidence.set(name, evidence and isinstance(target, ast.Name))
            self._record_filter(target, node.value)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name not in _LOG_NAMES or not node.args:
            return
        qualname = self.ctx.qualname(func)
        if qualname not in _LOGS:
            return
        if keyword(node, "where") is not None or self._is_masked(node.args[0]):
            return
        if not self._may_be_nonpositive(node.args[0]):
            return
        short = qualname.replace("numpy.", "np.").replace("tensorflow.", "tf.")
        self.report(node, call=short)
