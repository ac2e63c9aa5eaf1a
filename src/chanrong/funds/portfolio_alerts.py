"""投后预警: stored portfolio alerts with their lifecycle, raised by the worker, handled by
the fund manager.

The worker's daily pass (``funds.portfolio_watch``) runs the banks' detectors on each
platform portfolio company under its live ``investment_monitoring`` grant
(``monitoring.watch_portfolio``) and keeps what it found: a detection opens an alert
(``new``) or refreshes the live one of the same kind; a kind no longer detected closes its
alert (``cleared``). A company whose grant has ended (revoked, expired, never given) gets no
new alert and its live ones are closed with the refusal as the reason, their evidence and
parameters — data read under the grant — wiped: revocation stops the alerts. The manager
acknowledges an alert or closes it by hand; a closed alert cannot be moved again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.funds.monitoring import watch_portfolio
from chanrong.funds.orm import Fund, FundInvestment, PortfolioAlert
from chanrong.funds.records import owned_fund
from chanrong.identity.domain import Principal

STATUSES = ("new", "acknowledged", "closed")
LIVE = ("new", "acknowledged")
_RANK = {"low": 0, "medium": 1, "high": 2}


@dataclass(slots=True)
class Pass:
    """What one monitoring pass over a fund did."""

    companies: int = 0
    refused: int = 0
    opened: list[str] = field(default_factory=list)
    refreshed: int = 0
    cleared: int = 0
    stopped: int = 0  # closed because the company's grant ended

    def summary(self) -> str:
        """One line for the job's record."""
        return (
            f"{self.companies} compan(ies), {self.refused} without grant; "
            f"{len(self.opened)} opened, {self.refreshed} refreshed, {self.cleared} cleared, "
            f"{self.stopped} stopped by consent"
        )


def _live(session: Session, fund_id: str, company_org_id: str) -> dict[str, PortfolioAlert]:
    rows = session.scalars(
        select(PortfolioAlert).where(
            PortfolioAlert.fund_id == fund_id,
            PortfolioAlert.company_org_id == company_org_id,
            PortfolioAlert.status.in_(LIVE),
        )
    )
    return {a.kind: a for a in rows}


def _close(alert: PortfolioAlert, on: date, reason: str) -> None:
    alert.status = "closed"
    alert.closed_on = on
    alert.closed_reason = reason[:32]


def refresh_alerts(session: Session, principal: Principal, fund_id: str, *, as_of: date) -> Pass:
    """One monitoring pass over the fund's platform portfolio as of ``as_of``: open, refresh,
    clear, and stop (on an ended grant) its stored alerts."""
    done = Pass()
    for w in watch_portfolio(session, principal, fund_id, as_of=as_of):
        done.companies += 1
        live = _live(session, fund_id, w.company_org_id)
        if not w.granted:
            done.refused += 1
            for alert in live.values():
                # Nothing read under an ended grant is kept: the evidence goes with it.
                alert.evidence = {}
                alert.params = {}
                _close(alert, as_of, f"consent_{w.refusal or 'refused'}")
                done.stopped += 1
            continue
        seen = set()
        for d in w.alerts:
            kind = d.kind.value
            seen.add(kind)
            existing = live.get(kind)
            if existing is not None:
                existing.last_detected_on = as_of
                existing.evidence = dict(d.evidence)
                existing.params = dict(d.params)
                if _RANK[existing.severity] < _RANK[d.severity.value]:
                    existing.severity = d.severity.value
                done.refreshed += 1
                continue
            alert = PortfolioAlert(
                fund_id=fund_id,
                company_org_id=w.company_org_id,
                kind=kind,
                severity=d.severity.value,
                status="new",
                params=dict(d.params),
                evidence=dict(d.evidence),
                first_detected_on=as_of,
                last_detected_on=as_of,
            )
            session.add(alert)
            session.flush()
            done.opened.append(alert.id)
        for kind, alert in live.items():
            if kind not in seen:
                _close(alert, as_of, "cleared")
                done.cleared += 1
    session.flush()
    return done


def list_alerts(
    session: Session, principal: Principal, fund_id: str, *, status: str | None = None
) -> Sequence[PortfolioAlert]:
    """The fund's stored alerts, newest first (only its manager sees them)."""
    fund = owned_fund(session, principal.org_id, fund_id)
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"status: one of {', '.join(STATUSES)}", field="status")
    q = select(PortfolioAlert).where(PortfolioAlert.fund_id == fund.id)
    if status is not None:
        q = q.where(PortfolioAlert.status == status)
    return session.scalars(
        q.order_by(PortfolioAlert.last_detected_on.desc(), PortfolioAlert.id)
    ).all()


def _alert(session: Session, principal: Principal, fund_id: str, alert_id: str) -> PortfolioAlert:
    fund = owned_fund(session, principal.org_id, fund_id)
    alert = session.get(PortfolioAlert, alert_id)
    if alert is None or alert.fund_id != fund.id:
        raise NotFound(f"no alert {alert_id}")
    return alert


def acknowledge_alert(
    session: Session, principal: Principal, fund_id: str, alert_id: str
) -> PortfolioAlert:
    """The manager has seen the alert: new → acknowledged."""
    alert = _alert(session, principal, fund_id, alert_id)
    if alert.status != "new":
        raise Conflict(f"the alert is {alert.status}, only a new alert can be acknowledged")
    alert.status = "acknowledged"
    alert.acknowledged_by = principal.user_id
    session.flush()
    return alert


def close_alert(
    session: Session, principal: Principal, fund_id: str, alert_id: str, *, on: date
) -> PortfolioAlert:
    """The manager closes a live alert by hand (a later detection opens a new one)."""
    alert = _alert(session, principal, fund_id, alert_id)
    if alert.status == "closed":
        raise Conflict("the alert is already closed")
    _close(alert, on, "manual")
    session.flush()
    return alert


def watched_funds(session: Session) -> list[str]:
    """``<manager org id>/<fund id>`` for every fund with at least one platform portfolio
    company (the worker's subjects)."""
    rows = session.execute(
        select(Fund.org_id, Fund.id)
        .join(FundInvestment, FundInvestment.fund_id == Fund.id)
        .where(FundInvestment.company_org_id.is_not(None))
        .distinct()
    )
    return sorted(f"{org}/{fund}" for org, fund in rows)
