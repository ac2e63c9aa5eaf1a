"""The data-resource register (数据资源登记): built from the governance catalog, with the cost
records the enterprise types in and the use counted from the verifiable log's consented reads.

Who sees what: the enterprise its own register (officers write); the platform operator reads
every register. Anyone else: not found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.assets.accounting import (
    AmortisationLine,
    CostKind,
    FormedBy,
    HeldFor,
    Recognition,
    Treatment,
    amortise,
    recognise,
)
from chanrong.assets.orm import CostRecord, DataResource
from chanrong.assets.repository import AssetsRepository
from chanrong.core.clock import utcnow
from chanrong.core.errors import Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import OrgKind, Principal, Role

# Use is counted over the last year of consented reads.
USE_WINDOW_DAYS = 365
MAX_LOG_INDEXES = 50  # evidence kept per resource: the most recent reads' log indexes


def _check_reader(principal: Principal, org_id: str) -> None:
    if principal.org_id != org_id and not principal.is_operator:
        raise NotFound(f"organisation {org_id} not found", field="org_id")


def _check_writer(principal: Principal, org_id: str) -> None:
    _check_reader(principal, org_id)
    if principal.org_id != org_id or principal.org_kind is not OrgKind.ENTERPRISE:
        raise Forbidden("only the enterprise itself maintains its register")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def build_register(
    session: Session, principal: Principal, org_id: str, *, now: datetime | None = None
) -> Sequence[DataResource]:
    """Create or refresh the enterprise's register from its catalog: classification, grade,
    quality score (telemetry's scoring) and consented reads from the access list (each with
    its log index). Nothing here is typed in."""
    _check_reader(principal, org_id)
    now = now or utcnow()
    repo = AssetsRepository(session)
    existing = {r.dataset: r for r in repo.resources(org_id)}
    reads: dict[str, list[int]] = {}
    for rec in governance.list_access(
        session, principal, org_id, since=now - timedelta(days=USE_WINDOW_DAYS), limit=5000
    ):
        # Only reads made under a consent grant count as use by institutions (the operator's
        # park-wide aggregates are not a use of this enterprise's data by a user of it).
        if rec.grant_id is not None:
            reads.setdefault(rec.dataset, []).append(rec.log_index)
    out = []
    for entry in governance.list_catalog(session, principal, org_id):
        r = existing.get(entry.name)
        if r is None:
            r = DataResource(org_id=org_id, dataset=entry.name, catalog_entry_id=entry.id)
            session.add(r)
        r.catalog_entry_id = entry.id
        r.description = entry.description
        r.category = entry.category
        r.grade = entry.grade
        r.quality_score = None if entry.quality_score is None else str(entry.quality_score)
        indexes = sorted(reads.get(entry.name, []), reverse=True)
        r.consented_reads = len(indexes)
        r.reads_log_indexes = indexes[:MAX_LOG_INDEXES]
        r.refreshed_at = now
        out.append(r)
    session.flush()
    return out


def list_register(session: Session, principal: Principal, org_id: str) -> Sequence[DataResource]:
    """The enterprise's data resources (its own, or any for the operator)."""
    _check_reader(principal, org_id)
    return AssetsRepository(session).resources(org_id)


def get_resource(session: Session, principal: Principal, resource_id: str) -> DataResource:
    """One data resource, for its enterprise or the operator."""
    r = AssetsRepository(session).resource(resource_id)
    if r is None or (principal.org_id != r.org_id and not principal.is_operator):
        raise NotFound(f"data resource {resource_id} not found", field="resource_id")
    return r


