"""GR417: ``np.dot`` / ``a.dot(b)`` where the ``@`` operator says matrix product."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from groundrules.rules.datascience._tracking import ScopedFlags, target_names
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_DOT = frozenset({"numpy.dot"})
#: NumPy functions returning something other than an array.
_NOT_ARRAYS = frozenset({"numpy.random.seed", "numpy.random.default_rng", "numpy.dtype", "numpy.finfo", "numpy.iinfo"})


class DotInsteadOfMatmul(Rule):
    code = "GR417"
    name = "dot-instead-of-matmul"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    message = "`{call}`: use the `@` operator (`a @ b`) for matrix products"
    what = """
Finds `np.dot(a, b)` calls, and `a.dot(b)` method calls on values known to be NumPy arrays
(bound from a `np.*` call), in modules importing NumPy.
"""
    why = """
`dot` and `matmul` agree on 1-D and 2-D arrays but not above: `dot` sums over the last axis of
`a` and the second-to-last of `b`, broadcasting nothing, which is rarely what batched code wants.
`a @ b` is `matmul`, reads like the maths and fails loudly on scalars.
"""
    use_instead = """\
import numpy as np

a = np.ones((3, 4))
b = np.ones((4, 2))
c = a @ b
"""
    fix_safety = """
COND: `np.dot(a, b)` / `a.dot(b)` -> `a @ b` only when both ranks are known to be 1 or 2 (`@`
rejects scalars and differs from `dot` above 2-D); otherwise SUGGEST.
"""
    requires = frozenset({"numpy"})
    bad = (
        "import numpy as np\nc = np.dot(a, b)\n",
        "import numpy\nc = numpy.dot(x, w) + bias\n",
        "from numpy import dot\nc = dot(a, b)\n",
        "import numpy as np\na = np.ones((3, 4))\nc = a.dot(np.ones((4, 2)))\n",
        "import numpy as np\nX = np.random.rand(5, 3)\ng = X.T.dot(X)\n",
    )
    good = (
        "import numpy as np\nc = np.ones((3, 4)) @ np.ones((4, 2))\n",
        # Unknown receiver: could be anything with a dot method.
        "import numpy as np\n\ndef f(v, w):\n    return v.dot(w)\n",
        # A local function called dot.
        "import numpy as np\n\ndef dot(a, b):\n    return sum(x * y for x, y in zip(a, b))\n\ndot([1], [2])\n",
        # A module not importing numpy.
        "import torch\nc = torch.dot(a, b)\n",
        "import numpy as np\nc = np.matmul(a, b)\n",
        # A scalar operand: plain scaling, which `@` rejects.
        "import numpy as np\nc = np.dot(a, 2.0)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._arrays = ScopedFlags(ctx)

    def _is_array(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return self._arrays.get(node.id)
        if isinstance(node, ast.Call):
            qualname = self.ctx.qualname(node.func)
            return (
                qualname is not None
                and qualname.startswith("numpy.")
                and qualname not in _NOT_ARRAYS
            )
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return self._is_array(node.value)
        return False

    def leave_Assign(self, node: ast.Assign) -> None:
        is_array = self._is_array(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                self._arrays.set(target.id, is_array)
            else:
                for name in target_names(target):
                    self._arrays.set(name, False)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr != "dot":
                return
            if self.ctx.qualname(func) in _DOT:
                self._report_function(node)
            elif self._is_array(func.value) and len(node.args) == 1 and not node.keywords:
                self.report(node, call="a.dot(b)")
        elif isinstance(func, ast.Name) and func.id == "dot":
            if self.ctx.qualname(func) in _DOT:
                self._report_function(node)

    def _report_function(self, node: ast.Call) -> None:
        # With a scalar operand `dot` is plain multiplication, and `@` would reject it.
        if any(isinstance(arg, (ast.Constant, ast.Starred)) for arg in node.args):
            return
        self.report(node, call="np.dot(a, b)")
