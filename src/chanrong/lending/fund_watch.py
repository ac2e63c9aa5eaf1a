"""Fund-use tracking on the platform's records, under the borrower's monitoring consent.

The enterprise's outgoing payments arrive through the intake like any business record
(kind ``outgoing_payments``); the bank no longer types them in. Every read goes through the
telemetry service with purpose 贷后监控, so governance checks the bank's grant and logs the
access; without a live grant nothing is read or written. The pure rules are in
``fund_use``; each rule that fires opens (or refreshes) its own alert carrying the payments
that made it fire.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, ConsentRequired, ValidationFailed
from chanrong.core.uscc import validate_uscc
from chanrong.governance.service import Purpose as DataPurpose
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.lending.access import loan_for_lender
from chanrong.lending.alerts import raise_alert
from chanrong.lending.domain import LoanStatus, Purpose
from chanrong.lending.events import log_loan_event
from chanrong.lending.fund_use import (
    FundRule,
    FundUseCase,
    FundUseConfig,
    Hit,
    Outflow,
    Party,
    Traced,
    trace,
)
from chanrong.lending.monitoring import AlertKind, Severity
from chanrong.lending.orm import Alert, Loan
from chanrong.lending.repository import LendingRepository
from chanrong.telemetry import service as telemetry

ALERT_OF_RULE = {
    FundRule.RELATED_PARTY: AlertKind.FUND_RELATED_PARTY,
    FundRule.BACK_TO_BORROWER: AlertKind.FUND_BACK_TO_BORROWER,
    FundRule.CASH: AlertKind.FUND_CASH,
    FundRule.TOO_FAST: AlertKind.FUND_TOO_FAST,
    FundRule.OFF_PURPOSE: AlertKind.FUND_USE,
    FundRule.FORBIDDEN: AlertKind.FUND_USE,
}


@dataclass(frozen=True, slots=True)
class FundUseReport:
    """One fund-use check of one loan: where its money went and the alerts it raised."""

    loan_id: str
    purpose: Purpose
    disbursed_fen: int
    payments_read: int
    traced: Traced
    alerts: list[Alert]


def declare_related_parties(
    session: Session, principal: Principal, loan_id: str, parties: Sequence[dict[str, str | None]]
) -> Loan:
    """The bank declares the borrower's related parties (关联方: same legal representative,
    shareholders, affiliates); loan money paid to them is a finding. Replaces the list."""
    loan = loan_for_lender(session, principal, loan_id)
    if len(parties) > 200:
        raise ValidationFailed("related_parties: at most 200", field="related_parties")
    out: list[dict[str, str]] = []
    for n, p in enumerate(parties):
        name = (p.get("name") or "").strip()
        if not 1 <= len(name) <= 200:
            raise ValidationFailed(
                f"related_parties[{n}].name: 1 to 200 characters", field="related_parties"
            )
        item = {"name": name}
        if p.get("uscc"):
            item["uscc"] = validate_uscc(str(p["uscc"]).strip(), field="related_parties").code
        out.append(item)
    loan.related_parties = out
    session.flush()
    log_loan_event(
        session, "loan.related_parties", principal.org_id, loan, {"related_parties": out}
    )
    return loan


def _outflow(rec: Any) -> Outflow:
    return Outflow(
        reference=rec.payment_id,
        payee_name=rec.payee_name,
        amount_fen=rec.amount_fen,
        paid_on=rec.paid_date,
        channel=rec.channel,
        payee_uscc=rec.payee_uscc,
        payee_account=rec.payee_account,
        payee_industry=rec.payee_industry,
        purpose=rec.purpose,
    )


def _evidence(hit: Hit) -> dict[str, Any]:
    return {
        "rule": hit.rule.value,
        "note": hit.note,
        "amount_fen": hit.amount_fen,
        "payments": [
            {
                "payment_id": p.reference,
                "payee_name": p.payee_name,
                "payee_uscc": p.payee_uscc,
                "payee_account": p.payee_account,
                "payee_industry": p.payee_industry,
                "channel": p.channel,
                "purpose": p.purpose,
                "paid_date": p.paid_on.isoformat(),
                "amount_fen": p.amount_fen,
                "loan_money_fen": fen,
            }
            for p, fen in hit.payments
        ],
    }


def check_fund_use_of(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    as_of: date | None = None,
    config: FundUseConfig | None = None,
) -> FundUseReport:
    """Trace a disbursed loan's money through the borrower's outgoing payments on the
    platform (under its monitoring consent) and raise an alert per rule that fires.

    Raises ``ConsentRequired`` before anything is read when the bank holds no live grant.
    """
    cfg = config or FundUseConfig()
    loan = loan_for_lender(session, principal, loan_id)
    if loan.start_on is None:
        raise Conflict("status: the loan has not been disbursed", field="status")
    end = loan.start_on + timedelta(days=cfg.window_days + 1)
    purpose = DataPurpose.POST_LOAN_MONITORING.value
    outgoing = telemetry.records(
        session,
        principal,
        org_id=loan.borrower_org_id,
        kind="outgoing_payments",
        start=loan.start_on,
        end=end,
        purpose=purpose,
    )
    # The borrower's own accounts: those its customers pay into, and its loans' collection
    # accounts. Loan money paid into them has come back (回流).
    received = telemetry.records(
        session, principal, org_id=loan.borrower_org_id, kind="payments", purpose=purpose
    )
    own = {r.account for r in received if r.account}
    own |= {
        x.collection_account
        for x in LendingRepository(session).loans(borrower_org_id=loan.borrower_org_id)
        if x.collection_account
    }
    borrower = identity.find_organisation(session, loan.borrower_org_id)
    case = FundUseCase(
        purpose=Purpose(loan.purpose),
        disbursed_fen=loan.principal_fen,
        disbursed_on=loan.start_on,
        borrower_name=borrower.name if borrower else "",
        borrower_uscc=borrower.uscc if borrower else None,
        borrower_accounts=frozenset(own),
        related=tuple(Party(p["name"], p.get("uscc")) for p in loan.related_parties or []),
    )
    traced = trace(case, [_outflow(r) for r in outgoing], cfg)
    on = as_of or loan.closed_through or loan.start_on
    alerts: list[Alert] = []
    by_kind: dict[AlertKind, list[Hit]] = {}
    for hit in traced.hits:
        by_kind.setdefault(ALERT_OF_RULE[hit.rule], []).append(hit)
    for kind, hits in by_kind.items():
        severity = Severity.HIGH if any(h.high for h in hits) else Severity.MEDIUM
        payments = {p.reference for h in hits for p, _ in h.payments}
        amount = sum(h.amount_fen for h in hits)
        params = {"count": str(len(payments)), "amount": f"{amount / 100:.2f}"}
        if kind is AlertKind.FUND_TOO_FAST:
            fast = hits[0].amount_fen
            params = {
                "share": f"{fast * 100 / max(loan.principal_fen, 1):.1f}",
                "days": str(cfg.fast_days),
            }
        evidence: dict[str, Any] = {
            "type": "payments",
            "unit": "fen",
            "disbursed_fen": loan.principal_fen,
            "disbursed_on": loan.start_on.isoformat(),
            "findings": [_evidence(h) for h in hits],
        }
        alerts.append(raise_alert(session, loan, kind, severity, params, evidence, on))
    return FundUseReport(loan.id, case.purpose, loan.principal_fen, len(outgoing), traced, alerts)


@dataclass(frozen=True, slots=True)
class FundSweep:
    """A fund-use pass over one borrower's active loans (every bank lending to it)."""

    checked: int
    alerts: int
    without_consent: list[str]


def fund_use_of_borrower(session: Session, borrower_org_id: str, *, as_of: date) -> FundSweep:
    """Check every active loan of ``borrower_org_id`` as its own bank (for the worker).

    A bank without a live monitoring grant from the borrower is listed, not read.
    """
    checked = alerts = 0
    refused: list[str] = []
    loans = LendingRepository(session).loans(
        borrower_org_id=borrower_org_id, status=LoanStatus.ACTIVE.value
    )
    for loan in loans:
        bank = identity.system_principal(session, loan.lender_org_id)
        try:
            report = check_fund_use_of(session, bank, loan.id, as_of=as_of)
        except ConsentRequired:
            refused.append(loan.id)
            continue
        checked += 1
        alerts += len(report.alerts)
    return FundSweep(checked, alerts, refused)
