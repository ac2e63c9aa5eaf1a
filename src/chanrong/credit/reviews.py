"""Reading and reviewing decided applications: who sees which, and an officer's review of a
referred one (logged)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.credit.domain import STATUS, Outcome
from chanrong.credit.orm import Application
from chanrong.credit.repository import CreditRepository
from chanrong.governance import service as governance
from chanrong.identity.domain import OrgKind, Principal, Role


def _visible(principal: Principal, app: Application) -> bool:
    return principal.org_id in (app.bank_org_id, app.enterprise_org_id)


def get_application(session: Session, principal: Principal, app_id: str) -> Application:
    """The bank that decided it and the enterprise that applied see it; others get 404."""
    app = CreditRepository(session).application(app_id)
    if app is None or not _visible(principal, app):
        raise NotFound(f"application {app_id} not found")
    return app


def list_applications(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[Application]:
    """A bank's decided applications, or an enterprise's own, newest first (a page of them
    with ``limit`` and ``offset``)."""
    if status is not None and status not in STATUS.values():
        raise ValidationFailed(f"status: one of {', '.join(STATUS.values())}", field="status")
    repo = CreditRepository(session)
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return repo.applications(
            bank_org_id=principal.org_id, status=status, limit=limit, offset=offset
        )
    if principal.org_kind is OrgKind.ENTERPRISE:
        return repo.applications(
            enterprise_org_id=principal.org_id, status=status, limit=limit, offset=offset
        )
    raise Forbidden("applications are seen by the bank and the applicant only")


def check_review(app: Application, principal: Principal, *, outcome: str, note: str) -> None:
    """Who may review a referred application, and what a review must say."""
    if principal.org_id != app.bank_org_id or not principal.has_role(Role.OFFICER):
        raise Forbidden("only an officer of the deciding bank reviews this application")
    if outcome not in (Outcome.APPROVE.value, Outcome.DECLINE.value):
        raise ValidationFailed("outcome: approve or decline", field="outcome")
    if not note.strip():
        raise ValidationFailed("note: say why", field="note")
    if app.status != STATUS[Outcome.REFER]:
        raise Conflict(
            f"status: application is {app.status}, only referred ones are reviewed", field="status"
        )


def officer_decision(
    session: Session,
    principal: Principal,
    app_id: str,
    *,
    outcome: str,
    note: str,
    batch: governance.LogBatch | None = None,
    review: dict[str, Any] | None = None,
) -> Application:
    """A bank officer approves or declines a referred application; logged (with the reads
    queued on ``batch`` and, for an approval decided again on refreshed evidence, ``review``:
    what that decision gave, ``credit.referrals``)."""
    app = get_application(session, principal, app_id)
    check_review(app, principal, outcome=outcome, note=note)
    app.status = STATUS[Outcome(outcome)]
    app.officer_id = principal.user_id
    app.officer_note = note.strip()[:500]
    app.decided_at = utcnow()
    if outcome == Outcome.DECLINE.value:
        app.limit_fen = 0
    payload: dict[str, Any] = {
        "application_id": app.id,
        "outcome": outcome,
        "officer_id": principal.user_id,
        "note": app.officer_note,
        "decision_log_index": app.log_index,
    }
    if review is not None:
        payload["review"] = review
    ref = governance.append_batch(
        session,
        batch or governance.LogBatch(),
        (
            "credit.reviewed",
            principal.org_id,
            f"{app.enterprise_org_id}:credit_application:{app.id}",
            payload,
        ),
    )[-1]
    app.officer_log_index = ref.index
    session.flush()
    return app


def fen_to_yuan(fen: int) -> Decimal:
    """An amount in fen as yuan with two places."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def decided_at_or_created(app: Application) -> datetime:
    """When the application was decided (or, while referred, when it arrived)."""
    return app.decided_at or app.created_at


def list_applications_unchecked(session: Session) -> Sequence[Application]:
    """Every application, for trusted callers (the CLI, tests)."""
    return CreditRepository(session).applications()
