"""Post-loan monitoring (贷后监控) of a bank's loans, under the borrower's consent.

Reads the borrower's data (series given by the bank, or its platform records) through
governance with purpose 贷后监控, runs the pure detectors of ``monitoring`` (monthly bills,
orders, its own payments) and the daily warning of ``daily_warning`` (its machines, orders,
own payables and receivables in one score, day by day — the rule the evaluation replays) and
raises alerts (the use of funds is tracked in ``fund_watch``). Without a live grant nothing
is read or written; a grant that covers the business records but not the telemetry
(production data) leaves the machines unread, and the pass says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.errors import ConsentRequired
from chanrong.governance import service as governance
from chanrong.governance.service import Purpose as DataPurpose
from chanrong.identity.domain import Principal
from chanrong.lending.access import loan_for_lender, require_bank_officer
from chanrong.lending.alerts import raise_alert
from chanrong.lending.business_days import Payable, business_days, payments_made
from chanrong.lending.daily_warning import (
    GATED_KINDS,
    WarningConfig,
    agrees,
    detect_warning,
    score_on,
)
from chanrong.lending.domain import LoanStatus
from chanrong.lending.monitoring import (
    BorrowerSeries,
    Detection,
    MonitoringConfig,
    Order,
    Point,
    Severity,
    detect,
    monthly_days_late,
)
from chanrong.lending.orm import Alert, Loan
from chanrong.lending.repository import LendingRepository
from chanrong.lending.schedule import add_months
from chanrong.lending.telemetry_detectors import (
    DEVICE_KINDS,
    METRICS,
    DailySeries,
    DeviceDays,
    firm_series,
)
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

# Datasets the monitoring detectors read, by the series they feed.
MONITORING_DATASETS = {
    "output": "telemetry.equipment",
    "energy": "business.energy_bills",
    "orders": "business.orders",
    "payment_delay_days": "business.payments",
}
# The daily detector compares the last weeks with half a year before them and with the same
# season a year ago: it reads a year and a quarter of device days, plus its windows.
TELEMETRY_LOOKBACK_DAYS = 364 + 91 + 56
# Refusals that mean the grant covers the business records but not the machines' data.
_TELEMETRY_NOT_GRANTED = ("category_not_granted", "grade_above_grant", "grade_3_aggregate_only")


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
    monthly energy bills; orders by buyer; payment delays are how late the borrower itself
    pays its suppliers (``monthly_days_late``).
    """
    return org_series(
        session,
        principal,
        loan.borrower_org_id,
        as_of=as_of,
        months=months,
        purpose=DataPurpose.POST_LOAN_MONITORING,
    )


# Payables are read back this much before the series' start, so a payment made in its first
# months finds the invoice it paid (suppliers' terms and the delays run to months).
PAYABLES_LEAD_DAYS = 200


@dataclass(frozen=True, slots=True)
class BorrowerRecords:
    """What the monitoring read of a borrower's business: its monthly series, and the
    orders (date, fen), own payables and receivables the daily warning reads day by day."""

    series: BorrowerSeries
    orders: list[tuple[date, int]]
    payables: list[Payable]
    reads: list[dict[str, Any]] = field(default_factory=list)  # the logged reads behind them
    receivables: list[Payable] = field(default_factory=list)


def org_series(
    session: Session,
    principal: Principal,
    org_id: str,
    *,
    as_of: date,
    purpose: DataPurpose,
    months: int = 27,
) -> BorrowerSeries:
    """An enterprise's monthly series from its business records on the platform, each read
    checked and logged by governance for ``purpose`` (贷后监控 for a bank's loan, 投后管理
    for a fund's portfolio company); the detectors of ``monitoring`` judge it."""
    return org_records(
        session, principal, org_id, as_of=as_of, purpose=purpose, months=months
    ).series


