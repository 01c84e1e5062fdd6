"""GR401: random splits, estimators and draws that are never seeded."""

from __future__ import annotations

import ast
from typing import Dict, List, Optional, Set, Tuple

from groundrules.rules.context import Context, has_kwargs_splat
from groundrules.rules.datascience._exprs import is_none, keyword_value, last_part
from groundrules.rules.datascience._options import SEED_CONSTANT, SEED_MODULE
from groundrules.rules.datascience._sklearn_seeded import SEEDED
from groundrules.rules.framework import Rule
from groundrules.rules.imports import call_name
from groundrules.standards.schema import Category, FixClass, Severity

# -- (i) seeded constructors ---------------------------------------------------------------
#: Every scikit-learn callable taking `random_state`, read from scikit-learn's signatures by
#: benchmarks/sklearn_random_state.py (the checked code is never imported).
_SKLEARN = frozenset(SEEDED)
#: Kept for the fix, which asks the same question of a callee's name.
_SKLEARN_PREFIXES: Tuple[str, ...] = ()
_XGB = frozenset({"XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier",
                  "XGBRFRegressor"})
_LGBM = frozenset({"LGBMClassifier", "LGBMRegressor", "LGBMRanker", "LGBMModel"})
_CATBOOST = frozenset({"CatBoostClassifier", "CatBoostRegressor", "CatBoostRanker", "CatBoost"})
_CANDIDATES = _SKLEARN | _XGB | _LGBM | _CATBOOST

# -- (ii) global random streams ------------------------------------------------------------
_PY_RANDOM = frozenset(
    """random uniform randint randrange choice choices shuffle sample gauss normalvariate
    lognormvariate expovariate vonmisesvariate gammavariate betavariate paretovariate
    weibullvariate triangular getrandbits randbytes binomialvariate""".split()
)
_NP_IGNORED = frozenset(
    {"seed", "default_rng", "RandomState", "Generator", "BitGenerator", "SeedSequence", "PCG64",
     "PCG64DXSM", "MT19937", "Philox", "SFC64", "get_state", "set_state", "mtrand"}
)
_TORCH_RANDOM = frozenset(
    {"rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal",
     "bernoulli", "multinomial", "poisson"}
)
_TF_IGNORED = frozenset({"set_seed", "Generator", "get_global_generator", "set_global_generator",
                         "create_rng_state", "experimental", "Algorithm"})

#: family -> (seed call to suggest)
_FAMILY_SEED = {
    "random": "random.seed(SEED)",
    "numpy": "np.random.seed(SEED)",
    "torch": "torch.manual_seed(SEED)",
    "tensorflow": "tf.random.set_seed(SEED)",
}
_SEED_CALLS: Dict[str, Tuple[str, ...]] = {
    "random.seed": ("random",),
    "numpy.random.seed": ("numpy",),
    "numpy.random.default_rng": ("numpy",),
    "numpy.random.RandomState": ("numpy",),
    "torch.manual_seed": ("torch",),
    "torch.random.manual_seed": ("torch",),
    "torch.cuda.manual_seed": ("torch",),
    "torch.cuda.manual_seed_all": ("torch",),
    "tensorflow.random.set_seed": ("tensorflow",),
    "tensorflow.set_random_seed": ("tensorflow",),
    "tensorflow.compat.v1.set_random_seed": ("tensorflow",),
    "tensorflow.compat.v1.random.set_random_seed": ("tensorflow",),
    "tensorflow.keras.utils.set_random_seed": ("random", "numpy", "tensorflow"),
    "keras.utils.set_random_seed": ("random", "numpy", "tensorflow"),
    "pytorch_lightning.seed_everything": ("random", "numpy", "torch"),
    "lightning.seed_everything": ("random", "numpy", "torch"),
    "lightning.pytorch.seed_everything": ("random", "numpy", "torch"),
    "transformers.set_seed": ("random", "numpy", "torch", "tensorflow"),
}
_SEED_LAST = frozenset(last_part(name) for name in _SEED_CALLS)
_FAMILY_LAST = _PY_RANDOM | _TORCH_RANDOM | frozenset(
    """rand randn random_sample ranf sample choice shuffle permutation normal uniform
    random_integers beta binomial chisquare dirichlet exponential f gamma geometric gumbel
    hypergeometric laplace logistic lognormal logseries multinomial multivariate_normal
    negative_binomial noncentral_chisquare noncentral_f pareto poisson power rayleigh
    standard_cauchy standard_exponential standard_gamma standard_normal standard_t vonmises
    wald weibull zipf bytes truncated_normal categorical stateless_uniform
    default_rng RandomState""".split()
)


