"""How early, and how wrongly, a fund's portfolio alerts (投后预警) fire on simulated parks.

For ``benchmarks/funds_monitoring.py``. Each seed's park is simulated without its telemetry
(the portfolio alerts judge the monthly business records), and loaded onto a fresh platform as
its enterprises would send it: every firm registered with its standard catalog and its energy
bills, orders, invoices and payments imported. A fund manager's VC fund invests in every firm
of the park at the park's start; every firm grants the manager ``investment_monitoring`` over
its management data. Then the fund's monitoring pass — the very use case the worker's
``funds.portfolio_watch`` job runs, ``funds.service.refresh_alerts``, reading each company
under its grant and storing alerts — runs at each month's end (the day its bill is in) from
``warmup_months`` after the park's start to its end. The stored alerts are then read back
and judged against the simulator's hidden truth:

* **defaulter** — a firm whose default date (first missed payment in the truth) falls while
  it is watched; firms that defaulted before the watch began are left out.
* **lead** — from the first stored alert on the firm (any kind and severity, as the manager
  sees them) to its default date, in months of 30.4375 days; an alert on or after the
  default date is no warning, so a late or missing alert is a lead of 0. **Median lead** is
  over all defaulters (misses as 0); **alerted** is the share of defaulters with an alert
  before the default.
* **false alarm** — per firm: a healthy firm (neither deteriorating nor defaulted over the
  whole park) with at least one stored alert while watched, over the healthy firms.
  Deteriorating firms that had not defaulted by the park's end count on neither side.

Only the stored alerts are read back: nothing here re-runs the detectors by itself.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from rich.table import Table

from chanrong.demo.lending_evaluation import simulated_tables
from chanrong.demo.park_loader import OWNER, of, record_rows
from chanrong.funds import service as funds
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.simulate import ParkConfig
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry

DAYS_PER_MONTH = 30.4375
# 20 firms over two years: five parks load and replay in about three minutes on two shared
# cores (most of it loading the records and the governed, logged reads of each pass).
EVALUATION_PARK = ParkConfig(
    enterprises=20, months=24, interval_minutes=240, deteriorating_share=0.3
)
DEFAULT_SEEDS = (11, 12, 13, 14, 15)
SOURCE = "file"

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CompanyOutcome:
    """One portfolio company: its truth and its first stored alert."""

    uscc: str
    defaulted: bool
    deteriorating: bool
    default_date: date | None
    first_alert: date | None
    kinds: tuple[str, ...]

    @property
    def lead_months(self) -> float:
        """Months from the first alert to the default; 0 when none came before it."""
        if self.default_date is None or self.first_alert is None:
            return 0.0
        days = (self.default_date - self.first_alert).days
        return days / DAYS_PER_MONTH if days > 0 else 0.0


@dataclass(frozen=True, slots=True)
class FundParkResult:
    """One seed's park: every watched company's outcome and how many alerts were stored."""

    seed: int
    companies: tuple[CompanyOutcome, ...]
    passes: int
    alerts_stored: int

    @property
    def defaulters(self) -> list[CompanyOutcome]:
        return [c for c in self.companies if c.defaulted]

    @property
    def healthy(self) -> list[CompanyOutcome]:
        return [c for c in self.companies if not c.defaulted and not c.deteriorating]

    @property
    def alerted_share(self) -> float | None:
        """Defaulters alerted before their default, over the defaulters (None: none)."""
        d = self.defaulters
        return sum(c.lead_months > 0 for c in d) / len(d) if d else None

    @property
    def median_lead(self) -> float | None:
        """Median lead over all defaulters, misses as 0 (None: no defaulter)."""
        d = self.defaulters
        return float(statistics.median(c.lead_months for c in d)) if d else None

    @property
    def mean_lead(self) -> float | None:
        """Mean lead over all defaulters, misses as 0 (None: no defaulter)."""
        d = self.defaulters
        return statistics.fmean(c.lead_months for c in d) if d else None

    @property
    def false_alarms(self) -> float | None:
        """Healthy firms alerted at least once, over the healthy firms (None: none healthy)."""
        h = self.healthy
        return sum(c.first_alert is not None for c in h) / len(h) if h else None


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def evaluate_seed(
    db: Database,
    seed: int,
    *,
    park: ParkConfig = EVALUATION_PARK,
    warmup_months: int = 8,
    progress: Progress | None = None,
) -> FundParkResult:
    """Simulate the park of ``seed``, load it onto the (fresh, migrated) platform ``db``, run
    the fund's monitoring pass at each month's end and judge the stored alerts."""
    cfg = park.with_changes(seed=seed).validated()
    tables = simulated_tables(cfg)
    named = {
        "orders": tables.orders,
        "invoices": tables.invoices,
        "payments": tables.payments,
        "energy": tables.energy,
    }
    org_by_uscc: dict[str, str] = {}
    with db.unit_of_work() as s:
        manager_org = identity.create_organisation(
            s,
            name=f"园区创投 {seed}",
            kind="financial_institution",
            institution_type="fund_manager",
        )
        manager = identity.system_principal(s, manager_org.id)
        fund = funds.create_fund(
            s, manager_org.id, name="园区成长基金", kind="vc", vintage=cfg.start.year
        )
        fund_id = fund.id
        for firm in tables.enterprises.to_pylist():
            uscc = str(firm["uscc"])
            org = identity.create_organisation(
                s,
                name=str(firm["name"]),
                kind="enterprise",
                uscc=uscc,
                is_core=bool(firm["is_core"]),
                industry_code=firm.get("industry_code"),
                region_code=firm.get("region_code"),
            )
            org_by_uscc[uscc] = org.id
            governance.ensure_default_catalog(s, org.id)
            for kind, (table, owner) in OWNER.items():
                if table not in named:
                    continue
                report = telemetry.import_records(
                    s,
                    org_id=org.id,
                    kind=kind,
                    rows=record_rows(kind, of(named[table], owner, uscc)),
                    source=SOURCE,
                )
                if not report.ok:
                    e = report.errors[0]
                    raise ValueError(f"{uscc} {kind} row {e.row}: {e.column}: {e.reason}")
            funds.add_investment(
                s,
                manager_org.id,
                fund_id,
                funds.InvestmentInput(on=cfg.start, company_org_id=org.id),
            )
            governance.grant_consent(
                s,
                identity.system_principal(s, org.id),
                grantee_org_id=manager_org.id,
                categories=["management"],
                max_grade=2,
                purpose="investment_monitoring",
                valid_from=None,
                valid_until=datetime(2099, 1, 1, tzinfo=UTC),
            )
    if progress:
        progress(f"seed {seed}: {len(org_by_uscc)} firms loaded")
    months = sorted({d.replace(day=1) for d in tables.energy.column("month").to_pylist()})
    watch = months[warmup_months:]
    for m in watch:
        with db.unit_of_work() as s:
            manager = identity.system_principal(s, manager_org.id)
            funds.refresh_alerts(s, manager, fund_id, as_of=_month_end(m))
    if progress:
        progress(f"seed {seed}: {len(watch)} monthly passes")
    with db.unit_of_work() as s:
        manager = identity.system_principal(s, manager_org.id)
        stored = funds.list_alerts(s, manager, fund_id)
        first: dict[str, date] = {}
        kinds: dict[str, set[str]] = {}
        for a in stored:
            if a.company_org_id not in first or a.first_detected_on < first[a.company_org_id]:
                first[a.company_org_id] = a.first_detected_on
            kinds.setdefault(a.company_org_id, set()).add(a.kind)
        n_stored = len(stored)
    truth = tables.truth.to_pandas().set_index("uscc")
    out: list[CompanyOutcome] = []
    watch_start = watch[0] if watch else cfg.start
    for uscc, org_id in org_by_uscc.items():
        row = truth.loc[uscc]
        default_on: date | None = None
        raw = row["default_date"]
        if bool(row["defaulted"]) and raw is not None and not pd.isna(raw):
            default_on = pd.Timestamp(raw).date()
        if default_on is not None and default_on < watch_start:
            continue  # defaulted before the watch: no baseline to judge it by
        out.append(
            CompanyOutcome(
                uscc=uscc,
                defaulted=default_on is not None,
                deteriorating=bool(row["deteriorating"]),
                default_date=default_on,
                first_alert=first.get(org_id),
                kinds=tuple(sorted(kinds.get(org_id, ()))),
            )
        )
    return FundParkResult(seed, tuple(out), len(watch), n_stored)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v:.0%}"


def _months(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}"


def seeds_table(results: Sequence[FundParkResult]) -> Table:
    """Per seed: companies, defaulters, alerted, median and mean lead, false alarms."""
    t = Table(
        "seed",
        "watched",
        "defaulters",
        "healthy",
        "alerted",
        "median lead (mo)",
        "mean lead (mo)",
        "false alarms",
        "alerts stored",
        title="portfolio alerts per park",
    )
    for r in results:
        t.add_row(
            str(r.seed),
            str(len(r.companies)),
            str(len(r.defaulters)),
            str(len(r.healthy)),
            _pct(r.alerted_share),
            _months(r.median_lead),
            _months(r.mean_lead),
            _pct(r.false_alarms),
            str(r.alerts_stored),
        )
    return t


def _mean_worst(values: Sequence[float | None], *, worst_is_max: bool) -> tuple[float, float]:
    known = [v for v in values if v is not None]
    if not known:
        return float("nan"), float("nan")
    return statistics.fmean(known), (max(known) if worst_is_max else min(known))


def summary_table(results: Sequence[FundParkResult]) -> Table:
    """Mean and worst over the seeds."""
    t = Table("figure", "mean", "worst", title=f"over {len(results)} seeds")
    for label, values, worst_is_max, fmt in (
        ("defaulters alerted", [r.alerted_share for r in results], False, _pct),
        ("median lead, all defaulters (months)", [r.median_lead for r in results], False, _months),
        ("mean lead, all defaulters (months)", [r.mean_lead for r in results], False, _months),
        ("false alarms (healthy firms alerted)", [r.false_alarms for r in results], True, _pct),
    ):
        mean, worst = _mean_worst(values, worst_is_max=worst_is_max)
        t.add_row(label, fmt(mean), fmt(worst))
    return t
