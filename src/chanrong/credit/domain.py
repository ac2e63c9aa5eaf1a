"""Credit products as data and the pure decision: its inputs, knock-outs, grade, limit, rate.

No framework imports. Money is integer fen inside, rates are Decimal annual percentages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

from chanrong.core.errors import ValidationFailed

# Score scaling shared by every model: 600 points at good:bad odds of 50, 20 points per doubling.
BASE_POINTS, BASE_ODDS, PDO = 600.0, 50.0, 20.0


class Outcome(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"


class KnockOut(StrEnum):
    NO_LIVE_GRANT = "no_live_grant"
    LOW_DATA_QUALITY = "low_data_quality"
    RECENT_DEFAULT = "recent_default"
    NO_PROFILE = "no_profile"
    # The newest profile is older than the product accepts (and none fresher could be built):
    # referred to an officer, never declined for it.
    STALE_PROFILE = "stale_profile"
    # The product's joint (federated) model could not be asked: one of its parts (the
    # platform's, under the enterprise's joint_modelling consent, or the bank's) was missing.
    # Referred to an officer, never scored on one part alone.
    JOINT_PART_UNAVAILABLE = "joint_part_unavailable"


def score_of_pd(pd_: float) -> float:
    """The points score of a PD on the shared scale (higher = safer)."""
    p = min(max(pd_, 1e-9), 1 - 1e-9)
    return BASE_POINTS + PDO / math.log(2) * math.log(((1 - p) / p) / BASE_ODDS)


@dataclass(frozen=True)
class GradeBand:
    grade: str
    min_score: float
    spread_bp: int  # added to LPR, basis points
    limit_factor: Decimal  # share of the evidence-based limit granted at this grade
    outcome: Outcome  # what this grade gets when no knock-out applies


@dataclass(frozen=True)
class LimitFormula:
    """Limit = min(cap, revenue·a + open orders·b + receivables·c) × grade factor, in fen."""

    revenue_share: Decimal
    orders_share: Decimal
    receivables_share: Decimal
    floor_fen: int
    cap_fen: int
    round_to_fen: int = 100_000  # whole thousands of yuan

    def base_fen(self, revenue_fen: int, orders_fen: int, receivables_fen: int) -> int:
        raw = (
            Decimal(max(revenue_fen, 0)) * self.revenue_share
            + Decimal(max(orders_fen, 0)) * self.orders_share
            + Decimal(max(receivables_fen, 0)) * self.receivables_share
        )
        return min(int(raw), self.cap_fen)

    def granted_fen(self, base_fen: int, factor: Decimal) -> int:
        amount = int(Decimal(base_fen) * factor)
        amount -= amount % self.round_to_fen
        return min(amount, self.cap_fen)


DEFAULT_MAX_EVIDENCE_AGE_DAYS = 45
DEFAULT_CONSENT_DAYS = 365
MAX_EVIDENCE_AGE_DAYS = 3650


@dataclass(frozen=True)
class CreditProduct:
    """A credit product configured as data."""

    code: str
    name_zh: str
    name_en: str
    model: str  # registry name; its champion scores applications
    lpr_pct: Decimal  # one-year LPR, annual %
    day_count: str
    term_months: int
    min_quality: Decimal  # data quality score 0..1 below which we do not decide
    default_lookback_days: int
    grades: tuple[GradeBand, ...]
    limit: LimitFormula
    review_band: tuple[float, float] = (0.0, 0.0)  # scores in [lo, hi) always go to an officer
    datasets: tuple[str, ...] = ("derived.profile",)
    # Green pricing: basis points added to the rate by carbon-efficiency grade (1 best … 5);
    # negative is a discount. Grades not listed (or no grade) leave the rate as it is.
    green_bp: tuple[tuple[int, int], ...] = ()
    # Fresh evidence: the oldest profile (days before the decision's as-of date) the product
    # decides on; None only for decisions recorded before products declared it.
    max_evidence_age_days: int | None = DEFAULT_MAX_EVIDENCE_AGE_DAYS
    # The enterprise's own journey: the bank's lending product (by code) a loan on this
    # decision is booked on, and the largest loan disbursed without an officer (0: every
    # loan waits in the officer's queue).
    lending_product: str | None = None  # None: the lending product of the same code
    auto_disburse_limit_fen: int = 0
    # How long the consent an enterprise grants when it applies itself lasts.
    consent_days: int = DEFAULT_CONSENT_DAYS

    @property
    def lending_code(self) -> str:
        """The code of the bank's lending product this credit product's loans are booked on."""
        return self.lending_product or self.code

    def is_stale(self, profile_as_of: date, as_of: date) -> bool:
        """Whether a profile dated ``profile_as_of`` is too old to decide on at ``as_of``."""
        if self.max_evidence_age_days is None:
            return False
        return (as_of - profile_as_of).days > self.max_evidence_age_days

    def green_adjust_bp(self, carbon_grade: int | None) -> int:
        """The green-pricing adjustment for a carbon grade, in basis points."""
        if carbon_grade is None:
            return 0
        return dict(self.green_bp).get(carbon_grade, 0)

    def grade_for(self, score: float) -> GradeBand:
        for band in sorted(self.grades, key=lambda b: -b.min_score):
            if score >= band.min_score:
                return band
        return min(self.grades, key=lambda b: b.min_score)

    def rate_pct(self, band: GradeBand) -> Decimal:
        rate = self.lpr_pct + Decimal(band.spread_bp) / Decimal(100)
        return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": {"zh-CN": self.name_zh, "en": self.name_en},
            "model": self.model,
            "lpr_pct": str(self.lpr_pct),
            "day_count": self.day_count,
            "term_months": self.term_months,
            "min_quality": str(self.min_quality),
            "default_lookback_days": self.default_lookback_days,
            "review_band": list(self.review_band),
            "grades": [
                {
                    "grade": g.grade,
                    "min_score": g.min_score,
                    "spread_bp": g.spread_bp,
                    "limit_factor": str(g.limit_factor),
                    "outcome": g.outcome.value,
                }
                for g in self.grades
            ],
            "green_bp": {str(g): bp for g, bp in self.green_bp},
            "max_evidence_age_days": self.max_evidence_age_days,
            "lending_product": self.lending_product,
            "auto_disburse_limit_fen": self.auto_disburse_limit_fen,
            "consent_days": self.consent_days,
            "datasets": list(self.datasets),
            "limit": {
                "revenue_share": str(self.limit.revenue_share),
                "orders_share": str(self.limit.orders_share),
                "receivables_share": str(self.limit.receivables_share),
                "floor_fen": self.limit.floor_fen,
                "cap_fen": self.limit.cap_fen,
            },
        }


def _bounded_int(d: dict[str, Any], key: str, default: int | None, lo: int, hi: int) -> int | None:
    """An optional whole number within [lo, hi]; the field is named when it is not."""
    value = d.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationFailed(
            f"product.{key}: a whole number from {lo} to {hi}", field=f"product.{key}"
        )
    return value


def product_from_dict(d: dict[str, Any]) -> CreditProduct:
    """Build a product from its data form, naming the field that is wrong.

    Missing journey fields take their defaults: evidence up to 45 days old, loans booked on
    the lending product of the same code, none disbursed without an officer, consent for a
    year. ``max_evidence_age_days: null`` means no age limit (decisions recorded before
    products declared one read back that way)."""
    max_age = _bounded_int(
        d, "max_evidence_age_days", DEFAULT_MAX_EVIDENCE_AGE_DAYS, 1, MAX_EVIDENCE_AGE_DAYS
    )
    auto = _bounded_int(d, "auto_disburse_limit_fen", 0, 0, 10**15)
    consent_days = _bounded_int(d, "consent_days", DEFAULT_CONSENT_DAYS, 1, 3 * 366)
    lending = d.get("lending_product")
    if lending is not None and (not isinstance(lending, str) or not 0 < len(lending) <= 40):
        raise ValidationFailed(
            "product.lending_product: a lending product code of 1 to 40 characters",
            field="product.lending_product",
        )
    datasets = d.get("datasets", ["derived.profile"])
    if (
        not isinstance(datasets, list)
        or not datasets
        or not all(isinstance(x, str) and x for x in datasets)
    ):
        raise ValidationFailed(
            "product.datasets: a non-empty list of dataset names", field="product.datasets"
        )
    try:
        lim = d["limit"]
        return CreditProduct(
            code=str(d["code"]),
            name_zh=str(d["name"]["zh-CN"]),
            name_en=str(d["name"]["en"]),
            model=str(d["model"]),
            lpr_pct=Decimal(str(d["lpr_pct"])),
            day_count=str(d.get("day_count", "ACT/365")),
            term_months=int(d["term_months"]),
            min_quality=Decimal(str(d["min_quality"])),
            default_lookback_days=int(d["default_lookback_days"]),
            review_band=(float(d["review_band"][0]), float(d["review_band"][1])),
            grades=tuple(
                GradeBand(
                    grade=str(g["grade"]),
                    min_score=float(g["min_score"]),
                    spread_bp=int(g["spread_bp"]),
                    limit_factor=Decimal(str(g["limit_factor"])),
                    outcome=Outcome(g["outcome"]),
                )
                for g in d["grades"]
            ),
            limit=LimitFormula(
                revenue_share=Decimal(str(lim["revenue_share"])),
                orders_share=Decimal(str(lim["orders_share"])),
                receivables_share=Decimal(str(lim["receivables_share"])),
                floor_fen=int(lim["floor_fen"]),
                cap_fen=int(lim["cap_fen"]),
            ),
            green_bp=tuple(
                sorted((int(g), int(bp)) for g, bp in dict(d.get("green_bp", {})).items())
            ),
            max_evidence_age_days=max_age,
            lending_product=lending,
            auto_disburse_limit_fen=auto or 0,
            consent_days=consent_days or DEFAULT_CONSENT_DAYS,
            datasets=tuple(datasets),
        )
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValidationFailed(f"product: malformed definition ({exc})", field="product") from None


# The default product: 秒批经营贷 — an operating-data loan decided in seconds.
DEFAULT_PRODUCT = CreditProduct(
    code="op-loan",
    name_zh="秒批经营贷",
    name_en="Instant operating loan",
    model="sme-operating",
    lpr_pct=Decimal("3.00"),
    day_count="ACT/365",
    term_months=12,
    min_quality=Decimal("0.80"),
    default_lookback_days=365,
    review_band=(595.0, 605.0),
    grades=(
        GradeBand("A", 640, 50, Decimal("1.00"), Outcome.APPROVE),
        GradeBand("B", 620, 90, Decimal("0.85"), Outcome.APPROVE),
        GradeBand("C", 600, 150, Decimal("0.70"), Outcome.APPROVE),
        GradeBand("D", 580, 240, Decimal("0.50"), Outcome.REFER),
        GradeBand("E", 560, 350, Decimal("0.30"), Outcome.REFER),
        GradeBand("F", -1e9, 0, Decimal("0"), Outcome.DECLINE),
    ),
    limit=LimitFormula(
        revenue_share=Decimal("0.20"),
        orders_share=Decimal("0.30"),
        receivables_share=Decimal("0.50"),
        floor_fen=5_000_000,  # 5 万元
        cap_fen=1_000_000_000,  # 1000 万元
    ),
    # 绿色贷款: grade 1 −30 bp, grade 2 −15 bp, grade 5 +20 bp.
    green_bp=((1, -30), (2, -15), (5, 20)),
    max_evidence_age_days=DEFAULT_MAX_EVIDENCE_AGE_DAYS,
    # Within 100 万元 a loan an enterprise accepts is paid out at once; above, an officer does.
    auto_disburse_limit_fen=100_000_000,
)


STATUS = {Outcome.APPROVE: "approved", Outcome.DECLINE: "declined", Outcome.REFER: "referred"}


@dataclass(frozen=True)
class ProfileEvidence:
    """The operating profile a decision read: its characteristics and the amounts its limit is
    drawn from (the newest profile dated on or before the decision's as-of date)."""

    id: str
    as_of: date
    features: Mapping[str, float | None]
    revenue_12m_fen: int
    open_orders_fen: int
    receivables_fen: int


@dataclass(frozen=True)
class ModelVersion:
    """The exact model version that scored (or would have scored) the application."""

    ref: str  # name@version in the registry
    manifest_sha256: str


@dataclass(frozen=True)
class ShadowScore:
    """What an approved challenger answered on the same inputs: recorded beside the decision
    for comparison and monitoring, never read by ``decide``."""

    model: ModelVersion
    pd: float

    @property
    def score(self) -> float:
        return score_of_pd(self.pd)


@dataclass(frozen=True)
class DecisionInputs:
    """Everything a decision looks at, and nothing else: ``decide(inputs)`` is a function of it.

    This is what is recorded with the decision (``record.to_record``; the verifiable log
    carries its SHA-256) and what a replay reads back. The model's PD and reasons are inputs
    here: the model ran before the rules, and only when no knock-out applied.
    """

    as_of: date
    product: CreditProduct  # as it was defined when deciding
    requested_fen: int | None
    # Knock-out facts: consent, data quality, defaults on record by the as-of date.
    has_live_grant: bool
    grant_refusal: str | None  # why the consent check refused, when it did
    quality: Decimal | None  # the profile's data-quality score, 4 places
    last_default_on: date | None
    profile: ProfileEvidence | None  # None without consent or without any profile yet
    carbon_grade: int | None  # 碳效码 grade 1 (best) … 5, when the bank may read it
    model: ModelVersion | None  # the product's champion (None when there was nothing to score)
    pd: float | None = None  # None when not scored
    # (code, weight) of each reason against the applicant the model gave, strongest first.
    reasons: tuple[tuple[str, float], ...] = ()
    # The approved challenger's PD on the same profile (shadow scoring); ``decide`` ignores it.
    shadow: ShadowScore | None = None
    # A joint (federated) model: which parts gave the PD, or which was missing.
    joint: JointUse | None = None


@dataclass(frozen=True)
class JointUse:
    """A joint model asked for the PD: the parts used, or why a part was missing."""

    model: str  # the product's model, ``joint:<name>``
    model_ref: str | None = None  # name@version of the joint champion that scored
    bank_fingerprint: str | None = None
    platform_fingerprint: str | None = None
    platform_leaf: int | None = None  # the platform's log leaf of the scoring exchange
    refusal: str | None = None  # ``credit.joint.REASONS``; None when both parts were used
    detail: str | None = None


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    knockouts: tuple[KnockOut, ...]
    grade: str | None
    score: float | None
    pd: float | None
    limit_fen: int
    rate_pct: Decimal | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    green_adjust_bp: int = 0  # already in ``rate_pct``


def knockouts(inputs: DecisionInputs) -> tuple[KnockOut, ...]:
    """The eligibility rules that fail, in a fixed order (before any model is asked)."""
    product = inputs.product
    out: list[KnockOut] = []
    if not inputs.has_live_grant:
        out.append(KnockOut.NO_LIVE_GRANT)
        return tuple(out)
    # No profile is its own reason, never a data-quality knock-out (there is no quality to
    # judge); a profile too old for the product goes to an officer, not through the model.
    if inputs.profile is None:
        return (KnockOut.NO_PROFILE,)
    if product.is_stale(inputs.profile.as_of, inputs.as_of):
        return (KnockOut.STALE_PROFILE,)
    if inputs.quality is None or inputs.quality < product.min_quality:
        out.append(KnockOut.LOW_DATA_QUALITY)
    if (
        inputs.last_default_on is not None
        and 0 <= (inputs.as_of - inputs.last_default_on).days <= product.default_lookback_days
    ):
        out.append(KnockOut.RECENT_DEFAULT)
    if not out and inputs.joint is not None and inputs.joint.refusal is not None:
        return (KnockOut.JOINT_PART_UNAVAILABLE,)
    return tuple(out)


def decide(inputs: DecisionInputs) -> Decision:
    """The whole decision: knock-outs first; then grade by score, limit from the profile's
    evidence, review band and floor, rate from the grid with green pricing by carbon grade,
    and the limit capped at the amount asked for."""
    product = inputs.product
    kos = knockouts(inputs)
    pd_ = inputs.pd
    profile = inputs.profile
    if not kos and (pd_ is None or profile is None):
        kos = (KnockOut.NO_PROFILE,)
    if kos in ((KnockOut.STALE_PROFILE,), (KnockOut.JOINT_PART_UNAVAILABLE,)):
        return Decision(Outcome.REFER, kos, None, None, None, 0, None)
    if kos:
        return Decision(Outcome.DECLINE, kos, None, None, pd_, 0, None)
    assert pd_ is not None and profile is not None
    score = score_of_pd(pd_)
    band = product.grade_for(score)
    base = product.limit.base_fen(
        profile.revenue_12m_fen, profile.open_orders_fen, profile.receivables_fen
    )
    limit = product.limit.granted_fen(base, band.limit_factor)
    outcome = band.outcome
    notes: list[str] = []
    lo, hi = product.review_band
    if outcome is Outcome.APPROVE and lo <= score < hi:
        outcome = Outcome.REFER
        notes.append("review_band")
    if outcome is not Outcome.DECLINE and limit < product.limit.floor_fen:
        outcome = Outcome.DECLINE
        notes.append("limit_below_floor")
    rate = product.rate_pct(band) if outcome is not Outcome.DECLINE else None
    if outcome is Outcome.DECLINE:
        limit = 0
    green = product.green_adjust_bp(inputs.carbon_grade) if rate is not None else 0
    if green:
        assert rate is not None
        rate = (rate + Decimal(green) / 100).quantize(Decimal("0.01"))
        notes.append(f"green_pricing:{green}bp")
    # The limit granted never exceeds what was asked for (after the floor: a small ask is
    # granted as asked, not declined for being small).
    if inputs.requested_fen is not None and limit > inputs.requested_fen:
        limit = inputs.requested_fen
    return Decision(outcome, (), band.grade, score, pd_, limit, rate, tuple(notes), green)
