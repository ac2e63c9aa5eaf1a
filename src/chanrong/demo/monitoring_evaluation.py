"""How early, and how wrongly, the early warnings fire on simulated parks with known truth.

For ``chanrong loans evaluate`` and ``benchmarks/monitoring.py``. Each park is simulated once
(``monitoring_parks``: the park, its daily telemetry figures and the cache of parks):
the business tables give the monthly series of ``chanrong.lending.monitoring`` (output value
and electricity from the bills, orders, payment delays) and the telemetry, reduced firm by
firm to device days as the platform reduces its store (``telemetry.service.device_days``),
gives the daily figures of ``chanrong.lending.telemetry_detectors``. Every firm is then
replayed day by day from ``warmup_months`` after the park starts (a baseline needs a
history) until it defaults or the park ends, and three sets of detectors are scored:

* **monthly** — the bill, order and payment detectors, judged on each month's last day
  (when the month's bill is in); payment delays are the firm's own, to its suppliers;
* **telemetry** — the machines' score alone (the daily equipment detector), judged every
  day: an input of the daily warning, kept to show what the other inputs add;
* **daily warning** — machines, orders, the firm's own payables and its receivables, its
  cloud usage and its machines' idle share in one score (``lending.daily_warning``), judged
  every day: the daily alert the live job raises;
* **combined** — a monthly finding the daily score agreed with (``daily_warning.agrees``)
  or the daily warning, whichever first: every warning the live job raises;
* **truth** — not a detector but a reference: the simulator's hidden health itself, below
  ``TRUTH_HEALTH_THRESHOLD`` at a month's end. It shows how much warning the data could give
  at best, to read the detectors' figures against.

The definitions, per park:

* **watched** — every firm of the park, or with ``loans`` only the bank's loans: the firms
  the platform's credit decision approves on the watch's first day (``monitoring_loans``).
* **defaulter** — a watched firm whose default date (its first missed payment in the simulator's
  truth) falls while it is watched; firms that defaulted before the watch began are left out.
* **lead** of a defaulter — the days from the first alert to the default date, in months of
  30.44 days. An alert after the default date is no warning: such a defaulter, and one never
  alerted, has a lead of 0. **median lead** is the median over *all* defaulters, misses
  counted as 0, so a detector cannot lengthen it by alerting only the easy cases; the goal is
  judged on it. The median over the alerted defaulters alone is shown beside it.
* **false alarm** — per firm: a healthy firm (neither deteriorating nor defaulted in the
  truth, over the whole park) alerted at least once while watched (16 months on the default
  park); the rate is over the healthy firms. Deteriorating firms that had not defaulted by
  the park's end are in neither count: an alert on them may be right.

The telemetry score's and the daily warning's weights and thresholds were chosen on seeds
101–105 (``TRAINING_SEEDS``); the figures are reported on other seeds (1–5 by default, and more),
per seed and as mean and worst. No seed is special: a result holds only if it holds over
several. (The monthly detectors' thresholds and the truth reference's line predate this and
were chosen on seeds 1–5.)
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

import pandas as pd
import pyarrow as pa
from rich.table import Table

from chanrong.core.errors import ValidationFailed
from chanrong.demo.lending_evaluation import borrower_series, month_end
from chanrong.demo.monitoring_loans import originate
from chanrong.demo.monitoring_parks import (
    ParkData,
    business_of,
    park_business,
    simulated,
)
from chanrong.lending.daily_warning import (
    GATED_KINDS,
    WarningConfig,
    agrees,
    first_warning,
    score_on,
)
from chanrong.lending.monitoring import MonitoringConfig, Severity, detect
from chanrong.lending.schedule import add_months
from chanrong.lending.telemetry_detectors import TelemetryConfig, first_alert
from chanrong.simulate import ParkConfig

# The telemetry score was fitted and its thresholds chosen on these; never report on them.
TRAINING_SEEDS = (101, 102, 103, 104, 105)
# The reference on the hidden health: of 0.30, 0.33, 0.36, 0.40 and 0.43, the highest whose
# mean false-alarm rate stayed under 10 % on seeds 1–5 (an earlier tuning set).
TRUTH_HEALTH_THRESHOLD = 0.40
DEFAULT_SEEDS = (1, 2, 3, 4, 5)
# 80 firms over two years, a reading every four hours: the counters (running hours, output,
# kWh) are exact at any interval, and five parks take a few minutes on two cores.
EVALUATION_PARK = ParkConfig(
    enterprises=80, months=24, interval_minutes=240, deteriorating_share=0.3
)
DAYS_PER_MONTH = 30.4375
# Months of history before the watch begins (a baseline needs one); the loans' origination.
WARMUP_MONTHS = 8
GOAL_LEAD_MONTHS = 3.0
GOAL_FALSE_ALARMS = 0.10

Progress = Callable[[str, int, int], None]  # (what, done, total)


class Detectors(StrEnum):
    """Which early warnings an outcome is scored for."""

    MONTHLY = "monthly"
    TELEMETRY = "telemetry"  # the machines' score alone (an input of the daily warning)
    DAILY = "daily warning"  # machines, orders, payables, receivables, cloud, idle share
    # Monthly findings the daily score agreed with, or the daily warning, whichever first:
    # everything the live job raises as a warning (medium severity or above).
    COMBINED = "combined"
    TRUTH = "truth (reference)"


def parse_seeds(text: str) -> tuple[int, ...]:
    """``"11,12,13"`` → (11, 12, 13); anything else is refused naming ``seeds``."""
    try:
        seeds = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValidationFailed(
            f"seeds: {text!r} is not a comma-separated list of whole numbers", field="seeds"
        ) from None
    if not seeds or any(s < 0 for s in seeds):
        raise ValidationFailed("seeds: give at least one non-negative seed", field="seeds")
    if len(set(seeds)) != len(seeds):
        raise ValidationFailed("seeds: each seed once", field="seeds")
    return seeds


@dataclass(frozen=True, slots=True)
class FirmAlerts:
    """One watched firm: its truth and the day each set of detectors first alerted."""

    uscc: str
    defaulted: bool
    deteriorating: bool
    default_date: date | None
    monthly: date | None
    telemetry: date | None
    monthly_kinds: tuple[str, ...] = ()
    truth: date | None = None  # the month's end its hidden health was first below the line
    daily: date | None = None  # the daily warning (machines, orders, payables, receivables)
    monthly_agreed: date | None = None  # the first monthly finding the daily score agreed with

    def first(self, detectors: Detectors) -> date | None:
        if detectors is Detectors.MONTHLY:
            return self.monthly
        if detectors is Detectors.TELEMETRY:
            return self.telemetry
        if detectors is Detectors.DAILY:
            return self.daily
        if detectors is Detectors.TRUTH:
            return self.truth
        dates = [d for d in (self.monthly_agreed, self.daily) if d is not None]
        return min(dates) if dates else None

    def lead_months(self, detectors: Detectors) -> float | None:
        """Months (of 30.44 days) from the first alert to the default; None if none came first."""
        alert = self.first(detectors)
        if self.default_date is None or alert is None or alert > self.default_date:
            return None
        return (self.default_date - alert).days / DAYS_PER_MONTH


@dataclass(frozen=True, slots=True)
class Scores:
    """One set of detectors on one park."""

    defaulters: int
    alerted: int
    median_lead_months: float | None  # over all defaulters, a miss counting 0
    healthy: int
    false_alarms: int
    median_lead_alerted: float | None = None  # over the alerted defaulters only

    @property
    def alerted_share(self) -> float:
        return self.alerted / self.defaulters if self.defaulters else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.healthy if self.healthy else 0.0


def score(firms: Sequence[FirmAlerts], detectors: Detectors) -> Scores:
    """Share of defaulters alerted before defaulting, the median lead over all defaulters (a
    miss counting 0) and over the alerted ones, and the share of healthy firms alerted."""
    defaulters = [f for f in firms if f.defaulted]
    leads = [lead for f in defaulters if (lead := f.lead_months(detectors)) is not None]
    everyone = leads + [0.0] * (len(defaulters) - len(leads))
    healthy = [f for f in firms if not f.defaulted and not f.deteriorating]
    return Scores(
        defaulters=len(defaulters),
        alerted=len(leads),
        median_lead_months=statistics.median(everyone) if everyone else None,
        healthy=len(healthy),
        false_alarms=sum(f.first(detectors) is not None for f in healthy),
        median_lead_alerted=statistics.median(leads) if leads else None,
    )


def _health_by_firm(health: pa.Table | None) -> dict[str, list[tuple[date, float]]]:
    out: dict[str, list[tuple[date, float]]] = {}
    if health is None:
        return out
    for uscc, month, h in zip(
        health.column("uscc").to_pylist(),
        health.column("month").to_pylist(),
        health.column("health").to_pylist(),
        strict=True,
    ):
        out.setdefault(uscc, []).append((month, float(h)))
    return out


def default_date_of(row: pd.Series) -> date | None:
    """A firm's default date in the simulator's truth (its first missed payment); None when
    it did not default."""
    if bool(row["defaulted"]) and not pd.isna(row["default_date"]):
        day: date = pd.Timestamp(row["default_date"]).date()
        return day
    return None


def evaluate_park(
    park: ParkData,
    *,
    warmup_months: int = WARMUP_MONTHS,
    min_severity: Severity = Severity.MEDIUM,
    monthly_config: MonitoringConfig | None = None,
    telemetry_config: TelemetryConfig | None = None,
    warning_config: WarningConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
    watched: Collection[str] | None = None,
) -> list[FirmAlerts]:
    """Replay every firm (or only those in ``watched``: the loans) from ``warmup_months``
    after the park starts to its default or the park's end, and note when each set of
    detectors first alerted (point in time)."""
    series = borrower_series(park.tables)
    business = park_business(park)
    truth = park.tables.truth.to_pandas().set_index("uscc")
    health = _health_by_firm(park.health)
    months = sorted({p.period for s in series.values() for p in s.output})
    watch_from = add_months(park.start, warmup_months)
    last_day = month_end(months[-1]) if months else watch_from
    out: list[FirmAlerts] = []
    for n, (uscc, s) in enumerate(series.items(), start=1):
        if watched is not None and uscc not in watched:
            continue
        row = truth.loc[uscc]
        default_date = default_date_of(row)
        if default_date is not None and default_date < watch_from:
            continue  # defaulted before it could be watched: no baseline to judge by
        end = min(default_date, last_day) if default_date else last_day
        monthly: date | None = None
        kinds: tuple[str, ...] = ()
        daily = park.telemetry.get(uscc)
        wcfg = warning_config or WarningConfig()
        firm_business = business_of(business, uscc, daily) if daily is not None else None
        agreed: date | None = None
        for m in months:
            as_of = month_end(m)
            if m < watch_from:
                continue
            if as_of > end:
                break
            found = [
                d
                for d in detect(s, as_of=as_of, config=monthly_config)
                if d.severity.rank >= min_severity.rank
            ]
            if found and monthly is None:
                monthly, kinds = as_of, tuple(sorted({d.kind.value for d in found}))
            # As the live job: with the machines judged, a monthly finding is a warning only
            # when the daily score agrees (data silence stands alone; never found here).
            if found and (
                daily is None
                or firm_business is None
                or any(d.kind not in GATED_KINDS for d in found)
                or agrees(score_on(daily, firm_business, as_of, wcfg), wcfg)
            ):
                agreed = as_of
                break
        tele = (
            first_alert(
                daily, start=watch_from, end=end, config=telemetry_config, severity=min_severity
            )
            if daily is not None
            else None
        )
        warned = (
            first_warning(
                daily,
                firm_business or business_of(business, uscc, daily),
                start=watch_from,
                end=end,
                config=warning_config,
                severity=min_severity,
            )
            if daily is not None
            else None
        )
        below = [
            month_end(m)
            for m, h in health.get(uscc, [])
            if m >= watch_from and month_end(m) <= end and h < TRUTH_HEALTH_THRESHOLD
        ]
        out.append(
            FirmAlerts(
                uscc=uscc,
                defaulted=default_date is not None,
                deteriorating=bool(row["deteriorating"]),
                default_date=default_date,
                monthly=monthly,
                telemetry=tele,
                monthly_kinds=kinds,
                truth=min(below) if below else None,
                daily=warned,
                monthly_agreed=agreed,
            )
        )
        if progress:
            progress(n, len(series))
    return out


@dataclass(frozen=True, slots=True)
class SeedResult:
    """The three sets of detectors scored on one park (named by its seed, or its directory)."""

    park: str
    scores: dict[Detectors, Scores]
    firms: tuple[FirmAlerts, ...] = field(default=(), repr=False)
    # With ``loans``: how many firms each credit decision got on the watch's first day.
    originations: dict[str, int] | None = None


def score_all(park: ParkData, firms: Sequence[FirmAlerts]) -> dict[Detectors, Scores]:
    """Every set of detectors scored; the truth reference only when the park has its health."""
    return {
        d: score(firms, d) for d in Detectors if d is not Detectors.TRUTH or park.health is not None
    }


def evaluate_seeds(
    seeds: Sequence[int],
    *,
    park: ParkConfig = EVALUATION_PARK,
    min_severity: Severity = Severity.MEDIUM,
    telemetry_config: TelemetryConfig | None = None,
    warning_config: WarningConfig | None = None,
    progress: Progress | None = None,
    cache: Path | None = None,
    loans: bool = False,
    warmup_months: int = WARMUP_MONTHS,
) -> Iterator[SeedResult]:
    """Simulate and score one park per seed (yielded as each is done); with ``cache``, a
    park simulated before with the same configuration is read from there instead. With
    ``loans``, only the firms the platform's credit decision approves on the watch's first
    day are watched (``monitoring_loans``): a bank's loans, not every firm of the park."""
    for seed in seeds:
        if progress:
            progress(f"seed {seed}: simulating", 0, 1)
        config = park.with_changes(seed=seed)
        data = simulated(config, cache)
        watched: frozenset[str] | None = None
        counts: dict[str, int] | None = None
        if loans:
            if progress:
                progress(f"seed {seed}: deciding credit on the watch's first day", 0, 1)
            made = originate(config, warmup_months=warmup_months, cache=cache)
            watched, counts = made.approved, dict(made.counts())

        def tick(done: int, total: int, seed: int = seed) -> None:
            if progress:
                progress(f"seed {seed}: replaying firms", done, total)

        firms = evaluate_park(
            data,
            min_severity=min_severity,
            telemetry_config=telemetry_config,
            warning_config=warning_config,
            progress=tick,
            watched=watched,
            warmup_months=warmup_months,
        )
        yield SeedResult(str(seed), score_all(data, firms), tuple(firms), counts)


