"""GR402: legacy ``np.random.<fn>()`` calls on NumPy's hidden global generator."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional, Tuple

from groundrules.rules.datascience._options import SEED_CONSTANT, SEED_MODULE
from groundrules.rules.datascience.randomness_uncontrolled import seed_import_needed
from groundrules.rules.framework import Rule
from groundrules.rules.imports import call_name
from groundrules.standards.schema import Category, FixClass, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

#: The legacy module-level samplers of ``numpy.random`` (backed by one global ``RandomState``).
LEGACY = frozenset(
    """rand randn randint random_integers random random_sample ranf sample choice shuffle
    permutation normal uniform seed bytes beta binomial chisquare dirichlet exponential f gamma
    geometric gumbel hypergeometric laplace logistic lognormal logseries multinomial
    multivariate_normal negative_binomial noncentral_chisquare noncentral_f pareto poisson power
    rayleigh standard_cauchy standard_exponential standard_gamma standard_normal standard_t
    triangular vonmises wald weibull zipf get_state set_state""".split()
)

_REPLACEMENT = {
    "rand": "rng.random((d0, d1, ...))",
    "random_sample": "rng.random(size)",
    "random": "rng.random(size)",
    "ranf": "rng.random(size)",
    "sample": "rng.random(size)",
    "randn": "rng.standard_normal((d0, d1, ...))",
    "randint": "rng.integers(low, high)",
    "random_integers": "rng.integers(low, high, endpoint=True)",
    "seed": "rng = np.random.default_rng(SEED)",
    "get_state": "rng.bit_generator.state",
    "set_state": "rng.bit_generator.state = ...",
}


#: Legacy function -> ``Generator`` method taking the same arguments (``rand``/``randn`` take the
#: dimensions as separate arguments, the methods a shape tuple).
GENERATOR_METHODS = {
    "rand": "random",
    "randn": "standard_normal",
    "randint": "integers",
    "choice": "choice",
    "shuffle": "shuffle",
    "permutation": "permutation",
    "normal": "normal",
    "uniform": "uniform",
}
SHAPE_ARGS = frozenset({"rand", "randn"})
#: Calls on the global state rather than draws: their message names the generator, not a call.
_STATE_CALLS = frozenset({"seed", "get_state", "set_state"})
RNG = "rng"


def replacement_for(fn: str, seed: str = "SEED") -> str:
    """The ``Generator`` call standing for legacy ``np.random.<fn>()`` (shared with GR401)."""
    return _REPLACEMENT.get(fn, f"rng.{fn}(...)").replace("SEED", seed)


def _mentions(tree: ast.Module, name: str) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            return True
        if isinstance(node, ast.arg) and node.arg == name:
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, ast.alias) and name in (node.asname, node.name.partition(".")[0]):
            return True
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return True
        if isinstance(node, ast.ExceptHandler) and node.name == name:
            return True
    return False


def _binds(stmt: ast.stmt, name: str) -> bool:
    if isinstance(stmt, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is not None and isinstance(stmt.target, ast.Name) and stmt.target.id == name
    if isinstance(stmt, ast.ImportFrom):
        return any((a.asname or a.name) == name for a in stmt.names)
    return False


def generator_anchor(tree: ast.Module, constant: str, seed_module: str) -> Optional[Tuple[int, str, bool]]:
    """Where the fix can add ``rng = <numpy>.random.default_rng(SEED)``: (last line of the
    module-level statement it follows, the name bound to ``numpy``, whether ``SEED`` must be
    imported from ``seed-module``), or ``None`` when it cannot (no ``import numpy``, no seed
    constant, ``rng`` already used, or the statement to follow is not a simple one).

    It follows the leading import block, and the binding of ``numpy`` and of ``SEED`` if later.
    Shared with the fix."""
    needed = seed_import_needed(tree, constant, seed_module)
    if needed is None or _mentions(tree, RNG):
        return None
    numpy: Optional[str] = None
    seeded = needed
    leading = True
    anchor: Optional[ast.stmt] = None
    for index, stmt in enumerate(tree.body):
        is_docstring = index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        leading = leading and (is_docstring or isinstance(stmt, (ast.Import, ast.ImportFrom)))
        if numpy is not None and seeded and not leading:
            break  # everything needed is bound by the statements before this one
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.name == "numpy":
                    numpy = alias.asname or "numpy"
        seeded = seeded or _binds(stmt, constant)
        anchor = stmt
    if anchor is None or numpy is None or not seeded:
        return None
    if not isinstance(anchor, (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)):
        return None
    return (anchor.end_lineno or anchor.lineno, numpy, needed)


class LegacyGlobalNumpyRng(Rule):
    code = "GR402"
    name = "legacy-global-numpy-rng"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    message = (
        "`np.random.{fn}()` uses NumPy's legacy global generator: create "
        "`rng = np.random.default_rng({seed})` and call `{replacement}`"
    )
    what = """
