"""The lending story on a simulated park: a loan whose borrower's machines slow down.

Told by ``chanrong loans demo`` and as part of ``chanrong demo``; it acts through
``chanrong.lending.service`` as the bank and the firm would, and the monitoring is the
worker's own daily job (``lending.watch``, run through the job runner and recorded in
``job_runs``), not a call made for the story.

A bank lends to a firm of the park that (by the simulator's hidden truth) later defaults and
whose daily warning, replayed as the evaluation does, comes while the loan runs. The firm's
machines' telemetry arrives through the telemetry ingestion door, its orders, energy bills,
invoices and received payments as its own business records, and its suppliers on the
platform hold the invoices they issued it and its payments on them (its own payables). The
firm grants a monitoring consent; each day the bank's book is closed, the firm repays what
falls due until it cannot, and the worker's job watches the loan. The story is the timeline:
which alert came first — the daily warning, from machines slowing down, with its evidence and
the logged reads behind it — and how long before the loan went delinquent and was downgraded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from chanrong.core.ids import new_id
from chanrong.core.settings import Settings
from chanrong.demo.lending_evaluation import ParkTables
from chanrong.demo.monitoring_evaluation import FirmAlerts, evaluate_park
from chanrong.demo.monitoring_parks import ParkData, simulate_with_telemetry
from chanrong.demo.park_loader import of, record_rows
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.lending import service as lending
from chanrong.lending.monitoring import AlertKind, Severity
from chanrong.lending.schedule import add_months
from chanrong.lending.telemetry_detectors import DEVICE_KINDS, METRICS
from chanrong.simulate import iter_telemetry, plan_park
from chanrong.simulate.config import ParkConfig
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry

DEMO_PARK = ParkConfig(
    enterprises=60, months=24, interval_minutes=240, seed=11, deteriorating_share=0.35
)
WATCH_JOB = "lending.watch"
SOURCE = "file"
# The borrower's own records the monitoring reads, by kind: (park table, owner column).
OWN_RECORDS = {
    "orders": ("orders", "seller_uscc"),
    "energy_bills": ("energy", "uscc"),
    "invoices": ("invoices", "seller_uscc"),
    "payments": ("payments", "payee_uscc"),
}


@dataclass
class Event:
    """One line of the story's timeline."""

    on: date
    what: str
    detail: str


@dataclass
class Story:
    """The loan's timeline, with its first warning and first delinquency marked."""

    uscc: str
    name: str
    loan_id: str
    default_date: date
    events: list[Event] = field(default_factory=list)
    first_alert: Event | None = None
    first_delinquent: Event | None = None
    first_alert_kind: str | None = None
    # The first warning's evidence: its signals day by day, the score, the logged reads.
    evidence: dict[str, Any] = field(default_factory=dict)
    # What the worker recorded for the run that raised it (job, period, its one-line summary).
    raised_by: str | None = None
    subject: str = ""  # the watch job's subject: <lender org id>/<loan id>
    watch_runs: int = 0

    @property
    def lead_days(self) -> int | None:
        if self.first_alert is None or self.first_delinquent is None:
            return None
        return (self.first_delinquent.on - self.first_alert.on).days


def pick_borrower(
    firms: list[FirmAlerts], tables: ParkTables, *, loan_start: date
) -> FirmAlerts | None:
    """A firm that defaults at least five months after the loan starts, whose daily warning
    (replayed as the evaluation does) comes after the loan starts and at least a month before
    its default, and that buys from suppliers on the platform (its own payables count)."""
    buyers = set(pc.unique(tables.invoices.column("buyer_uscc")).to_pylist())
    for f in sorted(firms, key=lambda f: f.default_date or date.max):
        if f.default_date is None or f.daily is None or f.uscc not in buyers:
            continue
        if f.default_date < add_months(loan_start, 5):
            continue
        if loan_start < f.daily and f.daily + timedelta(days=30) <= f.default_date:
            return f
    return None


def _member(session: Session, org_id: str, role: str) -> Principal:
    user = identity.create_user(
        session,
        org_id=org_id,
        username=f"demo-{role}-{new_id()[-8:]}",
        roles=[role, "officer"],
    )
    org = identity.find_organisation(session, org_id)
    assert org is not None
    return identity.principal_of(user, org)


