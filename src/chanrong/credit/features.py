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
import pyarrow as pa

from chanrong.carbon.factors import factor_for
from chanrong.carbon.park import DEFAULT_VALUE_ADDED_RATIO, EAST_CHINA_PROVINCES
from chanrong.core.i18n import register
from chanrong.core.park_files import PARK_FILES
from chanrong.insurance.quality import IndexWeights

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
    "carbon_efficiency",
    "equipment_quality",
    "data_coverage",
    "data_quality",
    "tenure_days",
)
EVIDENCE: tuple[str, ...] = ("revenue_12m_fen", "open_orders_fen", "receivables_fen")
RECENT_DAYS = 90

# Carbon efficiency: the energy-bill columns of each carrier the carbon domain's published
# factors cover (chanrong.carbon.domain.CARRIERS), and the smallest division that still forms
# its own industry benchmark (as chanrong.carbon.park.assess_period does by default).
CARBON_COLUMNS: Mapping[str, str] = {
    "electricity": "electricity_kwh",
    "natural_gas": "gas_m3",
    "coal": "coal_t",
    "steam": "steam_t",
}
CARBON_MIN_PEERS = 3

# Equipment quality: the insurance index's weights (chanrong.insurance.quality, a pure module
# the import contracts let every domain read) so both indices lose points for the same things.
QUALITY_WEIGHTS = IndexWeights()
MIN_RUN_KH = 0.1  # as the insurance index: no device is rated on fewer than 100 running hours
MIN_HOLD_S = 3600  # a reading holds at most an hour, or the gap before it when that is longer

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
        "credit.feature.carbon_efficiency": {
            "zh-CN": "碳效比 (碳排放强度 / 行业基准)",
            "en": "Carbon efficiency (intensity / industry benchmark)",
        },
        "credit.feature.equipment_quality": {
            "zh-CN": "设备质量指数",
            "en": "Equipment quality index",
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
    # Daily aggregates of the telemetry (device_id, metric, start (UTC midnight), n, n_neg,
    # running), when the source keeps them: the running share, coverage and plausibility are
    # then counted from them, and ``telemetry`` need only hold the readings the equipment
    # quality index reads (run_state and power_kw of the last RECENT_DAYS).
    telemetry_daily: ir.Table | None = None
    # What the equipment quality index needs per device and UTC day
    # (``chanrong.telemetry.series.EQUIP_SCHEMA``), when the source keeps it: the index is
    # then computed from it instead of every run-state and power reading of RECENT_DAYS.
    equipment_daily: ir.Table | None = None


def _midnight(d: date) -> ir.Value:
    return ibis.literal(datetime(d.year, d.month, d.day, tzinfo=UTC))


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.NumericValue:
    return (den != 0).ifelse(num / den.cast("float64"), ibis.null("float64"))


def _growth(recent: ir.NumericValue, prior: ir.NumericValue) -> ir.NumericValue:
    return (prior > 0).ifelse(recent.cast("float64") / prior - 1.0, ibis.null("float64"))


def _kg_per_unit(carrier: str, year: int, grid: str) -> float:
    """The carbon domain's published factor for a carrier, year and grid, in kgCO2 per unit."""
    return float(factor_for(carrier, year, grid).kg_per_unit())


def carbon_efficiency_expr(t: ParkTables, bills: ir.Table, years: Sequence[int]) -> ir.Table:
    """``uscc``, ``carbon_efficiency``: K of the Huzhou carbon-efficiency method (工业碳效码)
    over the monthly energy ``bills`` of the window, per enterprise.

    Emissions (tCO2) of each bill use the factors ``chanrong.carbon`` publishes for the bill's
    year and the enterprise's grid (East China for provinces 31–35, else national), passed in
    as literals; value added is output value × ``DEFAULT_VALUE_ADDED_RATIO``, as the carbon
    assessment assumes when none is reported. L = Σ tCO2 / Σ value added (10,000 yuan) over the
    window; the benchmark is the same ratio pooled over every enterprise of the park in the
    same GB/T 4754 division with value added in the window (the manufacturing section when the
    division has fewer than ``CARBON_MIN_PEERS``); K = L / benchmark. The carbon domain grades
    each month apart; pooling the window here lets a month with energy but no output count
    against the enterprise instead of being dropped.

    Why K and not L: raw intensity mostly says which industry a firm is in (a dye works emits
    far more per yuan than an electronics assembler), so it is not monotone in credit risk
    across a mixed park; K compares like with like. Higher K means more energy burnt per yuan
    of output than peers — wasted cost, idle plant still drawing base load, exposure to carbon
    pricing — so risk is expected to rise with K (1 = the industry average).
    """
    ent = t.enterprises.filter(t.enterprises.industry_code.notnull())
    ent = ent.select(
        "uscc",
        "industry_code",
        east=ent.region_code.substr(0, 2).isin(sorted(EAST_CHINA_PROVINCES)).fill_null(False),
    )
    b = bills.join(ent, "uscc")
    year = b.month.year()

    def factor(carrier: str) -> ir.NumericValue:
        by_year = []
        for y in years:
            east, national = (_kg_per_unit(carrier, y, g) for g in ("east_china", "national"))
            value = ibis.literal(east) if east == national else b.east.ifelse(east, national)
            by_year.append((year == y, value))
        return ibis.cases(*by_year, else_=ibis.null("float64"))

    kg = sum(
        (b[col].fill_null(0.0) * factor(carrier) for carrier, col in CARBON_COLUMNS.items()),
        start=ibis.literal(0.0),
    )
    firm = b.group_by(["uscc", "industry_code"]).aggregate(
        co2_t=(kg / 1000.0).sum(),
        va_fen=(b.output_value_fen.cast("float64") * float(DEFAULT_VALUE_ADDED_RATIO)).sum(),
    )
    firm = firm.filter(firm.va_fen > 0).mutate(
        division=firm.industry_code.substr(0, 3), section=firm.industry_code.substr(0, 1)
    )
    div = firm.group_by("division").aggregate(
        d_co2=firm.co2_t.sum(), d_va=firm.va_fen.sum(), d_n=firm.uscc.count()
    )
    sec = firm.group_by("section").aggregate(s_co2=firm.co2_t.sum(), s_va=firm.va_fen.sum())
    k = firm.join(div, "division").join(sec, "section")
    # Both intensities in tCO2 per fen cancel in K; the factor 10⁶ (fen per 10,000 yuan) too.
    bench = (k.d_n >= CARBON_MIN_PEERS).ifelse(k.d_co2 / k.d_va, k.s_co2 / k.s_va)
    return k.select("uscc", carbon_efficiency=(bench > 0).ifelse(k.co2_t / k.va_fen / bench, None))


def equipment_quality_expr(t: ParkTables, start: ir.Value, end: ir.Value) -> ir.Table:
    """``uscc``, ``equipment_quality``: the enterprise-level equipment quality index (0–100,
    higher is better) over the telemetry stamped in [start, end).

    It mirrors the insurance equipment quality index (``chanrong.insurance.quality`` /
    ``insurance.service.equipment_quality``) as an Ibis expression: per machine (a device that
    reports a run state), 100 − 12 per failure per 1,000 running hours − 60 × the share of
    scheduled (not off) time in fault − 80 per unit of median load above 0.85 of its rating,
    clipped to 0–100; the enterprise's index is the running-hour-weighted mean of its machines
    (their plain mean when none ran). A failure is a run of fault readings (run_state 3);
    each run-state reading holds until the next one, for at most an hour as in the insurance
    index — or as long as the gap before it when that is longer (the machine's own cadence),
    so a machine read once a day is not rated on a 24th of its running time while a silence
    after a reading is still not credited. States outside 0–3 and
    implausible power (negative, or above three times the rating) are left out, as there.
    Load is read from the power reading stamped with a "running" state reading.

    Risk is expected to fall as the index rises: failures and downtime are lost output, and
    machines an enterprise no longer maintains are an early sign of strain.
    """
    if t.equipment_daily is not None:
        machine, load = _machines_from_days(t.equipment_daily, t.devices, start, end)
        return _equipment_index(t, machine, load)
    tel = t.telemetry.filter((t.telemetry.ts >= start) & (t.telemetry.ts < end))
    st = tel.filter((tel.metric == "run_state") & tel.value.isin([0.0, 1.0, 2.0, 3.0]))
    # Ties on ts (duplicates, skewed clocks) are broken by the value, so every backend agrees.
    order = ibis.window(group_by="device_id", order_by=["ts", "value"])
    st = st.mutate(secs=st.ts.epoch_seconds().cast("int64"))
    st = st.mutate(
        prev=st.value.lag().over(order),
        prev_s=st.secs.lag().over(order),
        next_s=st.secs.lead().over(order),
    )
    gap = st.next_s - st.secs
    cap = ibis.greatest((st.secs - st.prev_s).fill_null(gap), MIN_HOLD_S)
    st = st.mutate(hold_h=ibis.least(gap.fill_null(0), cap).cast("float64") / 3600.0)
    entered_fault = (st.value == 3.0) & (st.prev.isnull() | (st.prev != 3.0))
    machine = st.group_by("device_id").aggregate(
        run_h=(st.value == 2.0).ifelse(st.hold_h, 0.0).sum(),
        down_h=(st.value == 3.0).ifelse(st.hold_h, 0.0).sum(),
        sched_h=(st.value != 0.0).ifelse(st.hold_h, 0.0).sum(),
        failures=entered_fault.ifelse(1, 0).sum(),
    )

    # Read straight from the readings, so the windowed table above is not computed twice.
    is_running = (tel.metric == "run_state") & (tel.value == 2.0)
    running = tel.filter(is_running).select("device_id", "ts").distinct()
    rated = t.devices.select("device_id", rated_kw=t.devices.rated_kw.cast("float64"))
    pw = tel.filter(tel.metric == "power_kw").select("device_id", "ts", kw=tel.value)
    pw = pw.join(running, ["device_id", "ts"]).join(rated, "device_id")
    pw = pw.filter((pw.rated_kw > 0) & (pw.kw >= 0) & (pw.kw <= 3 * pw.rated_kw))
    load = pw.group_by("device_id").aggregate(load=(pw.kw / pw.rated_kw).median())
    return _equipment_index(t, machine, load)


def _machines_from_days(
    days: ir.Table, devices: ir.Table, start: ir.Value, end: ir.Value
) -> tuple[ir.Table, ir.Table]:
    """The index's per-machine hours, failures and load from per-day stats over whole UTC days
    in [start, end): each day's first and last reading's hold and the first reading's fault
    entry are completed from the neighbouring days' rows, as the raw readings' window would
    (see ``chanrong.telemetry.series.EQUIP_SCHEMA``)."""
    d = days.filter((days.start >= start) & (days.start < end))
    order = ibis.window(group_by="device_id", order_by="start")
    d = d.mutate(
        prev_s=d.last_s.lag().over(order),
        prev_v=d.last_v.lag().over(order),
        next_s=d.first_s.lead().over(order),
    )
    single = d.n == 1
    gap = single.ifelse(d.next_s - d.first_s, d.first_gap)
    cap = ibis.greatest((d.first_s - d.prev_s).fill_null(gap), MIN_HOLD_S)
    first = ibis.least(gap.fill_null(0), cap)
    last = single.ifelse(
        0, ibis.least((d.next_s - d.last_s).fill_null(0), ibis.greatest(d.last_in, MIN_HOLD_S))
    )

    def held(inner: ir.IntegerValue, state: Any) -> ir.IntegerValue:
        return inner + state(d.first_v).ifelse(first, 0) + state(d.last_v).ifelse(last, 0)

    entered = (d.first_v == 3.0) & (d.prev_v.isnull() | (d.prev_v != 3.0))
    machine = d.group_by("device_id").aggregate(
        run_h=held(d.run_s, lambda v: v == 2.0).sum().cast("float64") / 3600.0,
        down_h=held(d.down_s, lambda v: v == 3.0).sum().cast("float64") / 3600.0,
        sched_h=held(d.sched_s, lambda v: v != 0.0).sum().cast("float64") / 3600.0,
        failures=(d.faults + entered.ifelse(1, 0)).sum(),
    )
    rated = devices.select("device_id", rated_kw=devices.rated_kw.cast("float64"))
    pw = d.select("device_id", kw=d.loads.unnest()).join(rated, "device_id")
    pw = pw.filter((pw.rated_kw > 0) & (pw.kw >= 0) & (pw.kw <= 3 * pw.rated_kw))
    load = pw.group_by("device_id").aggregate(load=(pw.kw / pw.rated_kw).median())
    return machine, load


def _equipment_index(t: ParkTables, machine: ir.Table, load: ir.Table) -> ir.Table:
    """Per machine the index from its hours, failures and median load; per firm the
    running-hour-weighted mean (the plain mean when none ran)."""
    w = QUALITY_WEIGHTS
    m = machine.left_join(load, "device_id").drop("device_id_right")
    kh = ibis.greatest(m.run_h / 1000.0, MIN_RUN_KH)
    down = (m.sched_h > 0).ifelse(m.down_h / m.sched_h, 0.0).clip(lower=0.0, upper=1.0)
    stress = ibis.greatest(m.load.fill_null(0.0) - float(w.overload_from), 0.0)
    index = (
        100.0
        - m.failures / kh * float(w.per_failure_per_kh)
        - down * float(w.per_downtime_share)
        - stress * float(w.per_overload)
    ).clip(lower=0.0, upper=100.0)
    owner = t.devices.select("device_id", "uscc")
    m = m.mutate(index=index).join(owner, "device_id")
    firm = m.group_by("uscc").aggregate(
        weighted=(m.index * m.run_h).sum(), hours=m.run_h.sum(), plain=m.index.mean()
    )
    return firm.select(
        "uscc",
        equipment_quality=(firm.hours > 0).ifelse(firm.weighted / firm.hours, firm.plain),
    )


def _telemetry_counts_from_days(
    days: ir.Table, dev: ir.Table, ts_prior: ir.Value, ts_recent: ir.Value, ts_end: ir.Value
) -> ir.Table:
    """The telemetry counts of ``profile_expr`` from daily aggregates: the same numbers, as
    the window's ends are UTC midnights and every count adds up over days (a stored point is
    never NaN, so a plausible reading is one that is not negative)."""
    d = days.filter((days.start < ts_end) & (days.start >= ts_prior))
    d = d.join(dev, d.device_id == dev.device_id)
    recent = d.start >= ts_recent
    is_state = d.metric == "run_state"
    return d.group_by(uscc=d.dev_uscc).aggregate(
        st_recent=(is_state & recent).ifelse(d.n, 0).sum(),
        run_recent=(is_state & recent).ifelse(d.running, 0).sum(),
        st_prior=(is_state & ~recent).ifelse(d.n, 0).sum(),
        run_prior=(is_state & ~recent).ifelse(d.running, 0).sum(),
        n_recent=recent.ifelse(d.n, 0).sum(),
        ok_recent=recent.ifelse(d.n - d.n_neg, 0).sum(),
        days_recent=recent.ifelse(d.start, ibis.null("timestamp")).nunique(),
    )


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
    if t.telemetry_daily is not None:
        tele = _telemetry_counts_from_days(t.telemetry_daily, dev, ts_prior, ts_recent, ts_end)
    else:
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
    bills_from = as_of - timedelta(days=183)
    en = t.energy.filter((t.energy.month < d0) & (t.energy.month >= ibis.date(bills_from)))
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
    # The same bills in carbon terms, against the industry (factors of the bills' years).
    bill_years = range(bills_from.year, as_of.year + 1)
    carbon = carbon_efficiency_expr(t, en, bill_years)
    equipment = equipment_quality_expr(t, ts_recent, ts_end)

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
    for part in (tele, energy, carbon, equipment, orders, recv, punct, cloud, cstats):
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


# A telemetry table with no readings (an enterprise that has sent none yet), as data.
EMPTY_TELEMETRY = pa.table(
    {
        "device_id": pa.array([], pa.string()),
        "metric": pa.array([], pa.string()),
        "ts": pa.array([], pa.timestamp("us", tz="UTC")),
        "value": pa.array([], pa.float64()),
    }
)


def empty_telemetry() -> ir.Table:
    """A telemetry table with no readings (an enterprise that has sent none yet)."""
    # Through pandas: Ibis types the timestamp as it always did here (no fixed scale).
    return ibis.memtable(EMPTY_TELEMETRY.to_pandas())


def duckdb_park(park_dir: Path | str) -> ParkTables:
    """The park's tables on an in-process DuckDB (through Ibis)."""
    return park_tables(ibis.duckdb.connect(), park_dir)


ENGINES = ("duckdb", "spark")


def spark_session(master: str = "local[2]") -> Any:
    """A PySpark session for profiles (created once per process; UTC, no web UI).

    Local mode binds to loopback only; a cluster master shares the same files when the
    park or store lives on a filesystem every executor mounts.
    """
    import os

    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return (
        SparkSession.builder.master(master)
        .appName("chanrong-profiles")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )


def spark_park(park_dir: Path | str, *, master: str = "local[2]") -> ParkTables:
    """The park's tables on PySpark (through Ibis): the same expressions, another engine."""
    return park_tables(ibis.pyspark.connect(spark_session(master)), park_dir)


def park_on(engine: str, park_dir: Path | str, *, spark_master: str = "local[2]") -> ParkTables:
    """The park's tables on ``engine`` ('duckdb' or 'spark')."""
    if engine == "duckdb":
        return duckdb_park(park_dir)
    if engine == "spark":
        return spark_park(park_dir, master=spark_master)
    raise ValueError(f"engine: {engine!r} is not one of {', '.join(ENGINES)}")


def compute_profiles(t: ParkTables, dates: Sequence[date]) -> pd.DataFrame:
    """Execute the profile expressions and return a pandas frame sorted by (as_of, uscc)."""
    frame = profiles_expr(t, dates).to_pandas()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame.sort_values(["as_of", "uscc"]).reset_index(drop=True)
