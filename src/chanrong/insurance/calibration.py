"""Fitting an insurer's pricing model to claims and keeping its versions (JSON, no pickle).

``fit_from_claims`` reads, for every enterprise the insurer has quoted or insured and under its
grant, the machines' operating record over the period and the claims paid on them; fits the
frequency × severity GLM (``pricing.fit``) on four fifths of the machines (chosen by a hash of
the device, so a rerun splits the same way) and validates on the rest. ``register`` stores a
version — what ``service.rate`` prices with from then on. Too few claims: ``NotEnoughClaims``
becomes a 422 and the hand-set index stays the prior.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from chanrong.core.errors import ConsentRequired, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal
from chanrong.insurance.orm import PricingModel
from chanrong.insurance.pricing import Exposure, NotEnoughClaims, fit, validate
from chanrong.insurance.repository import InsuranceRepository
from chanrong.insurance.service import PURPOSE, _require_insurer, equipment_quality
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore


def register(
    session: Session,
    principal: Principal,
    *,
    model: dict[str, Any],
    validation: dict[str, Any],
    exposures: int,
    claims: int,
) -> PricingModel:
    """Store a new version of the insurer's pricing model (logged)."""
    _require_insurer(principal)
    repo = InsuranceRepository(session)
    version = repo.next_model_version(principal.org_id)
    ref = governance.append_log(
        session,
        kind="insurance.model_registered",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:insurance_pricing_model:{version}",
        payload={"version": version, "exposures": exposures, "claims": claims},
    )
    row = PricingModel(
        insurer_org_id=principal.org_id,
        version=version,
        model=model,
        validation=validation,
        exposures=exposures,
        claims=claims,
        log_index=ref.index,
    )
    repo.add(row)
    return row


def models(session: Session, principal: Principal) -> Sequence[PricingModel]:
    """The insurer's model versions, newest first."""
    _require_insurer(principal)
    return InsuranceRepository(session).models(principal.org_id)


def _holdout(device_id: str) -> bool:
    return hashlib.sha256(device_id.encode()).digest()[0] % 5 == 0


def fit_from_claims(
    session: Session, principal: Principal, store: TelemetryStore, start: date, end: date
) -> PricingModel:
    """Fit the insurer's pricing model to the claims of its book over [start, end)."""
    _require_insurer(principal)
    if end <= start:
        raise ValidationFailed("end: must be after start", field="end")
    repo = InsuranceRepository(session)
    orgs = sorted(
        {p.org_id for p in repo.policies_of(principal.org_id)}
        | {q.org_id for q in repo.quotes_of(principal.org_id)}
    )
    rows: list[Exposure] = []
    skipped = 0
    for org_id in orgs:
        try:
            q = equipment_quality(session, principal, store, org_id, start, end)
            claims = telemetry.records(
                session,
                principal,
                org_id=org_id,
                kind="claims",
                start=start,
                end=end,
                purpose=PURPOSE,
            )
        except ConsentRequired:
            skipped += 1  # counted in the report, not silently dropped
            continue
        n: dict[str, int] = defaultdict(int)
        paid: dict[str, int] = defaultdict(int)
        for c in claims:
            if c.device_id:
                n[c.device_id] += 1
                paid[c.device_id] += c.amount_fen
        for st in q.stats:
            rows.append(
                Exposure(
                    st.device_id,
                    float(st.running_hours),
                    st.failures,
                    float(st.downtime_hours),
                    float(st.scheduled_hours),
                    float(st.mean_load_ratio),
                    q.ages.get(st.device_id),
                    q.rated_kw.get(st.device_id),
                    n[st.device_id],
                    paid[st.device_id],
                )
            )
    train = [r for r in rows if not _holdout(r.device_id)]
    test = [r for r in rows if _holdout(r.device_id)]
    try:
        model = fit(train)
    except NotEnoughClaims as exc:
        raise ValidationFailed(
            f"claims: {exc}; the hand-set index stays the prior", field="claims"
        ) from None
    kh = np.array([max(r.running_hours / 1000, 1e-3) for r in test])
    report: dict[str, Any] = {"holdout": None, "enterprises_without_consent": skipped}
    if test:
        expected = model.frequency_per_kh(test) * kh
        report["holdout"] = validate(
            test, expected, model.loss_cost_per_kh(test) * kh, expected
        ).to_json()
    report["train"] = {"rows": len(train), "claims": sum(r.claims for r in train)}
    return register(
        session,
        principal,
        model=model.to_json(),
        validation=report,
        exposures=len(rows),
        claims=sum(r.claims for r in rows),
    )
