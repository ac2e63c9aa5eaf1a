"""A credit workload without a park: synthetic operating characteristics with a known link to
default, a scorecard fitted on them, installed as the default product's champion.

One builder for the decision benchmark (``benchmarks/decisions.py``) and the credit tests
(``tests/credit/builders.py``), so both decide with the same model on the same kind of rows.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.features import FEATURES
from chanrong.credit.fitting import fit_scorecard
from chanrong.credit.registry import Approval, Model, ModelEntry, frame_fingerprint
from chanrong.credit.scorecard import ScorecardTable

MODEL = "sme-operating"  # the model the default product names


def synthetic_features(n: int = 900, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Operating characteristics (``FEATURES``, in order) and default labels (1 = bad) with a
    known, monotone link: low or falling utilisation, shrinking orders, volatile output, slow
    collection and late payment raise the odds of default. Data quality stays at or above 0.8,
    so no row is knocked out by the default product's quality threshold."""
    rng = np.random.default_rng(seed)
    f = pd.DataFrame(
        {
            "utilisation": rng.uniform(0.05, 0.95, n),
            "utilisation_trend": rng.normal(0, 0.15, n),
            "runtime_growth": rng.normal(0, 0.3, n),
            "output_volatility": rng.uniform(0.05, 0.9, n),
            "energy_intensity": rng.uniform(100, 900, n),
            "order_growth": rng.normal(0, 0.35, n),
            "customer_concentration": rng.uniform(0.05, 0.9, n),
            "receivable_turnover": rng.uniform(1, 8, n),
            "dso_days": rng.uniform(30, 300, n),
            "payment_punctuality": rng.uniform(0.2, 1.0, n),
            "cloud_growth": rng.normal(0, 0.3, n),
            "cloud_level": rng.uniform(0, 100, n),
            "cloud_stability": rng.uniform(0.2, 1.0, n),
            "data_coverage": rng.uniform(0.7, 1.0, n),
            "data_quality": rng.uniform(0.8, 1.0, n),
            "tenure_days": rng.uniform(100, 1500, n),
        }
    )
    logit = (
        -2.2
        - 3.0 * (f.utilisation - 0.5)
        - 4.0 * f.utilisation_trend
        - 2.0 * f.order_growth
        + 2.5 * (f.output_volatility - 0.5)
        + 0.01 * (f.dso_days - 150)
        - 2.5 * (f.payment_punctuality - 0.6)
    )
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
    # Drawn after the labels, so the older columns and the outcomes stay as they were.
    f["carbon_efficiency"] = rng.lognormal(0.0, 0.5, n)
    f["equipment_quality"] = rng.uniform(20, 100, n)
    return f[list(FEATURES)], y


@lru_cache(maxsize=1)
def synthetic_scorecard() -> ScorecardTable:
    """The champion scorecard fitted on ``synthetic_features()`` (once per process)."""
    x, y = synthetic_features()
    return fit_scorecard(x, y, seed=42)


def install_champion(settings: Settings, model: Model | None = None) -> ModelEntry:
    """Register ``model`` (default: the synthetic scorecard) and make it the champion."""
    reg = service.model_registry(settings)
    x, y = synthetic_features()
    entry = reg.register(
        MODEL,
        model or synthetic_scorecard(),
        training_fingerprint=frame_fingerprint(x, y),
        metrics={"note": "synthetic model"},
    )
    reg.set_state(entry.ref, Approval.APPROVED)
    return reg.set_state(entry.ref, Approval.CHAMPION)