def _machines(config: ParkConfig, uscc: str) -> tuple[dict[str, Any], Iterator[pa.Table]]:
    """The firm's production machines and electricity meter, and their readings of the
    metrics monitoring reads, month by month (the simulator regenerates the firm's alone)."""
    firm = next(f for f in plan_park(config).firms if f.uscc == uscc)
    devices = {d.device_id: d for d in firm.devices if d.kind in DEVICE_KINDS}
    wanted, metrics = pa.array(sorted(devices)), pa.array(METRICS)

    def months() -> Iterator[pa.Table]:
        for chunk in iter_telemetry(config, uscc=uscc):
            t = pa.Table.from_batches([chunk.batch])
            keep = pc.and_(
                pc.is_in(t.column("device_id"), value_set=wanted),
                pc.is_in(t.column("metric"), value_set=metrics),
            )
            yield t.filter(keep)

    return devices, months()


def _import(session: Session, org_id: str, kind: str, table: pa.Table) -> None:
    report = telemetry.import_records(
        session, org_id=org_id, kind=kind, rows=record_rows(kind, table), source=SOURCE
    )
    if not report.ok:
        raise RuntimeError(f"{kind}: {report.errors[:1]}")


def _onboard(
    db: Database, settings: Settings, park: ParkData, config: ParkConfig, uscc: str
) -> str:
    """The borrower and its suppliers on the platform, with the data monitoring reads."""
    t = park.tables
    names = dict(
        zip(
            t.enterprises.column("uscc").to_pylist(),
            t.enterprises.column("name").to_pylist(),
            strict=True,
        )
    )
    store = telemetry.open_store(settings)
    devices, readings = _machines(config, uscc)
    with db.unit_of_work() as s:
        org_id = telemetry.org_for_uscc(s, uscc)
        if org_id is None:
            org_id = identity.create_organisation(
                s, name=names[uscc], kind="enterprise", uscc=uscc
            ).id
        for d in devices.values():
            telemetry.upsert_device(
                s,
                org_id=org_id,
                device_id=d.device_id,
                kind=d.kind,
                identifier=d.identifier,
                rated_kw=d.rated_kw,
                installed_on=d.installed_on,
            )
        telemetry.ingest_points(s, store, org_id=org_id, batches=readings, source=SOURCE)
        for kind, (table, owner) in OWN_RECORDS.items():
            _import(s, org_id, kind, of(getattr(t, table), owner, uscc))
        # Its cloud usage: an input of the daily warning (kept beside the park's tables).
        if park.extra is not None and "cloud_usage" in park.extra:
            _import(s, org_id, "cloud_usage", of(park.extra["cloud_usage"], "uscc", uscc))
        # Its suppliers hold the invoices they issued it and the payments it made on them.
        mine = of(t.invoices, "buyer_uscc", uscc)
        paid = of(t.payments, "payer_uscc", uscc)
        for supplier in sorted(set(mine.column("seller_uscc").to_pylist())):
            sid = telemetry.org_for_uscc(s, supplier) or (
                identity.create_organisation(
                    s, name=names[supplier], kind="enterprise", uscc=supplier
                ).id
            )
            _import(s, sid, "invoices", of(mine, "seller_uscc", supplier))
            _import(s, sid, "payments", of(paid, "payee_uscc", supplier))
    # Its two years of readings arrive at once, so fold them by month as the worker's nightly
    # compaction would have: each day's watch then reads a year of hourly rollups from about a
    # dozen month files, not the raw points of some four hundred day files (same figures).
    store.compact_months(org_id, before=add_months(config.start, config.months))
    return org_id


