"""A small champion scorecard and a profile, so the credit service refers an application.

The scorecard scores one characteristic (utilisation) and is calibrated so that the decision
score equals the scorecard points: 570 + 20 above 50 % utilisation. At 40 % it scores 570,
grade E, which the default product refers to an officer.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.credit.calibration import PlattCalibration
from chanrong.credit.domain import BASE_ODDS, BASE_POINTS, PDO
from chanrong.credit.registry import Approval
from chanrong.credit.scorecard import Characteristic, ScorecardTable
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal


def install_champion(settings: Settings) -> str:
    """Register and promote the test scorecard as the default product's champion model."""
    table = ScorecardTable(
        characteristics=(
            Characteristic(
                name="utilisation",
                kind="numerical",
                splits=(0.5,),
                labels=("< 0.5", ">= 0.5"),
                points=(0.0, 20.0),
                woe=(0.5, -0.5),
                missing_points=0.0,
                trend="ascending",
            ),
        ),
        intercept=570.0,
        calibration=PlattCalibration(
            intercept=BASE_POINTS * math.log(2) / PDO - math.log(BASE_ODDS),
            slope=-math.log(2) / PDO,
        ),
    )
    registry = credit.model_registry(settings)
    name = credit.products(settings)["op-loan"].model
    entry = registry.register(name, table, training_fingerprint="console-test", metrics={})
    registry.set_state(entry.ref, Approval.APPROVED)
    registry.set_state(entry.ref, Approval.CHAMPION)
    return entry.ref


def record_profile(session: Session, org_id: str, *, utilisation: float = 0.4) -> None:
    today = datetime.now(UTC).date()
    credit.record_profile(
        session,
        org_id=org_id,
        as_of=today - timedelta(days=1),
        features={"utilisation": utilisation, "data_quality": 0.95},
        revenue_12m_fen=100_000_000,
        open_orders_fen=20_000_000,
        receivables_fen=10_000_000,
        source="console-test",
    )


def grant_for_credit(session: Session, owner: Principal, bank_org_id: str) -> str:
    """The enterprise grants the bank what a credit assessment reads."""
    grant = governance.grant_consent(
        session,
        owner,
        grantee_org_id=bank_org_id,
        categories=["production", "management", "external"],
        max_grade=2,
        purpose="credit_assessment",
        valid_from=None,
        valid_until=datetime.now(UTC) + timedelta(days=180),
    )
    return grant.id
