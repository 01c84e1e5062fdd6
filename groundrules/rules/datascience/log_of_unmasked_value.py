"""GR424: ``log(x)`` where ``x`` may be zero or negative."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

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
Finds `np.log`, `torch.log`, `tf.math.log` (and the `log2`/`log10` variants) whose argument is
not clamped or clipped (`clamp`, `clamp_min`, `clip`, `clip_by_value`, `maximum`), does not add
a positive constant or an `eps`-like name, and is not a positive literal. A name assigned from
such a masked expression counts as masked; `np.log(x, where=...)` is exempt.
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
        "import numpy as np\ny = np.log(df['price'])\n",
        "import torch\nloss = -torch.log(probs).mean()\n",
        "import tensorflow as tf\nl = tf.math.log(tf.nn.sigmoid(z))\n",
        "from numpy import log\nv = log(x - 1)\n",
        "import torch\np = torch.softmax(z, dim=1)\nlp = torch.log(p)\n",
    )
    good = (
        "import numpy as np\ny = np.log(np.clip(x, 1e-12, None))\n",
        "import torch\neps = 1e-8\nl = torch.log(p + eps)\nm = torch.log(p.clamp_min(1e-8))\n",
        "import tensorflow as tf\nl = tf.math.log(tf.clip_by_value(p, 1e-7, 1.0))\n",
        "import numpy as np\nq = np.clip(p, 1e-9, 1)\nl = np.log(q)\nc = np.log(2) + np.log(np.pi)\n",
        "import numpy as np\ny = np.log1p(x)\nz = np.log(x, where=x > 0)\n",
        # math.log and a local function named log.
        "import numpy as np\nimport math\n\ndef log(x):\n    return x\n\nlog(0)\nmath.log(3)\n",
        # A module importing none of the libraries.
        "import jax.numpy as jnp\ny = jnp.log(x)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._masked = ScopedFlags(ctx)

    def _is_masked(self, node: ast.AST) -> bool:
        if positive_number(node):
            return True
        if isinstance(node, ast.Name):
            return self._masked.get(node.id) or _EPS_ALONE.search(node.id) is not None
        if isinstance(node, ast.Attribute):
            if node.attr in _CONSTANT_ATTRS or _EPS_ALONE.search(node.attr) is not None:
                return True
            return False
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            return name in _MASKS
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                return self._positive_offset(node.left) or self._positive_offset(node.right)
            if isinstance(node.op, (ast.Mult, ast.Div)):
                return self._is_masked(node.left) and self._is_masked(node.right)
        return False

    def _positive_offset(self, node: ast.AST) -> bool:
        if positive_number(node):
            return True
        name = dotted(node)
        if name is not None:
            return _EPS_NAME.search(name.rsplit(".", 1)[-1]) is not None
        return False

    def leave_Assign(self, node: ast.Assign) -> None:
        masked = self._is_masked(node.value)
        for target in node.targets:
            for name in target_names(target):
                self._masked.set(name, masked and isinstance(target, ast.Name))

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
        short = qualname.replace("numpy.", "np.").replace("tensorflow.", "tf.")
        self.report(node, call=short)
