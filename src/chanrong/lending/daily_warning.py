"""The daily early warning (综合日度预警): machines, orders and the borrower's own payables in
one score. Pure: no framework.

Each source alone is either late or noisy: the machines' score (``telemetry_detectors``)
tells a slide from a slump only after weeks; orders lead production by a month but swing
with every lumpy buyer; a firm's payments to its suppliers slip only once it is short of
cash. Read together, each day, as one logistic score, they agree on a firm that is going
down sooner than any one of them can be sure alone, and a healthy firm's passing dip in one
source is outvoted by the others. The inputs (``WARNING_FEATURES``):

* **machines** — the log-odds of the equipment score (``telemetry_detectors.risk_score``:
  the three shortfalls against the firm's own seasonal baseline and its running share of
  switched-on time over twelve weeks), clipped to ±10;
* **orders** — ``business_days.orders_change``: the last 61 days' orders against the firm's
  usual such sum over the year before, as a log ratio, clipped to ±2;
* **payables rise** and **payables late** — ``business_days.payables_late``: the mean days
  late (as known that day) of the invoices its suppliers issued it that fell due over the
  last 90 days, against the year before (clipped to −30…60) and as a level (0…90). A firm
  that pays nobody on the platform gives 0 for both: no evidence either way;
* **receivables rise** and **receivables late** — ``business_days.receivables_late``: the
  same, of the invoices the firm issued its customers (its receivables' ageing, as known
  that day). Mostly the customers' own health, so its weight is small;
* **cloud** — ``usage_days.cloud_change``: the compute hours the firm used on the platform's
  cloud on its working days over the last 14 days against the year before, as a log ratio
  (a firm with no cloud usage on record, or whose grant does not reach it, gives 0);
* **idle rise** — ``usage_days.idle_shares``: the share of its machines' switched-on time
  spent idle on the working days of the last 56 (standby idling taken off) minus the same over
  the year before. Health moves it directly, without the firm's own size, shifts or the
  month's noise that blur running hours.

Cloud and idle rise were added on 2026-12-07 (morning) after machine failures, maintenance,
running-hours instability, CUSUM alarms, energy bills, score trends and smoothing did not
help on the tuning parks; on the fifteen held-out parks they lengthened the mean lead by
about half a month at one point more false alarms (benchmarks/RESULTS.md). A day on which
cloud or idle rise cannot be read (too few working days, no year before) is not judged.

A day on which the machines are not judged is not judged. An alert needs the score at or
past ``threshold`` on each of the last ``persistence_days`` days. The weights and that rule
were chosen together by ``benchmarks/fit_warning.py`` (``chanrong.demo.monitoring_fitting``)
on the tuning parks' *loans* — seeds 101–105 at 1,000 firms; the loans are the firms the
credit decision approves on the watch's first day, what the live job watches: the weights
by logistic regression of a defaulter's last 270 days up to its default against healthy
loans' days (fits on 180, 270 and 365 days, and the weights before, were the candidates);
then, of a grid of rules, the longest mean lead with the worst tuning park's false alarms at
most 8 %, two points under the goal, as held-out parks run worse. That gave 3 days at 1.9,
chosen on 2026-12-07 (evening) before any held-out park was scored with it. Before it: weights
fitted on every firm of 80-firm tuning parks (180 days), first with 7 days at 1.9, then with
10 days at 1.6 chosen on the loans.
The live monitoring job (``watch.watch_loan``) raises exactly this alert; the evaluation
replays exactly this rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from chanrong.core.i18n import register
from chanrong.lending.business_days import (
    ORDERS_WINDOW_DAYS,
    PAYABLES_WINDOW_DAYS,
    BusinessDays,
    orders_change,
    orders_window,
    payables_late,
    receivables_late,
)
from chanrong.lending.monitoring import AlertKind, Detection, Severity
from chanrong.lending.telemetry_days import DailySeries, FloatArray, Signal
from chanrong.lending.telemetry_detectors import (
    TelemetryConfig,
    recent_change,
    risk_score,
    score_features,
    signal_evidence,
    utilisation_level,
)
from chanrong.lending.telemetry_signals import SignalDays, held_days, signal_days
from chanrong.lending.usage_days import (
    CLOUD_WINDOW_DAYS,
    IDLE_WINDOW_DAYS,
    cloud_change,
    idle_shares,
)

register(
    {
        "lending.alert.daily_warning": {
            "zh-CN": (
                "综合预警评分连续 {days} 天超过阈值: 设备运行时长 {running_hours}, "
                "近 {weeks} 周运行时间占开机时间 {level}; 近 {order_days} 天订单较常态 "
                "{orders}; 应付账款平均逾期 {late} 天 (较前一年 {rise}); 近 {cloud_days} 天"
                "云上计算时长较常态 {cloud}; 近 {idle_weeks} 周开机闲置占比 {idle} "
                "(前一年 {idle_before})"
            ),
            "en": (
                "Warning score past its threshold for {days} days: running hours "
                "{running_hours}, running {level} of switched-on time over {weeks} weeks; "
                "orders over {order_days} days {orders} against usual; its own supplier "
                "invoices {late} days late on average ({rise} against the year before); "
                "cloud compute over {cloud_days} days {cloud} against usual; machines idle "
                "{idle} of switched-on time over {idle_weeks} weeks ({idle_before} the year "
                "before)"
            ),
        },
        "lending.signal.orders": {"zh-CN": "订单 (近 61 天)", "en": "Orders (61 days)"},
        "lending.signal.payables_late": {
            "zh-CN": "应付账款逾期天数",
            "en": "Days late on its own supplier invoices",
        },
        "lending.signal.cloud_compute": {
            "zh-CN": "云上计算时长 (工作日均值)",
            "en": "Cloud compute hours (a working day)",
        },
        "lending.signal.idle_share": {
            "zh-CN": "设备开机闲置占比",
            "en": "Share of switched-on time the machines stood idle",
        },
        "lending.signal.receivables_late": {
            "zh-CN": "应收账款逾期天数 (账龄)",
            "en": "Days late its customers pay it (receivables ageing)",
        },
    }
)

WARNING_FEATURES = (
    "machines",
    "orders",
    "payables_rise",
    "payables_late",
    "receivables_rise",
    "receivables_late",
    "cloud",
    "idle_rise",
)
# Fitted by ``fit_warning`` on seeds 101–105's loans (270 days): intercept, then one weight
# per feature.
WARNING_WEIGHTS = (
    -1.5279,
    0.4732,
    -1.3267,
    0.0369,
    0.0256,
    0.0075,
    -0.0087,
    -4.3089,
    39.9788,
)
# The first six are clipped (an unknown one counts 0); cloud and idle rise are taken as they
# are, and a day either is unknown on is not judged (``usage_days``).
_CLIP = ((-10.0, 10.0), (-2.0, 2.0), (-30.0, 60.0), (0.0, 90.0), (-30.0, 60.0), (0.0, 90.0))


@dataclass(frozen=True, slots=True)
class WarningConfig:
    """The daily warning's weights (intercept, then ``WARNING_FEATURES``), its threshold on
    the score (log-odds), how many days in a row it must hold, and the machines' own
    configuration. An alert is of high severity once the score reaches ``high_score``."""

    weights: tuple[float, ...] = WARNING_WEIGHTS
    threshold: float = 1.9
    persistence_days: int = 3
    high_score: float = 4.5
    evidence_days: int = 90
    machines: TelemetryConfig = field(default_factory=TelemetryConfig)
    # A monthly finding (output, energy, core customer, payment delays) is a warning only
    # when the daily score agrees that day (see ``agrees``); None: every finding is. 1.9 was
    # chosen on 101–105 with the weights before (the alert's threshold then); with the
    # weights fitted on loans the alert's own threshold is 1.9 again, and the gate is kept.
    monthly_gate: float | None = 1.9


@dataclass(frozen=True, slots=True)
class Judged:
    """Days [start, start + n): the machines' signals, the inputs and the score."""

    start: int
    signals: Mapping[Signal, SignalDays]
    features: FloatArray  # (n, len(WARNING_FEATURES)), NaN rows: not judged
    score: FloatArray
    orders_now: FloatArray
    orders_usual: FloatArray
    late_rise: FloatArray
    late_level: FloatArray
    owed_rise: FloatArray  # its receivables: how late its customers pay it
    owed_level: FloatArray
    cloud_now: FloatArray  # mean compute hours a working day, last 14 days
    cloud_usual: FloatArray  # the same over the year before
    idle_now: FloatArray  # idle share of the machines' switched-on time, last 56 days
    idle_usual: FloatArray  # the same over the year before


