"""GR410: a preprocessing step fitted on data that is split or cross-validated afterwards."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set

from groundrules.rules.context import Context
from groundrules.rules.datascience._exprs import (
    first_argument,
    last_part,
    names_loaded,
    root_name,
    target_names,
)
from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

_FIT_METHODS = frozenset({"fit", "fit_transform", "fit_resample"})
_TRANSFORMER_NAMES = frozenset(
    {"SimpleImputer", "KNNImputer", "IterativeImputer", "SelectKBest", "SelectPercentile",
     "SelectFromModel", "RFE", "RFECV", "VarianceThreshold", "PCA", "TruncatedSVD", "KernelPCA",
     "TfidfVectorizer", "CountVectorizer", "TfidfTransformer", "QuantileTransformer",
     "PowerTransformer", "KBinsDiscretizer", "Normalizer", "SMOTE", "SMOTENC", "SMOTEN",
     "ADASYN", "BorderlineSMOTE", "SVMSMOTE", "RandomOverSampler", "RandomUnderSampler",
     "NearMiss", "TomekLinks", "EditedNearestNeighbours", "SMOTEENN", "SMOTETomek"}
)
_TRANSFORMER_SUFFIXES = ("Scaler", "Encoder")
_LABEL_ENCODERS = frozenset({"LabelEncoder", "LabelBinarizer", "MultiLabelBinarizer"})
_TRANSFORMER_LIBRARIES = ("sklearn.", "imblearn.", "category_encoders.")
_STATISTICS = frozenset({"mean", "median", "mode", "std", "var", "quantile", "min", "max"})
_SPLIT_FUNCTIONS = frozenset({"train_test_split"})
_SPLIT_MODULES = ("sklearn.model_selection.", "sklearn.cross_validation.")


@dataclass
class _Fit:
    node: ast.Call
    step: str
    data: str
    split: Optional[str] = None


@dataclass
class _Scope:
    #: names bound to a transformer instance in this scope
    transformers: Dict[str, str] = field(default_factory=dict)
    #: names whose value derives from data a step was fitted on -> those fits
    tainted: Dict[str, List[_Fit]] = field(default_factory=dict)
    fits: List[_Fit] = field(default_factory=list)


class PreprocessingBeforeSplitLeakage(Rule):
    code = "GR410"
    name = "preprocessing-before-split-leakage"
    category = Category.DATA_SCIENCE
    severity = Severity.ERROR
    message = (
        "`{step}` is fitted on `{data}` before it is split by `{split}`: test rows leak into "
        "training; fit it inside a `Pipeline` on the training data only"
    )
    what = """
Finds a scaler, imputer, encoder, feature selector, `PCA`, text vectorizer or resampler
(`SMOTE.fit_resample`) fitted with `fit`, `fit_transform` or `fit_resample` - or a
`df.fillna(df.mean())`-style statistic - on data that later in the same scope reaches
`train_test_split` or `cross_val_score` / `cross_validate` / `cross_val_predict`.
"""
    why = """
The fitted statistics (means, vocabularies, selected features, synthetic samples) then include
the rows that are later used for testing, so the model has seen the test set and the offline
metrics are optimistic; production performance will be worse than reported.
"""
    use_instead = """\
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def evaluate(X, y):
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
    model.fit(X_train, y_train)
    return model.score(X_test, y_test), cross_val_score(model, X, y)
"""
    fix_safety = """
