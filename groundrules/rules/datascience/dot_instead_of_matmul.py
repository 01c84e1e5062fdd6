"""GR417: ``np.dot`` / ``a.dot(b)`` where the ``@`` operator says matrix product."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, Optional, Tuple

from groundrules.rules.datascience._tracking import ScopedFlags, target_names
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, FixClass, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_DOT = frozenset({"numpy.dot"})
#: NumPy functions returning something other than an array.
_NOT_ARRAYS = frozenset({"numpy.random.seed", "numpy.random.default_rng", "numpy.dtype", "numpy.finfo", "numpy.iinfo"})
#: Constructors whose first argument is the shape.
_SHAPED = frozenset({"numpy.zeros", "numpy.ones", "numpy.empty", "numpy.full"})
#: Constructors whose positional arguments are the dimensions.
_DIMENSIONED = frozenset({"numpy.random.rand", "numpy.random.randn"})
_SAME_RANK = frozenset({"numpy.zeros_like", "numpy.ones_like", "numpy.empty_like", "numpy.full_like"})
_MATRICES = frozenset({"numpy.eye", "numpy.identity"})
_RANGES = frozenset({"numpy.arange", "numpy.linspace"})
_LITERALS = frozenset({"numpy.array", "numpy.asarray"})
_BODIES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)


def _int(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int


def _number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float, complex)


def _literal_rank(node: ast.AST) -> Optional[int]:
    """Rank of a regular nested list/tuple of number literals (``[[1, 2], [3, 4]]`` -> 2)."""
    if _number(node):
        return 0
    if not isinstance(node, (ast.List, ast.Tuple)) or not node.elts:
        return None
    ranks = {_literal_rank(elt) for elt in node.elts}
    lengths = {len(elt.elts) for elt in node.elts if isinstance(elt, (ast.List, ast.Tuple))}
    if len(ranks) != 1 or None in ranks or len(lengths) > 1:
        return None
    (rank,) = ranks
    return None if rank is None else rank + 1


class DotInsteadOfMatmul(Rule):
    code = "GR417"
    name = "dot-instead-of-matmul"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
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
    fix = FixClass.SAFE
    fix_safety = """
SAFE (the spec's COND), applied only when proven: `np.dot(a, b)` / `a.dot(b)` -> `a @ b` (parenthesised where the
surrounding expression needs it) only when both ranks are known to be 1 or 2: each operand is a
name bound, unconditionally and directly in the same scope's body, to `np.zeros`/`ones`/`empty`/
`full` with a literal shape, `np.eye`/`identity`, `np.arange`/`linspace` of number literals,
`np.random.rand`/`randn` of 1 or 2 integer literals, `np.array`/`asarray` of a regular nested list
of numbers, or such a call itself, or `.T` of one. `@` rejects scalars and differs from `dot`
above 2-D, so otherwise it is SUGGEST. For 1-D and 2-D NumPy arrays `np.dot` and `np.matmul` are the
same product through the same BLAS routines (`dot`/`gemv`/`gemm`, NumPy >= 1.16), with the same
result type and errors, so values, exceptions and output are unchanged.
"""
    requires = frozenset({"numpy"})
    #: Only a call spelled `dot` (`np.dot`, `a.dot`, `dot` imported by that name) is reported.
    text_gate = frozenset({"dot"})
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
        #: (scope id or 0, name) -> known rank, for names bound unconditionally in the scope body.
        self._ranks: Dict[Tuple[int, str], int] = {}

    def _key(self, name: str) -> Tuple[int, str]:
        scope = self.ctx.enclosing_scope()
        return (0 if scope is None else id(scope), name)

    def _rank(self, node: ast.AST) -> Optional[int]:
        """The array's number of dimensions, when it is known."""
        if isinstance(node, ast.Name):
            return self._ranks.get(self._key(node.id))
        if isinstance(node, ast.Attribute) and node.attr == "T":
            return self._rank(node.value)
        if not isinstance(node, ast.Call) or any(isinstance(a, ast.Starred) for a in node.args):
            return None
        if any(kw.arg is None for kw in node.keywords):
            return None
        qualname = self.ctx.qualname(node.func)
        args = node.args
        if qualname in _SHAPED and args:
            shape = args[0]
            if _int(shape):
                return 1
            if isinstance(shape, (ast.Tuple, ast.List)) and all(_int(e) for e in shape.elts):
                return len(shape.elts)
        elif qualname in _DIMENSIONED and args and all(_int(a) for a in args) and not node.keywords:
            return len(args)
        elif qualname in _MATRICES:
            return 2
        elif qualname in _RANGES and args and all(_number(a) for a in args):
            if all(kw.arg not in ("axis", "retstep") for kw in node.keywords):
                return 1
        elif qualname in _LITERALS and args and all(kw.arg == "dtype" for kw in node.keywords):
            return _literal_rank(args[0])
        elif qualname in _SAME_RANK and args and all(kw.arg != "shape" for kw in node.keywords):
            return self._rank(args[0])
        return None

    def _matrix_operands(self, a: ast.AST, b: ast.AST) -> bool:
        return self._rank(a) in (1, 2) and self._rank(b) in (1, 2)

    def visit_Name(self, node: ast.Name) -> None:
        parent = self.ctx.parent
        if isinstance(parent, ast.Assign) and any(t is node for t in parent.targets):
            return  # leave_Assign records it
        if not isinstance(node.ctx, ast.Load):
            self._ranks.pop(self._key(node.id), None)

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
        # Only an unconditional binding in the scope's own body gives a rank.
        rank = self._rank(node.value) if isinstance(self.ctx.parent, _BODIES) else None
        for target in node.targets:
            for name in target_names(target):
                self._ranks.pop(self._key(name), None)
            if isinstance(target, ast.Name) and rank is not None and len(node.targets) == 1:
                self._ranks[self._key(target.id)] = rank
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
                fixable = not isinstance(node.args[0], ast.Starred) and self._matrix_operands(func.value, node.args[0])
                self.report(node, fixable=fixable, call="a.dot(b)")
        elif isinstance(func, ast.Name) and func.id == "dot":
            if self.ctx.qualname(func) in _DOT:
                self._report_function(node)

    def _report_function(self, node: ast.Call) -> None:
        # With a scalar operand `dot` is plain multiplication, and `@` would reject it.
        if any(isinstance(arg, (ast.Constant, ast.Starred)) for arg in node.args):
            return
        fixable = len(node.args) == 2 and not node.keywords and self._matrix_operands(*node.args)
        self.report(node, fixable=fixable, call="np.dot(a, b)")
