"""Valuations (评估) of data resources and IP rights: each approach's working, the reconciled
value, sensitivity to every assumption, and the evidence behind each figure, stored and logged.

A data resource's cost approach takes its replacement cost from the enterprise's cost records,
its quality factor from the catalog's quality score (telemetry's scoring) and its use factor from
the consented reads counted in the verifiable log; nothing there is typed in except the
reasonable return and the timeliness factor. The income share (分成率) is either **measured**
(the lift the data gives a model: ``share_from_lift``) or an **assumption**, and the report says
which. An IP right's relief-from-royalty runs over its remaining legal life with the factor of
its legal status on the valuation day.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.assets import data_register, ip_rights
from chanrong.assets.ipr import LEGAL_FACTOR, IpKind, remaining_life_years
from chanrong.assets.orm import Valuation
from chanrong.assets.repository import AssetsRepository
from chanrong.assets.valuation import (
    Approach,
    Comparable,
    Reconciled,
    Sensitivity,
    ValuationResult,
    cost_approach,
    income_share,
    market_approach,
    quality_factor,
    reconcile,
    relief_from_royalty,
    sensitivity,
    share_from_lift,
    use_factor,
)
from chanrong.core.errors import Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import OrgKind, Principal, Role

D = Decimal
TEN_PCT = Decimal("0.10")
TWELVE_PCT = Decimal("0.12")
TAX_25 = Decimal("0.25")
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class Lift:
    """A measured contribution: a model's metric with and without the data's features."""

    metric: str  # e.g. "auc"
    with_data: Decimal
    without_data: Decimal
    baseline: Decimal
    source: str  # what was measured, where (model name and version, test set)


@dataclass(frozen=True, slots=True)
class DataInputs:
    """What the valuer chooses for a data resource (every other figure comes from evidence)."""

    reasonable_return: Decimal = TEN_PCT
    timeliness: Decimal = ONE
    quality_assumed: Decimal | None = None  # only when the catalog has no score (stated)
    business_flows_fen: tuple[int, ...] = ()
    share: Decimal | None = None  # an assumption; or give ``lift`` to measure it
    lift: Lift | None = None
    discount_rate: Decimal = TEN_PCT
    comparables: tuple[Comparable, ...] = ()
    weights: Mapping[Approach, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IpInputs:
    revenues_fen: tuple[int, ...]
    royalty_rate: Decimal
    tax_rate: Decimal = TAX_25
    discount_rate: Decimal = TWELVE_PCT


def _result_json(r: ValuationResult) -> dict[str, Any]:
    return {
        "approach": r.approach.value,
        "value_fen": r.value_fen,
        "assumptions": {k: str(v) for k, v in r.assumptions.items()},
        "measured": sorted(r.measured),
        "steps": [{"label": s.label, "value": str(s.value), "note": s.note} for s in r.steps],
    }


def _reconciled_json(rec: Reconciled) -> dict[str, Any]:
    return {
        "value_fen": rec.value_fen,
        "weights": {a.value: str(w) for a, w in rec.weights.items()},
        "low_fen": rec.low_fen,
        "high_fen": rec.high_fen,
        "spread": str(rec.spread),
    }


def _sens_json(rows: Sequence[Sensitivity]) -> list[dict[str, Any]]:
    return [
        {
            "assumption": s.assumption,
            "base": str(s.base),
            "low": str(s.low),
            "high": str(s.high),
            "value_low_fen": s.value_low_fen,
            "value_high_fen": s.value_high_fen,
            "base_value_fen": s.base_value_fen,
            "swing_fen": s.swing_fen,
        }
        for s in rows
    ]


def _data_approaches(
    params: Mapping[str, Decimal], inputs: DataInputs, replacement_fen: int, share_measured: bool
) -> list[ValuationResult]:
    out = [
        cost_approach(
            replacement_fen,
            params["reasonable_return"],
            {
                "quality": params["quality"],
                "use": params["use"],
                "timeliness": params["timeliness"],
            },
        )
    ]
    if inputs.business_flows_fen:
        out.append(
            income_share(
                list(inputs.business_flows_fen),
                params["share"],
                params["discount_rate"],
                share_measured=share_measured,
            )
        )
    if inputs.comparables:
        out.append(market_approach(list(inputs.comparables)))
    return out


def _weights(
    results: Sequence[ValuationResult], chosen: Mapping[Approach, Decimal]
) -> dict[Approach, Decimal]:
    return dict(chosen) if chosen else {r.approach: D(1) for r in results}


def _can_value(principal: Principal, org_id: str) -> None:
    if principal.org_id != org_id or principal.org_kind is not OrgKind.ENTERPRISE:
        raise Forbidden("only the enterprise values its own assets here")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def value_data_resource(
    session: Session, principal: Principal, resource_id: str, inputs: DataInputs, *, as_of: date
) -> Valuation:
    """Value a data resource by every approach its evidence allows, reconcile and store."""
    r = data_register.get_resource(session, principal, resource_id)
    _can_value(principal, r.org_id)
    costs = AssetsRepository(session).costs(r.id)
    replacement = sum(c.amount_fen for c in costs)
    if replacement <= 0:
        raise ValidationFailed(
            "costs: record the costs that formed the data before valuing it", field="costs"
        )
    q = data_register.quality_of(r)
    if q is not None:
        quality = quality_factor(q)
    elif inputs.quality_assumed is not None:
        quality = inputs.quality_assumed
    else:
        raise ValidationFailed(
            "quality_assumed: the dataset has no quality score yet; state an assumption",
            field="quality_assumed",
        )
    share_measured = False
    share = inputs.share
    if inputs.lift is not None:
        share = share_from_lift(
            inputs.lift.with_data, inputs.lift.without_data, inputs.lift.baseline
        )
        share_measured = True
    if inputs.business_flows_fen and share is None:
        raise ValidationFailed("share: give a share or a measured lift", field="share")
    params: dict[str, Decimal] = {
        "reasonable_return": inputs.reasonable_return,
        "quality": quality,
        "use": use_factor(r.consented_reads),
        "timeliness": inputs.timeliness,
    }
    if inputs.business_flows_fen:
        params["share"] = share or D(0)
        params["discount_rate"] = inputs.discount_rate
    results = _data_approaches(params, inputs, replacement, share_measured)
    weights = _weights(results, inputs.weights)
    rec = reconcile(results, weights)

    def concluded(p: Mapping[str, Decimal]) -> int:
        return reconcile(
            _data_approaches(p, inputs, replacement, share_measured), weights
        ).value_fen

    sens = sensitivity(concluded, params)
    treatment = data_register.treatment_of(r, costs, as_of)
    evidence = {
        "dataset": r.dataset,
        "catalog_entry_id": r.catalog_entry_id,
        "category": r.category,
        "grade": r.grade,
        "quality_score": r.quality_score,
        "quality_source": "catalog" if q is not None else "assumption",
        "consented_reads": r.consented_reads,
        "reads_log_indexes": r.reads_log_indexes,
        "costs": [
            {
                "id": c.id,
                "kind": c.kind,
                "amount_fen": c.amount_fen,
                "log_index": c.log_index,
                "evidence": c.evidence,
            }
            for c in costs
        ],
        "share_source": (
            None
            if not inputs.business_flows_fen
            else (
                {
                    "measured": True,
                    "metric": inputs.lift.metric,
                    "with": str(inputs.lift.with_data),
                    "without": str(inputs.lift.without_data),
                    "baseline": str(inputs.lift.baseline),
                    "source": inputs.lift.source,
                }
                if inputs.lift is not None
                else {"measured": False, "note": "assumption typed by the valuer"}
            )
        ),
    }
    accounting = {
        "treatment": treatment.recognition.treatment.value,
        "reasons": list(treatment.recognition.reasons),
        "capitalised_fen": treatment.recognition.capitalised_fen,
        "expensed_fen": treatment.recognition.expensed_fen,
        "disclosure": list(treatment.recognition.disclosure),
        "carrying_fen": treatment.carrying_fen,
        "schedule": [
            {"year": ln.year, "charge_fen": ln.charge_fen, "carrying_fen": ln.carrying_fen}
            for ln in treatment.schedule
        ],
    }
    return _store(
        session,
        principal,
        "data",
        r.id,
        r.dataset,
        r.org_id,
        as_of,
        results,
        rec,
        sens,
        evidence,
        accounting,
    )


def value_ip(
    session: Session, principal: Principal, ip_id: str, inputs: IpInputs, *, as_of: date
) -> Valuation:
    """Value an IP right by relief-from-royalty over its remaining life and legal status."""
    ip = ip_rights.get_ip(session, principal, ip_id)
    _can_value(principal, ip.org_id)
    status = ip_rights.status_on(ip, as_of)
    life = remaining_life_years(ip.expires_on, as_of)
    if IpKind(ip.kind) is IpKind.TRADEMARK and status.value == "valid":
        # A trademark renews every 10 years: its economic life is the forecast, not the term.
        life = len(inputs.revenues_fen)
    params = {
        "royalty_rate": inputs.royalty_rate,
        "tax_rate": inputs.tax_rate,
        "discount_rate": inputs.discount_rate,
    }
    factor = LEGAL_FACTOR[status]

    def rfr(p: Mapping[str, Decimal]) -> ValuationResult:
        return relief_from_royalty(
            list(inputs.revenues_fen),
            p["royalty_rate"],
            p["tax_rate"],
            p["discount_rate"],
            remaining_life_years=life,
            legal_factor=factor,
        )

    result = rfr(params)
    rec = reconcile([result], {Approach.RELIEF_FROM_ROYALTY: D(1)})
    sens = sensitivity(lambda p: rfr(p).value_fen, params)
    evidence = {
        "kind": ip.kind,
        "number": ip.number,
        "status_registered": ip.status,
        "status_on_valuation_day": status.value,
        "legal_factor": str(factor),
        "expires_on": ip.expires_on.isoformat(),
        "remaining_life_years": life,
        "fees_paid_until": ip.fees_paid_until.isoformat() if ip.fees_paid_until else None,
        "register_log_index": ip.log_index,
    }
    return _store(
        session,
        principal,
        "ip",
        ip.id,
        f"{ip.number} {ip.title}",
        ip.org_id,
        as_of,
        [result],
        rec,
        sens,
        evidence,
        None,
    )


def _store(
    session: Session,
    principal: Principal,
    subject_type: str,
    subject_id: str,
    name: str,
    org_id: str,
    as_of: date,
    results: Sequence[ValuationResult],
    rec: Reconciled,
    sens: Sequence[Sensitivity],
    evidence: dict[str, Any],
    accounting: dict[str, Any] | None,
) -> Valuation:
    ref = governance.append_log(
        session,
        kind="assets.valued",
        actor_org_id=principal.org_id,
        subject=f"{org_id}:asset.{subject_type}:{subject_id}",
        payload={
            "as_of": as_of.isoformat(),
            "value_fen": rec.value_fen,
            "approaches": {r.approach.value: r.value_fen for r in results},
        },
    )
    row = Valuation(
        org_id=org_id,
        subject_type=subject_type,
        subject_id=subject_id,
        subject_name=name[:300],
        as_of=as_of,
        value_fen=rec.value_fen,
        approaches=[_result_json(r) for r in results],
        reconciliation=_reconciled_json(rec),
        sensitivity=_sens_json(sens),
        evidence=evidence,
        accounting=accounting,
        valued_by=principal.user_id,
        log_index=ref.index,
    )
    AssetsRepository(session).add(row)
    return row


def get_valuation(session: Session, principal: Principal, valuation_id: str) -> Valuation:
    """A valuation, for its enterprise, the operator, or a bank holding the asset in a pool."""
    repo = AssetsRepository(session)
    v = repo.valuation(valuation_id)
    if v is None:
        raise NotFound(f"valuation {valuation_id} not found", field="valuation_id")
    if principal.org_id == v.org_id or principal.is_operator:
        return v
    pool = repo.pool_of(v.org_id, principal.org_id)
    if pool is not None:
        keys = {p.asset_key for p in repo.pledges(pool.id)}
        if f"{v.subject_type}:{v.subject_id}" in keys:
            return v
    raise NotFound(f"valuation {valuation_id} not found", field="valuation_id")


def list_valuations(session: Session, principal: Principal, org_id: str) -> Sequence[Valuation]:
    """An enterprise's valuations, newest first (its own, or the operator)."""
    if principal.org_id != org_id and not principal.is_operator:
        raise NotFound(f"organisation {org_id} not found", field="org_id")
    return AssetsRepository(session).valuations(org_id)
