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
from chanrong.storage.statements import AnyRow


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
    bank, enterprise = _list_scope(principal, status)
    return CreditRepository(session).applications(
        bank_org_id=bank, enterprise_org_id=enterprise, status=status, limit=limit, offset=offset
    )


def list_application_items(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict[str, object]]:
    """``list_applications`` as what the API's list shows of each (``ApplicationOut``'s
    fields, amounts in yuan), read as plain rows: a page of ORM objects spent most of the
    list's CPU building and reading instances only to turn them into JSON."""
    bank, enterprise = _list_scope(principal, status)
    rows = CreditRepository(session).application_page(
        bank_org_id=bank, enterprise_org_id=enterprise, status=status, limit=limit, offset=offset
    )
    return [_page_item(r) for r in rows]


def _page_item(r: AnyRow) -> dict[str, object]:
    """One row of ``PAGE_COLUMNS`` under ``ApplicationOut``'s names, amounts in yuan."""
    item: dict[str, object] = dict(r._mapping)
    item["decision"] = item.pop("outcome")
    item["model"] = item.pop("model_ref")
    item["log"] = {"index": item.pop("log_index"), "leaf_hash": item.pop("log_leaf_hash")}
    item["limit"] = fen_to_yuan(r.limit_fen)
    del item["limit_fen"]
    requested = item.pop("requested_fen")
    item["requested_amount"] = None if requested is None else fen_to_yuan(r.requested_fen)
    return item


def _list_scope(principal: Principal, status: str | None) -> tuple[str | None, str | None]:
    """Whose applications the caller lists (bank, enterprise): a bank its own decisions, an
    enterprise its own applications."""
    if status is not None and status not in STATUS.values():
        raise ValidationFailed(f"status: one of {', '.join(STATUS.values())}", field="status")
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return principal.org_id, None
    if principal.org_kind is OrgKind.ENTERPRISE:
        return None, principal.org_id
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