def _bound_names(statements: List[ast.stmt]) -> Dict[str, int]:
    """Module-level names bound by assignment or import (also under ``if``/``try``), each with the
    line of its first binding."""
    bound: Dict[str, int] = {}
    for stmt in statements:
        names: List[str] = []
        nested: Dict[str, int] = {}
        if isinstance(stmt, ast.Assign):
            names = [t.id for t in stmt.targets if isinstance(t, ast.Name)]
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            names = [stmt.target.id] if isinstance(stmt.target, ast.Name) else []
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names = [(a.asname or a.name).partition(".")[0] for a in stmt.names if a.name != "*"]
        elif isinstance(stmt, ast.If):
            nested = _bound_names(stmt.body + stmt.orelse)
        elif isinstance(stmt, ast.Try):
            nested = _bound_names(stmt.body + stmt.orelse + stmt.finalbody)
        for name, line in nested.items():
            bound.setdefault(name, line)
        for name in names:
            bound.setdefault(name, stmt.lineno)
    return bound


def seed_import_needed(tree: ast.Module, constant: str, seed_module: str) -> Optional[bool]:
    """How the fix can use the seed constant: ``False`` when the module
    already binds it, ``True`` when it must be imported from ``seed-module``; ``None`` (the
    constant is unknown here, nothing to import it from) when it cannot.  Shared with the fix."""
    if not constant.isidentifier():
        return None
    if constant in _bound_names(tree.body):
        return False
    return True if seed_module else None


def _seeded_by_argument(call: ast.Call) -> bool:
    """``default_rng(SEED)`` / ``RandomState(SEED)`` seed; no argument or ``None`` does not."""
    value: Optional[ast.expr] = call.args[0] if call.args else keyword_value(call, "seed")
    return value is not None and not is_none(value) and not isinstance(value, ast.Starred)


#: Ensembles that seed their base estimator from their own `random_state` (scikit-learn's
#: `BaseEnsemble._make_estimator` sets each estimator's `random_state`).
_SEEDING_ENSEMBLES = frozenset({"BaggingClassifier", "BaggingRegressor", "AdaBoostClassifier", "AdaBoostRegressor"})


def _seed_given(call: ast.Call) -> bool:
    value = keyword_value(call, "random_state")
    return value is not None and not is_none(value)


def _sklearn_random(call: ast.Call, condition: Optional[Tuple[str, Tuple[object, ...], bool]]) -> bool:
    """Does ``random_state`` matter for this call?  The table's condition says when it does only
    for some values of another parameter (``KFold(shuffle=True)``, ``LogisticRegression(solver=
    "saga")``); a value that is not a literal is not judged."""
    if condition is None:
        return True
    param, values, by_default = condition
    if not param:
        return False
    value = keyword_value(call, param)
    if value is None:
        return by_default
    if values == ("<not None>",):
        return not is_none(value)
    if not isinstance(value, ast.Constant):
        return False
    if values == ("<positive>",):  # `n_restarts_optimizer=5`
        return isinstance(value.value, (int, float)) and not isinstance(value.value, bool) and value.value > 0
    if values == ("<float>",):  # `cv=0.2`
        return isinstance(value.value, float)
    if True in values and not isinstance(value.value, str):
        return bool(value.value)
    return value.value in values