def run_story(
    db: Database,
    settings: Settings,
    *,
    config: ParkConfig = DEMO_PARK,
    progress: Callable[[str, int, int], None] | None = None,
    days_after_delinquent: int | None = None,
) -> Story:
    """Build the park, book the loan, and live through it day by day, the worker watching:
    to the last instalment or 120 days past the default, or (``days_after_delinquent``) that
    many days past the first missed instalment, whichever first."""
    if progress:
        progress("simulating the park", 0, 1)
    park = simulate_with_telemetry(config)
    loan_start = date(add_months(config.start, 9).year, add_months(config.start, 9).month, 15)
    if progress:
        progress("replaying the park's warnings", 0, 1)
    picked = pick_borrower(evaluate_park(park), park.tables, loan_start=loan_start)
    if picked is None or picked.default_date is None:
        raise LookupError(
            "no firm of this park is warned of before it defaults; try another --seed"
        )
    uscc, default_date = picked.uscc, picked.default_date
    if progress:
        progress("onboarding the borrower and its suppliers", 0, 1)
    org_id = _onboard(db, settings, park, config, uscc)
    with db.unit_of_work() as s:
        bank_org = identity.create_organisation(
            s,
            name=f"演示银行 {new_id()[-6:]}",
            kind="financial_institution",
            institution_type="bank",
        )
        bank = _member(s, bank_org.id, "officer")
        firm = _member(s, org_id, "officer")
        governance.grant_consent(
            s,
            firm,
            grantee_org_id=bank_org.id,
            # Operations reach its cloud usage, an input of the daily warning.
            categories=["production", "management", "operations"],
            max_grade=2,
            purpose="post_loan_monitoring",
            valid_from=None,
            valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )
        product = lending.create_product(
            s,
            bank,
            code=f"DEMO-{new_id()[-6:]}",
            name="经营贷 (等额本息)",
            kind="term",
            method="equal_instalment",
            day_count="act_360",
            rate_type="fixed",
            fixed_rate=Decimal("4.35"),
            max_amount=Decimal("5000000"),
        )
        loan = lending.book_loan(
            s,
            bank,
            product_id=product.id,
            borrower_org_id=org_id,
            amount=Decimal("500000"),
            term_months=12,
            purpose="raw_materials",
        )
        lending.accept_loan(s, firm, loan.id)
        lending.disburse(s, bank, loan.id, on=loan_start)
        rows = lending.loan_view(s, bank, loan.id).instalments
        loan_id, bank_id, name = loan.id, bank_org.id, org_name(s, org_id)
    story = Story(uscc=uscc, name=name, loan_id=loan_id, default_date=default_date)
    story.events.append(Event(loan_start, "disbursed", "¥500,000.00, 12 months, 等额本息 4.35%"))
    _live(db, settings, story, bank_id, rows, loan_start, progress, days_after_delinquent)
    story.events.sort(key=lambda e: e.on)
    return story


def org_name(session: Session, org_id: str) -> str:
    """The organisation's name."""
    org = identity.find_organisation(session, org_id)
    assert org is not None
    return str(org.name)


def _live(
    db: Database,
    settings: Settings,
    story: Story,
    bank_id: str,
    rows: list[Any],
    loan_start: date,
    progress: Callable[[str, int, int], None] | None,
    days_after_delinquent: int | None,
) -> None:
    """Day by day: the firm repays what falls due before its default, the bank's book is
    closed, and the worker's daily job watches the loan; new alerts join the timeline."""
    jobs = catalog.load(settings)
    dues = {r.due: r for r in rows}
    end = min(rows[-1].due, story.default_date + timedelta(days=120))
    category, day, total = "normal", loan_start + timedelta(days=1), (end - loan_start).days
    story.subject = subject = f"{bank_id}/{story.loan_id}"
    while day <= end:
        with db.unit_of_work() as s:
            bank = identity.system_principal(s, bank_id)
            if day in dues and day < story.default_date:
                r = dues[day]
                lending.repay(
                    s,
                    bank,
                    story.loan_id,
                    amount=Decimal(r.principal_fen + r.interest_fen) / 100,
                    paid_on=day,
                    reference=f"auto-debit-{r.number}",
                )
            lending.daily_close(s, as_of=day, lender_org_id=bank_id)
        (outcome,) = run_manually(
            db, settings, jobs, WATCH_JOB, subject=subject, period=day.isoformat()
        )
        story.watch_runs += 1
        with db.unit_of_work() as s:
            bank = identity.system_principal(s, bank_id)
            for alert in lending.list_alerts(s, bank, loan_id=story.loan_id):
                if alert.detected_on != day:
                    continue
                ev = Event(day, f"alert: {alert.kind} ({alert.severity})", alert.message)
                story.events.append(ev)
                warning = Severity(alert.severity).rank >= Severity.MEDIUM.rank
                if warning and story.first_alert is None:
                    story.first_alert, story.first_alert_kind = ev, alert.kind
                    story.evidence = dict(alert.evidence)
                    story.raised_by = f"{outcome.name} {outcome.period}: {outcome.detail}"
            view = lending.get_loan(s, bank, story.loan_id)
        if view.category != category:
            ev = Event(day, f"classified {view.category}", f"dpd {view.dpd}, bucket {view.bucket}")
            story.events.append(ev)
            category = view.category
        if view.dpd == 1 and story.first_delinquent is None:
            story.first_delinquent = Event(day, "delinquent", "first instalment missed")
            story.events.append(story.first_delinquent)
        if progress:
            progress("living through the loan", (day - loan_start).days, total)
        if (
            days_after_delinquent is not None
            and story.first_delinquent is not None
            and day >= story.first_delinquent.on + timedelta(days=days_after_delinquent)
        ):
            break
        day += timedelta(days=1)


def is_daily_warning(story: Story) -> bool:
    """Whether the story's first warning is the daily warning (machines, orders, payables)."""
    return story.first_alert_kind == AlertKind.DAILY_WARNING.value
