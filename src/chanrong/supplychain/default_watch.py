"""Alerts on guaranteed trades: the buyer's payment overdue, and default prevention.

Overdue: once the due day of a guaranteed statement has ended unpaid, the guarantor and the
seller are each alerted (a fact of their own trade: no consent is needed), once. After the
guarantor has paid (代偿), each instalment of its recourse claim that ends its due day unpaid
is flagged once to the guarantor and the buyer (one alert each per claim, refreshed with the
latest instalment and everything overdue so far).

Default prevention: while a guarantee stands (active or called), the guarantor watches the
buyer's own operating records (monthly output and electricity, orders, how late its customers
pay) — and after paying out, for as long as its recourse claim on the buyer is open — with
the early-warning detectors lending runs for its loans, only under a live grant from
the buyer for the ``trade_guarantee_monitoring`` purpose (governance checks and logs every
read; grants go to financial institutions only). Without one nothing of the buyer is read and
nobody is told anything. With one, each detection opens an alert for the guarantor (with the
evidence) and one for the seller (the kind and severity only: the buyer's figures are not
shared with its supplier), or refreshes the open one of the same kind; each new alert is a
leaf of the verifiable log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.errors import ConsentRequired, Forbidden, NotFound
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending
from chanrong.supplychain import access, contracts
from chanrong.supplychain.trade_ledger import ClaimState, GuaranteeState
from chanrong.supplychain.trade_orm import PaymentGuarantee, TradeAlert
from chanrong.supplychain.trade_repository import TradeRepository
from chanrong.supplychain.writes import stamp, writer

PURPOSE = governance.Purpose.TRADE_GUARANTEE_MONITORING
WATCHED = (GuaranteeState.ACTIVE.value, GuaranteeState.CALLED.value)
PAYMENT_OVERDUE = "payment_overdue"
RECOURSE_OVERDUE = "recourse_overdue"


@dataclass(frozen=True, slots=True)
class WatchOutcome:
    """One party's watch of the buyer: the alerts raised or refreshed, or why nothing was
    read (the refusal's reason: no grant, wrong purpose, expired...)."""

    recipient_org_id: str
    alerts: Sequence[TradeAlert]
    refusal: str | None


def _raise(
    session: Session,
    g: PaymentGuarantee,
    recipient: str,
    *,
    kind: str,
    severity: str,
    params: dict[str, str],
    evidence: dict[str, Any],
    as_of: date,
    at: datetime,
) -> TradeAlert:
    """Open an alert for ``recipient`` (logged), or refresh the open one of the same kind."""
    repo = TradeRepository(session)
    found = repo.alert(g.id, recipient, kind)
    if found is not None:
        found.severity, found.params, found.evidence = severity, params, evidence
        found.as_of, found.refreshed_at = as_of, at
        session.flush()
        return found
    ref = contracts.log(
        session,
        f"guarantee.alert.{kind}",
        g.guarantor_org_id,
        recipient,
        f"payment-guarantee/{g.id}",
        {
            "guarantee_id": g.id,
            "buyer_org_id": g.buyer_org_id,
            "kind": kind,
            "severity": severity,
            "params": params,
            "as_of": as_of.isoformat(),
        },
        at=at,
    )
    alert = TradeAlert(
        guarantee_id=g.id,
        recipient_org_id=recipient,
        buyer_org_id=g.buyer_org_id,
        kind=kind,
        severity=severity,
        params=params,
        evidence=evidence,
        as_of=as_of,
        log_index=ref.index,
        raised_at=at,
        refreshed_at=at,
    )
    repo.add(alert)
    return alert


def overdue_guarantees(session: Session, day: date) -> list[str]:
    """Active guarantees whose due day ended by ``day`` unpaid and not yet flagged (trusted:
    the worker's finder)."""
    return list(TradeRepository(session).due_unflagged_guarantees(day))


def flag_guaranteed_overdue(
    session: Session, guarantee_id: str, *, day: date, now: datetime | None = None
) -> bool:
    """Flag a guaranteed statement unpaid after its due day to the guarantor and the seller,
    once (trusted: the worker)."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    g = repo.guarantee(guarantee_id, lock=True)
    if g is None:
        raise NotFound(f"payment guarantee {guarantee_id} not found")
    st = repo.statement(g.statement_id)
    assert st is not None  # a foreign key
    if (
        g.state != GuaranteeState.ACTIVE.value
        or g.overdue_flagged_on is not None
        or g.due_on > day
        or st.paid_at is not None
    ):
        return False
    g.overdue_flagged_on = day
    session.flush()
    params = {"due_on": g.due_on.isoformat(), "amount": f"{g.amount_fen / 100:.2f}"}
    evidence: dict[str, Any] = {"statement_id": g.statement_id, "amount_fen": g.amount_fen}
    for recipient in (g.guarantor_org_id, g.seller_org_id):
        _raise(
            session,
            g,
            recipient,
            kind=PAYMENT_OVERDUE,
            severity="high",
            params=params,
            evidence=evidence,
            as_of=day,
            at=at,
        )
    return True


def overdue_instalments(session: Session, day: date) -> list[str]:
    """Recourse instalments due by ``day``, unpaid (in part or whole) and not yet flagged
    (trusted: the worker's finder)."""
    return list(TradeRepository(session).due_unflagged_instalments(day))


def flag_recourse_overdue(
    session: Session, instalment_id: str, *, day: date, now: datetime | None = None
) -> bool:
    """Flag a recourse instalment unpaid after its due day to the guarantor (the creditor)
    and the buyer (the debtor), once (trusted: the worker). The alert of each is one per
    claim: a later overdue instalment refreshes it with the total now overdue."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    row = repo.instalment(instalment_id, lock=True)
    if row is None:
        raise NotFound(f"recourse instalment {instalment_id} not found")
    claim = repo.claim(row.claim_id, lock=True)
    assert claim is not None  # a foreign key
    if (
        claim.state != ClaimState.OPEN.value
        or row.overdue_flagged_on is not None
        or row.due_on > day
        or row.paid_fen >= row.amount_fen
    ):
        return False
    row.overdue_flagged_on = day
    session.flush()
    g = repo.guarantee(claim.guarantee_id)
    assert g is not None  # a foreign key
    overdue = [r for r in repo.instalments(claim.id) if r.due_on <= day]
    overdue_fen = sum(r.amount_fen - r.paid_fen for r in overdue)
    params = {
        "position": str(row.position + 1),
        "due_on": row.due_on.isoformat(),
        "amount": f"{(row.amount_fen - row.paid_fen) / 100:.2f}",
        "overdue_total": f"{overdue_fen / 100:.2f}",
    }
    evidence: dict[str, Any] = {
        "claim_id": claim.id,
        "instalment_id": row.id,
        "unpaid_fen": row.amount_fen - row.paid_fen,
        "overdue_fen": overdue_fen,
        "outstanding_fen": claim.amount_fen - claim.repaid_fen,
    }
    for recipient in (g.guarantor_org_id, g.buyer_org_id):
        _raise(
            session,
            g,
            recipient,
            kind=RECOURSE_OVERDUE,
            severity="high",
            params=params,
            evidence=evidence,
            as_of=day,
            at=at,
        )
    return True


def _watched(repo: TradeRepository, g: PaymentGuarantee) -> bool:
    """A guarantee still standing, or paid out with its recourse claim open."""
    if g.state in WATCHED:
        return True
    if g.state != GuaranteeState.PAID_OUT.value:
        return False
    claim = repo.claim_of(g.id)
    return claim is not None and claim.state == ClaimState.OPEN.value


def watched_guarantees(session: Session) -> list[str]:
    """Guarantees standing behind an unpaid statement, and those paid out whose recourse
    claim is open: their buyers are watched daily."""
    repo = TradeRepository(session)
    standing = [g.id for g in repo.guarantees_in(WATCHED)]
    return sorted({*standing, *repo.open_claim_guarantees()})


def _watch(
    session: Session, g: PaymentGuarantee, guarantor: Principal, *, as_of: date, at: datetime
) -> WatchOutcome:
    """The guarantor's read of the buyer under its grant, and the alerts it raises for the
    guarantor and the seller."""
    try:
        series = lending.org_series(
            session, guarantor, g.buyer_org_id, as_of=as_of, purpose=PURPOSE
        )
    except ConsentRequired as exc:
        return WatchOutcome(guarantor.org_id, [], str(exc.extra.get("reason") or exc.detail))
    alerts: list[TradeAlert] = []
    # Once paid out the seller has its money: only the guarantor, now the buyer's creditor.
    paid = g.state == GuaranteeState.PAID_OUT.value
    for d in lending.detect(series, as_of=as_of):
        told = [(g.guarantor_org_id, d.evidence)] + ([] if paid else [(g.seller_org_id, {})])
        for recipient, evidence in told:
            alert = _raise(
                session,
                g,
                recipient,
                kind=d.kind.value,
                severity=d.severity.value,
                params=d.params,
                evidence=evidence,
                as_of=as_of,
                at=at,
            )
            if recipient == guarantor.org_id:
                alerts.append(alert)
    return WatchOutcome(guarantor.org_id, alerts, None)


def watch_buyer(
    session: Session, guarantee_id: str, *, as_of: date, now: datetime | None = None
) -> WatchOutcome | None:
    """The guarantor's watch of a guaranteed buyer under the buyer's grant (trusted: the
    worker); None when the guarantee no longer stands."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    g = repo.guarantee(guarantee_id)
    if g is None:
        raise NotFound(f"payment guarantee {guarantee_id} not found")
    if not _watched(repo, g):
        return None
    return _watch(
        session, g, access.principal_for_org(session, g.guarantor_org_id), as_of=as_of, at=at
    )


def watch_now(
    session: Session,
    principal: Principal,
    guarantee_id: str,
    *,
    as_of: date,
    now: datetime | None = None,
) -> WatchOutcome:
    """The guarantor watches the buyer now, under the buyer's grant to it."""
    at = stamp(now)
    writer(session)
    repo = TradeRepository(session)
    g = repo.guarantee(guarantee_id)
    if g is None or principal.org_id not in (g.guarantor_org_id, g.seller_org_id, g.buyer_org_id):
        raise NotFound(f"payment guarantee {guarantee_id} not found")
    if principal.org_id != g.guarantor_org_id:
        raise Forbidden("only the guarantor reads the buyer's records (under its grant)")
    access.require_officer(principal)
    if not _watched(repo, g):
        return WatchOutcome(principal.org_id, [], None)
    return _watch(session, g, principal, as_of=as_of, at=at)


def trade_alerts(session: Session, principal: Principal) -> Sequence[TradeAlert]:
    """The alerts on guaranteed trades addressed to the caller's organisation."""
    return TradeRepository(session).alerts_for(principal.org_id)