def judge(
    series: DailySeries, business: BusinessDays, start: int, end: int, cfg: WarningConfig
) -> Judged:
    """Judge days [start, end) of one firm: ``business`` must start on ``series.first``."""
    if business.first != series.first:
        raise ValueError("business: must start on the machines' first day")
    signals = {s: signal_days(series, s, start, end, cfg.machines) for s in Signal}
    machines = risk_score(score_features(series, signals, cfg.machines), cfg.machines)
    now, usual = orders_window(business, start, end)
    orders = orders_change(now, usual)
    rise, level = payables_late(business, start, end)
    owed_rise, owed_level = receivables_late(business, start, end)
    running = series.counts["running"] if series.counts is not None else np.zeros(series.days)
    cloud, cloud_now, cloud_usual = cloud_change(business.cloud_hours, running, start, end)
    n = max(0, end - start)
    idle, idle_now, idle_usual = np.zeros(n), np.full(n, np.nan), np.full(n, np.nan)
    if series.counts is not None:
        shares = idle_shares(series.counts, end)
        idle_now, idle_usual = shares[0][start:end], shares[1][start:end]
        idle = idle_now - idle_usual
    raw = np.column_stack([machines, orders, rise, level, owed_rise, owed_level])
    x = np.column_stack(
        [np.clip(np.nan_to_num(raw[:, k], nan=0.0), lo, hi) for k, (lo, hi) in enumerate(_CLIP)]
        + [cloud, idle]
    )
    x[np.isnan(machines)] = np.nan
    weights = np.asarray(cfg.weights, dtype=np.float64)
    if weights.size != len(WARNING_FEATURES) + 1:
        raise ValueError(f"weights: need {len(WARNING_FEATURES) + 1} numbers")
    score: FloatArray = weights[0] + x @ weights[1:]
    return Judged(
        start,
        signals,
        x,
        score,
        now,
        usual,
        rise,
        level,
        owed_rise,
        owed_level,
        cloud_now,
        cloud_usual,
        idle_now,
        idle_usual,
    )