@dataclass(frozen=True, slots=True)
class Summary:
    """Mean and worst over seeds of one set of detectors (worst: lowest share and lead,
    highest false-alarm rate)."""

    mean_alerted: float
    worst_alerted: float
    mean_lead: float
    worst_lead: float
    mean_false_alarms: float
    worst_false_alarms: float

    @property
    def meets_goals(self) -> bool:
        """Median lead ≥ 3 months and false alarms < 10 %, on the worst seed as on average."""
        return self.worst_lead >= GOAL_LEAD_MONTHS and self.worst_false_alarms < GOAL_FALSE_ALARMS

    @property
    def meets_goals_on_average(self) -> bool:
        """The goals on the seeds' mean lead and mean false-alarm rate."""
        return self.mean_lead >= GOAL_LEAD_MONTHS and self.mean_false_alarms < GOAL_FALSE_ALARMS


def summarise(results: Sequence[SeedResult], detectors: Detectors) -> Summary:
    """Mean and worst of one set of detectors over the seeds (a seed without any alerted
    defaulter has no lead: it counts as a lead of 0 in the mean and the worst)."""
    scores = [r.scores[detectors] for r in results]
    if not scores:
        raise ValidationFailed("seeds: nothing was evaluated", field="seeds")
    leads = [s.median_lead_months or 0.0 for s in scores]
    return Summary(
        mean_alerted=statistics.fmean(s.alerted_share for s in scores),
        worst_alerted=min(s.alerted_share for s in scores),
        mean_lead=statistics.fmean(leads),
        worst_lead=min(leads),
        mean_false_alarms=statistics.fmean(s.false_alarm_rate for s in scores),
        worst_false_alarms=max(s.false_alarm_rate for s in scores),
    )


