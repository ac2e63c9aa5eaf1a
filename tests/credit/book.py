"""A small book of decided applications for the model-operations tests: enterprises with
consent and a dated profile, each decided by a bank officer on its application day, and the
defaults that followed some of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.credit import service
from chanrong.credit.domain import score_of_pd
from chanrong.credit.registry import Approval, frame_fingerprint
from chanrong.credit.stability import development_distribution
from chanrong.identity.domain import Principal
from tests.builders import add_member, add_org
from tests.credit.builders import GOOD, MODEL, consent, synthetic_features, synthetic_scorecard


@dataclass(frozen=True)
class Decided:
    application_id: str
    org_id: str
    as_of: date


def decide_one(
    session: Session,
    settings: Settings,
    officer: Principal,
    *,
    as_of: date,
    features: Mapping[str, float | None],
    profile_as_of: date | None = None,
) -> Decided:
    """A fresh enterprise with consent and a profile dated ``profile_as_of`` (default the day
    before), decided by ``officer`` as of ``as_of``."""
    org = add_org(session, "enterprise", name=f"firm-{as_of}")
    member = add_member(session, org, "admin")
    consent(session, member, officer.org_id)
    service.record_profile(
        session,
        org_id=org,
        as_of=profile_as_of or as_of - timedelta(days=1),
        features={**GOOD, **{k: v for k, v in features.items() if k in GOOD}},
        revenue_12m_fen=2_000_000_000,
        open_orders_fen=500_000_000,
        receivables_fen=300_000_000,
        source="test",
    )
    app = service.apply(
        session, officer, settings, enterprise_org_id=org, product_code="op-loan", as_of=as_of
    )
    return Decided(app.id, org, as_of)


def build_book(
    session: Session,
    settings: Settings,
    officer: Principal,
    *,
    first: date,
    n: int,
    spacing_days: int = 7,
    default_after_days: int = 120,
    seed: int = 3,
) -> list[tuple[Decided, bool]]:
    """``n`` decisions ``spacing_days`` apart from ``first`` on synthetic applicants; the
    synthetic bad ones default ``default_after_days`` after their application."""
    x, y = synthetic_features(n=n, seed=seed)
    out = []
    for i, (row, bad) in enumerate(zip(x.to_dict("records"), y, strict=True)):
        d = decide_one(
            session, settings, officer, as_of=first + timedelta(days=i * spacing_days), features=row
        )
        if bad:
            service.record_default(
                session,
                org_id=d.org_id,
                occurred_on=d.as_of + timedelta(days=default_after_days),
                source="lending",
                reference=f"loan/{i}",
            )
        out.append((d, bool(bad)))
    return out


def install_monitored_champion(settings: Settings) -> str:
    """The synthetic scorecard as champion, registered with its development distribution."""
    reg = service.model_registry(settings)
    x, y = synthetic_features()
    table = synthetic_scorecard()
    scores = [score_of_pd(float(p)) for p in table.pd(x)]
    entry = reg.register(
        MODEL,
        table,
        training_fingerprint=frame_fingerprint(x, y),
        metrics={},
        source="simulated-park",
        development=development_distribution(
            np.array(scores), {c: x[c].to_numpy() for c in x.columns}
        ),
    )
    reg.set_state(entry.ref, Approval.APPROVED)
    return reg.set_state(entry.ref, Approval.CHAMPION).ref


def booked(decided: Sequence[Decided]) -> dict[str, str]:
    """Each decision as if a loan had been booked on it."""
    return {d.application_id: f"loan-{i}" for i, d in enumerate(decided)}
