"""Credit test builders: a small trained model in the registry, profiles, consent grants.

The model and its synthetic rows are the decision benchmark's too
(``chanrong.demo.credit_workload``), re-exported here for the tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chanrong.credit import service
from chanrong.credit.scorecard import ScorecardTable
from chanrong.demo.credit_workload import (
    MODEL,
    install_champion,
    synthetic_features,
    synthetic_scorecard,
)
from tests.builders import Member
from tests.governance.builders import grant

__all__ = [
    "BAD",
    "GOOD",
    "MODEL",
    "add_profile",
    "consent",
    "decisions_v1_scorecard",
    "install_champion",
    "synthetic_features",
    "synthetic_scorecard",
]

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


def decisions_v1_scorecard() -> ScorecardTable:
    """The stored scorecard that decided ``data/decisions_v1.json``: the synthetic champion as
    fitted then (optbinning). Replaying a decision needs the model that made it, not whatever
    today's fitting code produces from the same rows."""
    path = Path(__file__).parent / "data" / "decisions_v1_scorecard.json"
    return ScorecardTable.from_json(json.loads(path.read_text("utf-8")))


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
