"""GR418: a scale-sensitive estimator fitted on data nobody scaled."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Tuple

from groundrules.rules.context import keyword
from groundrules.rules.datascience._tracking import (
    ScopedFlags,
    base_name,
    parameter_names,
    target_names,
)
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

SENSITIVE = frozenset(
    """SVC SVR NuSVC NuSVR LinearSVC LinearSVR KNeighborsClassifier KNeighborsRegressor
    RadiusNeighborsClassifier RadiusNeighborsRegressor PCA KernelPCA SGDClassifier SGDRegressor
    MLPClassifier MLPRegressor LogisticRegression LogisticRegressionCV Ridge RidgeCV
    RidgeClassifier RidgeClassifierCV Lasso LassoCV ElasticNet ElasticNetCV""".split()
)
SCALERS = frozenset(
    """StandardScaler MinMaxScaler RobustScaler MaxAbsScaler Normalizer QuantileTransformer
    PowerTransformer""".split()
)
SCALE_FUNCTIONS = frozenset(
    """scale minmax_scale robust_scale maxabs_scale normalize quantile_transform
    power_transform""".split()
)
_FITS = frozenset({"fit", "fit_transform", "fit_predict"})
_SCALED_NAME = re.compile(r"(?i)(scaled|norm|normali[sz]ed|standardi[sz]ed|std|minmax)(?![a-z])")
_TRANSFORMS = frozenset({"fit_transform", "transform"})
_PIPELINES = frozenset({"sklearn.pipeline.make_pipeline", "sklearn.pipeline.Pipeline"})


def _sklearn_class(qualname: Optional[str]) -> Optional[str]:
    if qualname is None or not qualname.startswith("sklearn."):
        return None
    return qualname.rsplit(".", 1)[1]


class NoScalingBeforeSensitiveEstimator(Rule):
    code = "GR418"
    name = "no-scaling-before-sensitive-estimator"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    message = (
        "`{estimator}` depends on feature scale but `{data}` was never scaled: use "
        "`make_pipeline(StandardScaler(), {estimator}(...))`"
    )
    pipeline_message = (
        "`{estimator}` depends on feature scale but no scaler precedes it in the pipeline: "
        "add `StandardScaler()` before it"
    )
    what = """
Finds scale-sensitive scikit-learn estimators (`SVC`, `SVR`, `KNeighbors*`, `PCA`, `SGD*`,
`MLP*`, penalised linear models such as `LogisticRegression`, `Ridge`, `Lasso`) fitted on a
variable that no scaler produced (`fit_transform`/`transform`, `scale(...)`, or a value derived
from one), and pipelines where such an estimator has no scaler before it. Data passed in as a
function parameter is not judged, nor data scaled by hand (a division: `X / 255.0`, a z-score,
`X /= s`) or named as scaled (`X_scaled`, `X_norm`, `X_std`).
"""
    why = """
Distances, kernels, penalties and gradient steps all treat features on a large scale as more
important: the model's quality then depends on the units the data happens to be in.
"""
    use_instead = """\
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

