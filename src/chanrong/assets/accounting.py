"""Accounting treatment of data resources under 财会〔2023〕11号 (pure).

《企业数据资源相关会计处理暂行规定》 (in force 2024-01-01): a data resource that meets the asset
criteria is recognised by why it is held and how it was formed —

- held for the enterprise's own use (or to provide services with it) and meeting the
  intangible-asset criteria → **intangible asset** (无形资产), measured at cost and amortised
  over its useful life;
- held for sale in the ordinary course of business (日常活动中持有、最终目的用于出售) and meeting
  the inventory criteria → **inventory** (存货), measured at cost (not amortised; written down
  to net realisable value);
- otherwise **not recognised** (未确认为资产): the costs are expensed, and the data resource is
  still disclosed voluntarily.

A resource without identifiable, reliably measured costs the enterprise controls, or whose
economic benefits are not probable, is not recognised whatever the reason held.
Disclosure items follow the provision's tables (by class: 外购 purchased, 自行开发 internally
developed, 其他方式取得 otherwise acquired; opening/closing cost, amortisation, impairment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import round_fen


class HeldFor(StrEnum):
    OWN_USE = "own_use"  # 企业使用 (including providing services)
    SALE = "sale"  # 日常活动中持有、最终目的用于出售
    UNDECIDED = "undecided"


class FormedBy(StrEnum):
    PURCHASED = "purchased"  # 外购
    DEVELOPED = "developed"  # 自行开发
    OTHER = "other"  # 其他方式取得


class Treatment(StrEnum):
    INTANGIBLE = "intangible_asset"
    INVENTORY = "inventory"
    NOT_RECOGNISED = "not_recognised"


class CostKind(StrEnum):
    """Cost records that form a data resource (typed by the enterprise, with evidence)."""

    COLLECTION = "collection"  # 采集
    STORAGE = "storage"  # 存储
    PROCESSING = "processing"  # 加工 / 清洗 / 标注
    STAFF = "staff"  # 人员
    PURCHASE = "purchase"  # 购买价款
    RESEARCH = "research"  # 研究阶段 (always expensed)


# Research-stage spending is expensed under 企业会计准则第6号, never capitalised.
CAPITALISABLE = {
    CostKind.COLLECTION,
    CostKind.STORAGE,
    CostKind.PROCESSING,
    CostKind.STAFF,
    CostKind.PURCHASE,
}


@dataclass(frozen=True, slots=True)
class Recognition:
    treatment: Treatment
    reasons: tuple[str, ...]
    capitalised_fen: int
    expensed_fen: int
    disclosure: tuple[str, ...]


DISCLOSURE: dict[Treatment, tuple[str, ...]] = {
    Treatment.INTANGIBLE: (
        "class_by_formation",  # 外购 / 自行开发 / 其他方式取得 的数据资源无形资产
        "opening_and_closing_cost",
        "additions_and_disposals",
        "amortisation_method_and_useful_life",
        "accumulated_amortisation",
        "impairment",
        "pledged_or_restricted",  # 所有权或使用权受到限制的数据资源无形资产
        "research_and_development_expensed",
    ),
    Treatment.INVENTORY: (
        "class_by_formation",
        "opening_and_closing_cost",
        "cost_method",  # 发出成本计量方法
        "net_realisable_value_write_down",
        "pledged_or_restricted",
    ),
    Treatment.NOT_RECOGNISED: (
        "voluntary_description",  # 应用场景、业务模式、对财务报表的影响
        "source_and_rights",  # 数据资源的来源、权利状态
        "costs_expensed",
        "valuation_if_assessed",  # 评估依据、方法 (自愿披露)
    ),
}


def recognise(
    *,
    held_for: HeldFor,
    formed_by: FormedBy,
    costs_fen: dict[CostKind, int],
    controlled: bool,
    benefits_probable: bool,
) -> Recognition:
    """The treatment of one data resource, with the reasons that decided it."""
    for kind, fen in costs_fen.items():
        if fen < 0:
            raise ValidationFailed(f"costs.{kind.value}: not negative", field=f"costs.{kind.value}")
    capital = sum(v for k, v in costs_fen.items() if k in CAPITALISABLE)
    research = costs_fen.get(CostKind.RESEARCH, 0)
    reasons: list[str] = []
    if not controlled:
        reasons.append("not_controlled")
    if not benefits_probable:
        reasons.append("benefits_not_probable")
    if capital == 0:
        reasons.append("no_reliable_cost")
    if held_for is HeldFor.UNDECIDED:
        reasons.append("purpose_not_decided")
    if reasons:
        return Recognition(
            Treatment.NOT_RECOGNISED,
            tuple(reasons),
            0,
            capital + research,
            DISCLOSURE[Treatment.NOT_RECOGNISED],
        )
    treatment = Treatment.INTANGIBLE if held_for is HeldFor.OWN_USE else Treatment.INVENTORY
    reasons.append(f"held_for_{held_for.value}")
    reasons.append(f"formed_{formed_by.value}")
    return Recognition(treatment, tuple(reasons), capital, research, DISCLOSURE[treatment])


@dataclass(frozen=True, slots=True)
class AmortisationLine:
    year: int
    charge_fen: int
    accumulated_fen: int
    carrying_fen: int


def amortise(
    cost_fen: int, *, useful_life_months: int, start: date, as_of: date, residual_fen: int = 0
) -> tuple[list[AmortisationLine], int]:
    """Straight-line monthly amortisation of an intangible data asset, from the month it is
    ready for use (the month of ``start``). Returns the schedule by calendar year (to the end
    of life) and the carrying amount at the end of ``as_of``'s month. The last month takes the
    rounding so the charges sum exactly to cost − residual."""
    if useful_life_months <= 0:
        raise ValidationFailed("useful_life_months: positive", field="useful_life_months")
    if not 0 <= residual_fen <= cost_fen:
        raise ValidationFailed("residual_fen: between 0 and the cost", field="residual_fen")
    base = cost_fen - residual_fen
    monthly = Decimal(base) / useful_life_months
    by_year: dict[int, int] = {}
    accumulated = 0
    carrying_at = cost_fen
    y, m = start.year, start.month
    for i in range(1, useful_life_months + 1):
        target = round_fen(monthly * i) if i < useful_life_months else base
        charge = target - accumulated
        accumulated = target
        by_year[y] = by_year.get(y, 0) + charge
        if (y, m) <= (as_of.year, as_of.month):
            carrying_at = cost_fen - accumulated
        m += 1
        if m == 13:
            y, m = y + 1, 1
    lines, acc = [], 0
    for year in sorted(by_year):
        acc += by_year[year]
        lines.append(AmortisationLine(year, by_year[year], acc, cost_fen - acc))
    return lines, carrying_at
