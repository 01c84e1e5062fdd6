"""Notebooks for the handoff tests, written the way Jupyter writes them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence, Tuple

Cells = Sequence[Tuple[str, str]]


def write_notebook(path: Path, cells: Cells, counts: Sequence[int] = ()) -> Path:
    raw = []
    for index, (kind, source) in enumerate(cells):
        cell = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell["outputs"] = []
            cell["execution_count"] = counts[index] if index < len(counts) else None
        raw.append(cell)
    notebook = {"cells": raw, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
                "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    return path


SECRET = "pg-Xq7-s3cr3t-2024"

#: A realistic churn prototype: magics, an install, imports over several cells, a laptop path,
#: a password, prints, exploration, a plot, a %%time training cell and a CSV written at the end.
CHURN: Cells = (
    ("markdown", "# Customer churn model\n\nPrototype by the retention team: predicts which customers leave."),
    ("code", "%matplotlib inline\n%load_ext autoreload\n%autoreload 2\n!pip install xgboost\nimport sys\nimport pandas as pd\nimport numpy as np\n"),
    ("markdown", "## Load customers"),
    ("code", "DATA_PATH = \"/Users/ana/churn/customers.csv\"\nDB_PASSWORD = \"" + SECRET + "\"\n"
             "customers = pd.read_csv(DATA_PATH)\nprint(f\"loaded {len(customers)} customers\")\ncustomers.head()"),
    ("code", "customers.describe()\nfor column in customers.columns:\n    print(column, customers[column].nunique())"),
    ("code", "import seaborn as sns\nimport matplotlib.pyplot as plt\nsns.countplot(x=\"churned\", data=customers)\nplt.show()"),
    ("markdown", "## Features"),
    ("code", "def add_features(frame):\n    frame = frame.copy()\n    frame[\"spend_per_month\"] = frame[\"spend\"] / (frame[\"tenure\"] + 1)\n    return frame\n\n"
             "features = add_features(customers)\nFEATURES = [\"tenure\", \"spend\", \"spend_per_month\"]\n"
             "credentials = {\"user\": \"etl\", \"password\": DB_PASSWORD}\nfeatures.shape"),
    ("markdown", "## Train model"),
    ("code", "%%time\nfrom sklearn.linear_model import LogisticRegression\nfrom sklearn.model_selection import train_test_split\n"
             "X_train, X_test, y_train, y_test = train_test_split(features[FEATURES], features[\"churned\"], test_size=0.25, random_state=42)\n"
             "model = LogisticRegression(max_iter=500)\nmodel.fit(X_train, y_train)\n"),
    ("code", "accuracy = model.score(X_test, y_test)\nprint(f\"accuracy: {accuracy:.3f}\")\naccuracy"),
    ("markdown", "## Write predictions"),
    ("code", "predictions = pd.DataFrame({\"id\": X_test.index, \"churn\": model.predict_proba(X_test)[:, 1]})\n"
             "predictions.to_csv(\"predictions.csv\", index=False)\nprint(\"done\", file=sys.stderr)"),
)


def churn_data(path: Path) -> Path:
    """A small, deterministic customers table."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    n = 120
    tenure = rng.integers(1, 60, n)
    spend = rng.normal(50, 15, n).round(2)
    churned = ((spend / (tenure + 1) + rng.normal(0, 1, n)) > 2).astype(int)
    pd.DataFrame({"tenure": tenure, "spend": spend, "churned": churned}).to_csv(path, index=False)
    return path


def fixture_path(name: str) -> Path:
    return Path(__file__).parent / "fixtures" / name
