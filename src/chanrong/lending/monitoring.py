"""Post-loan early warning (贷后预警): rules and statistical detectors. Pure: no framework.

Each detector looks at one borrower's monthly series *up to the month being judged* (never
ahead) and compares it with the borrower's own past, seasonally adjusted where the history
allows, so a textile mill's quiet Spring Festival is not an alarm. A detection carries a
severity, a message and chart-ready evidence (the series, its baseline and the threshold).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from chanrong.core.i18n import register, t

register(
    {
        "lending.alert.output_drop": {
            "zh-CN": "产出低于自身季节基线 {drop}",
            "en": "Output {drop} below its own seasonal baseline",
        },
        "lending.alert.energy_collapse": {
            "zh-CN": "用电量较季节基线下降 {drop}",
            "en": "Electricity use {drop} below its seasonal baseline",
        },
        "lending.alert.core_customer_lost": {
            "zh-CN": "核心客户 {buyer} 近 {months} 个月无订单 (此前占比 {share})",
            "en": "Core customer {buyer} ordered nothing for {months} months (was {share})",
        },
        "lending.alert.payment_delays_rising": {
            "zh-CN": "平均延迟天数上升 {days} 天",
            "en": "Payments {days} days later on average",
        },
        "lending.alert.data_silent": {
            "zh-CN": "数据已中断 {days} 天",
            "en": "No data for {days} days",
        },
        "lending.alert.fund_use": {
            "zh-CN": "资金用途不符: {count} 笔",
            "en": "Loan money paid against its declared purpose: {count} payments",
        },
        "lending.alert.fund_related_party": {
            "zh-CN": "贷款资金流向关联方: {count} 笔, 共 {amount} 元",
            "en": "Loan money paid to related parties: {count} payments, {amount} yuan",
        },
        "lending.alert.fund_back_to_borrower": {
            "zh-CN": "贷款资金回流借款人账户: {count} 笔, 共 {amount} 元",
            "en": "Loan money back in the borrower's own accounts: {count} payments, {amount} yuan",
        },
        "lending.alert.fund_cash": {
            "zh-CN": "贷款资金提取现金: {count} 笔, 共 {amount} 元",
            "en": "Loan money taken out in cash: {count} payments, {amount} yuan",
        },
        "lending.alert.fund_too_fast": {
            "zh-CN": "贷款资金快进快出: {share}% 在放款后 {days} 天内转出",
            "en": "Loan money left too fast: {share}% paid out within {days} days",
        },
    }
)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return {"low": 0, "medium": 1, "high": 2}[self.value]


class AlertKind(StrEnum):
    OUTPUT_DROP = "output_drop"  # 产量/开工率低于自身季节基线
    ENERGY_COLLAPSE = "energy_collapse"  # 用能断崖
    CORE_CUSTOMER_LOST = "core_customer_lost"  # 核心客户订单流失
    PAYMENT_DELAYS_RISING = "payment_delays_rising"  # 付款/回款延迟上升
    DATA_SILENT = "data_silent"  # 数据中断
    FUND_USE = "fund_use"  # 资金用途不符 (outside the purpose, or to finance / real estate)
    FUND_RELATED_PARTY = "fund_related_party"  # 流向关联方
    FUND_BACK_TO_BORROWER = "fund_back_to_borrower"  # 回流借款人
    FUND_CASH = "fund_cash"  # 提现
    FUND_TOO_FAST = "fund_too_fast"  # 快进快出
    EQUIPMENT_SLOWDOWN = "equipment_slowdown"  # 设备运行走弱 (daily telemetry)
    DAILY_WARNING = "daily_warning"  # 综合日度预警 (machines, orders, own payables)


@dataclass(frozen=True, slots=True)
class Point:
    """One month of a series: ``period`` is the first day of the month."""

    period: date
    value: float


@dataclass(frozen=True, slots=True)
class Order:
    period: date
    buyer: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class BorrowerSeries:
    """What the detectors read about one borrower (all optional)."""

    output: Sequence[Point] = ()  # production output or running hours per month
    energy: Sequence[Point] = ()  # electricity kWh per month
    orders: Sequence[Order] = ()
    payment_delay_days: Sequence[Point] = ()  # mean days late per month
    last_seen: date | None = None  # the newest datum of any live source


@dataclass(frozen=True, slots=True)
class MonitoringConfig:
    """Thresholds; a bank may tune them per product."""

    drop_medium: float = 0.30
    drop_high: float = 0.50
    recent_months: int = 2
    min_history: int = 6
    energy_collapse: float = 0.60
    core_share: float = 0.30
    core_lost_months: int = 2
    core_min_active_months: int = 6
    delay_rise_days: float = 15.0
    delay_rise_high_days: float = 30.0
    delay_noise_factor: float = 2.0
    silent_days: int = 10
    silent_high_days: int = 35


@dataclass(frozen=True, slots=True)
class Detection:
    """What a detector found; the message is kept as a catalog key and its parameters."""

    kind: AlertKind
    severity: Severity
    params: dict[str, str]
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def message_key(self) -> str:
        return f"lending.alert.{self.kind.value}"

    def message(self, locale: str | None = None) -> str:
        """The message in ``locale`` (zh-CN by default)."""
        return t(self.message_key, locale, **self.params)


def monthly_days_late(payments: Iterable[tuple[date, date]]) -> list[Point]:
    """The mean days late of the payments the enterprise *made*, by the month paid.

    (paid date, due date) of each payment it made on an invoice its suppliers issued it
    (``business_days.payments_made``). For a lender the borrower's own punctuality is the
    signal: a firm short of cash pays its suppliers later, while how late its customers pay
    it says more about them than about it. Live monitoring (``watch.org_series``) and the
    evaluation (``chanrong.demo.lending_evaluation.borrower_series``) both use this.
    """
    late: dict[date, list[int]] = {}
    for paid, due in payments:
        late.setdefault(date(paid.year, paid.month, 1), []).append((paid - due).days)
    return [Point(m, sum(v) / len(v)) for m, v in sorted(late.items())]


def _month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def seasonal_index(points: Sequence[Point]) -> dict[int, float]:
    """Calendar-month factors (mean of the month ÷ overall mean) from whole years of history.

    Fewer than 12 months, or a zero mean, gives no adjustment (every factor 1).
    """
    if len(points) < 12:
        return {m: 1.0 for m in range(1, 13)}
    overall = statistics.fmean(p.value for p in points)
    if overall <= 0:
        return {m: 1.0 for m in range(1, 13)}
    by_month: dict[int, list[float]] = defaultdict(list)
    for p in points:
        by_month[p.period.month].append(p.value)
    out = {}
    for m in range(1, 13):
        vals = by_month.get(m)
        factor = statistics.fmean(vals) / overall if vals else 1.0
        out[m] = factor if factor > 0.05 else 1.0
    return out


@dataclass(frozen=True, slots=True)
class Drop:
    """How far the recent months sit below the borrower's own seasonal baseline."""

    drop: float  # 0.3 = 30 % below baseline
    baseline: float
    recent: float
    chart: list[dict[str, Any]]


