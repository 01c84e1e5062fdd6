"""GR402: legacy ``np.random.<fn>()`` calls on NumPy's hidden global generator."""

from __future__ import annotations

import ast

from groundrules.rules.datascience._options import SEED_CONSTANT, SEED_MODULE
from groundrules.rules.framework import Rule
from groundrules.rules.imports import call_name
from groundrules.standards.schema import Category, Severity

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


class LegacyGlobalNumpyRng(Rule):
    code = "GR402"
    name = "legacy-global-numpy-rng"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
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
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`; the random stream changes): add
`rng = np.random.default_rng(SEED)` (the `seed-constant`, imported from `seed-module` when
configured), then `rand(a, b)` -> `rng.random((a, b))`, `randn(a, b)` ->
`rng.standard_normal((a, b))`, `randint(l, h)` -> `rng.integers(l, h)`, and
`choice`/`shuffle`/`permutation`/`normal`/`uniform` -> `rng.<same>(...)`.
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

    def visit_Call(self, node: ast.Call) -> None:
        fn = call_name(node)
        if fn is None or fn not in LEGACY:
            return
        if self.ctx.qualname(node.func) != f"numpy.random.{fn}":
            return
        seed = self.option(SEED_CONSTANT)
        replacement = _REPLACEMENT.get(fn, f"rng.{fn}(...)").replace("SEED", seed)
        self.report(node, fn=fn, seed=seed, replacement=replacement)
