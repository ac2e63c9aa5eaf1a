"""Borrower series from a simulated park, and how well lending's early warnings do on it.

For evaluation and the demo only (``chanrong loans evaluate``, the lending story); the
detectors themselves are ``chanrong.lending.monitoring``. Reads the simulator's tables (in
memory, or Parquet files written to the contract in docs/DEVELOPING.md) and turns each
enterprise into the monthly ``BorrowerSeries`` the detectors read: output value and
electricity from the energy bills, orders by buyer, and the days late of the payments it
makes to its suppliers on the platform (``monitoring.monthly_days_late``, as live monitoring
reads them; a firm that pays nobody on the platform has no such series — how late its
customers pay it is not counted, live or here).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from chanrong.core.errors import DataUnavailable
from chanrong.lending.business_days import Payable, payments_made
from chanrong.lending.monitoring import (
    BorrowerSeries,
    MonitoringConfig,
    Order,
    Point,
    Severity,
    detect,
    monthly_days_late,
)
from chanrong.simulate.config import ParkConfig
from chanrong.simulate.service import simulate_park


@dataclass(frozen=True, slots=True)
class ParkTables:
    """The park tables the monitoring needs."""

    enterprises: pa.Table
    orders: pa.Table
    invoices: pa.Table
    payments: pa.Table
    energy: pa.Table
    truth: pa.Table


def read_park_dir(root: Path) -> ParkTables:
    """Read a park written by ``chanrong simulate --out``; say plainly what is missing."""
    names = {
        "enterprises": "enterprises.parquet",
        "orders": "orders.parquet",
        "invoices": "invoices.parquet",
        "payments": "payments.parquet",
        "energy": "energy.parquet",
        "truth": "truth/enterprises.parquet",
    }
    missing = [f for f in names.values() if not (root / f).exists()]
    if missing:
        raise DataUnavailable(
            f"park: {root} lacks {', '.join(missing)}; write one with `chanrong simulate --out`",
            field="park",
        )
    return ParkTables(**{k: pq.read_table(root / f) for k, f in names.items()})


def simulated_tables(config: ParkConfig) -> ParkTables:
    """Simulate a park without its telemetry (the detectors read business records) and keep
    the tables the monitoring needs."""
    sim = simulate_park(config, keep_telemetry=False)
    return ParkTables(
        sim.enterprises, sim.orders, sim.invoices, sim.payments, sim.energy, sim.truth_enterprises
    )


def _month(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M").dt.to_timestamp()


def _points(frame: pd.DataFrame, column: str) -> list[Point]:
    return [Point(ts.date(), float(v)) for ts, v in zip(frame["m"], frame[column], strict=True)]


def park_payables(park: ParkTables) -> dict[str, list[Payable]]:
    """Each firm's payables, keyed by its USCC: the invoices its suppliers on the platform
    issued it, with the payments it made on each (what ``telemetry.payables`` reads live)."""
    inv = park.invoices.to_pandas()
    inv = inv[inv["buyer_uscc"].notna()]
    pay = park.payments.to_pandas()
    paid: dict[str, list[tuple[date, int]]] = {}
    for invoice_id, day, amount in zip(
        pay["invoice_id"], pay["paid_date"], pay["amount_fen"], strict=True
    ):
        paid.setdefault(invoice_id, []).append((day, int(amount)))
    out: dict[str, list[Payable]] = {}
    for invoice_id, buyer, due, amount in zip(
        inv["invoice_id"], inv["buyer_uscc"], inv["due_date"], inv["amount_fen"], strict=True
    ):
        out.setdefault(str(buyer), []).append(
            Payable(due, int(amount), tuple(sorted(paid.get(invoice_id, []))))
        )
    return out


def borrower_series(park: ParkTables) -> dict[str, BorrowerSeries]:
    """Each enterprise's monthly series, keyed by USCC."""
    energy = park.energy.to_pandas()
    energy["m"] = _month(energy["month"])
    orders = park.orders.to_pandas()
    orders["m"] = _month(orders["order_date"])
    orders["buyer"] = orders["buyer_uscc"].fillna(orders["buyer_name"])
    payables = park_payables(park)
    out: dict[str, BorrowerSeries] = {}
    e_groups = dict(tuple(energy.sort_values("m").groupby("uscc")))
    o_groups = dict(tuple(orders.groupby("seller_uscc")))
    for uscc in park.enterprises.column("uscc").to_pylist():
        e = e_groups.get(uscc)
        output = energy_pts = []
        if e is not None:
            e = e.assign(output=e["output_value_fen"] / 100.0)
            output = _points(e, "output")
            energy_pts = _points(e, "electricity_kwh")
        o = o_groups.get(uscc)
        order_list = (
            [
                Order(ts.date(), str(b), int(a))
                for ts, b, a in zip(o["m"], o["buyer"], o["amount_fen"], strict=True)
            ]
            if o is not None
            else []
        )
        out[uscc] = BorrowerSeries(
            output=output,
            energy=energy_pts,
            orders=order_list,
            payment_delay_days=monthly_days_late(payments_made(payables.get(uscc, []))),
        )
    return out


