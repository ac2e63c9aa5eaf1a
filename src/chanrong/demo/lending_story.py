"""The lending story on a simulated park: a loan whose borrower's machines slow down.

Told by ``chanrong loans demo`` and as part of ``chanrong demo``; it acts through
``chanrong.lending.service`` as the bank and the firm would.

A bank lends to a firm of the park that (by the simulator's hidden truth) later defaults.
The firm grants a monitoring consent; the bank watches its monthly data, closes its books
day by day, and the firm repays on time until it cannot. The story is the timeline: which
alert came first, and how long before the loan went delinquent and was downgraded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.ids import new_id
from chanrong.demo.lending_evaluation import (
    ParkTables,
    borrower_series,
    month_end,
    simulated_tables,
)
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending
from chanrong.lending.monitoring import AlertKind, BorrowerSeries, Severity, detect
from chanrong.lending.schedule import add_months
from chanrong.simulate.config import ParkConfig

DEMO_PARK = ParkConfig(
    enterprises=60, months=24, interval_minutes=240, seed=11, deteriorating_share=0.35
)


@dataclass
class Event:
    """One line of the story's timeline."""

    on: date
    what: str
    detail: str


@dataclass
class Story:
    """The loan's timeline, with its first alert and first delinquency marked."""

    uscc: str
    name: str
    loan_id: str
    default_date: date
    events: list[Event] = field(default_factory=list)
    first_alert: Event | None = None
    first_delinquent: Event | None = None
    evidence: list[dict[str, object]] = field(default_factory=list)

    @property
    def lead_days(self) -> int | None:
        if self.first_alert is None or self.first_delinquent is None:
            return None
        return (self.first_delinquent.on - self.first_alert.on).days


def pick_borrower(
    park: ParkTables, series: dict[str, BorrowerSeries], *, loan_start: date
) -> tuple[str, date] | None:
    """A firm that defaults at least five months after the loan starts and whose first
    alert (on data up to then) is its output falling: the machines slowing down."""
    truth = park.truth.to_pandas()
    candidates = truth[truth["defaulted"]].sort_values("default_date")
    for row in candidates.itertuples():
        default = row.default_date
        if default is None or default < add_months(loan_start, 5):
            continue
        s = series[row.uscc]
        m = date(loan_start.year, loan_start.month, 1)
        while m < default:
            found = [
                d for d in detect(s, as_of=month_end(m)) if d.severity.rank >= Severity.MEDIUM.rank
            ]
            if found:
                if found[0].kind is AlertKind.OUTPUT_DROP:
                    return str(row.uscc), default
                break
            m = add_months(m, 1)
    return None


def _member(session: Session, org_id: str, role: str) -> Principal:
    user = identity.create_user(
        session, org_id=org_id, username=f"demo-{role}-{new_id()[-8:]}", roles=[role, "officer"]
    )
    org = identity.find_organisation(session, org_id)
    assert org is not None
    return identity.principal_of(user, org)


def run_story(
    session: Session,
    *,
    config: ParkConfig = DEMO_PARK,
    progress: Callable[[str, int, int], None] | None = None,
) -> Story:
    """Build the park, book the loan, and live through it day by day."""
    if progress:
        progress("simulating the park", 0, 1)
    park = simulated_tables(config)
    series = borrower_series(park)
    loan_start = date(add_months(config.start, 9).year, add_months(config.start, 9).month, 15)
    picked = pick_borrower(park, series, loan_start=loan_start)
    if picked is None:
        raise LookupError("no firm of this park defaults after a slowdown; try another --seed")
    uscc, default_date = picked
    names = dict(
        zip(
            park.enterprises.column("uscc").to_pylist(),
            park.enterprises.column("name").to_pylist(),
            strict=True,
        )
    )
    org = identity.find_enterprise_by_uscc(session, uscc) or identity.create_organisation(
        session, name=names[uscc], kind="enterprise", uscc=uscc
    )
    bank_org = identity.create_organisation(
        session,
        name=f"演示银行 {new_id()[-6:]}",
        kind="financial_institution",
        institution_type="bank",
    )
    bank = _member(session, bank_org.id, "officer")
    firm = _member(session, org.id, "officer")
    governance.grant_consent(
        session,
        firm,
        grantee_org_id=bank_org.id,
        categories=["production", "management"],
        max_grade=2,
        purpose="post_loan_monitoring",
        valid_from=None,
        valid_until=datetime(2099, 1, 1, tzinfo=UTC),
    )
    product = lending.create_product(
        session,
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
        session,
        bank,
        product_id=product.id,
        borrower_org_id=org.id,
        amount=Decimal("500000"),
        term_months=12,
        purpose="raw_materials",
    )
    lending.accept_loan(session, firm, loan.id)
    lending.disburse(session, bank, loan.id, on=loan_start)
    story = Story(uscc=uscc, name=names[uscc], loan_id=loan.id, default_date=default_date)
    story.events.append(Event(loan_start, "disbursed", "¥500,000.00, 12 months, 等额本息 4.35%"))
    rows = lending.loan_view(session, bank, loan.id).instalments
    dues = {r.due: r for r in rows}
    end = min(rows[-1].due, default_date + timedelta(days=120))
    day = loan_start + timedelta(days=1)
    total = (end - loan_start).days
    category = "normal"
    while day <= end:
        if day in dues and day < default_date:
            r = dues[day]
            lending.repay(
                session,
                bank,
                loan.id,
                amount=Decimal(r.principal_fen + r.interest_fen) / 100,
                paid_on=day,
                reference=f"auto-debit-{r.number}",
            )
        if day == month_end(day):
            month = date(day.year, day.month, 1)
            data = series[uscc]
            visible = BorrowerSeries(
                output=[p for p in data.output if p.period <= month],
                energy=[p for p in data.energy if p.period <= month],
                orders=[o for o in data.orders if o.period <= month],
                payment_delay_days=[p for p in data.payment_delay_days if p.period <= month],
            )
            for alert in lending.monitor_loan(session, bank, loan.id, series=visible, as_of=day):
                if alert.detected_on == day:
                    ev = Event(day, f"alert: {alert.kind} ({alert.severity})", alert.message)
                    story.events.append(ev)
                    if story.first_alert is None:
                        story.first_alert = ev
                        story.evidence = list(alert.evidence.get("series", []))
        lending.daily_close(session, as_of=day, lender_org_id=bank_org.id)
        view = lending.get_loan(session, bank, loan.id)
        if view.category != category:
            ev = Event(day, f"classified {view.category}", f"dpd {view.dpd}, bucket {view.bucket}")
            story.events.append(ev)
            category = view.category
        if view.dpd == 1 and story.first_delinquent is None:
            story.first_delinquent = Event(day, "delinquent", "first instalment missed")
            story.events.append(story.first_delinquent)
        if progress:
            progress("living through the loan", (day - loan_start).days, total)
        day += timedelta(days=1)
    story.events.sort(key=lambda e: e.on)
    return story
