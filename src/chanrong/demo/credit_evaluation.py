"""How live credit decisions fare against the simulator's truth (``chanrong credit evaluate``).

On a simulated park: champion and challenger are trained on an early period (labels that end
before the decision date), the champion is registered and promoted in a registry, every firm
still performing on the decision date is profiled from the park's files with credit's own
feature definitions, and decided through the real decision path — ``credit.decisions.scored``
with the registered champion, then ``credit.domain.decide`` with the product — as if its
bank had applied. The PD of each decision is then measured against the defaults of the
following ``horizon`` days in the truth, and approvals are counted among healthy and
deteriorating firms.
"""

from __future__ import annotations

import math
import statistics
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from chanrong.core.clock import month_start
from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.credit.decisions import scored
from chanrong.credit.domain import DecisionInputs, ModelVersion, ProfileEvidence, decide
from chanrong.credit.features import FEATURES
from chanrong.credit.products import load_model
from chanrong.credit.registry import Approval
from chanrong.demo.credit_live import (
    HORIZON_DAYS,
    PRODUCT,
    LiveDecision,
    LiveSummary,
    park_span,
    read_truth,
    summarise,
    train,
)
from chanrong.demo.park_outcomes import ParkOutcomes

_QUALITY = Decimal("0.0001")
MIN_FIRMS = 300


def _clean(value: object) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


@dataclass(frozen=True)
class ParkEvaluation:
    """One park's evaluation: the model decided with and the summary of its decisions."""

    park: str
    model: str
    train_rows: int
    train_bad: int
    next_period_auc: float
    summary: LiveSummary


def plan(start: date, months: int, horizon_days: int) -> tuple[list[date], list[date], date]:
    """Training dates, next-period dates and the decision date for a park's span.

    The decision date leaves the horizon inside the park; the training and test dates end
    early enough that their labels (each looking ``horizon_days`` ahead) end before it."""
    end = month_start(start, months)
    decide_on = month_start(end - timedelta(days=horizon_days), 0)
    if decide_on + timedelta(days=horizon_days) > end:
        decide_on = month_start(decide_on, -1)
    # Labels of the last test date end before the decision date.
    last_test = month_start(decide_on - timedelta(days=horizon_days), 0)
    if last_test + timedelta(days=horizon_days) > decide_on:
        last_test = month_start(last_test, -1)
    first = month_start(start, 6)  # six months of history behind every profile
    span = (last_test.year - first.year) * 12 + last_test.month - first.month
    if span < 3:
        raise ValidationFailed(
            f"park: {months} months are too few to train, test and decide with a "
            f"{horizon_days}-day horizon (at least {7 + 2 * math.ceil(horizon_days / 30) + 3})",
            field="park",
        )
    dates = [month_start(first, k) for k in range(0, span + 1, 2)]
    if dates[-1] != last_test:
        dates.append(last_test)
    return dates[:-1], dates[-1:], decide_on


def decide_park(
    settings: Settings, park_dir: Path, decide_on: date, *, horizon_days: int = HORIZON_DAYS
) -> list[LiveDecision]:
    """Decide for every firm of the park that is still performing on ``decide_on`` with the
    champion of ``MODEL`` in ``settings``'s registry and the ``PRODUCT`` product."""
    product = credit.product(settings, PRODUCT)
    entry, model = load_model(credit.model_registry(settings), product.model)
    version = ModelVersion(entry.ref, entry.manifest_sha256)
    truth = read_truth(park_dir)
    frame = ParkOutcomes(park_dir).profiles([decide_on])
    out = []
    for row in frame.to_dict("records"):
        uscc = str(row["enterprise"])
        fact = truth[uscc]
        if fact.default_date is not None and fact.default_date < decide_on:
            continue  # no applicant any more
        features = {k: _clean(row[k]) for k in FEATURES}
        quality = features.get("data_quality")
        facts = DecisionInputs(
            as_of=decide_on,
            product=product,
            requested_fen=None,
            has_live_grant=True,
            grant_refusal=None,
            quality=Decimal(str(quality)).quantize(_QUALITY) if quality is not None else None,
            last_default_on=None,
            profile=ProfileEvidence(
                id=uscc,
                as_of=decide_on,
                features=features,
                revenue_12m_fen=int(row["revenue_12m_fen"]),
                open_orders_fen=int(row["open_orders_fen"]),
                receivables_fen=int(row["receivables_fen"]),
            ),
            carbon_grade=None,
            model=version,
        )
        inputs, reasons = scored(facts, model)
        d = decide(inputs)
        out.append(
            LiveDecision(
                enterprise=uscc,
                outcome=d.outcome.value,
                knockouts=tuple(k.value for k in d.knockouts),
                pd=d.pd,
                reasons=tuple(r.code for r in reasons),
                deteriorating=fact.deteriorating,
                default_date=fact.default_date,
            )
        )
    return out