No automatic fix (SUGGEST): move the step into a `Pipeline` (or `imblearn.pipeline.Pipeline`
for resamplers) that is fitted on the training split only.
"""
    requires = frozenset({"sklearn", "imblearn"})
    bad = (
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\n"
        "X_scaled = StandardScaler().fit_transform(X)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X_scaled, y)\n",
        "from sklearn.feature_selection import SelectKBest\n"
        "from sklearn.model_selection import cross_val_score\n\n"
        "def run(X, y, model):\n    sel = SelectKBest(k=10)\n    X2 = sel.fit_transform(X, y)\n"
        "    return cross_val_score(model, X2, y)\n",
        "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
        "df = pd.read_csv('a.csv')\ndf = df.fillna(df.mean())\nX = df.drop(columns='y')\n"
        "parts = train_test_split(X, df['y'])\n",
        "from imblearn.over_sampling import SMOTE\n"
        "from sklearn.model_selection import train_test_split\n"
        "X_res, y_res = SMOTE().fit_resample(X, y)\nparts = train_test_split(X_res, y_res)\n",
        "from sklearn.preprocessing import MinMaxScaler\n"
        "from sklearn.model_selection import train_test_split\n"
        "scaler = MinMaxScaler()\nscaler.fit(X)\nparts = train_test_split(X, y)\n",
    )
    good = (
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"
        "scaler = StandardScaler()\nX_train = scaler.fit_transform(X_train)\n"
        "X_test = scaler.transform(X_test)\n",
        # Fitted in one function, split in another: different scopes, not linked here.
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\n\n"
        "def prep(X):\n    return StandardScaler().fit_transform(X)\n\n"
        "def split(X, y):\n    return train_test_split(X, y)\n",
        # Filling with statistics of another (training) frame is the right pattern.
        "import pandas as pd\nfrom sklearn.model_selection import train_test_split\n"
        "test = test.fillna(train.mean())\nparts = train_test_split(test)\n",
        # A model fitted before a split of unrelated data; a non-sklearn fit.
        "from sklearn.linear_model import LogisticRegression\n"
        "from sklearn.model_selection import train_test_split\n"
        "m = LogisticRegression().fit(X, y)\nparts = train_test_split(other)\n",
        "from sklearn.preprocessing import StandardScaler\n"
        "from sklearn.model_selection import train_test_split\n"
        "X_scaled = StandardScaler().fit_transform(X)\nX = load_fresh()\n"
        "parts = train_test_split(X, y)\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._scopes: List[_Scope] = [_Scope()]

    # -- scopes ---------------------------------------------------------------------------
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._scopes.append(_Scope())

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._scopes.append(_Scope())

    def leave_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._decide(self._scopes.pop())

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._decide(self._scopes.pop())

    def end(self) -> None:
        while self._scopes:
            self._decide(self._scopes.pop())

    def _decide(self, scope: _Scope) -> None:
        for fit in scope.fits:
            if fit.split is not None:
                self.report(fit.node, step=fit.step, data=fit.data, split=fit.split)

    # -- facts gathered during the walk --------------------------------------------------
    def _transformer_class(self, call: ast.AST) -> Optional[str]:
        if not isinstance(call, ast.Call):
            return None
        qualname = self.ctx.qualname(call.func)
        last = last_part(qualname)
        if qualname is None or not qualname.startswith(_TRANSFORMER_LIBRARIES):
            return None
        if last in _LABEL_ENCODERS:
            return None  # they encode the target's label set, not feature statistics
        if last in _TRANSFORMER_NAMES or last.endswith(_TRANSFORMER_SUFFIXES):
            return last
        return None

    def _fit_of(self, call: ast.Call) -> Optional[_Fit]:
        """The preprocessing fit ``call`` is, if any (the data must be a named value)."""
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        scope = self._scopes[-1]
        if func.attr in _FIT_METHODS:
            receiver = func.value
            step: Optional[str]
            if isinstance(receiver, ast.Name):
                step = scope.transformers.get(receiver.id)
                step = None if step is None else f"{receiver.id}.{func.attr}"
            else:
                cls = self._transformer_class(receiver)
                step = None if cls is None else f"{cls}().{func.attr}"
            data = first_argument(call, "X", "raw_documents")
            root = None if data is None else root_name(data)
            if step is None or root is None:
                return None
            return _Fit(call, step, root)
        if func.attr == "fillna":
            value = first_argument(call, "value")
            recv_root = root_name(func.value)
            if (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and value.func.attr in _STATISTICS
                and recv_root is not None
                and root_name(value.func.value) == recv_root
            ):
                return _Fit(call, f"fillna({value.func.attr})", recv_root)
        return None

    def _fits_in(self, value: ast.expr) -> List[_Fit]:
        """Fits the value derives from: the tainted names it reads."""
        scope = self._scopes[-1]
        found: List[_Fit] = []
        for name in names_loaded(value):
            found.extend(scope.tainted.get(name, ()))
        return found

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else (
            func.id if isinstance(func, ast.Name) else None
        )
        if attr is None:
            return
        scope = self._scopes[-1]
        if attr in _FIT_METHODS or attr == "fillna":
            fit = self._fit_of(node)
            if fit is not None:
                scope.fits.append(fit)
                scope.tainted.setdefault(fit.data, []).append(fit)
            return
        if attr in _SPLIT_FUNCTIONS or attr.startswith("cross_val") or attr == "cross_validate":
            qualname = self.ctx.qualname(func)
            if qualname is None or not qualname.startswith(_SPLIT_MODULES):
                return
            for arg in list(node.args) + [kw.value for kw in node.keywords]:
                for fit in self._fits_in(arg):
                    if fit.split is None:
                        fit.split = attr

    def _assign(self, targets: List[ast.expr], value: ast.expr) -> None:
        scope = self._scopes[-1]
        cls = self._transformer_class(value)
        fits = self._fits_in(value)
        names: Set[str] = set()
        for target in targets:
            names.update(target_names(target))
        for name in names:
            if cls is not None:
                scope.transformers[name] = cls
            else:
                scope.transformers.pop(name, None)
            if fits:
                scope.tainted[name] = list(fits)
            else:
                scope.tainted.pop(name, None)

    def leave_Assign(self, node: ast.Assign) -> None:
        self._assign(list(node.targets), node.value)

    def leave_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._assign([node.target], node.value)

