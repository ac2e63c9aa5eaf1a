"""Early-warning alerts on loans: raised by the monitoring, handled by the bank.

An alert's lifecycle is open → acknowledged → resolved; a detection of a kind that already
has an open alert refreshes its evidence (and raises its severity) instead of opening a
second one. Opening and each move are logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.i18n import t
from chanrong.identity.domain import OrgKind, Principal
from chanrong.lending.access import require_bank_officer
from chanrong.lending.events import log_loan_event
from chanrong.lending.monitoring import AlertKind, Severity
from chanrong.lending.orm import Alert, Loan
from chanrong.lending.repository import LendingRepository


def raise_alert(
    session: Session,
    loan: Loan,
    kind: AlertKind,
    severity: Severity,
    params: dict[str, str],
    evidence: dict[str, Any],
    as_of: date,
) -> Alert:
    """Open an alert on ``loan`` (or refresh the open one of the same kind)."""
    key = f"lending.alert.{kind.value}"
    message = t(key, None, **params)
    # The catalog key travels with the evidence so each reader sees the message in its language.
    evidence = {**evidence, "i18n": {"key": key, "params": params}}
    repo = LendingRepository(session)
    existing = repo.open_alert(loan.id, kind.value)
    if existing is not None:
        existing.evidence = evidence
        if Severity(existing.severity).rank < severity.rank:
            existing.severity = severity.value
            existing.message = message[:300]
        session.flush()
        return existing
    alert = Alert(
        loan_id=loan.id,
        lender_org_id=loan.lender_org_id,
        borrower_org_id=loan.borrower_org_id,
        kind=kind.value,
        severity=severity.value,
        status="open",
        message=message[:300],
        evidence=evidence,
        detected_on=as_of,
    )
    repo.add(alert)
    log_loan_event(
        session,
        "alert.opened",
        loan.lender_org_id,
        loan,
        {"alert_id": alert.id, "kind": kind.value, "severity": severity.value, "on": as_of},
    )
    return alert


def list_alerts(
    session: Session, principal: Principal, *, status: str | None = None, loan_id: str | None = None
) -> Sequence[Alert]:
    """The bank sees alerts on its book; the borrower sees alerts about itself."""
    repo = LendingRepository(session)
    if status is not None and status not in ("open", "acknowledged", "resolved"):
        raise ValidationFailed("status: one of open, acknowledged, resolved", field="status")
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return repo.alerts(lender_org_id=principal.org_id, status=status, loan_id=loan_id)
    if principal.org_kind is OrgKind.ENTERPRISE:
        return repo.alerts(borrower_org_id=principal.org_id, status=status, loan_id=loan_id)
    return []


_NEXT = {"acknowledge": ("open",), "resolve": ("open", "acknowledged")}


def update_alert(
    session: Session, principal: Principal, alert_id: str, *, action: str, note: str = ""
) -> Alert:
    """Move an alert along its lifecycle: open → acknowledged → resolved."""
    alert = LendingRepository(session).alert(alert_id)
    if alert is None or principal.org_id not in (alert.lender_org_id, alert.borrower_org_id):
        raise NotFound(f"alert {alert_id} not found")
    if principal.org_id != alert.lender_org_id:
        raise Forbidden("only the lending bank handles its alerts")
    require_bank_officer(principal)
    if action not in _NEXT:
        raise ValidationFailed("action: acknowledge or resolve", field="action")
    if alert.status not in _NEXT[action]:
        raise Conflict(f"status: a {alert.status} alert cannot be {action}d", field="status")
    now = utcnow()
    if action == "acknowledge":
        alert.status = "acknowledged"
        alert.acknowledged_by = principal.user_id
        alert.acknowledged_at = now
    else:
        if not note.strip():
            raise ValidationFailed("note: say how the alert was resolved", field="note")
        alert.status = "resolved"
        alert.resolved_by = principal.user_id
        alert.resolved_at = now
        alert.resolution = note.strip()[:300]
    session.flush()
    loan = LendingRepository(session).loan(alert.loan_id)
    assert loan is not None
    log_loan_event(
        session,
        f"alert.{alert.status}",
        principal.org_id,
        loan,
        {"alert_id": alert.id, "kind": alert.kind, "note": note[:300]},
    )
    return alert
