"""The borrowing base of an asset pool (资产池) (pure).

borrowing base = Σ eligible value × haircut-adjusted advance rate, after concentration limits:

- **advance rate by type** (receivables lend more than data), times an **age factor** (an old
  receivable or a stale order lends less, past a limit nothing) and a **quality factor** (a
  dataset with a falling quality score, an IP right not in force: nothing);
- **concentration limits**: the lendable value on one debtor may be at most
  ``max_debtor_share`` of the pool's total lendable value, and one asset type at most
  ``max_type_share``; the excess is cut, proportionally inside the group. Limits are shares
  of the uncapped total, so they never raise anything.

available = max(0, min(line limit, borrowing base) − drawn); a drawn balance above
min(limit, base) is a **margin shortfall** (the bank and the enterprise are alerted).
The policy is data (``HaircutPolicy``): a bank may set its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from chanrong.core.errors import ValidationFailed
from chanrong.core.money import round_fen


class AssetType(StrEnum):
    DATA = "data"  # 数据资产
    IP = "ip"  # 知识产权
    RECEIVABLE = "receivable"  # 应收账款
    ORDER = "order"  # 确认订单 (订单融资)
    INVENTORY = "inventory"  # 存货
    WAREHOUSE_RECEIPT = "warehouse_receipt"  # 仓单


@dataclass(frozen=True, slots=True)
class AgeBand:
    up_to_days: int  # inclusive
    factor: Decimal


@dataclass(frozen=True, slots=True)
class HaircutPolicy:
    """A bank's lending policy for pools (every figure configurable; these are defaults)."""

    advance: Mapping[AssetType, Decimal] = field(
        default_factory=lambda: {
            AssetType.RECEIVABLE: Decimal("0.80"),
            AssetType.ORDER: Decimal("0.50"),
            AssetType.WAREHOUSE_RECEIPT: Decimal("0.70"),
            AssetType.INVENTORY: Decimal("0.50"),
            AssetType.IP: Decimal("0.30"),
            AssetType.DATA: Decimal("0.30"),
        }
    )
    # Age bands per type (days since the asset's reference date: a receivable's due date, an
    # order's date, a receipt's issue, a valuation's date). Past the last band: ineligible.
    age_bands: Mapping[AssetType, tuple[AgeBand, ...]] = field(
        default_factory=lambda: {
            AssetType.RECEIVABLE: (
                AgeBand(0, Decimal(1)),
                AgeBand(30, Decimal("0.9")),
                AgeBand(90, Decimal("0.5")),
            ),
            AssetType.ORDER: (AgeBand(90, Decimal(1)), AgeBand(180, Decimal("0.5"))),
            AssetType.WAREHOUSE_RECEIPT: (AgeBand(180, Decimal(1)), AgeBand(365, Decimal("0.7"))),
            AssetType.INVENTORY: (AgeBand(180, Decimal(1)), AgeBand(365, Decimal("0.6"))),
            AssetType.IP: (AgeBand(365, Decimal(1)), AgeBand(730, Decimal("0.8"))),
            AssetType.DATA: (AgeBand(180, Decimal(1)), AgeBand(365, Decimal("0.7"))),
        }
    )
    min_quality: Decimal = Decimal(60)  # a quality score below this: ineligible
    full_quality: Decimal = Decimal(90)  # at or above: factor 1; linear in between from 0.5
    max_debtor_share: Decimal = Decimal("0.30")
    max_type_share: Mapping[AssetType, Decimal] = field(
        default_factory=lambda: {AssetType.DATA: Decimal("0.40"), AssetType.IP: Decimal("0.40")}
    )


@dataclass(frozen=True, slots=True)
class PoolItem:
    """One pledged asset as the pool sees it today."""

    key: str  # "<type>:<id>", unique across every pool
    asset_type: AssetType
    value_fen: int  # current evidence value (0 when the evidence says it is gone)
    age_days: int
    debtor: str | None = None  # receivables and orders: who pays
    quality: Decimal | None = None  # data: quality score 0-100; None where not applicable
    in_force: bool = True  # IP legally in force, receipt not cancelled …


@dataclass(frozen=True, slots=True)
class ItemLine:
    key: str
    asset_type: AssetType
    value_fen: int
    advance: Decimal
    age_factor: Decimal
    quality_factor: Decimal
    lendable_fen: int  # before concentration
    cut_fen: int  # removed by concentration limits
    reasons: tuple[str, ...]

    @property
    def eligible_fen(self) -> int:
        return self.lendable_fen - self.cut_fen