def drop_against_baseline(points: Sequence[Point], config: MonitoringConfig) -> Drop | None:
    """Recent level vs the seasonally adjusted median of the history before it.

    History is everything before the recent window; the seasonal factors come from it too,
    so a slow decline cannot hide inside its own baseline.
    """
    n = config.recent_months
    if len(points) < config.min_history + n:
        return None
    history, recent = points[:-n], points[-n:]
    factors = seasonal_index(history[-24:])
    adjusted = [p.value / factors[p.period.month] for p in history[-12:]]
    baseline = statistics.median(adjusted)
    if baseline <= 0:
        return None
    now = statistics.fmean(p.value / factors[p.period.month] for p in recent)
    chart = [
        {
            "period": _month_key(p.period),
            "value": round(p.value, 4),
            "baseline": round(baseline * factors[p.period.month], 4),
        }
        for p in points[-18:]
    ]
    return Drop(drop=1 - now / baseline, baseline=baseline, recent=now, chart=chart)


def detect_output_drop(points: Sequence[Point], config: MonitoringConfig) -> Detection | None:
    d = drop_against_baseline(points, config)
    if d is None or d.drop < config.drop_medium:
        return None
    severity = Severity.HIGH if d.drop >= config.drop_high else Severity.MEDIUM
    return Detection(
        AlertKind.OUTPUT_DROP,
        severity,
        {"drop": f"{d.drop:.0%}"},
        {
            "type": "line",
            "series": d.chart,
            "threshold": 1 - config.drop_medium,
            "drop": round(d.drop, 4),
        },
    )


def detect_energy_collapse(points: Sequence[Point], config: MonitoringConfig) -> Detection | None:
    d = drop_against_baseline(points, config)
    if d is None or d.drop < config.energy_collapse:
        return None
    return Detection(
        AlertKind.ENERGY_COLLAPSE,
        Severity.HIGH,
        {"drop": f"{d.drop:.0%}"},
        {
            "type": "line",
            "series": d.chart,
            "threshold": 1 - config.energy_collapse,
            "drop": round(d.drop, 4),
        },
    )


