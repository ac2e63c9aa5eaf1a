"""Operating features per enterprise and as-of date, written once as Ibis expressions.

The same expressions run on DuckDB (one machine) and on PySpark (a cluster): callers hand in
Ibis tables from either backend shaped like the simulator's Parquet contract
(docs/DEVELOPING.md). Every expression is point-in-time: a profile "as of D" reads only
records dated strictly before D (telemetry stamped before D 00:00 UTC), so nothing that
happened on or after D can leak into it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from chanrong.core.i18n import register

# Characteristics fed to the models (the evidence columns below are for limits, not scores).
FEATURES: tuple[str, ...] = (
    "utilisation",
    "utilisation_trend",
    "runtime_growth",
    "output_volatility",
    "energy_intensity",
    "order_growth",
    "customer_concentration",
    "receivable_turnover",
    "dso_days",
    "payment_punctuality",
    "cloud_growth",
    "cloud_level",
    "cloud_stability",
    "data_coverage",
    "data_quality",
    "tenure_days",
)
EVIDENCE: tuple[str, ...] = ("revenue_12m_fen", "open_orders_fen", "receivables_fen")
RECENT_DAYS = 90

register(
    {
        "credit.feature.utilisation": {"zh-CN": "设备开工率", "en": "Equipment utilisation"},
        "credit.feature.utilisation_trend": {
            "zh-CN": "开工率变化",
            "en": "Utilisation trend",
        },
        "credit.feature.runtime_growth": {"zh-CN": "运行时长增长", "en": "Runtime growth"},
        "credit.feature.output_volatility": {"zh-CN": "产值波动", "en": "Output volatility"},
        "credit.feature.energy_intensity": {
            "zh-CN": "单位产值能耗",
            "en": "Energy per unit of output",
        },
        "credit.feature.order_growth": {"zh-CN": "订单增长", "en": "Order growth"},
        "credit.feature.customer_concentration": {
            "zh-CN": "客户集中度",
            "en": "Customer concentration",
        },
        "credit.feature.receivable_turnover": {
            "zh-CN": "应收账款周转率",
            "en": "Receivable turnover",
        },
        "credit.feature.dso_days": {"zh-CN": "应收账款周转天数", "en": "Days sales outstanding"},
        "credit.feature.payment_punctuality": {
            "zh-CN": "按期付款比例",
            "en": "Payment punctuality",
        },
        "credit.feature.cloud_growth": {"zh-CN": "上云用量增长", "en": "Cloud-usage growth"},
        "credit.feature.cloud_level": {
            "zh-CN": "上云用量水平 (日均算力时)",
            "en": "Cloud-usage level (compute hours a day)",
        },
        "credit.feature.cloud_stability": {
            "zh-CN": "上云用量稳定性",
            "en": "Cloud-usage stability",
        },
        "credit.feature.data_coverage": {"zh-CN": "数据覆盖率", "en": "Data coverage"},
        "credit.feature.data_quality": {"zh-CN": "数据质量", "en": "Data quality"},
        "credit.feature.tenure_days": {"zh-CN": "入驻平台天数", "en": "Tenure on the platform"},
    }
)


@dataclass(frozen=True)
class ParkTables:
    """The inputs, as Ibis tables of any backend (columns per the simulator contract)."""

    enterprises: ir.Table
    devices: ir.Table
    telemetry: ir.Table
    orders: ir.Table
    invoices: ir.Table
    payments: ir.Table
    energy: ir.Table
    cloud_usage: ir.Table


def _midnight(d: date) -> ir.Value:
    return ibis.literal(datetime(d.year, d.month, d.day, tzinfo=UTC))


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.NumericValue:
    return (den != 0).ifelse(num / den.cast("float64"), ibis.null("float64"))


def _growth(recent: ir.NumericValue, prior: ir.NumericValue) -> ir.NumericValue:
    return (prior > 0).ifelse(recent.cast("float64") / prior - 1.0, ibis.null("float64"))


def profile_expr(t: ParkTables, as_of: date) -> ir.Table:
    """One row per enterprise onboarded before ``as_of``: features and limit evidence."""
    d0 = ibis.date(as_of)
    r0 = ibis.date(as_of - timedelta(days=RECENT_DAYS))
    p0 = ibis.date(as_of - timedelta(days=2 * RECENT_DAYS))
    y0 = ibis.date(as_of - timedelta(days=365))
    ts_end, ts_recent, ts_prior = (
        _midnight(as_of),
        _midnight(as_of - timedelta(days=RECENT_DAYS)),
        _midnight(as_of - timedelta(days=2 * RECENT_DAYS)),
    )

    firms = t.enterprises.filter(t.enterprises.onboarded_on < d0).select(
        "uscc", tenure_days=(d0 - t.enterprises.onboarded_on).cast("int64")
    )

    # Telemetry: running share now and before, coverage and plausibility of readings.
    dev = t.devices.select("device_id", dev_uscc=t.devices.uscc)
    tel = t.telemetry.filter((t.telemetry.ts < ts_end) & (t.telemetry.ts >= ts_prior))
    tel = tel.join(dev, tel.device_id == dev.device_id)
    recent = tel.ts >= ts_recent
    # Machines are the devices that report a run state (meters never do).
    is_state = tel.metric == "run_state"
    running = is_state & (tel.value == 2.0)
    tele = tel.group_by(uscc=tel.dev_uscc).aggregate(
        st_recent=(is_state & recent).ifelse(1, 0).sum(),
        run_recent=(running & recent).ifelse(1, 0).sum(),
        st_prior=(is_state & ~recent).ifelse(1, 0).sum(),
        run_prior=(running & ~recent).ifelse(1, 0).sum(),
        n_recent=recent.ifelse(1, 0).sum(),
        ok_recent=(recent & tel.value.notnull() & (tel.value >= 0) & ~tel.value.isnan())
        .ifelse(1, 0)
        .sum(),
        days_recent=recent.ifelse(tel.ts.truncate("D"), ibis.null("timestamp")).nunique(),
    )
    tele = tele.select(
        "uscc",
        utilisation=_ratio(tele.run_recent, tele.st_recent),
        utilisation_trend=_ratio(tele.run_recent, tele.st_recent)
        - _ratio(tele.run_prior, tele.st_prior),
        runtime_growth=_growth(tele.run_recent, tele.run_prior),
        data_coverage=(tele.days_recent.cast("float64") / RECENT_DAYS).clip(upper=1.0),
        data_quality=_ratio(tele.ok_recent, tele.n_recent),
    )

    # Monthly energy bills: months fully before as_of only.
    en = t.energy.filter(
        (t.energy.month < d0) & (t.energy.month >= ibis.date(as_of - timedelta(days=183)))
    )
    en = en.filter(en.month.cast("date") <= ibis.date(as_of - timedelta(days=28)))
    energy = en.group_by("uscc").aggregate(
        out_mean=en.output_value_fen.cast("float64").mean(),
        out_std=en.output_value_fen.cast("float64").std(how="pop"),
        kwh=en.electricity_kwh.sum(),
        out_sum=en.output_value_fen.sum(),
    )
    energy = energy.select(
        "uscc",
        output_volatility=_ratio(energy.out_std, energy.out_mean),
        # kWh per 10,000 yuan of output value.
        energy_intensity=_ratio(energy.kwh * 1_000_000.0, energy.out_sum),
    )

    # Orders: growth and concentration of buyers over the last year.
    o = t.orders.filter((t.orders.order_date < d0) & (t.orders.order_date >= y0))
    o = o.mutate(buyer=o.buyer_uscc.fill_null(o.buyer_name))
    by_buyer = o.group_by(["seller_uscc", "buyer"]).aggregate(amt=o.amount_fen.sum())
    tot = by_buyer.group_by("seller_uscc").aggregate(total=by_buyer.amt.sum())
    share = by_buyer.join(tot, "seller_uscc")
    conc = share.group_by("seller_uscc").aggregate(
        customer_concentration=((share.amt.cast("float64") / share.total) ** 2).sum()
    )
    og = o.group_by("seller_uscc").aggregate(
        ord_recent=(o.order_date >= r0).ifelse(o.amount_fen, 0).sum(),
        ord_prior=((o.order_date < r0) & (o.order_date >= p0)).ifelse(o.amount_fen, 0).sum(),
    )
    orders = og.join(conc, "seller_uscc").select(
        uscc=og.seller_uscc,
        order_growth=_growth(og.ord_recent, og.ord_prior),
        customer_concentration=conc.customer_concentration,
        open_orders_fen=og.ord_recent,
    )

    # Receivables: invoices issued before as_of less what was paid on them before as_of.
    inv = t.invoices.filter(t.invoices.issue_date < d0)
    pay = t.payments.filter(t.payments.paid_date < d0)
    paid = pay.group_by("invoice_id").aggregate(
        paid=pay.amount_fen.sum(), last_paid=pay.paid_date.max()
    )
    ip = inv.left_join(paid, inv.invoice_id == paid.invoice_id)
    ip = ip.mutate(paid=ip.paid.fill_null(0))
    recv = ip.group_by("seller_uscc").aggregate(
        receivables_fen=(ip.amount_fen - ip.paid).clip(lower=0).sum(),
        revenue_12m_fen=(ip.issue_date >= y0).ifelse(ip.amount_fen, 0).sum(),
    )
    recv = recv.select(
        uscc=recv.seller_uscc,
        receivables_fen=recv.receivables_fen,
        revenue_12m_fen=recv.revenue_12m_fen,
        receivable_turnover=_ratio(recv.revenue_12m_fen, recv.receivables_fen),
        dso_days=_ratio(recv.receivables_fen * 365, recv.revenue_12m_fen),
    )

    # Punctuality as a payer: of what it owed that fell due in the last 180 days, the share
    # paid by the due date (payments after as_of are unknown at as_of, hence unpaid).
    due = ip.filter(
        ip.buyer_uscc.notnull()
        & (ip.due_date < d0)
        & (ip.due_date >= ibis.date(as_of - timedelta(days=180)))
    )
    due = due.mutate(on_time=(due.paid >= due.amount_fen) & (due.last_paid <= due.due_date))
    punct = due.group_by(uscc=due.buyer_uscc).aggregate(
        owed=due.amount_fen.sum(),
        on_time_amt=due.on_time.ifelse(due.amount_fen, 0).sum(),
    )
    punct = punct.select("uscc", payment_punctuality=_ratio(punct.on_time_amt, punct.owed))

    cu = t.cloud_usage.filter((t.cloud_usage.day < d0) & (t.cloud_usage.day >= p0))
    cloud = cu.group_by("uscc").aggregate(
        c_recent=(cu.day >= r0).ifelse(cu.compute_hours, 0.0).sum(),
        c_prior=(cu.day < r0).ifelse(cu.compute_hours, 0.0).sum(),
    )
    cloud = cloud.select("uscc", cloud_growth=_growth(cloud.c_recent, cloud.c_prior))
    # 云量贷 indicators over the recent window: the level (mean compute hours a day) and the
    # stability (1 − coefficient of variation of the daily hours, floored at 0).
    cr = cu.filter(cu.day >= r0)
    cstats = cr.group_by("uscc").aggregate(
        c_mean=cr.compute_hours.mean(), c_sd=cr.compute_hours.std(how="pop")
    )
    cstats = cstats.select(
        "uscc",
        cloud_level=cstats.c_mean,
        cloud_stability=(cstats.c_mean > 0).ifelse(
            ibis.greatest(1.0 - cstats.c_sd / cstats.c_mean, 0.0), ibis.null("float64")
        ),
    )

    out = firms
    for part in (tele, energy, orders, recv, punct, cloud, cstats):
        out = out.left_join(part, "uscc").drop("uscc_right")
    out = out.mutate(
        as_of=d0,
        open_orders_fen=out.open_orders_fen.fill_null(0),
        receivables_fen=out.receivables_fen.fill_null(0),
        revenue_12m_fen=out.revenue_12m_fen.fill_null(0),
    )
    return out.select("uscc", "as_of", *FEATURES, *EVIDENCE)


def profiles_expr(t: ParkTables, dates: Sequence[date]) -> ir.Table:
    """Profiles at several as-of dates stacked (one expression per date, unioned)."""
    if not dates:
        raise ValueError("at least one as-of date")
    parts = [profile_expr(t, d) for d in dates]
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p)
    return out


PARK_FILES: Mapping[str, str] = {
    "enterprises": "enterprises.parquet",
    "devices": "devices.parquet",
    "orders": "orders.parquet",
    "invoices": "invoices.parquet",
    "payments": "payments.parquet",
    "energy": "energy.parquet",
    "cloud_usage": "cloud_usage.parquet",
}


def park_tables(con: Any, park_dir: Path | str) -> ParkTables:
    """Register a simulated park's Parquet files with an Ibis backend connection."""
    root = Path(park_dir)
    tabs = {
        k: con.read_parquet(str(root / f), table_name=f"park_{k}") for k, f in PARK_FILES.items()
    }
    tel_dir = root / "telemetry"
    if any(tel_dir.rglob("*.parquet")):
        tel = con.read_parquet(str(tel_dir), table_name="park_telemetry")
    else:
        tel = empty_telemetry()
    return ParkTables(telemetry=tel.select("device_id", "metric", "ts", "value"), **tabs)


def empty_telemetry() -> ir.Table:
    """A telemetry table with no readings (an enterprise that has sent none yet)."""
    return ibis.memtable(
        pd.DataFrame(
            {
                "device_id": pd.Series(dtype=str),
                "metric": pd.Series(dtype=str),
                "ts": pd.Series(dtype="datetime64[us, UTC]"),
                "value": pd.Series(dtype=float),
            }
        )
    )


def duckdb_park(park_dir: Path | str) -> ParkTables:
    """The park's tables on an in-process DuckDB (through Ibis)."""
    return park_tables(ibis.duckdb.connect(), park_dir)


def compute_profiles(t: ParkTables, dates: Sequence[date]) -> pd.DataFrame:
    """Execute the profile expressions and return a pandas frame sorted by (as_of, uscc)."""
    frame = profiles_expr(t, dates).to_pandas()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame.sort_values(["as_of", "uscc"]).reset_index(drop=True)
