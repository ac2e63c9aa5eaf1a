"""Valuation of data assets and intellectual property (pure, ``Decimal``).

Follows the three approaches of the China Appraisal Society's 《数据资产评估指导意见》 (2023):

- income (收益法) in four forms: **direct** (the data's own cash flows), **share** (分成: a share
  of the business's cash flows attributed to the data), **excess earnings** (the business's
  cash flows less a charge for every contributory asset), **incremental** (with-and-without);
- cost (成本法): total replacement cost × (1 + reasonable return) × U, where U is the product
  of the value-adjustment factors (quality, use, timeliness …);
- market (市场法): comparable transactions, each price times its adjustment factors.

IP is valued by relief-from-royalty (the after-tax royalty the owner is spared) or an income
share, over the shorter of the forecast and the remaining legal life, times a factor for the
right's legal status. ``reconcile`` weighs approaches; ``sensitivity`` moves one assumption at a
time. Money in and out is integer fen; rates are ``Decimal`` fractions (0.10 = 10 %); every
present value is end-of-year discounting, ``cf_t / (1 + r)^t`` for t = 1 … n, rounded half-up
to the fen only at the end, so the hand-worked examples in the tests reproduce to the fen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import round_fen

ONE = Decimal(1)
ZERO = Decimal(0)


class Approach(StrEnum):
    """The valuation approaches and forms a result can come from."""

    INCOME_DIRECT = "income_direct"
    INCOME_SHARE = "income_share"
    INCOME_EXCESS = "income_excess_earnings"
    INCOME_INCREMENTAL = "income_incremental"
    COST = "cost"
    MARKET = "market"
    RELIEF_FROM_ROYALTY = "relief_from_royalty"


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a valuation's working: what was computed, the figure, how."""

    label: str
    value: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class ValuationResult:
    """A value (fen) with the assumptions it rests on and the working that produced it."""

    approach: Approach
    value_fen: int
    assumptions: Mapping[str, Decimal]
    steps: tuple[Step, ...] = ()
    # Which assumptions are measured from evidence and which are typed-in judgements.
    measured: frozenset[str] = field(default_factory=frozenset)


def _rate(value: Decimal, name: str, *, low: Decimal = ZERO, high: Decimal = ONE) -> Decimal:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationFailed(f"{name}: a Decimal fraction is required", field=name)
    if not low <= value <= high:
        raise ValidationFailed(f"{name}: must be between {low} and {high}", field=name)
    return value


def _flows(values: Sequence[int], name: str) -> list[Decimal]:
    if not values:
        raise ValidationFailed(f"{name}: at least one year is required", field=name)
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValidationFailed(f"{name}: whole fen (int) per year", field=name)
        out.append(Decimal(v))
    return out


def discount_factors(rate: Decimal, years: int) -> list[Decimal]:
    """``1 / (1 + rate)^t`` for t = 1 … years (end-of-year convention)."""
    _rate(rate, "discount_rate", low=Decimal("-0.99"), high=Decimal(5))
    factors, f = [], ONE
    for _ in range(years):
        f = f / (ONE + rate)
        factors.append(f)
    return factors


def present_value(flows: Sequence[Decimal], rate: Decimal) -> Decimal:
    """Unrounded present value of yearly flows (end of year t = 1 … n)."""
    return sum(
        (cf * df for cf, df in zip(flows, discount_factors(rate, len(flows)), strict=True)),
        ZERO,
    )


def _pv_steps(label: str, flows: Sequence[Decimal], rate: Decimal) -> tuple[Step, ...]:
    dfs = discount_factors(rate, len(flows))
    return tuple(
        Step(f"{label} year {t}", cf * df, f"{cf} × {df:.6f}")
        for t, (cf, df) in enumerate(zip(flows, dfs, strict=True), start=1)
    )


def income_direct(cash_flows_fen: Sequence[int], discount_rate: Decimal) -> ValuationResult:
    """Direct income form: the data's own net cash flows (e.g. from selling or licensing it)."""
    flows = _flows(cash_flows_fen, "cash_flows_fen")
    pv = present_value(flows, discount_rate)
    return ValuationResult(
        Approach.INCOME_DIRECT,
        round_fen(pv),
        {"discount_rate": discount_rate, "years": Decimal(len(flows))},
        _pv_steps("cash flow", flows, discount_rate),
    )