def month_end(month: date) -> date:
    """The last day of ``month``'s calendar month."""
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


@dataclass(frozen=True, slots=True)
class FirmOutcome:
    """One firm of the park: its truth, and when (and why) it was first alerted."""

    uscc: str
    defaulted: bool
    deteriorating: bool
    default_month: date | None
    first_alert: date | None
    first_kinds: tuple[str, ...]

    @property
    def lead_months(self) -> int | None:
        """Whole months from the first alert to the default (None when no alert came first)."""
        if self.default_month is None or self.first_alert is None:
            return None
        lead = (self.default_month.year - self.first_alert.year) * 12 + (
            self.default_month.month - self.first_alert.month
        )
        return lead if lead >= 0 else None


@dataclass(frozen=True, slots=True)
class EarlyWarningReport:
    """How the detectors did on a park with known truth."""

    outcomes: tuple[FirmOutcome, ...]
    months_watched: int

    @property
    def defaulted(self) -> list[FirmOutcome]:
        return [o for o in self.outcomes if o.defaulted]

    @property
    def healthy(self) -> list[FirmOutcome]:
        return [o for o in self.outcomes if not o.defaulted and not o.deteriorating]

    @property
    def caught(self) -> list[FirmOutcome]:
        return [o for o in self.defaulted if o.lead_months is not None]

    @property
    def detection_rate(self) -> float:
        return len(self.caught) / len(self.defaulted) if self.defaulted else 0.0

    @property
    def median_lead_months(self) -> float | None:
        leads = [o.lead_months for o in self.caught if o.lead_months is not None]
        return float(statistics.median(leads)) if leads else None

    @property
    def mean_lead_months(self) -> float | None:
        leads = [o.lead_months for o in self.caught if o.lead_months is not None]
        return statistics.fmean(leads) if leads else None

    @property
    def false_alarm_rate(self) -> float:
        """Share of healthy borrowers that got at least one alert while watched."""
        h = self.healthy
        return sum(o.first_alert is not None for o in h) / len(h) if h else 0.0


def evaluate(
    park: ParkTables,
    *,
    min_severity: Severity = Severity.MEDIUM,
    warmup_months: int = 8,
    config: MonitoringConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> EarlyWarningReport:
    """Run the detectors month by month (point in time) over every firm of the park.

    A firm is watched from ``warmup_months`` after the park starts (its baseline needs a
    history) until its default, or the end of the park.
    """
    series = borrower_series(park)
    truth = park.truth.to_pandas().set_index("uscc")
    months = sorted({p.period for s in series.values() for p in s.output} | {date.min})[1:]
    watch = months[warmup_months:]
    outcomes: list[FirmOutcome] = []
    total = len(series)
    for n, (uscc, s) in enumerate(series.items(), start=1):
        row = truth.loc[uscc]
        default_on = row["default_date"]
        default_month = None
        if bool(row["defaulted"]) and default_on is not None and not pd.isna(default_on):
            d = pd.Timestamp(default_on).date()
            default_month = date(d.year, d.month, 1)
            if not watch or default_month < watch[0]:
                continue  # defaulted before it could be watched: no baseline to judge by
        first: date | None = None
        kinds: tuple[str, ...] = ()
        for m in watch:
            if default_month is not None and m > default_month:
                break
            found = [
                d
                for d in detect(s, as_of=month_end(m), config=config)
                if d.severity.rank >= min_severity.rank
            ]
            if found:
                first = m
                kinds = tuple(sorted({d.kind.value for d in found}))
                break
        outcomes.append(
            FirmOutcome(
                uscc=uscc,
                defaulted=default_month is not None,
                deteriorating=bool(row["deteriorating"]),
                default_month=default_month,
                first_alert=first,
                first_kinds=kinds,
            )
        )
        if progress:
            progress(n, total)
    return EarlyWarningReport(tuple(outcomes), len(watch))