def org_records(
    session: Session,
    principal: Principal,
    org_id: str,
    *,
    as_of: date,
    purpose: DataPurpose,
    months: int = 27,
) -> BorrowerRecords:
    """``org_series`` and the orders, own payables and receivables behind it (the same
    governed reads).

    Payment delays are how late the enterprise itself pays its suppliers on the platform
    (``monitoring.monthly_days_late`` of ``telemetry.payables``), as in the evaluation.
    """
    first = date(as_of.year, as_of.month, 1)
    start = add_months(first, -months)
    end = as_of + timedelta(days=1)

    def read_logged(kind: str) -> telemetry.RecordsRead:
        return telemetry.records_read(
            session,
            principal,
            org_id=org_id,
            kind=kind,
            start=start,
            end=end,
            purpose=purpose.value,
        )

    def read(kind: str) -> Sequence[Any]:
        return read_logged(kind).rows

    bills = read("energy_bills")
    orders_read = read_logged("orders")
    orders = orders_read.rows
    # Its receivables: the invoices it issued and what its customers paid on them.
    invoices_read, received_read = read_logged("invoices"), read_logged("payments")
    received = received_read.rows
    payables_read = telemetry.payables(
        session,
        principal,
        org_id=org_id,
        due_from=start - timedelta(days=PAYABLES_LEAD_DAYS),
        before=end,
        purpose=purpose.value,
    )
    payables = [Payable(due, amount, tuple(paid)) for due, amount, paid in payables_read.rows]
    late = monthly_days_late((paid, due) for paid, due in payments_made(payables) if paid >= start)
    # A monthly bill covers its whole month: it is seen as of the month's last day. Its own
    # payments sit in its suppliers' records; what shows its data flowing is what it sends
    # (bills, orders, the payments it receives).
    seen = [add_months(b.month, 1) - timedelta(days=1) for b in bills]
    seen += [o.order_date for o in orders] + [p.paid_date for p in received]
    series = BorrowerSeries(
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
        payment_delay_days=late,
        last_seen=max(seen) if seen else None,
    )
    logged = (orders_read.read, payables_read.read, invoices_read.read, received_read.read)
    reads = [_read_entry(r) for r in logged if r is not None]
    return BorrowerRecords(
        series,
        [(o.order_date, o.amount_fen) for o in orders],
        payables,
        reads,
        receivables_of(invoices_read.rows, received),
    )


def receivables_of(invoices: Sequence[Any], payments: Sequence[Any]) -> list[Payable]:
    """The firm's receivables as ``Payable`` values: each invoice it issued (due date, fen)
    with the payments its customer made on it (paid date, fen)."""
    paid: dict[str, list[tuple[date, int]]] = {}
    for p in payments:
        paid.setdefault(p.invoice_id, []).append((p.paid_date, p.amount_fen))
    return [
        Payable(i.due_date, i.amount_fen, tuple(sorted(paid.get(i.invoice_id, []))))
        for i in invoices
    ]


def _read_entry(r: governance.AccessRecord) -> dict[str, Any]:
    """A governed read as an alert's evidence names it: dataset, log entry, grant."""
    return {
        "dataset": r.dataset,
        "log_index": r.log.index if r.log else None,
        "leaf_hash": r.log.leaf_hash if r.log else None,
        "grant_id": r.grant_id,
    }


class TelemetryRead(StrEnum):
    """What became of the borrower's telemetry in one monitoring pass."""

    READ = "read"  # read under the grant and judged
    NOT_GRANTED = "not_granted"  # the grant covers its business records, not its machines
    NO_DEVICES = "no_devices"  # read, but it has no production machine data to judge


@dataclass(frozen=True, slots=True)
class LoanWatch:
    """One loan's monitoring pass: the alerts raised or refreshed, and the telemetry's fate."""

    alerts: list[Alert]
    telemetry: TelemetryRead


def telemetry_series(
    session: Session, principal: Principal, loan: Loan, store: TelemetryStore, *, as_of: date
) -> tuple[DailySeries | None, list[dict[str, Any]]]:
    """The borrower's daily machine figures up to ``as_of`` and the logged reads behind them.

    Read as device days through the telemetry service, which has governance check the
    bank's grant for 贷后监控 and log each dataset's read; a refusal raises
    ``ConsentRequired`` before anything is read.
    """
    read = telemetry.device_days_of(
        session,
        principal,
        store,
        org_id=loan.borrower_org_id,
        start=as_of - timedelta(days=TELEMETRY_LOOKBACK_DAYS),
        end=as_of + timedelta(days=1),
        metrics=METRICS,
        kinds=DEVICE_KINDS,
        purpose=DataPurpose.POST_LOAN_MONITORING,
    )
    reads = [_read_entry(r) for r in read.reads]
    t = read.table
    series = firm_series(
        DeviceDays(
            kind=t.column("kind").to_numpy(zero_copy_only=False),
            metric=t.column("metric").to_numpy(zero_copy_only=False),
            day=t.column("day").to_numpy(),
            increase=t.column("increase").to_numpy(),
            running=t.column("running").to_numpy(),
            idle=t.column("idle").to_numpy(),
            fault=t.column("fault").to_numpy(),
            n=t.column("n").to_numpy(),
        )
    )
    return series, reads


def cloud_usage_of(
    session: Session, principal: Principal, loan: Loan, *, as_of: date
) -> tuple[list[tuple[date, float]] | None, list[dict[str, Any]]]:
    """The borrower's daily cloud compute hours up to ``as_of`` (an input of the daily
    warning) and the logged read behind them, read under its grant for 贷后监控 like its other
    records. A grant that does not reach its operations data leaves them unread (None: the
    warning then has no cloud evidence either way), as do no records at all."""
    try:
        read = telemetry.records_read(
            session,
            principal,
            org_id=loan.borrower_org_id,
            kind="cloud_usage",
            start=as_of - timedelta(days=TELEMETRY_LOOKBACK_DAYS),
            end=as_of + timedelta(days=1),
            purpose=DataPurpose.POST_LOAN_MONITORING.value,
        )
    except ConsentRequired as exc:
        if exc.extra.get("reason") not in _TELEMETRY_NOT_GRANTED:
            raise
        return None, []
    entries = [_read_entry(read.read)] if read.read is not None else []
    used = [(r.day, float(r.compute_hours)) for r in read.rows]
    return (used or None), entries


