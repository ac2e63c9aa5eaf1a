"""An officer's review of a referred application, decided again on fresh evidence when the
referral was for evidence too old (``stale_profile``).

A stale-profile referral was never scored: it carries no grade, limit or rate. An officer who
approves it therefore approves the decision on the refreshed profile (rebuilt here from the
platform's data when it is still too old): the product's champion scores it, ``decide`` gives
the limit and the rate, and the application carries them (what a loan on it is booked for).
Those inputs are stored with the application (``review_inputs``) and their SHA-256 goes to the
verifiable log with the review, so a replay checks the review as it checks the decision. When
even the refreshed evidence is stale or missing, or the fresh decision is a decline, the
approval is refused (409): the officer declines instead, or refreshes the data first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict
from chanrong.core.settings import Settings
from chanrong.credit.decisions import gather_inputs
from chanrong.credit.domain import KnockOut, Outcome, decide
from chanrong.credit.orm import Application
from chanrong.credit.products import product
from chanrong.credit.record import record_sha256, to_record
from chanrong.credit.reviews import check_review, get_application, officer_decision
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal

_UNREFRESHED = {KnockOut.STALE_PROFILE, KnockOut.NO_PROFILE}


def review_referred(
    session: Session,
    principal: Principal,
    settings: Settings,
    app_id: str,
    *,
    outcome: str,
    note: str,
) -> Application:
    """An officer approves or declines a referred application (logged); approving a
    stale-profile referral decides it again on the refreshed profile for its limit and rate."""
    app = get_application(session, principal, app_id)
    stale = list(app.knockouts) == [KnockOut.STALE_PROFILE.value]
    if outcome != Outcome.APPROVE.value or not stale:
        return officer_decision(session, principal, app_id, outcome=outcome, note=note)
    check_review(app, principal, outcome=outcome, note=note)
    batch = governance.LogBatch()
    inputs, _, _ = gather_inputs(
        session,
        principal,
        settings,
        enterprise_org_id=app.enterprise_org_id,
        prod=product(settings, app.product_code),
        requested_fen=app.requested_fen,
        as_of=utcnow().date(),
        refresh=True,
        batch=batch,
    )
    d = decide(inputs)
    if set(d.knockouts) & _UNREFRESHED:
        raise Conflict(
            "status: the enterprise's profile is still older than the product accepts (or "
            "missing) and could not be refreshed from the platform's data; decline, or approve "
            "once fresh data has landed",
            field="status",
        )
    if d.outcome is Outcome.DECLINE:
        why = ", ".join(k.value for k in d.knockouts) or ", ".join(d.notes) or f"grade {d.grade}"
        raise Conflict(
            f"outcome: on the refreshed profile the decision is a decline ({why}); "
            "decline the application",
            field="outcome",
        )
    record = to_record(inputs)
    digest = record_sha256(record)
    app.review_inputs, app.review_inputs_sha256 = record, digest
    app.limit_fen, app.rate_pct, app.green_adjust_bp = d.limit_fen, d.rate_pct, d.green_adjust_bp
    summary: dict[str, Any] = {
        "inputs_sha256": digest,
        "profile_as_of": record["profile_as_of"],
        "grade": d.grade,
        "pd": repr(d.pd) if d.pd is not None else None,
        "limit_fen": d.limit_fen,
        "rate_pct": str(d.rate_pct) if d.rate_pct is not None else None,
        "model_ref": record["model_ref"],
    }
    return officer_decision(
        session, principal, app_id, outcome=outcome, note=note, batch=batch, review=summary
    )