def _lead(value: float | None) -> str:
    # Two decimals: the goal is judged at 3 months exactly, and one decimal shows a park
    # 0.3 days short of it as "3.0" beside "not met".
    return "-" if value is None else f"{value:.2f}"


def seeds_table(results: Sequence[SeedResult], title: str) -> Table:
    """Per seed and set of detectors: defaulters alerted, median lead, false alarms."""
    t = Table(
        "park",
        "detectors",
        "defaulters alerted",
        "median lead, all defaulters (months)",
        "median lead, alerted only",
        "false alarms (healthy alerted)",
        title=title,
    )
    for r in results:
        for d in r.scores:
            s = r.scores[d]
            t.add_row(
                r.park,
                d.value,
                f"{s.alerted}/{s.defaulters} ({s.alerted_share:.0%})",
                _lead(s.median_lead_months),
                _lead(s.median_lead_alerted),
                f"{s.false_alarms}/{s.healthy} ({s.false_alarm_rate:.1%})",
            )
        t.add_section()
    return t


def summary_table(results: Sequence[SeedResult]) -> Table:
    """Mean and worst over the seeds, and whether the goals hold on the worst seed."""
    t = Table(
        "detectors",
        "alerted mean / worst",
        "median lead (all defaulters) mean / worst (months)",
        "false alarms mean / worst",
        f"lead ≥ {GOAL_LEAD_MONTHS:g} and false alarms < {GOAL_FALSE_ALARMS:.0%}: mean / worst",
        title=f"over {len(results)} park(s): " + ", ".join(r.park for r in results),
    )

    def verdict(met: bool) -> str:
        return "[green]met[/]" if met else "[red]not met[/]"

    for d in Detectors:
        if not all(d in r.scores for r in results):
            continue
        s = summarise(results, d)
        t.add_row(
            d.value,
            f"{s.mean_alerted:.0%} / {s.worst_alerted:.0%}",
            f"{_lead(s.mean_lead)} / {_lead(s.worst_lead)}",
            f"{s.mean_false_alarms:.1%} / {s.worst_false_alarms:.1%}",
            f"{verdict(s.meets_goals_on_average)} / {verdict(s.meets_goals)}",
        )
    return t