@dataclass(frozen=True, slots=True)
class BorrowingBase:
    lines: tuple[ItemLine, ...]
    gross_fen: int  # Σ value
    lendable_fen: int  # Σ value × factors, before concentration
    base_fen: int  # after concentration

    def available_fen(self, *, limit_fen: int, drawn_fen: int) -> int:
        """What can still be drawn: never negative, never above the base or the limit."""
        return max(0, min(limit_fen, self.base_fen) - drawn_fen)

    def shortfall_fen(self, *, limit_fen: int, drawn_fen: int) -> int:
        """How far the drawn balance exceeds what the pool supports (0 if covered)."""
        return max(0, drawn_fen - min(limit_fen, self.base_fen))


def age_factor(policy: HaircutPolicy, asset_type: AssetType, age_days: int) -> Decimal:
    """The factor of the first age band that holds ``age_days``; 0 past the last."""
    for band in policy.age_bands.get(asset_type, ()):
        if age_days <= band.up_to_days:
            return band.factor
    return Decimal(0)


def quality_factor(policy: HaircutPolicy, quality: Decimal | None) -> Decimal:
    """1 at or above ``full_quality``, 0 below ``min_quality``, linear from 0.5 in between."""
    if quality is None:
        return Decimal(1)
    if quality < policy.min_quality:
        return Decimal(0)
    if quality >= policy.full_quality:
        return Decimal(1)
    span = policy.full_quality - policy.min_quality
    return Decimal("0.5") + Decimal("0.5") * (quality - policy.min_quality) / span


@dataclass(slots=True)
class _Work:
    item: PoolItem
    adv: Decimal
    af: Decimal
    qf: Decimal
    lendable: int
    after: int
    reasons: tuple[str, ...]


def _cap(work: list[_Work], group: str, caps: Mapping[str, Decimal], total: int) -> None:
    """Cut each group's lendable value above cap × total, proportionally inside the group."""
    groups: dict[str, list[_Work]] = {}
    for w in work:
        g = w.item.debtor if group == "debtor" else w.item.asset_type.value
        if g is not None and g in caps:
            groups.setdefault(g, []).append(w)
    for g, members in groups.items():
        limit = int(Decimal(total) * caps[g])
        have = sum(m.after for m in members)
        if have <= limit:
            continue
        excess = have - limit
        # Proportional cut; the remainder goes to the largest so the group lands on the limit.
        cuts = [int(Decimal(excess) * m.after / have) for m in members]
        largest = max(range(len(members)), key=lambda i: members[i].after)
        cuts[largest] += excess - sum(cuts)
        for m, c in zip(members, cuts, strict=True):
            m.after -= c
            m.reasons = (*m.reasons, f"concentration_{group}")


def borrowing_base(items: Sequence[PoolItem], policy: HaircutPolicy | None = None) -> BorrowingBase:
    """The pool's borrowing base with each asset's line (why it lends what it lends)."""
    policy = policy or HaircutPolicy()
    seen: set[str] = set()
    work: list[_Work] = []
    for it in items:
        if it.key in seen:
            raise ValidationFailed(f"assets: {it.key} twice in one pool", field="assets")
        seen.add(it.key)
        if it.value_fen < 0:
            raise ValidationFailed(f"value_fen: {it.key} negative", field="value_fen")
        reasons: list[str] = []
        adv = policy.advance.get(it.asset_type, Decimal(0))
        af = age_factor(policy, it.asset_type, it.age_days)
        qf = quality_factor(policy, it.quality)
        if af == 0:
            reasons.append("too_old")
        if qf == 0:
            reasons.append("quality_below_minimum")
        if not it.in_force:
            reasons.append("not_in_force")
        if it.value_fen == 0:
            reasons.append("no_value")
        lendable = 0 if not it.in_force else round_fen(Decimal(it.value_fen) * adv * af * qf)
        work.append(_Work(it, adv, af, qf, lendable, lendable, tuple(reasons)))
    total = sum(w.lendable for w in work)
    _cap(
        work,
        "debtor",
        {w.item.debtor: policy.max_debtor_share for w in work if w.item.debtor},
        total,
    )
    _cap(work, "type", {k.value: v for k, v in policy.max_type_share.items()}, total)
    lines = tuple(
        ItemLine(
            w.item.key,
            w.item.asset_type,
            w.item.value_fen,
            w.adv,
            w.af,
            w.qf,
            w.lendable,
            w.lendable - w.after,
            w.reasons,
        )
        for w in work
    )
    return BorrowingBase(
        lines,
        sum(i.value_fen for i in items),
        total,
        sum(line.eligible_fen for line in lines),
    )