def income_share(
    business_flows_fen: Sequence[int],
    share: Decimal,
    discount_rate: Decimal,
    *,
    share_measured: bool = False,
) -> ValuationResult:
    """Share (分成) form: ``share`` of the business's cash flows is attributed to the data.

    ``share_measured`` says whether the share came from evidence (e.g. a model's lift, see
    ``share_from_lift``) or is a typed-in assumption; the report states which."""
    flows = _flows(business_flows_fen, "business_flows_fen")
    _rate(share, "share")
    attributed = [cf * share for cf in flows]
    pv = present_value(attributed, discount_rate)
    return ValuationResult(
        Approach.INCOME_SHARE,
        round_fen(pv),
        {"share": share, "discount_rate": discount_rate, "years": Decimal(len(flows))},
        _pv_steps("attributed flow", attributed, discount_rate),
        frozenset({"share"}) if share_measured else frozenset(),
    )


@dataclass(frozen=True, slots=True)
class ContributoryAsset:
    """An asset the business also needs (working capital, plant, workforce): its yearly charge
    is ``value_fen × required_return``, deducted before the rest is the data's."""

    name: str
    value_fen: int
    required_return: Decimal


def income_excess_earnings(
    business_flows_fen: Sequence[int],
    contributory: Sequence[ContributoryAsset],
    discount_rate: Decimal,
) -> ValuationResult:
    """Excess-earnings form: business cash flows less every contributory asset's charge.

    A year whose charges exceed its flow contributes its (negative) excess: a data asset that
    does not earn its keep is worth less, not silently floored."""
    flows = _flows(business_flows_fen, "business_flows_fen")
    charge = ZERO
    steps: list[Step] = []
    for asset in contributory:
        _rate(asset.required_return, f"contributory.{asset.name}.required_return")
        c = Decimal(asset.value_fen) * asset.required_return
        steps.append(
            Step(f"charge {asset.name}", c, f"{asset.value_fen} × {asset.required_return}")
        )
        charge += c
    excess = [cf - charge for cf in flows]
    pv = present_value(excess, discount_rate)
    assumptions = {"discount_rate": discount_rate, "years": Decimal(len(flows))}
    for asset in contributory:
        assumptions[f"return_{asset.name}"] = asset.required_return
    return ValuationResult(
        Approach.INCOME_EXCESS,
        round_fen(pv),
        assumptions,
        (*steps, *_pv_steps("excess earnings", excess, discount_rate)),
    )


def income_incremental(
    with_flows_fen: Sequence[int], without_flows_fen: Sequence[int], discount_rate: Decimal
) -> ValuationResult:
    """Incremental form: cash flows with the data less those without it, discounted."""
    with_ = _flows(with_flows_fen, "with_flows_fen")
    without = _flows(without_flows_fen, "without_flows_fen")
    if len(with_) != len(without):
        raise ValidationFailed(
            "without_flows_fen: as many years as with_flows_fen", field="without_flows_fen"
        )
    diff = [a - b for a, b in zip(with_, without, strict=True)]
    pv = present_value(diff, discount_rate)
    return ValuationResult(
        Approach.INCOME_INCREMENTAL,
        round_fen(pv),
        {"discount_rate": discount_rate, "years": Decimal(len(diff))},
        _pv_steps("increment", diff, discount_rate),
    )


