"""Policies: quote → bind → premium schedule → mid-term re-rating → claims against it.

The insured enterprise binds the quote it received (an offer is accepted by the one it is
made to); the schedule and every premium change are journalled in the insurer's ledger
(``terms``: double entry through ``core.ledger``) and appended to the verifiable log. The
insurer re-rates from live telemetry; the change applies to the unexpired term and is
spread over the instalments not yet due, with the factors that moved as its reasons. A claim
paid on the policy enters through telemetry intake as a ``claims`` record of the insured (the
data the pricing model is fitted to) and is journalled as claims expense.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.core.ledger import JournalEntry
from chanrong.core.money import yuan_to_fen
from chanrong.governance import service as governance
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.insurance import terms
from chanrong.insurance.orm import JournalLine, Policy, PremiumInstalment, Rating
from chanrong.insurance.repository import InsuranceRepository
from chanrong.insurance.service import _require_insurer, rate
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

BOUND = "bound"
RERATE_WINDOW = timedelta(days=30)


def _journal(session: Session, policy: Policy, e: JournalEntry[terms.Account] | None) -> None:
    if e is None:
        return
    entry_id = new_id()
    for p in e.postings:
        session.add(
            JournalLine(
                entry_id=entry_id,
                insurer_org_id=policy.insurer_org_id,
                policy_id=policy.id,
                kind=e.kind,
                account=p.account.value,
                debit_fen=p.debit_fen,
                credit_fen=p.credit_fen,
            )
        )
    session.flush()


def bind(session: Session, principal: Principal, quote_id: str, *, instalments: int) -> Policy:
    """The insured enterprise accepts its quote: the policy is bound and its premium owed."""
    repo = InsuranceRepository(session)
    q = repo.quote(quote_id)
    if q is None or principal.org_id not in (q.org_id, q.insurer_org_id):
        raise NotFound(f"quote {quote_id} not found", field="quote_id")
    if principal.org_kind is not OrgKind.ENTERPRISE or principal.org_id != q.org_id:
        raise Forbidden("only the insured enterprise binds the quote it received")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("binding a policy needs the officer role")
    if repo.policy_of_quote(quote_id) is not None:
        raise Conflict(f"quote {quote_id} is already bound")
    try:
        plan = terms.schedule(q.premium_fen, q.start, instalments)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="instalments") from None
    ref = governance.append_log(
        session,
        kind="insurance.bound",
        actor_org_id=principal.org_id,
        subject=f"{q.org_id}:insurance_policy:{quote_id}",
        payload={"quote_id": quote_id, "premium_fen": q.premium_fen, "instalments": instalments},
    )
    policy = Policy(
        insurer_org_id=q.insurer_org_id,
        org_id=q.org_id,
        quote_id=q.id,
        state=BOUND,
        start=q.start,
        end=q.end,
        base_premium_fen=q.base_premium_fen,
        multiplier=q.multiplier,
        premium_fen=q.premium_fen,
        instalments=instalments,
        factors={
            "index": q.index,
            "band": q.band,
            "multiplier": q.multiplier,
            "pricing": q.pricing or "prior",
        },
        log_index=ref.index,
    )
    repo.add(policy)
    for i in plan:
        session.add(
            PremiumInstalment(
                policy_id=policy.id, seq=i.seq, due_date=i.due_date, amount_fen=i.amount_fen
            )
        )
    _journal(session, policy, terms.written(q.premium_fen))
    return policy


def _policy_for(session: Session, principal: Principal, policy_id: str) -> Policy:
    p = InsuranceRepository(session).policy(policy_id)
    if p is None or principal.org_id not in (p.org_id, p.insurer_org_id):
        raise NotFound(f"policy {policy_id} not found", field="policy_id")
    return p


@dataclass(frozen=True, slots=True)
class PolicyView:
    policy: Policy
    instalments: Sequence[PremiumInstalment]
    ratings: Sequence[Rating]
    journal: Sequence[JournalLine]


def policy_view(session: Session, principal: Principal, policy_id: str) -> PolicyView:
    """A policy with its schedule, re-ratings and ledger lines (insurer or insured)."""
    p = _policy_for(session, principal, policy_id)
    repo = InsuranceRepository(session)
    return PolicyView(p, repo.instalments(p.id), repo.ratings(p.id), repo.journal(p.id))


def list_policies(session: Session, principal: Principal) -> Sequence[Policy]:
    """Policies the caller wrote (insurer) or holds (enterprise)."""
    return InsuranceRepository(session).policies_of(principal.org_id)


def rerate(
    session: Session, principal: Principal, store: TelemetryStore, policy_id: str, as_of: date
) -> Rating:
    """Re-rate a bound policy from the last 30 days of live data, as of ``as_of``."""
    _require_insurer(principal)
    p = _policy_for(session, principal, policy_id)
    if p.insurer_org_id != principal.org_id:
        raise Forbidden("only the insurer that wrote the policy re-rates it")
    if p.state != BOUND:
        raise Conflict(f"policy {p.id} is {p.state}: it is no longer rated")
    if not p.start <= as_of < p.end:
        raise ValidationFailed("as_of: must fall within the policy term", field="as_of")
    rated = rate(session, principal, store, p.org_id, as_of - RERATE_WINDOW, as_of)
    new_factors = {**rated.factors, "multiplier": str(rated.multiplier)}
    change = terms.rerate(
        p.base_premium_fen,
        Decimal(p.multiplier),
        rated.multiplier,
        p.start,
        p.end,
        as_of,
        dict(p.factors),
        new_factors,
    )
    repo = InsuranceRepository(session)
    open_ = [i for i in repo.instalments(p.id) if i.due_date >= as_of]
    delta = change.delta_fen
    if delta and not open_:
        raise Conflict("every instalment is already due; the change cannot be scheduled")
    try:
        spread = terms.spread(
            delta, [terms.Instalment(i.seq, i.due_date, i.amount_fen) for i in open_]
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="as_of") from None
    # Paid ahead, a lower premium could fall below what was already paid: no schedule then
    # holds the payments, so the insurer cancels (which refunds) rather than re-rates.
    paid = sum(x.amount_fen for x in repo.payments(p.id))
    if p.premium_fen + delta < paid:
        raise Conflict("the re-rating would return premium already paid; cancel instead")
    for row, new in zip(open_, spread, strict=True):
        row.amount_fen = new.amount_fen
    ref = governance.append_log(
        session,
        kind="insurance.rerated",
        actor_org_id=principal.org_id,
        subject=f"{p.org_id}:insurance_policy:{p.id}",
        payload={
            "as_of": as_of.isoformat(),
            "old_multiplier": p.multiplier,
            "new_multiplier": str(rated.multiplier),
            "delta_fen": delta,
            "reasons": change.reasons,
        },
    )
    rating = Rating(
        policy_id=p.id,
        as_of=as_of,
        old_multiplier=p.multiplier,
        new_multiplier=str(rated.multiplier),
        delta_fen=delta,
        reasons=change.reasons,
        log_index=ref.index,
    )
    repo.add(rating)
    _journal(session, p, terms.adjusted(delta))
    p.multiplier = str(rated.multiplier)
    p.premium_fen += delta
    p.factors = new_factors
    session.flush()
    return rating


def pay_claim(
    session: Session,
    principal: Principal,
    policy_id: str,
    *,
    claim_id: str,
    loss_date: date,
    cause: str,
    amount: Decimal | str,
    device_id: str | None = None,
    site: str | None = None,
) -> dict[str, Any]:
    """The insurer records a claim paid on its policy: a ``claims`` record of the insured
    (through intake, all or nothing) and a claims-expense entry in the ledger."""
    _require_insurer(principal)
    p = _policy_for(session, principal, policy_id)
    if p.insurer_org_id != principal.org_id:
        raise Forbidden("only the insurer that wrote the policy pays claims on it")
    if not p.start <= loss_date < (p.ended_on or p.end):
        raise ValidationFailed("loss_date: must fall within the policy's cover", field="loss_date")
    amount_fen = yuan_to_fen(amount, field="amount")
    if amount_fen <= 0:
        raise ValidationFailed("amount: must be positive", field="amount")
    row: dict[str, object] = {
        "claim_id": claim_id,
        "policy": p.id,
        "device_id": device_id,
        "site": site,
        "loss_date": loss_date.isoformat(),
        "cause": cause,
        "amount": str(amount),
    }
    report = telemetry.import_records(
        session,
        org_id=p.org_id,
        kind="claims",
        rows=[(1, row)],
        source="insurer",
        created_by=principal.user_id,
    )
    if report.rows_accepted != 1:
        first = report.errors[0] if report.errors else None
        column = first.column if first else "claim_id"
        raise ValidationFailed(f"{column}: {first.reason if first else 'refused'}", field=column)
    if report.rows_duplicate:
        raise Conflict(f"claim {claim_id} was already recorded")
    _journal(session, p, terms.claim_paid(amount_fen))
    governance.append_log(
        session,
        kind="insurance.claim_paid",
        actor_org_id=principal.org_id,
        subject=f"{p.org_id}:insurance_policy:{p.id}",
        payload={"claim_id": claim_id, "amount_fen": amount_fen, "cause": cause},
    )
    return {**row, "amount_fen": amount_fen}


def claims_of(session: Session, principal: Principal, policy_id: str) -> list[Any]:
    """The claims recorded on a policy (the insured's ``claims`` records naming it).

    Only the policy's two parties get here (``_policy_for``), and these are the claims the
    insurer itself paid on its own policy, so no grant is needed to list them; the insured's
    other claims (other insurers', older policies) stay behind the consent check that
    ``calibration.fit_from_claims`` goes through."""
    p = _policy_for(session, principal, policy_id)
    rows = telemetry.pipeline_records(session, kind="claims", org_id=p.org_id)
    return [r for r in rows if r.policy == p.id]
