"""Features for the churn model."""

from __future__ import annotations

import logging

import pandas as pd

logger = logging.getLogger(__name__)


def add_spend_per_month(frame: pd.DataFrame) -> pd.DataFrame:
    """Spend divided by tenure, with tenure of zero treated as missing."""
    tenure = frame["tenure"].where(frame["tenure"] > 0)
    out = frame.assign(spend_per_month=frame["spend"] / tenure)
    logger.info("computed spend per month for %s rows", len(out))
    return out


def load(path: str) -> pd.DataFrame:
    print("loading", path)
    return pd.read_csv(path, dtype={"customer_id": "string"}, usecols=["customer_id", "spend", "tenure"])
