"""GR409: estimators and optimizers built on library-default hyperparameters."""

from __future__ import annotations

import ast
from typing import Dict, Mapping, Optional, Tuple

from groundrules.rules.context import has_kwargs_splat
from groundrules.rules.datascience._options import REQUIRED_HYPERPARAMETERS
from groundrules.rules.framework import Example, Rule
from groundrules.rules.imports import call_name
from groundrules.standards.schema import Category, Severity

_TREES = ("n_estimators", "max_depth")
_BOOSTING = ("n_estimators", "learning_rate", "max_depth")

#: Built-in table: class name -> the hyperparameters that must be explicit.
SKLEARN: Dict[str, Tuple[str, ...]] = {
    "RandomForestClassifier": _TREES,
    "RandomForestRegressor": _TREES,
    "ExtraTreesClassifier": _TREES,
    "ExtraTreesRegressor": _TREES,
    "GradientBoostingClassifier": _BOOSTING,
    "GradientBoostingRegressor": _BOOSTING,
    "HistGradientBoostingClassifier": ("learning_rate", "max_iter"),
    "HistGradientBoostingRegressor": ("learning_rate", "max_iter"),
    "AdaBoostClassifier": ("n_estimators", "learning_rate"),
    "AdaBoostRegressor": ("n_estimators", "learning_rate"),
    "DecisionTreeClassifier": ("max_depth",),
    "DecisionTreeRegressor": ("max_depth",),
    "LogisticRegression": ("C", "max_iter"),
    "SVC": ("C", "kernel"),
    "SVR": ("C", "kernel"),
    "KNeighborsClassifier": ("n_neighbors",),
    "KNeighborsRegressor": ("n_neighbors",),
    "KMeans": ("n_clusters", "n_init"),
    "DBSCAN": ("eps", "min_samples"),
    "MLPClassifier": ("hidden_layer_sizes", "alpha", "max_iter"),
    "MLPRegressor": ("hidden_layer_sizes", "alpha", "max_iter"),
    "SGDClassifier": ("loss", "alpha"),
    "SGDRegressor": ("loss", "alpha"),
    "Ridge": ("alpha",),
    "Lasso": ("alpha",),
    "ElasticNet": ("alpha", "l1_ratio"),
}
XGBOOST = {
    name: ("n_estimators", "max_depth", "learning_rate")
    for name in ("XGBClassifier", "XGBRegressor", "XGBRanker")
}
LIGHTGBM = {
    name: ("n_estimators", "learning_rate", "num_leaves")
    for name in ("LGBMClassifier", "LGBMRegressor", "LGBMRanker")
}
CATBOOST = {
    name: ("iterations", "learning_rate", "depth")
    for name in ("CatBoostClassifier", "CatBoostRegressor")
}
TORCH_OPTIM: Dict[str, Tuple[str, ...]] = {
    "SGD": ("lr",),
    "Adam": ("lr",),
    "AdamW": ("lr", "weight_decay"),
    "RMSprop": ("lr",),
    "Adagrad": ("lr",),
    "Adadelta": ("lr",),
    "Adamax": ("lr",),
    "NAdam": ("lr",),
    "RAdam": ("lr",),
}
KERAS_OPTIM = {
    name: ("learning_rate",)
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam")
}
_TABLES: Tuple[Tuple[Tuple[str, ...], Mapping[str, Tuple[str, ...]], int], ...] = (
    # (qualified-name prefixes, table, positional arguments that are not hyperparameters)
    (("sklearn.",), SKLEARN, 0),
    (("xgboost.",), XGBOOST, 0),
    (("lightgbm.",), LIGHTGBM, 0),
    (("catboost.",), CATBOOST, 0),
    (("torch.optim.",), TORCH_OPTIM, 1),
    (("tensorflow.keras.optimizers.", "keras.optimizers.", "tf_keras.optimizers."),
     KERAS_OPTIM, 0),
)
_LIBRARY_PREFIXES = tuple(p for prefixes, _, _ in _TABLES for p in prefixes)
_ALL_NAMES = frozenset(name for _, table, _ in _TABLES for name in table)