X, y = load_data()
model = make_pipeline(StandardScaler(), SVC())
model.fit(X, y)
"""
    fix_safety = "No automatic fix (SUGGEST): wrap the estimator in `make_pipeline(StandardScaler(), ...)`."
    requires = frozenset({"sklearn"})
    bad = (
        "from sklearn.svm import SVC\nX, y = load()\nclf = SVC()\nclf.fit(X, y)\n",
        "from sklearn.model_selection import train_test_split\nfrom sklearn.neighbors import KNeighborsClassifier\n"
        "X = df.drop(columns='y')\nX_tr, X_te, y_tr, y_te = train_test_split(X, df.y)\n"
        "KNeighborsClassifier(n_neighbors=5).fit(X_tr, y_tr)\n",
        "from sklearn.pipeline import make_pipeline\nfrom sklearn.impute import SimpleImputer\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "model = make_pipeline(SimpleImputer(), LogisticRegression())\n",
        "from sklearn.pipeline import Pipeline\nfrom sklearn.decomposition import PCA\n"
        "pipe = Pipeline([('pca', PCA(n_components=2))])\n",
    )
    good = (
        "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
        "from sklearn.svm import SVC\nX, y = load()\nmake_pipeline(StandardScaler(), SVC()).fit(X, y)\n",
        # Scaled first, then split: the split parts inherit the scaling.
        "from sklearn.model_selection import train_test_split\nfrom sklearn.preprocessing import StandardScaler\n"
        "from sklearn.svm import SVC\nX, y = load()\nXs = StandardScaler().fit_transform(X)\n"
        "X_tr, X_te, y_tr, y_te = train_test_split(Xs, y)\nSVC().fit(X_tr, y_tr)\n",
        "from sklearn.preprocessing import MinMaxScaler\nfrom sklearn.neighbors import KNeighborsRegressor\n"
        "X, y = load()\nsc = MinMaxScaler()\nsc.fit(X)\nX = sc.transform(X)\nKNeighborsRegressor().fit(X, y)\n",
        # Data from the caller: unknown.
        "from sklearn.svm import SVC\n\ndef train(X, y):\n    return SVC().fit(X, y)\n",
        # Scale-insensitive estimator.
        "from sklearn.ensemble import RandomForestClassifier\nX, y = load()\nRandomForestClassifier().fit(X, y)\n",
        # A module not importing scikit-learn.
        "from mylib import SVC\nX, y = load()\nSVC().fit(X, y)\n",
        # Already scaled: by hand (pixels / 255, a z-score), in place, or named so.
        "from sklearn.svm import SVC\nX, y = load()\nX = X / 255.0\nSVC().fit(X, y)\n",
        "from sklearn.neighbors import KNeighborsClassifier\nX, y = load()\n"
        "X = (X - X.mean(axis=0)) / X.std(axis=0)\nKNeighborsClassifier().fit(X, y)\n",
        "from sklearn.svm import SVC\nX, y = load()\nX /= 255\nSVC().fit(X, y)\n",
        "from sklearn.svm import SVC\nX_scaled, y = load_scaled()\nSVC().fit(X_scaled, y)\n",
        # An unknown step (ColumnTransformer) may scale.
        "from sklearn.pipeline import make_pipeline\nfrom sklearn.svm import SVC\nmake_pipeline(pre, SVC())\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._scaled = ScopedFlags(ctx)
        self._bound = ScopedFlags(ctx)
        self._sensitive = ScopedFlags(ctx)
        self._classes: Dict[str, str] = {}

    # -- facts about values -------------------------------------------------------------
    def _is_scaled(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _TRANSFORMS:
                return True
            if _sklearn_class(self.ctx.qualname(func)) in SCALE_FUNCTIONS:
                return True
            if isinstance(func, ast.Attribute) and self._is_scaled(func.value):
                return True
            return any(self._is_scaled(arg) for arg in node.args)
        if isinstance(node, (ast.Tuple, ast.List)):
            return any(self._is_scaled(e) for e in node.elts)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            return True  # `X / 255.0`, `(X - X.mean()) / X.std()`: scaled by hand
        name = base_name(node)
        if name is not None and _SCALED_NAME.search(name):
            return True  # `X_scaled`, `X_norm`, `features_std`: the author says it is
        return name is not None and self._scaled.get(name)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        # `X /= 255`: scaled in place.
        if isinstance(node.op, ast.Div):
            for name in target_names(node.target):
                self._scaled.set(name, True)

    def _sensitive_class(self, node: ast.AST) -> Optional[str]:
        if isinstance(node, ast.Call):
            cls = _sklearn_class(self.ctx.qualname(node.func))
            return cls if cls in SENSITIVE else None
        if isinstance(node, ast.Name) and self._sensitive.get(node.id):
            return self._classes.get(node.id)
        return None

    def leave_Assign(self, node: ast.Assign) -> None:
        value = node.value
        cls = self._sensitive_class(value) if isinstance(value, ast.Call) else None
        for target in node.targets:
            pairs: Sequence[Tuple[ast.AST, ast.AST]]
            if (
                isinstance(target, (ast.Tuple, ast.List))
                and isinstance(value, (ast.Tuple, ast.List))
                and len(target.elts) == len(value.elts)
            ):
                pairs = list(zip(target.elts, value.elts))
            else:
                pairs = [(target, value)]
            for tgt, val in pairs:
                scaled = self._is_scaled(val)
                for name in target_names(tgt):
                    self._scaled.set(name, scaled)
                    self._bound.set(name, True)
                    self._sensitive.set(name, cls is not None and isinstance(tgt, ast.Name))
                    if cls is not None:
                        self._classes[name] = cls

    # -- checks ---------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _FITS:
            self._check_fit(node, func)
            return
        if isinstance(func, (ast.Name, ast.Attribute)):
            name = func.id if isinstance(func, ast.Name) else func.attr
            if name in ("make_pipeline", "Pipeline") and self.ctx.qualname(func) in _PIPELINES:
                self._check_pipeline(node, name)

    def _check_fit(self, node: ast.Call, func: ast.Attribute) -> None:
        cls = self._sensitive_class(func.value)
        if cls is None:
            return
        data: Optional[ast.AST] = node.args[0] if node.args else None
        if data is None:
            kw = keyword(node, "X")
            data = kw.value if kw is not None else None
        if data is None or self._is_scaled(data):
            return
        name = base_name(data)
        if name is None or not self._bound.get(name):
            return
        function = self.ctx.enclosing_function()
        if function is not None and name in parameter_names(function):
            return
        self.report(node, estimator=cls, data=name)

    def _check_pipeline(self, node: ast.Call, kind: str) -> None:
        steps: List[ast.AST] = []
        if kind == "make_pipeline":
            steps = list(node.args)
        else:
            spec: Optional[ast.AST] = node.args[0] if node.args else None
            if spec is None:
                kw = keyword(node, "steps")
                spec = kw.value if kw is not None else None
            if not isinstance(spec, (ast.List, ast.Tuple)):
                return
            for elt in spec.elts:
                if not isinstance(elt, ast.Tuple) or len(elt.elts) < 2:
                    return
                steps.append(elt.elts[1])
        for step in steps:
            if not isinstance(step, ast.Call):
                return
            cls = _sklearn_class(self.ctx.qualname(step.func))
            if cls is None or cls in SCALERS or "Transformer" in cls or "Pipeline" in cls:
                return
            if cls in SENSITIVE:
                self.report(step, self.pipeline_message, estimator=cls)
                return