def first_warning(
    series: DailySeries,
    business: BusinessDays,
    *,
    start: date,
    end: date,
    config: WarningConfig | None = None,
    severity: Severity = Severity.MEDIUM,
) -> date | None:
    """The first day in [start, end] on which ``detect_warning`` would raise an alert of at
    least ``severity`` (the daily runs replayed in one pass)."""
    cfg = config or WarningConfig()
    a = max(0, series.index(start) - cfg.persistence_days + 1)
    b = min(series.days, series.index(end) + 1)
    if b <= a:
        return None
    j = judge(series, business, a, b, cfg)
    hit = held_days(j.score, cfg.threshold) >= cfg.persistence_days
    if severity is Severity.HIGH:
        hit &= j.score >= cfg.high_score
    first = max(0, series.index(start) - a)
    hits = np.nonzero(hit[first:])[0]
    return series.day(a + first + int(hits[0])) if hits.size else None


# The monthly findings the daily score must agree with; data silence is about the feed,
# not the firm, and stands on its own.
GATED_KINDS = frozenset(
    {
        AlertKind.OUTPUT_DROP,
        AlertKind.ENERGY_COLLAPSE,
        AlertKind.CORE_CUSTOMER_LOST,
        AlertKind.PAYMENT_DELAYS_RISING,
    }
)


def score_on(
    series: DailySeries, business: BusinessDays, day: date, cfg: WarningConfig
) -> float | None:
    """The daily warning score on ``day`` as the monthly gate reads it (None: the machines are
    not judged that day). A day the machines are judged but cloud usage or the idle share
    cannot be read (a festival's closed weeks, say) counts those two as 0, no evidence either
    way: otherwise every monthly finding of such a day — most of them output drops around the
    Spring Festival — would stand ungated."""
    i = series.index(day)
    if i < 0 or i >= series.days:
        return None
    j = judge(series, business, i, i + 1, cfg)
    x = j.features[0].copy()
    if not np.isfinite(x[0]):
        return None
    usage = [WARNING_FEATURES.index("cloud"), WARNING_FEATURES.index("idle_rise")]
    x[usage] = np.nan_to_num(x[usage], nan=0.0)
    weights = np.asarray(cfg.weights, dtype=np.float64)
    value = float(weights[0] + x @ weights[1:])
    return value if np.isfinite(value) else None


def agrees(score: float | None, cfg: WarningConfig) -> bool:
    """Whether a monthly finding on a day with this daily score is a warning: the score at
    or past ``monthly_gate``. A monthly detector alone raised false alarms on 11–16 % of
    healthy firms (benchmarks/RESULTS.md); the days the daily score stays low are most of them.
    A day the score is not judged (machines without a baseline yet) gives it no say.
    """
    if cfg.monthly_gate is None or score is None:
        return True
    return score >= cfg.monthly_gate


