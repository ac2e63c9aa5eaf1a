"""Post-loan monitoring (贷后监控) of a bank's loans, under the borrower's consent.

Reads the borrower's data (series given by the bank, or its platform records) through
governance with purpose 贷后监控, runs the pure detectors of ``monitoring`` and raises
alerts (the use of funds is tracked in ``fund_watch``). Without a live grant nothing is
read or written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.errors import ConsentRequired
from chanrong.governance import service as governance
from chanrong.governance.service import Purpose as DataPurpose
from chanrong.identity.domain import Principal
from chanrong.lending.access import loan_for_lender, require_bank_officer
from chanrong.lending.alerts import raise_alert
from chanrong.lending.domain import LoanStatus
from chanrong.lending.monitoring import (
    BorrowerSeries,
    MonitoringConfig,
    Order,
    Point,
    detect,
)
from chanrong.lending.orm import Alert, Loan
from chanrong.lending.repository import LendingRepository
from chanrong.lending.schedule import add_months
from chanrong.telemetry import service as telemetry

# Datasets the monitoring detectors read, by the series they feed.
MONITORING_DATASETS = {
    "output": "telemetry.equipment",
    "energy": "business.energy_bills",
    "orders": "business.orders",
    "payment_delay_days": "business.payments",
}


def monitor_loan(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    series: BorrowerSeries,
    as_of: date,
    config: MonitoringConfig | None = None,
) -> list[Alert]:
    """Run the early-warning detectors over the borrower's data, under a monitoring consent.

    Every dataset the series comes from is checked (and the read logged) by governance with
    purpose 贷后监控; without a live grant this raises ``ConsentRequired`` and nothing is
    read or written. A detection of a kind that already has an open alert refreshes its
    evidence instead of opening a second one.
    """
    loan = loan_for_lender(session, principal, loan_id)
    used = [name for name, dataset in MONITORING_DATASETS.items() if getattr(series, name)]
    for name in used:
        governance.authorize_read(
            session,
            principal,
            owner_org_id=loan.borrower_org_id,
            dataset=MONITORING_DATASETS[name],
            purpose=DataPurpose.POST_LOAN_MONITORING,
        )
    detections = detect(series, as_of=as_of, config=config)
    return [
        raise_alert(session, loan, d.kind, d.severity, d.params, d.evidence, as_of)
        for d in detections
    ]


def platform_series(
    session: Session, principal: Principal, loan: Loan, *, as_of: date, months: int = 27
) -> BorrowerSeries:
    """The borrower's monthly series from its business records on the platform.

    Every read goes through the telemetry service with purpose 贷后监控, so governance
    checks the bank's grant and logs the access. Output value and electricity come from the
    monthly energy bills; orders by buyer; payment delays are how late its customers pay
    (paid date against the invoice's due date).
    """
    first = date(as_of.year, as_of.month, 1)
    start = add_months(first, -months)
    end = as_of + timedelta(days=1)
    purpose = DataPurpose.POST_LOAN_MONITORING.value

    def read(kind: str) -> Sequence[Any]:
        return telemetry.records(
            session,
            principal,
            org_id=loan.borrower_org_id,
            kind=kind,
            start=start,
            end=end,
            purpose=purpose,
        )

    bills = read("energy_bills")
    orders = read("orders")
    payments = read("payments")
    invoices = {i.invoice_id: i.due_date for i in read("invoices")} if payments else {}
    late: dict[date, list[int]] = {}
    for p in payments:
        due = invoices.get(p.invoice_id)
        if due is not None:
            m = date(p.paid_date.year, p.paid_date.month, 1)
            late.setdefault(m, []).append((p.paid_date - due).days)
    # A monthly bill covers its whole month: it is seen as of the month's last day.
    seen = [add_months(b.month, 1) - timedelta(days=1) for b in bills]
    seen += [o.order_date for o in orders] + [p.paid_date for p in payments]
    return BorrowerSeries(
        output=[
            Point(b.month, b.output_value_fen / 100)
            for b in bills
            if b.output_value_fen is not None
        ],
        energy=[Point(b.month, float(b.electricity_kwh)) for b in bills],
        orders=[
            Order(
                date(o.order_date.year, o.order_date.month, 1),
                o.buyer_uscc or o.buyer_name,
                o.amount_fen,
            )
            for o in orders
        ],
        payment_delay_days=[Point(m, sum(v) / len(v)) for m, v in sorted(late.items())],
        last_seen=max(seen) if seen else None,
    )


def monitor_from_platform(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    as_of: date,
    config: MonitoringConfig | None = None,
) -> list[Alert]:
    """Run the early warnings on the borrower's own platform records (under consent)."""
    loan = loan_for_lender(session, principal, loan_id)
    series = platform_series(session, principal, loan, as_of=as_of)
    detections = detect(series, as_of=as_of, config=config)
    return [
        raise_alert(session, loan, d.kind, d.severity, d.params, d.evidence, as_of)
        for d in detections
    ]


@dataclass(frozen=True, slots=True)
class WatchReport:
    """One monitoring pass over a bank's active book."""

    watched: int
    alerts: list[Alert]
    without_consent: list[str]  # loan ids whose borrower has granted no monitoring consent


def monitor_book(
    session: Session,
    principal: Principal,
    *,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
) -> WatchReport:
    """Run the early warnings over every active loan of the caller's book.

    A borrower without a live monitoring grant is listed, not read: the pass carries on.
    """
    require_bank_officer(principal)
    loans = LendingRepository(session).loans(
        lender_org_id=principal.org_id, status=LoanStatus.ACTIVE.value
    )
    found: list[Alert] = []
    refused: list[str] = []
    for n, loan in enumerate(loans, start=1):
        try:
            # A refusal comes before anything is read for that dataset; reads already
            # granted stay logged, as they did happen.
            found.extend(monitor_from_platform(session, principal, loan.id, as_of=as_of))
        except ConsentRequired:
            refused.append(loan.id)
        if progress:
            progress(n, len(loans))
    return WatchReport(len(loans) - len(refused), found, refused)