class HyperparametersNotExplicit(Rule):
    code = "GR409"
    name = "hyperparameters-not-explicit"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    message = "`{cls}(...)` relies on library defaults for {missing}: pass them explicitly"
    what = """
Finds sklearn, XGBoost, LightGBM and CatBoost estimators and `torch.optim` / Keras optimizers
constructed without the key hyperparameters of a built-in per-class table (`n_estimators` and
`max_depth` for random forests, `lr` for torch optimizers, `learning_rate` for Keras ones, ...).
`required-hyperparameters` adds classes or replaces a class's entry.
"""
    why = """
Library defaults change between versions (`n_estimators` 10 -> 100, `KMeans(n_init)`,
`LogisticRegression(max_iter)`), so the same code trains a different model after an upgrade,
and a reader cannot tell which settings the reported results used (configuration debt).
"""
    use_instead = """\
from sklearn.ensemble import RandomForestClassifier

model = RandomForestClassifier(n_estimators=300, max_depth=12, random_state=0)
"""
    fix_safety = """
No automatic fix (SUGGEST): groundrules never imports the libraries it checks, so it cannot
read their current defaults; the message names the missing hyperparameters.
"""
    options = (REQUIRED_HYPERPARAMETERS,)
    requires = frozenset(
        {"sklearn", "xgboost", "lightgbm", "catboost", "torch", "tensorflow", "keras", "tf_keras"}
    )
    bad = (
        "from sklearn.ensemble import RandomForestClassifier\nm = RandomForestClassifier()\n",
        "from sklearn.ensemble import RandomForestClassifier\n"
        "m = RandomForestClassifier(n_estimators=100)\n",
        "import torch\nopt = torch.optim.Adam(model.parameters())\n",
        "import tensorflow as tf\nopt = tf.keras.optimizers.Adam()\n",
        "import xgboost as xgb\nm = xgb.XGBRegressor(n_estimators=10, max_depth=3)\n",
        Example(
            "from sklearn.linear_model import LinearRegression\nm = LinearRegression()\n",
            options={
                "data-science.required-hyperparameters": {"LinearRegression": ["fit_intercept"]}
            },
        ),
    )
    good = (
        "from sklearn.ensemble import RandomForestClassifier\n"
        "m = RandomForestClassifier(n_estimators=100, max_depth=8)\n",
        "import torch\nopt = torch.optim.SGD(model.parameters(), lr=0.01)\n",
        "import torch\nopt = torch.optim.SGD(model.parameters(), 0.01)\n",
        # Settings from a config dict: cannot tell, stay quiet.
        "from sklearn.svm import SVC\nclf = SVC(**params)\n",
        # Classes outside the tables, and a local class named like an estimator.
        "from sklearn.preprocessing import StandardScaler\nscaler = StandardScaler()\n",
        "import sklearn\n\nclass SVC:\n    pass\n\nclf = SVC()\n",
        Example(
            "from sklearn.ensemble import RandomForestClassifier\n"
            "m = RandomForestClassifier(n_estimators=50)\n",
            options={"data-science.required-hyperparameters": {
                "RandomForestClassifier": ["n_estimators"]}},
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        cls = call_name(node)
        if cls is None:
            return
        configured = self.option(REQUIRED_HYPERPARAMETERS)
        if cls not in _ALL_NAMES and cls not in configured:
            return
        qualname = self.ctx.qualname(node.func)
        if qualname is None or not qualname.startswith(_LIBRARY_PREFIXES):
            return
        required, skip = self._required(qualname, cls, configured)
        if required is None or has_kwargs_splat(node):
            return
        if len(node.args) > skip or any(isinstance(a, ast.Starred) for a in node.args):
            return  # hyperparameters passed by position: cannot tell which
        given = {kw.arg for kw in node.keywords}
        missing = [name for name in required if name not in given]
        if missing:
            self.report(node, cls=cls, missing=", ".join(f"`{m}`" for m in missing))

    @staticmethod
    def _required(
        qualname: str, cls: str, configured: Mapping[str, Tuple[str, ...]]
    ) -> Tuple[Optional[Tuple[str, ...]], int]:
        for prefixes, table, skip in _TABLES:
            if qualname.startswith(prefixes):
                if cls in configured:
                    return tuple(configured[cls]), skip
                return table.get(cls), skip
        return None, 0