def _num(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None


def _late_signal(
    name: str, dataset: str, day: Sequence[Any], level: FloatArray, rise: FloatArray
) -> dict[str, Any]:
    """Days late, each day against the year before (the payables' and receivables' signals)."""
    return {
        "signal": name,
        "unit": "days",
        "dataset": dataset,
        "change": _num(rise[-1]),
        "series": [
            {
                "day": d,
                "value": _num(level[i]),
                "baseline": _num(level[i] - rise[i]),
                "low": None,
                "high": None,
            }
            for i, d in enumerate(day)
        ],
    }


def _usual_signal(
    name: str, unit: str, dataset: str, day: Sequence[Any], now: FloatArray, usual: FloatArray
) -> dict[str, Any]:
    """A figure each day against its level over the year before (cloud usage, idle share)."""
    return {
        "signal": name,
        "unit": unit,
        "dataset": dataset,
        "series": [
            {
                "day": d,
                "value": _num(now[i]),
                "baseline": _num(usual[i]),
                "low": None,
                "high": None,
            }
            for i, d in enumerate(day)
        ],
    }


def _signed(value: float, fmt: str) -> str:
    return "—" if not np.isfinite(value) else format(value, fmt)


def detect_warning(
    series: DailySeries,
    business: BusinessDays,
    *,
    as_of: date,
    config: WarningConfig | None = None,
    reads: Sequence[Mapping[str, Any]] = (),
) -> Detection | None:
    """Alert when the daily warning score has stayed past its threshold on each of the last
    ``persistence_days`` days up to ``as_of``. The evidence is chart-ready: the machines'
    signals against their baselines, the orders against their usual level, the days late
    on its own payables, the score and each input day by day, and ``reads`` (dataset, log
    index and leaf hash of each governed read behind it)."""
    cfg = config or WarningConfig()
    end = series.index(as_of) + 1
    if end <= 0 or end > series.days:
        return None
    start = max(0, end - max(cfg.evidence_days, cfg.persistence_days))
    j = judge(series, business, start, end, cfg)
    run = held_days(j.score, cfg.threshold)
    if run.size == 0 or run[-1] < cfg.persistence_days:
        return None
    held = int(run[-1])
    days = np.arange(start, end)
    change = recent_change(j.signals, cfg.persistence_days)
    levels = utilisation_level(series, start, end, cfg.machines)
    score = float(j.score[-1])
    severity = Severity.HIGH if score >= cfg.high_score else Severity.MEDIUM
    day = [series.day(int(d)).isoformat() for d in days]
    orders_ratio = j.orders_now[-1] / j.orders_usual[-1] if j.orders_usual[-1] > 0 else np.nan
    signals = signal_evidence(series, j.signals, start, end, change)
    signals.append(
        {
            "signal": "orders",
            "unit": "yuan",
            "dataset": "business.orders",
            "change": _num(orders_ratio - 1),
            "series": [
                {
                    "day": d,
                    "value": _num(j.orders_now[i] / 100),
                    "baseline": _num(j.orders_usual[i] / 100),
                    "low": None,
                    "high": None,
                }
                for i, d in enumerate(day)
            ],
        }
    )
    signals.append(
        _late_signal("payables_late", "business.payments", day, j.late_level, j.late_rise)
    )
    signals.append(
        _late_signal("receivables_late", "business.invoices", day, j.owed_level, j.owed_rise)
    )
    cloud_ratio = j.cloud_now[-1] / j.cloud_usual[-1] if j.cloud_usual[-1] > 0 else np.nan
    signals.append(
        _usual_signal("cloud_compute", "h", "business.cloud_usage", day, j.cloud_now, j.cloud_usual)
        | {"change": _num(cloud_ratio - 1)}
    )
    signals.append(
        _usual_signal("idle_share", "share", "telemetry.equipment", day, j.idle_now, j.idle_usual)
        | {"change": _num(j.idle_now[-1] - j.idle_usual[-1])}
    )
    return Detection(
        AlertKind.DAILY_WARNING,
        severity,
        {
            "days": str(held),
            "running_hours": _signed(change[Signal.RUNNING_HOURS], "+.0%"),
            "level": _signed(float(levels[-1]), ".0%"),
            "weeks": str(cfg.machines.level_days // 7),
            "order_days": str(ORDERS_WINDOW_DAYS),
            "orders": _signed(orders_ratio - 1, "+.0%"),
            "late": _signed(float(j.late_level[-1]), ".0f"),
            "rise": _signed(float(j.late_rise[-1]), "+.0f"),
            "cloud_days": str(CLOUD_WINDOW_DAYS),
            "cloud": _signed(cloud_ratio - 1, "+.0%"),
            "idle_weeks": str(IDLE_WINDOW_DAYS // 7),
            "idle": _signed(float(j.idle_now[-1]), ".1%"),
            "idle_before": _signed(float(j.idle_usual[-1]), ".1%"),
        },
        {
            "type": "daily",
            "as_of": as_of.isoformat(),
            "threshold": cfg.threshold,
            "persistence_days": cfg.persistence_days,
            "score": _num(score),
            "features": list(WARNING_FEATURES),
            "weights": list(cfg.weights),
            "payables_window_days": PAYABLES_WINDOW_DAYS,
            "triggered": day[len(day) - held :],
            "combined": [
                {
                    "day": d,
                    "score": _num(j.score[i]),
                    "level": _num(levels[i]),
                    **{f: _num(j.features[i, k]) for k, f in enumerate(WARNING_FEATURES)},
                }
                for i, d in enumerate(day)
            ],
            "signals": signals,
            "reads": [dict(r) for r in reads],
        },
    )