def cost_approach(
    replacement_cost_fen: int,
    reasonable_return: Decimal,
    factors: Mapping[str, Decimal],
) -> ValuationResult:
    """Cost approach: replacement cost × (1 + reasonable return) × U, U = Π factors.

    ``factors`` are the value-adjustment factors in [0, 1.5] (quality, use, timeliness …);
    an empty mapping is refused, since U = 1 by default would hide the judgement."""
    if replacement_cost_fen < 0:
        raise ValidationFailed("replacement_cost_fen: not negative", field="replacement_cost_fen")
    _rate(reasonable_return, "reasonable_return")
    if not factors:
        raise ValidationFailed("factors: name at least one adjustment factor", field="factors")
    u = ONE
    for name, f in factors.items():
        u *= _rate(f, f"factors.{name}", high=Decimal("1.5"))
    base = Decimal(replacement_cost_fen) * (ONE + reasonable_return)
    value = base * u
    assumptions = {"reasonable_return": reasonable_return, **factors}
    return ValuationResult(
        Approach.COST,
        round_fen(value),
        assumptions,
        (
            Step("replacement cost", Decimal(replacement_cost_fen)),
            Step("with reasonable return", base, f"× (1 + {reasonable_return})"),
            Step("adjustment factor U", u, " × ".join(f"{k} {v}" for k, v in factors.items())),
            Step("value", value),
        ),
    )


def use_factor(
    consented_reads: int, *, saturation: int = 50, floor: Decimal = Decimal("0.5")
) -> Decimal:
    """The use factor of the cost approach from how often institutions read the data under
    consent: ``floor`` for data nobody reads, rising linearly to 1 at ``saturation`` reads."""
    if consented_reads < 0:
        raise ValidationFailed("consented_reads: not negative", field="consented_reads")
    if consented_reads >= saturation:
        return ONE
    return floor + (ONE - floor) * Decimal(consented_reads) / Decimal(saturation)


def quality_factor(score: Decimal | None) -> Decimal:
    """The quality factor from a 0–100 quality score: score / 100. An unknown score is refused
    (unknown is not 100): the caller states an assumption instead."""
    if score is None:
        raise ValidationFailed("quality_score: unknown; no quality factor", field="quality_score")
    return _rate(score / 100, "quality_score")


@dataclass(frozen=True, slots=True)
class Comparable:
    """A comparable transaction: its price and the factors adjusting it to the subject
    (e.g. {"quality": 1.1, "timeliness": 0.9}); an adjusted price is price × Π factors."""

    name: str
    price_fen: int
    adjustments: Mapping[str, Decimal]
    weight: Decimal = ONE


def market_approach(comparables: Sequence[Comparable]) -> ValuationResult:
    """Market approach: the weighted mean of the comparables' adjusted prices."""
    if not comparables:
        raise ValidationFailed("comparables: at least one is required", field="comparables")
    steps, total, weights = [], ZERO, ZERO
    for c in comparables:
        if c.price_fen <= 0:
            raise ValidationFailed("comparables.price_fen: positive", field="comparables.price_fen")
        _rate(c.weight, "comparables.weight", high=Decimal(100))
        adjusted = Decimal(c.price_fen)
        for name, f in c.adjustments.items():
            adjusted *= _rate(f, f"comparables.{name}", low=Decimal("0.01"), high=Decimal(3))
        steps.append(Step(f"comparable {c.name}", adjusted, f"{c.price_fen} adjusted"))
        total += adjusted * c.weight
        weights += c.weight
    if weights == 0:
        raise ValidationFailed("comparables.weight: not all zero", field="comparables.weight")
    value = total / weights
    return ValuationResult(
        Approach.MARKET,
        round_fen(value),
        {"comparables": Decimal(len(comparables))},
        (*steps, Step("weighted mean", value)),
    )


# --- intellectual property -----------------------------------------------------------------


def relief_from_royalty(
    revenues_fen: Sequence[int],
    royalty_rate: Decimal,
    tax_rate: Decimal,
    discount_rate: Decimal,
    *,
    remaining_life_years: int,
    legal_factor: Decimal = ONE,
) -> ValuationResult:
    """Relief-from-royalty: PV of revenue × royalty × (1 − tax) over the years of the forecast
    that fall inside the right's remaining legal life, times the legal-status factor."""
    flows = _flows(revenues_fen, "revenues_fen")
    _rate(royalty_rate, "royalty_rate")
    _rate(tax_rate, "tax_rate")
    _rate(legal_factor, "legal_factor")
    if remaining_life_years < 0:
        raise ValidationFailed("remaining_life_years: not negative", field="remaining_life_years")
    years = flows[:remaining_life_years]
    royalties = [cf * royalty_rate * (ONE - tax_rate) for cf in years]
    pv = present_value(royalties, discount_rate) if royalties else ZERO
    value = pv * legal_factor
    return ValuationResult(
        Approach.RELIEF_FROM_ROYALTY,
        round_fen(value),
        {
            "royalty_rate": royalty_rate,
            "tax_rate": tax_rate,
            "discount_rate": discount_rate,
            "remaining_life_years": Decimal(remaining_life_years),
            "legal_factor": legal_factor,
        },
        (
            *_pv_steps("after-tax royalty", royalties, discount_rate),
            Step("legal-status factor", legal_factor),
            Step("value", value),
        ),
    )