def watch_loan(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    as_of: date,
    store: TelemetryStore,
    config: MonitoringConfig | None = None,
    warning_config: WarningConfig | None = None,
) -> LoanWatch:
    """Run every early warning on the borrower's platform records and machines (under consent).

    The business records are read first: without a monitoring grant this raises
    ``ConsentRequired`` and nothing is read. The telemetry is read next; a grant that does not
    reach production data leaves it unread (``TelemetryRead.NOT_GRANTED``), it is not an error.
    """
    loan = loan_for_lender(session, principal, loan_id)
    records = org_records(
        session,
        principal,
        loan.borrower_org_id,
        as_of=as_of,
        purpose=DataPurpose.POST_LOAN_MONITORING,
    )
    detections = detect(records.series, as_of=as_of, config=config)
    state = TelemetryRead.READ
    try:
        daily, reads = telemetry_series(session, principal, loan, store, as_of=as_of)
    except ConsentRequired as exc:
        if exc.extra.get("reason") not in _TELEMETRY_NOT_GRANTED:
            raise
        daily, reads, state = None, [], TelemetryRead.NOT_GRANTED
    if daily is None:
        state = state if state is TelemetryRead.NOT_GRANTED else TelemetryRead.NO_DEVICES
    else:
        cloud, cloud_reads = cloud_usage_of(session, principal, loan, as_of=as_of)
        business = business_days(
            daily.first,
            daily.days,
            records.orders,
            records.payables,
            records.receivables,
            cloud,
        )
        cfg = warning_config or WarningConfig()
        detections = _gated(detections, score_on(daily, business, as_of, cfg), cfg)
        found = detect_warning(
            daily,
            business,
            as_of=as_of,
            config=cfg,
            reads=[*reads, *records.reads, *cloud_reads],
        )
        if found is not None:
            detections = sorted([*detections, found], key=lambda d: -d.severity.rank)
    alerts = [
        raise_alert(session, loan, d.kind, d.severity, d.params, d.evidence, as_of)
        for d in detections
    ]
    return LoanWatch(alerts, state)


def _gated(found: list[Detection], score: float | None, cfg: WarningConfig) -> list[Detection]:
    """Monthly findings the daily score does not agree with are kept, as low-severity notes
    (their evidence says why), not raised as warnings; the evaluation scores the same rule."""
    if agrees(score, cfg):
        return found
    out = []
    for d in found:
        if d.kind in GATED_KINDS and d.severity is not Severity.LOW:
            gate = {"daily_score": score, "monthly_gate": cfg.monthly_gate, "was": d.severity.value}
            d = Detection(d.kind, Severity.LOW, d.params, {**d.evidence, "gated": gate})
        out.append(d)
    return out


def monitor_from_platform(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    as_of: date,
    store: TelemetryStore,
    config: MonitoringConfig | None = None,
) -> list[Alert]:
    """Run the early warnings on the borrower's own platform records (under consent)."""
    return watch_loan(session, principal, loan_id, as_of=as_of, store=store, config=config).alerts


@dataclass(frozen=True, slots=True)
class WatchReport:
    """One monitoring pass over a bank's active book."""

    watched: int
    alerts: list[Alert]
    without_consent: list[str]  # loan ids whose borrower has granted no monitoring consent
    without_telemetry: list[str] = field(default_factory=list)  # grant short of production data


def monitor_book(
    session: Session,
    principal: Principal,
    *,
    as_of: date,
    store: TelemetryStore,
    progress: Callable[[int, int], None] | None = None,
) -> WatchReport:
    """Run the early warnings over every active loan of the caller's book.

    A borrower without a live monitoring grant is listed, not read: the pass carries on; so
    is one whose grant does not reach its machines' data (its business records are read).
    """
    require_bank_officer(principal)
    loans = LendingRepository(session).loans(
        lender_org_id=principal.org_id, status=LoanStatus.ACTIVE.value
    )
    found: list[Alert] = []
    refused: list[str] = []
    unread: list[str] = []
    for n, loan in enumerate(loans, start=1):
        try:
            # A refusal comes before anything is read for that dataset; reads already
            # granted stay logged, as they did happen.
            result = watch_loan(session, principal, loan.id, as_of=as_of, store=store)
        except ConsentRequired:
            refused.append(loan.id)
        else:
            found.extend(result.alerts)
            if result.telemetry is TelemetryRead.NOT_GRANTED:
                unread.append(loan.id)
        if progress:
            progress(n, len(loans))
    return WatchReport(len(loans) - len(refused), found, refused, unread)
