"""Credit test builders: a small trained model in the registry, profiles, consent grants."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.features import FEATURES
from chanrong.credit.fitting import fit_scorecard
from chanrong.credit.registry import Approval, ModelEntry, frame_fingerprint
from chanrong.credit.scorecard import ScorecardTable
from tests.builders import Member
from tests.governance.builders import grant

MODEL = "sme-operating"

GOOD: dict[str, float] = {
    "utilisation": 0.75,
    "utilisation_trend": 0.05,
    "runtime_growth": 0.1,
    "output_volatility": 0.1,
    "energy_intensity": 300.0,
    "order_growth": 0.2,
    "customer_concentration": 0.2,
    "receivable_turnover": 6.0,
    "dso_days": 60.0,
    "payment_punctuality": 0.98,
    "cloud_growth": 0.2,
    "cloud_level": 40.0,
    "cloud_stability": 0.8,
    "carbon_efficiency": 0.8,
    "equipment_quality": 85.0,
    "data_coverage": 0.99,
    "data_quality": 0.99,
    "tenure_days": 900.0,
}
BAD: dict[str, float] = {
    **GOOD,
    "utilisation": 0.15,
    "utilisation_trend": -0.3,
    "runtime_growth": -0.5,
    "output_volatility": 0.8,
    "order_growth": -0.6,
    "dso_days": 250.0,
    "receivable_turnover": 1.4,
    "payment_punctuality": 0.3,
}


def synthetic_training(n: int = 900, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Operating features with a known, monotone link to default (for fast decision tests)."""
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
def trained_scorecard() -> ScorecardTable:
    x, y = synthetic_training()
    return fit_scorecard(x, y, seed=42)


def install_champion(settings: Settings, model: Any = None) -> ModelEntry:
    """Register ``model`` (default: the synthetic scorecard) and make it the champion."""
    reg = service.model_registry(settings)
    x, y = synthetic_training()
    entry = reg.register(
        MODEL,
        model or trained_scorecard(),
        training_fingerprint=frame_fingerprint(x, y),
        metrics={"note": "synthetic test model"},
    )
    reg.set_state(entry.ref, Approval.APPROVED)
    return reg.set_state(entry.ref, Approval.CHAMPION)


def add_profile(
    session: Session,
    org_id: str,
    *,
    as_of: date = date(2025, 6, 1),
    last_default_on: date | None = None,
    revenue_fen: int = 2_000_000_000,
    features: Mapping[str, float | None] | None = None,
) -> str:
    values: dict[str, Any] = {**GOOD, **(features or {})}
    snap = service.record_profile(
        session,
        org_id=org_id,
        as_of=as_of,
        features=values,
        revenue_12m_fen=revenue_fen,
        open_orders_fen=revenue_fen // 4,
        receivables_fen=revenue_fen // 6,
        last_default_on=last_default_on,
        source="test",
    )
    return str(snap.id)


def consent(session: Session, enterprise: Member, bank_org_id: str, **kw: Any) -> None:
    """The enterprise grants the bank its derived profile for credit assessment."""
    grant(session, enterprise, bank_org_id, categories=("external",), max_grade=2, **kw)