def detect_core_customer_lost(
    orders: Sequence[Order], as_of_month: date, config: MonitoringConfig
) -> Detection | None:
    """A buyer that took ≥ ``core_share`` of the orders in the prior half-year has stopped."""
    months = sorted({o.period for o in orders if o.period <= as_of_month})
    if len(months) < config.core_lost_months + 3:
        return None
    recent_start = _shift(as_of_month, -(config.core_lost_months - 1))
    prior_start = _shift(recent_start, -6)
    prior: dict[str, int] = defaultdict(int)
    recent: dict[str, int] = defaultdict(int)
    for o in orders:
        if prior_start <= o.period < recent_start:
            prior[o.buyer] += o.amount_fen
        elif recent_start <= o.period <= as_of_month:
            recent[o.buyer] += o.amount_fen
    total = sum(prior.values())
    if total <= 0:
        return None
    # A core customer orders steadily: a large share, in most of the prior months, so
    # a lumpy buyer of a micro firm missing two months is not mistaken for a lost one.
    active: dict[str, set[date]] = defaultdict(set)
    for o in orders:
        if prior_start <= o.period < recent_start:
            active[o.buyer].add(o.period)
    lost = [
        (buyer, amount)
        for buyer, amount in prior.items()
        if amount / total >= config.core_share
        and len(active[buyer]) >= config.core_min_active_months
        and recent.get(buyer, 0) == 0
    ]
    if not lost:
        return None
    buyer, amount = max(lost, key=lambda x: x[1])
    by_month: dict[date, int] = defaultdict(int)
    for o in orders:
        if o.buyer == buyer and prior_start <= o.period <= as_of_month:
            by_month[o.period] += o.amount_fen
    chart = []
    m = prior_start
    while m <= as_of_month:
        chart.append({"period": _month_key(m), "value": by_month.get(m, 0) / 100})
        m = _shift(m, 1)
    return Detection(
        AlertKind.CORE_CUSTOMER_LOST,
        Severity.HIGH,
        {
            "buyer": buyer,
            "months": str(config.core_lost_months),
            "share": f"{amount / total:.0%}",
        },
        {"type": "bar", "unit": "yuan", "buyer": buyer, "series": chart},
    )


def detect_payment_delays(points: Sequence[Point], config: MonitoringConfig) -> Detection | None:
    """Mean days late over the last three months against the year before them."""
    if len(points) < 6:
        return None
    recent = [p.value for p in points[-3:]]
    history = [p.value for p in points[-15:-3]]
    rise = statistics.fmean(recent) - statistics.fmean(history)
    # A rise must clear both a fixed number of days and the borrower's own month-to-month
    # noise, so an erratic payer is not flagged for being erratic.
    noise = statistics.pstdev(history) * config.delay_noise_factor
    if rise < max(config.delay_rise_days, noise) or recent[-1] < recent[0]:
        return None
    severity = Severity.HIGH if rise >= config.delay_rise_high_days else Severity.MEDIUM
    return Detection(
        AlertKind.PAYMENT_DELAYS_RISING,
        severity,
        {"days": f"{rise:.0f}"},
        {
            "type": "line",
            "unit": "days",
            "series": [{"period": _month_key(p.period), "value": p.value} for p in points[-15:]],
            "baseline": round(statistics.fmean(history), 2),
        },
    )


def detect_silence(
    last_seen: date | None, as_of: date, config: MonitoringConfig
) -> Detection | None:
    if last_seen is None:
        return None
    gap = (as_of - last_seen).days
    if gap < config.silent_days:
        return None
    severity = Severity.HIGH if gap >= config.silent_high_days else Severity.MEDIUM
    return Detection(
        AlertKind.DATA_SILENT,
        severity,
        {"days": str(gap)},
        {"type": "gap", "last_seen": last_seen.isoformat(), "as_of": as_of.isoformat()},
    )


def _shift(month: date, k: int) -> date:
    index = month.year * 12 + month.month - 1 + k
    return date(index // 12, index % 12 + 1, 1)


def detect(
    series: BorrowerSeries, *, as_of: date, config: MonitoringConfig | None = None
) -> list[Detection]:
    """Every detector over data up to ``as_of`` (later points are ignored), worst first."""
    cfg = config or MonitoringConfig()
    month = date(as_of.year, as_of.month, 1)

    def upto(points: Sequence[Point]) -> list[Point]:
        return [p for p in points if p.period <= month]

    found = [
        detect_output_drop(upto(series.output), cfg),
        detect_energy_collapse(upto(series.energy), cfg),
        detect_core_customer_lost(series.orders, month, cfg),
        detect_payment_delays(upto(series.payment_delay_days), cfg),
        detect_silence(series.last_seen, as_of, cfg),
    ]
    out = [d for d in found if d is not None]
    return sorted(out, key=lambda d: -d.severity.rank)
