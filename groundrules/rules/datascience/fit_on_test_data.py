"""GR411: fitting on test/validation/holdout data."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

from groundrules.rules.context import Context
from groundrules.rules.datascience._exprs import first_argument
from groundrules.rules.framework import Rule
from groundrules.rules.imports import call_name
from groundrules.rules.spelling import unparse
from groundrules.standards.schema import Category, FixClass, Severity

_FIT_METHODS = frozenset({"fit", "fit_transform", "fit_resample", "partial_fit"})
#: Image libraries with a `fit` of their own (`PIL.ImageOps.fit` crops to a size).
_IMAGE_LIBRARIES = frozenset({"PIL", "cv2", "skimage", "imageio", "torchvision"})
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
#: One word of an identifier that names held-out data (``X_test``, ``Xtest``, ``df_valid``,
#: ``holdout``, ``dtest``); ``latest`` or ``contest`` are not.
_TEST_WORD = re.compile(r"(?i)^[a-z]?(test|tests|testing|valid|validation|holdout)$")
#: For index keys (``X[test_idx]``): ``X[valid]`` usually means rows with valid values.
_TEST_KEY_WORD = re.compile(r"(?i)^[a-z]?(test|tests|testing|holdout)$")
_VAL_WORD = re.compile(r"(?i)^[a-z]?val$")
#: Estimators fitted on held-out data by design: calibrating a fitted model's probabilities,
#: tuning its decision threshold.
_CALIBRATORS = frozenset({"CalibratedClassifierCV", "TunedThresholdClassifierCV", "FixedThresholdClassifier"})
_TRAIN_WORD = re.compile(r"(?i)^[a-z]?(train|training|trn)$")


def _words(identifier: str) -> List[str]:
    words: List[str] = []
    for chunk in identifier.split("_"):
        if not chunk:
            continue
        parts = _CAMEL.findall(chunk)
        # Keep ``Xtest``/``dtest`` whole too: a one-letter prefix glued to the word.
        words.append(chunk)
        words.extend(p for p in parts if p != chunk)
    return words


def _matches(identifier: str, word: "re.Pattern[str]", allow_val: bool = False) -> bool:
    words = _words(identifier)
    if any(word.match(w) for w in words):
        return True
    # ``X_val`` / ``val_df`` name validation data; a bare ``val`` is any value.
    return allow_val and len(words) > 1 and any(_VAL_WORD.match(w) for w in words)


def _data_names(node: ast.AST) -> List[Tuple[str, bool]]:
    """Identifiers naming the data (``X_test``, ``splits.test``, ``X[test_idx]``), each with
    whether it is an index key."""
    names: List[Tuple[str, bool]] = []
    while True:
        if isinstance(node, ast.Name):
            names.append((node.id, False))
            return names
        if isinstance(node, ast.Attribute):
            names.append((node.attr, False))
            node = node.value
        elif isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Name):
                names.append((key.id, True))
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.append((key.value, True))
            node = node.value
        else:
            return names


def _receiver_key(node: ast.expr) -> Optional[str]:
    parts: List[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


@dataclass
class _Scope:
    #: receiver -> line where it was fitted on train-named data
    trained: Dict[str, int] = field(default_factory=dict)
    #: (call, receiver, data name, refit of a train-fitted object?)
    candidates: List[Tuple[ast.Call, str, str, bool]] = field(default_factory=list)


class FitOnTestData(Rule):
    code = "GR411"
    name = "fit-on-test-data"
    category = Category.DATA_SCIENCE
    severity = Severity.ERROR
    fix = FixClass.UNSAFE
    message = "`{call}` fits on held-out data `{data}`: fit on the training split only{hint}"
    what = """
Finds `fit`, `fit_transform`, `fit_resample` and `partial_fit` calls whose first argument is
named like held-out data (`X_test`, `df_valid`, `holdout`, `X_val`, `X[test_idx]`), and reports
more specifically an object fitted first on train-named data and then again on test-named data.
Calibrators and threshold tuners (`CalibratedClassifierCV`, `TunedThresholdClassifierCV`,
`FixedThresholdClassifier`) are fitted on held-out data by design and are not reported.
"""
    why = """
Fitting on the test or validation set lets the model (or the scaler feeding it) learn from the
rows that are supposed to measure it, so the reported metrics are optimistic. Refitting a
transformer on the test set also makes train and test features incompatible.
"""
    use_instead = """\
from sklearn.preprocessing import StandardScaler


def scale(X_train, X_test):
    scaler = StandardScaler()
    X_train_s = scaler.fit_transform(X_train)
    X_test_s = scaler.transform(X_test)
    return X_train_s, X_test_s
"""
    fix_safety = """
