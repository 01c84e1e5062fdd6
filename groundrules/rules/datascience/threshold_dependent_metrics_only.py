"""GR419: classification evaluated only with threshold-dependent metrics."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from groundrules.rules.framework import Rule
from groundrules.standards.schema import Category, Severity

if TYPE_CHECKING:
    from groundrules.rules.context import Context

_DEPENDENT = frozenset({"accuracy_score", "f1_score", "precision_score", "recall_score"})
_INDEPENDENT = frozenset(
    {
        "roc_auc_score",
        "average_precision_score",
        "log_loss",
        "brier_score_loss",
        "roc_curve",
        "precision_recall_curve",
        "det_curve",
        "RocCurveDisplay",
        "PrecisionRecallDisplay",
        "DetCurveDisplay",
    }
)
_NAMES = _DEPENDENT | _INDEPENDENT
#: ``scoring=`` strings naming a threshold-independent scorer.
_INDEPENDENT_SCORERS = frozenset(
    {"roc_auc", "roc_auc_ovr", "roc_auc_ovo", "roc_auc_ovr_weighted", "roc_auc_ovo_weighted",
     "average_precision", "neg_log_loss", "neg_brier_score"}
)


class ThresholdDependentMetricsOnly(Rule):
    code = "GR419"
    name = "threshold-dependent-metrics-only"
    category = Category.DATA_SCIENCE
    severity = Severity.INFO
    message = (
        "only threshold-dependent metrics (`{metric}`) here: also report a threshold-independent "
        "one (`roc_auc_score`, `average_precision_score`, `log_loss`)"
    )
    what = """
Finds a module computing `accuracy_score`, `f1_score`, `precision_score` or `recall_score` from
`sklearn.metrics` but no threshold-independent metric (`roc_auc_score`,
`average_precision_score`, `log_loss`, `brier_score_loss`, ROC/PR curves, or such a `scoring=`
name). The first such call of each function (and of the module body) is reported.
"""
    why = """
Accuracy, precision, recall and F1 are measured at one decision threshold. Under class imbalance
they can look excellent for a useless model (predicting the majority class) and they say nothing
about how well the model ranks cases.
"""
    use_instead = """\
from sklearn.metrics import f1_score, roc_auc_score

f1 = f1_score(y_test, model.predict(X_test))
auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
"""
    fix_safety = "No automatic fix (SUGGEST): it needs scores or probabilities, not labels."
    requires = frozenset({"sklearn"})
    bad = (
        "from sklearn.metrics import accuracy_score\nacc = accuracy_score(y_test, pred)\n",
        "from sklearn import metrics\n\ndef evaluate(m, X, y):\n    return metrics.f1_score(y, m.predict(X))\n",
        "import sklearn.metrics as skm\np = skm.precision_score(y, yhat)\nr = skm.recall_score(y, yhat)\n",
    )
    good = (
        "from sklearn.metrics import accuracy_score, roc_auc_score\n"
        "acc = accuracy_score(y, pred)\nauc = roc_auc_score(y, proba)\n",
        "from sklearn.metrics import f1_score, log_loss\n\ndef ev(y, p, q):\n    return f1_score(y, p), log_loss(y, q)\n",
        # A scorer string counts.
        "from sklearn.metrics import accuracy_score\nfrom sklearn.model_selection import cross_val_score\n"
        "acc = accuracy_score(y, pred)\ns = cross_val_score(m, X, y, scoring='roc_auc')\n",
        # A local helper named like the metric.
        "import sklearn\n\ndef accuracy_score(a, b):\n    return 1.0\n\naccuracy_score(1, 2)\n",
        # A module not importing scikit-learn.
        "from torchmetrics.functional import accuracy\nacc = accuracy(p, y)\n",
    )

    def __init__(self, ctx: "Context") -> None:
        super().__init__(ctx)
        self._independent = False
        self._first: Dict[int, Tuple[ast.Call, str]] = {}
        self._order: List[int] = []

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name: Optional[str] = None
        if isinstance(func, ast.Attribute):
            name = func.attr
        elif isinstance(func, ast.Name):
            name = func.id
        if name in _NAMES:
            qualname = self.ctx.qualname(func)
            if qualname is None or not qualname.startswith("sklearn."):
                return
            if name in _INDEPENDENT:
                self._independent = True
                return
            scope = self.ctx.enclosing_function()
            key = id(scope) if scope is not None else 0
            if key not in self._first:
                self._first[key] = (node, name)
                self._order.append(key)
            return
        for kw in node.keywords:
            if kw.arg == "scoring" and self._names_independent_scorer(kw.value):
                self._independent = True

    @staticmethod
    def _names_independent_scorer(value: ast.AST) -> bool:
        values = value.elts if isinstance(value, (ast.List, ast.Tuple, ast.Set)) else [value]
        if isinstance(value, ast.Dict):
            values = [v for v in value.values if v is not None]
        return any(
            isinstance(v, ast.Constant) and v.value in _INDEPENDENT_SCORERS for v in values
        )

    def end(self) -> None:
        if self._independent:
            return
        for key in self._order:
            node, name = self._first[key]
            self.report(node, metric=name)