def evaluate_park(
    park_dir: Path,
    *,
    horizon_days: int = HORIZON_DAYS,
    min_firms: int = MIN_FIRMS,
    settings: Settings | None = None,
) -> ParkEvaluation:
    """Train on the park's early period, promote the champion in a registry (a throwaway one
    unless ``settings`` are given), decide for every firm on the decision date, compare."""
    if not (park_dir / "park.json").is_file():
        raise ValidationFailed(f"park: no simulated park at {park_dir}", field="park")
    firms = len(read_truth(park_dir))
    if firms < min_firms:
        raise ValidationFailed(
            f"park: {firms} firms; the evaluation needs at least {min_firms}", field="park"
        )
    start, months = park_span(park_dir)
    train_dates, test_dates, decide_on = plan(start, months, horizon_days)
    with tempfile.TemporaryDirectory(prefix="chanrong-eval-") as tmp:
        s = settings or Settings(var_dir=Path(tmp))
        trained = train(
            s, park_dir, train_dates=train_dates, test_dates=test_dates, horizon_days=horizon_days
        )
        reg = credit.model_registry(s)
        # Promoted by the registry's own transitions (no database here to log the act on).
        reg.set_state(trained.model.champion.ref, Approval.APPROVED)
        champion = reg.set_state(trained.model.champion.ref, Approval.CHAMPION)
        decisions = decide_park(s, park_dir, decide_on, horizon_days=horizon_days)
    return ParkEvaluation(
        park=park_dir.name,
        model=champion.ref,
        train_rows=trained.model.train_rows,
        train_bad=trained.train_bad,
        next_period_auc=trained.model.champion_auc,
        summary=summarise(decisions, decide_on, horizon_days=horizon_days),
    )


@dataclass(frozen=True)
class Aggregate:
    """Mean and worst of a figure over several parks."""

    mean: float
    worst: float


def aggregate(values: Sequence[float], *, higher_is_better: bool = True) -> Aggregate:
    ok = [v for v in values if not math.isnan(v)]
    if not ok:
        return Aggregate(math.nan, math.nan)
    return Aggregate(statistics.fmean(ok), min(ok) if higher_is_better else max(ok))


def evaluate_seeds(
    seeds: Sequence[int],
    *,
    firms: int,
    months: int,
    interval_minutes: int,
    workdir: Path,
    horizon_days: int = HORIZON_DAYS,
    deteriorating_share: float = 0.10,
    min_firms: int = MIN_FIRMS,
    on_step: Callable[[str], None] | None = None,
) -> list[ParkEvaluation]:
    """Simulate one park per seed under ``workdir`` (kept there: a second run reuses it) and
    evaluate each."""
    from chanrong.simulate import ParkConfig, write_park

    out = []
    for seed in seeds:
        cfg = ParkConfig(
            enterprises=firms,
            months=months,
            interval_minutes=interval_minutes,
            seed=seed,
            deteriorating_share=deteriorating_share,
        ).validated()
        park = workdir / (
            f"park-{firms}x{months}-{interval_minutes}min-{deteriorating_share:g}-seed-{seed}"
        )
        if on_step:
            on_step(f"seed {seed}: simulating {firms} firms × {months} months")
        if not (park / "park.json").is_file():
            write_park(cfg, park, overwrite=True)
        if on_step:
            on_step(f"seed {seed}: training, profiling and deciding")
        out.append(evaluate_park(park, horizon_days=horizon_days, min_firms=min_firms))
    return out