Finds calls of the legacy module-level samplers of `numpy.random` (`rand`, `randn`, `randint`,
`choice`, `shuffle`, `permutation`, `normal`, `uniform`, `seed`, ...), however they are imported.
"""
    why = """
They all share one hidden, global `RandomState`: any library call can advance or reseed it, so
results depend on import order and on unrelated code. NEP 19 recommends an explicit
`numpy.random.Generator` created with `default_rng(seed)` and passed where it is needed.
"""
    use_instead = """\
import numpy as np

SEED = 42
rng = np.random.default_rng(SEED)
noise = rng.standard_normal((3, 4))
idx = rng.integers(0, 10, size=5)
"""
    fix = FixClass.UNSAFE
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`; the random stream changes): add
`rng = np.random.default_rng(SEED)` (the `seed-constant`, imported from `seed-module` when
configured), then `rand(a, b)` -> `rng.random((a, b))`, `randn(a, b)` ->
`rng.standard_normal((a, b))`, `randint(l, h)` -> `rng.integers(l, h)`, and
`choice`/`shuffle`/`permutation`/`normal`/`uniform` -> `rng.<same>(...)`.
Only when the module has `import numpy` (any alias), binds `SEED` at module level or configures
`seed-module`, never uses the name `rng`, and the call comes after the line `rng` is added on
(after the leading imports and the bindings of `numpy` and `SEED`); `rand`/`randn` need plain
positional arguments, and a function imported under another name is not rewritten.
`seed`, `get_state`, `set_state` and the other samplers: SUGGEST.
"""
    options = (SEED_CONSTANT, SEED_MODULE)
    requires = frozenset({"numpy"})
    bad = (
        "import numpy as np\nx = np.random.rand(3, 4)\n",
        "import numpy as np\nnp.random.seed(0)\n",
        "from numpy.random import randint\nk = randint(0, 10)\n",
        "import numpy\nnumpy.random.shuffle(items)\n",
        "from numpy import random as npr\nz = npr.normal(0, 1, 5)\n",
    )
    good = (
        "import numpy as np\nrng = np.random.default_rng(42)\nx = rng.random((3, 4))\n",
        # The Generator's methods share names with the legacy functions.
        "import numpy as np\n\ndef draw(rng: np.random.Generator):\n"
        "    return rng.normal(0, 1, 5)\n",
        # Python's random module and a local function named like the legacy API.
        "import random\nimport numpy as np\nx = random.randint(0, 10)\n",
        "import numpy as np\n\ndef rand(n):\n    return np.zeros(n)\n\nx = rand(3)\n",
        # An explicitly seeded legacy RandomState object is not the global one.
        "import numpy as np\nrs = np.random.RandomState(0)\nx = rs.rand(3)\n",
        # No numpy import: another library's random module.
        "import torch\nx = torch.rand(3)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._anchor: Optional[Tuple[int, str, bool]] = None
        self._anchored = False

    def _fixable(self, node: ast.Call, fn: str) -> bool:
        if fn not in GENERATOR_METHODS:
            return False
        func = node.func
        if isinstance(func, ast.Name) and func.id != fn:
            return False  # imported under another name
        if fn in SHAPE_ARGS and (node.keywords or any(isinstance(a, ast.Starred) for a in node.args)):
            return False
        if not self._anchored:
            self._anchored = True
            self._anchor = generator_anchor(self.ctx.tree, self.option(SEED_CONSTANT), self.option(SEED_MODULE))
        return self._anchor is not None and node.lineno > self._anchor[0]

    def visit_Call(self, node: ast.Call) -> None:
        fn = call_name(node)
        if fn is None or fn not in LEGACY:
            return
        if self.ctx.qualname(node.func) != f"numpy.random.{fn}":
            return
        seed = self.option(SEED_CONSTANT)
        replacement = replacement_for(fn, seed)
        if fn in _STATE_CALLS:
            # Seeding or saving the global state: the advice is the generator itself, not a call.
            message = (
                "`np.random.{fn}()` works on NumPy's legacy global generator: create "
                "`rng = np.random.default_rng({seed})` once and draw from `rng` instead"
            )
            if fn != "seed":
                message += " (its state is `{replacement}`)"
            self.report(node, message, fixable=False, fn=fn, seed=seed, replacement=replacement)
        elif self._fixable(node, fn):
            self.report(node, fix_class=FixClass.UNSAFE, fn=fn, seed=seed, replacement=replacement)
        else:
            self.report(node, fixable=False, fn=fn, seed=seed, replacement=replacement)
