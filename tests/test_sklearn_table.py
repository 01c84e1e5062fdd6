"""The committed table of scikit-learn callables taking `random_state` (GR401 reads it; the checked
code is never imported) is what the installed scikit-learn's signatures give today."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from groundrules.rules.datascience import _sklearn_seeded

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    path = ROOT / "benchmarks" / "sklearn_random_state.py"
    spec = importlib.util.spec_from_file_location("sklearn_random_state", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_table_is_current_for_the_installed_sklearn() -> None:
    generator = _generator()
    assert generator.render() == generator.TABLE.read_text(encoding="utf-8"), (
        "stale: run python benchmarks/sklearn_random_state.py"
    )


def test_table_holds_the_estimators_the_issue_named() -> None:
    seeded = _sklearn_seeded.SEEDED
    for name in ("DecisionTreeClassifier", "DecisionTreeRegressor", "AdaBoostClassifier",
                 "AdaBoostRegressor", "RandomizedSearchCV", "train_test_split"):
        assert seeded[name][1] is None, name  # random whatever the other arguments
    # k-means is random unless it is given its starting centroids.
    assert seeded["KMeans"][1] == ("init", ("k-means++", "random"), True)
    assert seeded["KFold"][1] == ("shuffle", (True,), False)
    assert seeded["StratifiedKFold"][1] == ("shuffle", (True,), False)
    assert seeded["GaussianProcessRegressor"][1] == ("n_restarts_optimizer", ("<positive>",), False)
    assert seeded["LogisticRegression"][1] == ("solver", ("liblinear", "sag", "saga"), False)
    assert "GridSearchCV" not in seeded  # no random_state parameter