class RandomnessUncontrolled(Rule):
    code = "GR401"
    name = "randomness-uncontrolled"
    category = Category.DATA_SCIENCE
    severity = Severity.WARNING
    fix = FixClass.UNSAFE
    message = "{subject}: {advice}"
    what = """
Finds randomised sklearn splitters, searches, estimators and data generators (every scikit-learn
callable whose signature has `random_state`: `train_test_split`, `ShuffleSplit`, random forests,
`DecisionTree*`, `AdaBoost*`, `KMeans`, `RandomizedSearchCV`, `MLP*`, `SGD*`, `make_*`, ...; the
table is generated from scikit-learn by benchmarks/sklearn_random_state.py), XGBoost, LightGBM
and CatBoost models built without a `random_state` (or with `random_state=None`). Where
scikit-learn documents that `random_state` only matters for some values of another parameter
(`KFold(shuffle=True)`, `SVC(probability=True)`, `LogisticRegression(solver="saga")`), only calls
passing such a value are reported (likewise the few it states elsewhere: Gaussian-process
restarts, ARPACK in the embeddings, NMF and k-means initialisation), and an estimator a seeded
`Bagging*`/`AdaBoost*` ensemble seeds (passed inline or by name) is not; and draws from the global `random`, `np.random`, `torch` or `tf.random`
streams in a module that never seeds that stream (the library gate: the module imports
sklearn, XGBoost, LightGBM, CatBoost, NumPy, PyTorch or TensorFlow; Python's `random` alone is not
data-science code).
"""
    why = """
Unseeded randomness makes every run different: a metric moves because of the split, not the
change under review, and a result cannot be reproduced for an audit or a bug report.
"""
    use_instead = """\
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

SEED = 42


def split_and_fit(X, y):
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=SEED)
    model = RandomForestClassifier(n_estimators=200, random_state=SEED)
    return model.fit(X_train, y_train), X_test, y_test
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): add `random_state=SEED` (CatBoost:
`random_seed=SEED`), or replace an explicit `None` seed, where `SEED` is the `seed-constant`.
Only when the module already defines or imports that name before the call, or `seed-module` is
set (then `from <seed-module> import SEED` is added); otherwise SUGGEST. The random stream
changes, so results change once. Missing seed calls for the global streams are SUGGEST: the
message names the call to add.
"""
    options = (SEED_CONSTANT, SEED_MODULE)
    requires = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "numpy", "torch",
                          "tensorflow"})
    bad = (
        # Restarts draw their starting points; ARPACK (picked by "auto") its start vector; a
        # search's own seed does not seed the estimator it searches over.
        "from sklearn.gaussian_process import GaussianProcessRegressor\n"
        "gp = GaussianProcessRegressor(kernel=k, n_restarts_optimizer=5)\n",
        "from sklearn.manifold import LocallyLinearEmbedding\nemb = LocallyLinearEmbedding(n_components=2)\n",
        "from sklearn.model_selection import RandomizedSearchCV\nfrom sklearn.tree import DecisionTreeClassifier\n"
        "search = RandomizedSearchCV(DecisionTreeClassifier(), grid, random_state=0)\n",
        "from sklearn.model_selection import train_test_split\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)\n",
        "from sklearn.model_selection import KFold\ncv = KFold(n_splits=5, shuffle=True)\n",
        "from sklearn.ensemble import RandomForestClassifier\n"
        "model = RandomForestClassifier(n_estimators=100, random_state=None)\n",
        "import xgboost as xgb\nmodel = xgb.XGBClassifier(n_estimators=10)\n",
        "from catboost import CatBoostClassifier\nm = CatBoostClassifier(iterations=10)\n",
        "from sklearn.svm import SVC\nclf = SVC(probability=True)\n",
        "import numpy as np\nnoise = np.random.normal(0, 1, size=10)\n",
        "import random\nimport numpy as np\n\ndef pick(xs):\n    return random.choice(xs)\n",
        "import torch\nx = torch.randn(3, 4)\n",
        "import numpy as np\nrng = np.random.default_rng()\n",
        # Read from scikit-learn's signatures, not a short list.
        "from sklearn.tree import DecisionTreeClassifier\nclf = DecisionTreeClassifier(max_depth=3)\n",
        "from sklearn.ensemble import AdaBoostRegressor\nm = AdaBoostRegressor()\n",
        "from sklearn.model_selection import RandomizedSearchCV\ns = RandomizedSearchCV(est, dist)\n",
        "import sklearn.cluster\nkm = sklearn.cluster.KMeans(n_clusters=3)\n",
        "from sklearn.linear_model import LogisticRegression\nm = LogisticRegression(solver='saga')\n",
    )
    good = (
        "from sklearn.model_selection import train_test_split\n"
        "parts = train_test_split(X, y, test_size=0.2, random_state=0)\n",
        # Without shuffling a KFold is deterministic.
        "from sklearn.model_selection import KFold\ncv = KFold(n_splits=5)\n",
        "from sklearn.svm import SVC\nclf = SVC(C=1.0)\n",
        # random_state is unused by the default solver, and a search has none.
        "from sklearn.linear_model import LogisticRegression\nm = LogisticRegression(C=0.5)\n",
        "from sklearn.model_selection import GridSearchCV\ns = GridSearchCV(est, grid)\n",
        "from catboost import CatBoostClassifier\nm = CatBoostClassifier(random_seed=7)\n",
        "import lightgbm as lgb\nm = lgb.LGBMClassifier(seed=3)\n",
        "from sklearn.ensemble import RandomForestClassifier\n"
        "def build(**params):\n    return RandomForestClassifier(**params)\n",
        "import numpy as np\nnp.random.seed(0)\nnoise = np.random.normal(0, 1, size=10)\n",
        "import numpy as np\nrng = np.random.default_rng(42)\nx = rng.normal(size=3)\n",
        "import random\nimport numpy as np\n\ndef main():\n    random.seed(1)\n"
        "    return random.random()\n",
        # Python's random module alone is not data-science code (retry jitter, temp names).
        "import random\ndelay = random.uniform(0, 1)\n",
        "import torch\ntorch.manual_seed(0)\nx = torch.rand(2)\n",
        # A local function named like the API, and a non-random module.
        "import numpy as np\n\ndef train_test_split(x):\n    return x, x\n\n"
        "a, b = train_test_split(np.arange(4))\n",
        # SystemRandom is deliberately unseedable (security), not a reproducibility bug.
        "import random\ntoken = random.SystemRandom().random()\n",
        "from pytorch_lightning import seed_everything\nimport torch\n"
        "seed_everything(1)\nx = torch.rand(2)\n",
        # A seeded ensemble seeds its base estimator, passed inline or by name.
        "from sklearn.ensemble import AdaBoostClassifier, BaggingClassifier\n"
        "from sklearn.tree import DecisionTreeClassifier\n"
        "bag = BaggingClassifier(DecisionTreeClassifier(), n_estimators=50, random_state=0)\n"
        "weak = DecisionTreeClassifier(max_depth=1)\nada = AdaBoostClassifier(estimator=weak, random_state=0)\n",
        # Built only to be shown (a cell's `KMeans()`), never fitted.
        "from sklearn.cluster import KMeans\nKMeans()\n",
        # random_state unused: no optimizer restarts, a dense eigensolver, NMF's NNDSVDa start.
        "from sklearn.decomposition import NMF\nfrom sklearn.gaussian_process import GaussianProcessRegressor\n"
        "from sklearn.manifold import LocallyLinearEmbedding\n"
        "gp = GaussianProcessRegressor(kernel=k)\nlle = LocallyLinearEmbedding(eigen_solver='dense')\n"
        "nmf = NMF(n_components=4)\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._seeded: Set[str] = set()
        self._draws: List[Tuple[ast.Call, str, str]] = []  # call, qualname, family
        # Constructors without a seed, kept to the end: a seeded ensemble further down may
        # seed them (`AdaBoostClassifier(estimator=weak, random_state=0)` seeds `weak`).
        self._unseeded: List[Tuple[ast.Call, Optional[str], str, str]] = []  # call, bound name, last, key
        self._seeded_by_ensemble: Set[str] = set()

    def visit_Call(self, node: ast.Call) -> None:
        last = call_name(node)
        if last is None:
            return
        if last in _SEEDING_ENSEMBLES and _seed_given(node):
            for argument in (*node.args, *(k.value for k in node.keywords)):
                if isinstance(argument, ast.Name):
                    self._seeded_by_ensemble.add(argument.id)
        if last in _CANDIDATES or last.startswith(_SKLEARN_PREFIXES):
            self._check_constructor(node, last)
        elif last in _SEED_LAST or last in _FAMILY_LAST:
            self._check_stream(node)

    # -- (i) ----------------------------------------------------------------------------
    def _check_constructor(self, node: ast.Call, last: str) -> None:
        qualname = self.ctx.qualname(node.func)
        if qualname is None or has_kwargs_splat(node):
            return
        top = qualname.partition(".")[0]
        seed_keys: Tuple[str, ...]
        if top == "sklearn":
            if last not in _SKLEARN or not _sklearn_random(node, SEEDED[last][1]):
                return
            if last == "train_test_split" and self._literal_false(keyword_value(node, "shuffle")):
                return
            seed_keys = ("random_state",)
        elif (top == "xgboost" and last in _XGB) or (top == "lightgbm" and last in _LGBM):
            seed_keys = ("random_state", "seed")
        elif top == "catboost" and last in _CATBOOST:
            seed_keys = ("random_seed", "random_state")
        else:
            return
        for key in seed_keys:
            value = keyword_value(node, key)
            if value is not None:
                if is_none(value):
                    break
                return
        key = "random_seed" if top == "catboost" else "random_state"
        if any(isinstance(outer, ast.Call) and call_name(outer) in _SEEDING_ENSEMBLES and _seed_given(outer)
               for outer in self.ctx.ancestors):
            return  # `BaggingClassifier(DecisionTreeClassifier(), random_state=0)`
        parent = self.ctx.ancestors[-1] if self.ctx.ancestors else None
        if isinstance(parent, ast.Expr) and last[:1].isupper():
            return  # `KMeans()` alone in a cell: an estimator shown, never fitted
        bound = (parent.targets[0].id if isinstance(parent, ast.Assign) and parent.value is node
                 and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name) else None)
        self._unseeded.append((node, bound, last, key))

    def _report_unseeded(self) -> None:
        constant = self.option(SEED_CONSTANT)
        for node, bound, last, key in self._unseeded:
            if bound is not None and bound in self._seeded_by_ensemble:
                continue
            self.report(
                node,
                subject=f"`{last}(...)` has no `{key}`",
                advice=f"pass `{key}={constant}` so splits and models are reproducible",
                fixable=self._seed_usable(node, constant),
            )

    def _seed_usable(self, node: ast.Call, constant: str) -> bool:
        """The fix can write ``constant`` here: it is imported from ``seed-module``, or the module
        binds it on an earlier line (so a module-level call does not run before it exists)."""
        needed = seed_import_needed(self.ctx.tree, constant, self.option(SEED_MODULE))
        if needed is None:
            return False
        if needed:
            return True
        return _bound_names(self.ctx.tree.body)[constant] < node.lineno

    @staticmethod
    def _literal_false(node: Optional[ast.expr]) -> bool:
        return isinstance(node, ast.Constant) and node.value is False

    # -- (ii) ---------------------------------------------------------------------------
    def _check_stream(self, node: ast.Call) -> None:
        qualname = self.ctx.qualname(node.func)
        if qualname is None:
            return
        seeds = _SEED_CALLS.get(qualname)
        if seeds is not None:
            if qualname in ("numpy.random.default_rng", "numpy.random.RandomState"):
                if _seeded_by_argument(node):
                    self._seeded.update(seeds)
                    return
                self._draws.append((node, qualname, "numpy"))
                return
            self._seeded.update(seeds)
            return
        family = self._family(qualname, node)
        if family is not None:
            self._draws.append((node, qualname, family))

    @staticmethod
    def _family(qualname: str, node: ast.Call) -> Optional[str]:
        module, _, last = qualname.rpartition(".")
        if module == "random" and last in _PY_RANDOM:
            return "random"
        if module == "numpy.random" and last not in _NP_IGNORED:
            return "numpy"
        if module in ("torch", "torch.random") and last in _TORCH_RANDOM:
            return "torch"
        if module == "tensorflow.random" and last not in _TF_IGNORED:
            if last.startswith("stateless_"):
                return None
            seed = keyword_value(node, "seed")
            if seed is not None and not is_none(seed):
                return None
            return "tensorflow"
        return None

    def end(self) -> None:
        self._report_unseeded()
        constant = self.option(SEED_CONSTANT)
        # One unseeded stream is one problem: reported at its first draw, counting the others
        # (a notebook drawing from `np.random` forty times gets one finding, not forty).
        unseeded: Dict[str, List[Tuple[ast.Call, str]]] = {}
        for node, qualname, family in self._draws:
            if family not in self._seeded:
                unseeded.setdefault(family, []).append((node, qualname))
        for family, draws in unseeded.items():
            node, qualname = draws[0]
            if family == "numpy":
                # The advice GR402 gives: NumPy's global stream is legacy, so not "seed it".
                from groundrules.rules.datascience.legacy_global_numpy_rng import replacement_for

                last = qualname.rpartition(".")[2]
                method = "" if last in ("default_rng", "RandomState") else f", then `{replacement_for(last)}`"
                advice = f"draw from a seeded generator: `rng = np.random.default_rng({constant})`{method}"
            else:
                seed_call = _FAMILY_SEED[family].replace("SEED", constant)
                advice = f"seed it once at start-up (`{seed_call}`) or pass a seeded generator"
            subject = (f"`{qualname}()` draws from an unseeded global random stream"
                       if qualname not in ("numpy.random.default_rng", "numpy.random.RandomState")
                       else f"`{qualname}()` without a seed")
            if len(draws) > 1:
                more = len(draws) - 1
                subject += f" ({more} more unseeded draw{'s' if more != 1 else ''} in this file)"
            self.report(node, subject=subject, advice=advice, fixable=False)