POLICY (applied only with `--unsafe-fixes` or in `handoff`): `scaler.fit_transform(X_test)` ->
`scaler.transform(X_test)` when the same object was fitted earlier in the scope on a train-named
variable. Other cases are SUGGEST.
"""
    requires = frozenset(
        {"sklearn", "imblearn", "xgboost", "lightgbm", "catboost", "tensorflow", "keras",
         "torch", "numpy", "pandas"}
    )
    bad = (
        "from sklearn.preprocessing import StandardScaler\nscaler = StandardScaler()\n"
        "X_train_s = scaler.fit_transform(X_train)\nX_test_s = scaler.fit_transform(X_test)\n",
        "import numpy as np\n\ndef evaluate(model, X_valid, y_valid):\n"
        "    model.fit(X_valid, y_valid)\n    return model.score(X_valid, y_valid)\n",
        "import pandas as pd\nmodel.fit(df_holdout[features], df_holdout['y'])\n",
        "import numpy as np\nfor train_idx, test_idx in folds:\n"
        "    model.fit(X[test_idx], y[test_idx])\n",
        "import numpy as np\nmodel.fit(Xtest, ytest)\n",
    )
    good = (
        # Reading and cropping test images in a loop: `ImageOps.fit` resizes, it learns nothing.
        "import numpy as np\nfrom PIL import Image, ImageOps\nfor path in test_paths:\n"
        "    img_test = Image.open(path)\n    thumb = ImageOps.fit(img_test, (224, 224))\n",
        "from sklearn.preprocessing import StandardScaler\nscaler = StandardScaler()\n"
        "X_train_s = scaler.fit_transform(X_train)\nX_test_s = scaler.transform(X_test)\n",
        # Validation data passed as the evaluation set, not fitted on.
        "import tensorflow as tf\nmodel.fit(x_train, y_train, validation_data=(x_val, y_val))\n",
        # Words that merely contain "test": latest, contest.
        "import numpy as np\nmodel.fit(latest_batch)\nmodel.fit(contest_entries)\n",
        "import numpy as np\nfor train_idx, test_idx in folds:\n"
        "    model.fit(X[train_idx], y[train_idx])\n",
        # A bare `val` is just a value.
        "import numpy as np\nmodel.fit(val)\n",
        # Rows with valid values, not a validation set.
        "import numpy as np\nvalid = ~np.isnan(y)\nmodel.fit(X[valid], y[valid])\n",
        # No ML/data library imported.
        "obj.fit(X_test)\n",
        # Calibrating a fitted model on the validation split is what calibration is.
        "from sklearn.calibration import CalibratedClassifierCV\n"
        "cal_clf = CalibratedClassifierCV(clf, method='sigmoid', cv='prefit')\ncal_clf.fit(X_valid, y_valid)\n",
        "import numpy as np\n\nclass Model(Base):\n    def fit(self, X_test):\n"
        "        return super().fit(X_test)\n",
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self._scopes: List[_Scope] = [_Scope()]
        self._calibrators: Set[str] = set()

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
        for call, receiver, data, refit in scope.candidates:
            method = call.func.attr if isinstance(call.func, ast.Attribute) else "fit"
            hint = ""
            fixable = False
            if refit:
                hint = f" (`{receiver}` was already fitted on training data"
                if method == "fit_transform":
                    hint += f"; use `{receiver}.transform({data})`"
                    # The fix renames the call: only ``x.fit_transform(data)`` alone, so that
                    # ``transform`` gets exactly the arguments it takes.
                    fixable = len(call.args) == 1 and not call.keywords and not isinstance(
                        call.args[0], ast.Starred
                    )
                hint += ")"
            self.report(call, call=f"{receiver}.{method}()", data=data, hint=hint,
                        fixable=fixable)

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call) and call_name(node.value) in _CALIBRATORS:
            self._calibrators.update(t.id for t in node.targets if isinstance(t, ast.Name))

    def _calibrator(self, receiver: ast.expr) -> bool:
        """``cal = CalibratedClassifierCV(clf, cv="prefit")`` then ``cal.fit(X_valid, y_valid)``:
        calibration (and threshold tuning) of a fitted model learns from held-out rows on purpose."""
        if isinstance(receiver, ast.Call):
            return call_name(receiver) in _CALIBRATORS
        return isinstance(receiver, ast.Name) and receiver.id in self._calibrators

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in _FIT_METHODS:
            return
        receiver_node = func.value
        receiver_module = self.ctx.qualname(receiver_node) or ""
        if receiver_module.partition(".")[0] in _IMAGE_LIBRARIES:
            return  # `ImageOps.fit(test_image, size)` crops an image; nothing is learned
        if isinstance(receiver_node, ast.Call) and isinstance(receiver_node.func, ast.Name):
            if receiver_node.func.id == "super":
                return  # a wrapper's own fit forwarding its argument
        if self._calibrator(receiver_node):
            return  # a calibrator is fitted on held-out data by design
        data = first_argument(node, "X", "x")
        if data is None:
            return
        names = _data_names(data)
        receiver = _receiver_key(receiver_node) or "estimator"
        scope = self._scopes[-1]
        test_name = next(
            (
                n
                for n, is_key in names
                if _matches(n, _TEST_KEY_WORD if is_key else _TEST_WORD, allow_val=not is_key)
            ),
            None,
        )
        if test_name is not None:
            # `X_train_test`-like names that are both: not a held-out set.
            if any(_matches(n, _TRAIN_WORD) for n, _ in names):
                return
            # An unnamed receiver (``make()``) is not known to be the object fitted before.
            refit = receiver in scope.trained and _receiver_key(receiver_node) is not None
            scope.candidates.append((node, receiver, unparse(data), refit))
        elif any(_matches(n, _TRAIN_WORD) for n, _ in names):
            scope.trained.setdefault(receiver, node.lineno)