# --- the data's contribution ---------------------------------------------------------------


def share_from_lift(metric_with: Decimal, metric_without: Decimal, baseline: Decimal) -> Decimal:
    """The data's share of a model's skill: (with − without) / (with − baseline), in [0, 1].

    E.g. a credit model's AUC with the dataset's features 0.80, without 0.74, uninformative 0.5:
    the data contributes 0.06 / 0.30 = 20 % of the skill. A model no better than the baseline
    gives no share (it is refused rather than divided by zero)."""
    span = metric_with - baseline
    if span <= 0:
        raise ValidationFailed("metric_with: must beat the baseline", field="metric_with")
    share = (metric_with - metric_without) / span
    return min(ONE, max(ZERO, share))


# --- reconciliation and sensitivity --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reconciled:
    """The concluded value and how the approaches agree."""

    value_fen: int
    weights: Mapping[Approach, Decimal]
    low_fen: int
    high_fen: int
    spread: Decimal  # (high − low) / concluded value; absent if the value is zero


def reconcile(
    results: Sequence[ValuationResult], weights: Mapping[Approach, Decimal]
) -> Reconciled:
    """Weighted conclusion of several approaches (weights are normalised; each result's
    approach needs a weight, and a weight without a result is refused)."""
    if not results:
        raise ValidationFailed("results: at least one approach", field="results")
    by = {r.approach: r for r in results}
    missing = set(by) ^ set(weights)
    if missing:
        name = sorted(a.value for a in missing)[0]
        raise ValidationFailed(
            f"weights: {name} has a result or a weight but not both", field="weights"
        )
    total_w = sum(weights.values(), ZERO)
    if total_w <= 0 or any(w < 0 for w in weights.values()):
        raise ValidationFailed("weights: non-negative, not all zero", field="weights")
    norm = {a: w / total_w for a, w in weights.items()}
    value = sum((Decimal(by[a].value_fen) * w for a, w in norm.items()), ZERO)
    low = min(r.value_fen for r in results)
    high = max(r.value_fen for r in results)
    concluded = round_fen(value)
    spread = (
        (Decimal(high - low) / Decimal(concluded)).quantize(Decimal("0.0001"))
        if concluded
        else ZERO
    )
    return Reconciled(concluded, norm, low, high, spread)


@dataclass(frozen=True, slots=True)
class Sensitivity:
    """The value with one assumption moved down and up, the others held."""

    assumption: str
    base: Decimal
    low: Decimal
    high: Decimal
    value_low_fen: int
    value_high_fen: int
    base_value_fen: int

    @property
    def swing_fen(self) -> int:
        """How far the value moves across the range (the tornado bar's length)."""
        return abs(self.value_high_fen - self.value_low_fen)


def sensitivity(
    value_of: Callable[[Mapping[str, Decimal]], int],
    assumptions: Mapping[str, Decimal],
    *,
    relative_step: Decimal = Decimal("0.10"),
    only: Sequence[str] | None = None,
) -> list[Sensitivity]:
    """Move each assumption ±``relative_step`` of itself (one at a time) and revalue; sorted
    by swing, largest first (a tornado chart's order)."""
    base_value = value_of(assumptions)
    out = []
    for name in only or list(assumptions):
        base = assumptions[name]
        lo, hi = base * (ONE - relative_step), base * (ONE + relative_step)
        v_lo = value_of({**assumptions, name: lo})
        v_hi = value_of({**assumptions, name: hi})
        out.append(Sensitivity(name, base, lo, hi, v_lo, v_hi, base_value))
    out.sort(key=lambda s: (-s.swing_fen, s.assumption))
    return out