def add_cost(
    session: Session,
    principal: Principal,
    resource_id: str,
    *,
    kind: str,
    amount_fen: int,
    incurred_on: date,
    evidence: str,
) -> CostRecord:
    """Record a cost that formed the resource (logged; never edited)."""
    r = get_resource(session, principal, resource_id)
    _check_writer(principal, r.org_id)
    try:
        k = CostKind(kind)
    except ValueError as exc:
        allowed = ", ".join(c.value for c in CostKind)
        raise ValidationFailed(f"kind: one of {allowed}", field="kind") from exc
    if amount_fen == 0:
        raise ValidationFailed("amount: not zero", field="amount")
    if not evidence.strip():
        raise ValidationFailed(
            "evidence: name the invoice, contract or timesheet", field="evidence"
        )
    ref = governance.append_log(
        session,
        kind="assets.cost_recorded",
        actor_org_id=principal.org_id,
        subject=f"{r.org_id}:asset.data:{r.id}",
        payload={"kind": k.value, "amount_fen": amount_fen, "on": incurred_on.isoformat()},
    )
    row = CostRecord(
        resource_id=r.id,
        kind=k.value,
        amount_fen=amount_fen,
        incurred_on=incurred_on,
        evidence=evidence.strip(),
        entered_by=principal.user_id,
        log_index=ref.index,
    )
    AssetsRepository(session).add(row)
    return row


def list_costs(session: Session, principal: Principal, resource_id: str) -> Sequence[CostRecord]:
    """The resource's cost records, oldest first."""
    r = get_resource(session, principal, resource_id)
    return AssetsRepository(session).costs(r.id)


def set_treatment(
    session: Session,
    principal: Principal,
    resource_id: str,
    *,
    held_for: str,
    formed_by: str,
    controlled: bool,
    benefits_probable: bool,
    useful_life_months: int | None = None,
    ready_on: date | None = None,
) -> DataResource:
    """The facts the accounting treatment turns on (why held, how formed, control, benefits)."""
    r = get_resource(session, principal, resource_id)
    _check_writer(principal, r.org_id)
    try:
        hf, fb = HeldFor(held_for), FormedBy(formed_by)
    except ValueError as exc:
        field = "held_for" if held_for not in HeldFor.__members__.values() else "formed_by"
        raise ValidationFailed(f"{field}: not a known value", field=field) from exc
    if hf is HeldFor.OWN_USE and benefits_probable and (not useful_life_months or not ready_on):
        raise ValidationFailed(
            "useful_life_months: an intangible needs a useful life and a ready-for-use date",
            field="useful_life_months",
        )
    r.held_for, r.formed_by = hf.value, fb.value
    r.controlled, r.benefits_probable = controlled, benefits_probable
    r.useful_life_months, r.ready_on = useful_life_months, ready_on
    session.flush()
    return r


@dataclass(frozen=True, slots=True)
class TreatmentView:
    recognition: Recognition
    schedule: list[AmortisationLine]
    carrying_fen: int | None  # intangible: carrying amount at as_of; inventory: cost


def costs_by_kind(costs: Sequence[CostRecord]) -> dict[CostKind, int]:
    out: dict[CostKind, int] = {}
    for c in costs:
        out[CostKind(c.kind)] = out.get(CostKind(c.kind), 0) + c.amount_fen
    return out


def treatment_of(r: DataResource, costs: Sequence[CostRecord], as_of: date) -> TreatmentView:
    """The 财会〔2023〕11号 treatment of a resource, its amortisation and carrying amount."""
    rec = recognise(
        held_for=HeldFor(r.held_for),
        formed_by=FormedBy(r.formed_by),
        costs_fen=costs_by_kind(costs),
        controlled=r.controlled,
        benefits_probable=r.benefits_probable,
    )
    if rec.treatment is Treatment.INTANGIBLE and r.useful_life_months and r.ready_on:
        lines, carrying = amortise(
            rec.capitalised_fen,
            useful_life_months=r.useful_life_months,
            start=r.ready_on,
            as_of=as_of,
        )
        return TreatmentView(rec, lines, carrying)
    if rec.treatment is Treatment.INVENTORY:
        return TreatmentView(rec, [], rec.capitalised_fen)
    return TreatmentView(rec, [], None)


def quality_of(r: DataResource) -> Decimal | None:
    """The resource's quality score as a Decimal (None: not scored)."""
    return None if r.quality_score is None else Decimal(r.quality_score)
