"""Churn: first look at the customer table.

Exploration before the model moves to `src/churn/`.

Generated from explore_churn.ipynb by groundrules handoff; see explore_churn.handoff.md.
"""

import logging
import os
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import pandas as pd
import yaml
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

logger = logging.getLogger(__name__)

ENV_PREFIX = "EXPLORE_CHURN_"


class MissingSetting(ValueError):
    """A required environment variable is not set."""


def _parse_setting(value: str, kind: Any) -> Any:
    """An environment variable's text as the field's type."""
    if kind in (bool, "bool"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(value)
    if kind in (float, "float"):
        return float(value)
    return value


@dataclass(frozen=True)
class Settings:
    """What the prototype hard-coded. from_env() reads EXPLORE_CHURN_* variables."""

    warehouse_password: str = field(repr=False)  # secret, required, never has a default
    config_yml: str = "config.yml"  # path
    random_state: int = 0  # parameter: the prototype's value
    max_iter: int = 1000  # parameter: the prototype's value

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Settings":
        """The settings from ``EXPLORE_CHURN_<FIELD>`` environment variables; the prototype's values
        where one is not set.  A required variable that is missing raises :class:`MissingSetting`."""
        values: Dict[str, Any] = {}
        for item in fields(cls):
            name = ENV_PREFIX + item.name.upper()
            if name in environ:
                values[item.name] = _parse_setting(environ[name], item.type)
            elif item.default is MISSING and item.default_factory is MISSING:
                raise MissingSetting(f"environment variable {name} is not set (Settings.{item.name})")
        return cls(**values)


def churn_first_look_at_customer(settings: Settings) -> Tuple[Any, ...]:
    """Churn: first look at the customer table (notebook cells 3, 5)."""
    with open(settings.config_yml, encoding="utf-8") as handle:
        config = yaml.load(handle)
    customers = pd.read_csv(config["customers_csv"], dtype={"customer_id": "string"})

    features = StandardScaler().fit_transform(customers[["tenure", "spend"]])
    X_train, X_test, y_train, y_test = train_test_split(features, customers["churned"], random_state=settings.random_state)
    model = LogisticRegression(C=1.0, max_iter=settings.max_iter).fit(X_train, y_train)
    return handle, config, customers, features, X_train, X_test, y_train, y_test, model


def run(settings: Settings) -> Dict[str, Any]:
    """The notebook top to bottom. Returns the results that the last step produces."""
    handle, config, customers, features, X_train, X_test, y_train, y_test, model = churn_first_look_at_customer(settings)
    return {"X_test": X_test, "y_test": y_test, "model": model, "handle": handle, "config": config, "customers": customers, "features": features, "X_train": X_train, "y_train": y_train}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run with settings from the environment (``EXPLORE_CHURN_*``); 2 when one is missing."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = Settings.from_env()
    except MissingSetting as exc:
        logger.error("%s", exc)
        return 2
    run(settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
