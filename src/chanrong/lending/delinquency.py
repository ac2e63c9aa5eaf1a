"""Days past due, M-buckets, penalty interest and the five-category classification. Pure.

Five-category thresholds follow 《商业银行金融资产风险分类办法》 (2023): 关注 once principal
or interest is overdue (or a risk signal appears), 次级 beyond 90 days, 可疑 beyond 270,
损失 beyond 360. They are data (``ClassificationPolicy``), not constants in the rules, so a
bank can state stricter ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chanrong.lending.schedule import DayCount


class Bucket(StrEnum):
    """Delinquency buckets by days past due."""

    CURRENT = "current"  # 0
    M1 = "M1"  # 1–30
    M2 = "M2"  # 31–60
    M3_PLUS = "M3+"  # 61 and more


class Category(StrEnum):
    """五级分类, best first."""

    NORMAL = "normal"  # 正常
    SPECIAL_MENTION = "special_mention"  # 关注
    SUBSTANDARD = "substandard"  # 次级
    DOUBTFUL = "doubtful"  # 可疑
    LOSS = "loss"  # 损失

    @property
    def label_zh(self) -> str:
        return _ZH[self]

    @property
    def rank(self) -> int:
        return list(Category).index(self)


_ZH = {
    Category.NORMAL: "正常",
    Category.SPECIAL_MENTION: "关注",
    Category.SUBSTANDARD: "次级",
    Category.DOUBTFUL: "可疑",
    Category.LOSS: "损失",
}


def days_past_due(oldest_unpaid_due: date | None, as_of: date) -> int:
    """Days since the oldest due that is still unpaid (0 when nothing is overdue)."""
    if oldest_unpaid_due is None:
        return 0
    return max(0, (as_of - oldest_unpaid_due).days)


def bucket(dpd: int) -> Bucket:
    """M-bucket of a days-past-due count."""
    if dpd <= 0:
        return Bucket.CURRENT
    if dpd <= 30:
        return Bucket.M1
    if dpd <= 60:
        return Bucket.M2
    return Bucket.M3_PLUS


@dataclass(frozen=True, slots=True)
class ClassificationPolicy:
    """Days-past-due thresholds (a loan is in the category once dpd *exceeds* the number)."""

    special_mention_after: int = 0
    substandard_after: int = 90
    doubtful_after: int = 270
    loss_after: int = 360
    # A non-performing loan (次级 or worse) moves up only after all overdue amounts are repaid
    # and it then performs for this long (the measures say two repayment periods or six
    # months, whichever is longer; six months for monthly loans).
    upgrade_after_days: int = 180


@dataclass(frozen=True, slots=True)
class Classification:
    """A category and the rule that put the loan there."""

    category: Category
    rule: str
    reason: str


def classify(
    dpd: int,
    *,
    risk_signal: str | None = None,
    policy: ClassificationPolicy | None = None,
    previous: Category | None = None,
    performing_days: int | None = None,
) -> Classification:
    """The five-category class of a loan ``dpd`` days past due.

    ``risk_signal`` names an open early warning that may hurt repayment (a 关注 trigger even
    when nothing is overdue yet). ``previous`` is the loan's class so far: a non-performing
    loan is not upgraded until it has been current for ``performing_days`` ≥ the policy's
    observation period.
    """
    p = policy or ClassificationPolicy()
    found = _by_dpd(dpd, risk_signal, p)
    if (
        previous is not None
        and previous.rank >= Category.SUBSTANDARD.rank
        and found.category.rank < previous.rank
    ):
        if dpd > 0:
            return Classification(previous, "no_upgrade_while_overdue", f"仍逾期 {dpd} 天")
        days = performing_days or 0
        if days < p.upgrade_after_days:
            return Classification(
                previous,
                "observation_period",
                f"逾期已结清, 正常还款 {days} 天, 观察期 {p.upgrade_after_days} 天",
            )
        return Classification(
            found.category, "cured_after_observation", f"结清后正常还款 {days} 天"
        )
    return found


def _by_dpd(dpd: int, risk_signal: str | None, p: ClassificationPolicy) -> Classification:
    if dpd > p.loss_after:
        return Classification(Category.LOSS, "dpd_over_loss", f"逾期 {dpd} 天 > {p.loss_after}")
    if dpd > p.doubtful_after:
        return Classification(
            Category.DOUBTFUL, "dpd_over_doubtful", f"逾期 {dpd} 天 > {p.doubtful_after}"
        )
    if dpd > p.substandard_after:
        return Classification(
            Category.SUBSTANDARD, "dpd_over_substandard", f"逾期 {dpd} 天 > {p.substandard_after}"
        )
    if dpd > p.special_mention_after:
        return Classification(Category.SPECIAL_MENTION, "overdue", f"逾期 {dpd} 天")
    if risk_signal:
        return Classification(Category.SPECIAL_MENTION, "early_warning", f"预警: {risk_signal}")
    return Classification(Category.NORMAL, "performing", "按期还款")


def penalty_rate(annual_rate: Decimal, markup_pct: Decimal) -> Decimal:
    """罚息利率: the contract rate raised by ``markup_pct`` per cent (30–50 % is usual)."""
    return annual_rate * (1 + markup_pct / 100)


def penalty_interest(
    *,
    overdue_principal_fen: int,
    overdue_interest_fen: int,
    annual_rate: Decimal,
    markup_pct: Decimal,
    days: int,
    day_count: DayCount,
) -> Decimal:
    """Unrounded penalty in fen for ``days`` days.

    Overdue principal bears 罚息 and overdue interest bears 复利, both at the penalty rate.
    """
    if days <= 0:
        return Decimal(0)
    base = overdue_principal_fen + overdue_interest_fen
    return Decimal(base) * penalty_rate(annual_rate, markup_pct) * days / (100 * day_count.basis)
