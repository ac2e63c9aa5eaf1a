"""What a government guide fund (政府引导基金) is judged on: 返投, 杠杆放大倍数, 投向, J-curve.

Pure: no framework. Money is integer fen; ratios are exact Decimals of fen. A figure that
cannot be known from the records is ``None`` with the records that made it unknown listed —
never a zero standing in for an absent amount.

Definitions used here (the usual terms of local guide-fund rules):
- 杠杆放大倍数 (leverage) = the total committed capital of the sub-funds the guide fund seeded /
  the guide fund's own contribution to them. A sub-fund with no recorded commitments has an
  unknown size, so the leverage is unknown until it is recorded.
- 返投 (reinvestment) achieved = the amount the sub-funds (and the guide fund directly) invested
  in companies inside the guide fund's region / the guide fund's contribution; it is compared
  with the required ratio (e.g. 1.5 means 1.5 × the contribution). Investments of unknown
  region or amount are not counted as in-region; their number and (known) amount are reported.
- 投向 (mandated-sector share) = the amount invested in the mandated sectors (GB/T 4754 code
  prefixes) / the amount invested with a known sector, with the unknown-sector count beside it.
- J-curve: the cumulative net cash flow of the LPs by date; the trough is its lowest point and
  breakeven the first date after the trough where it is back at or above zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SeededFund:
    """A sub-fund the guide fund seeded: its id, its total committed capital (None when no
    commitment is recorded) and the guide fund's contribution to it."""

    fund_id: str
    total_committed_fen: int | None
    guide_contribution_fen: int


@dataclass(frozen=True, slots=True)
class Investment:
    """A portfolio investment as the metrics see it; every attribute but the id may be
    unknown."""

    id: str
    amount_fen: int | None
    region_code: str | None
    sector_code: str | None


@dataclass(frozen=True, slots=True)
class Leverage:
    ratio: Decimal | None
    total_committed_fen: int | None
    guide_contribution_fen: int
    unknown_funds: tuple[str, ...]  # sub-funds with no recorded commitment
    funds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Reinvestment:
    achieved_ratio: Decimal | None  # None when the contribution is zero or not known
    required_ratio: Decimal | None
    met: bool | None  # None when either ratio is unknown
    in_region_fen: int
    base_fen: int
    in_region: tuple[str, ...]  # investment ids counted
    unknown: tuple[str, ...]  # investments of unknown region or amount
    unknown_known_amount_fen: int  # the known amounts among them (the most that could add)


@dataclass(frozen=True, slots=True)
class SectorShare:
    share: Decimal | None  # None when no investment has both a known sector and amount
    mandated_fen: int
    known_fen: int
    mandated: tuple[str, ...]
    unknown: tuple[str, ...]  # investments of unknown sector or amount


@dataclass(frozen=True, slots=True)
class JPoint:
    on: date
    cumulative_fen: int


@dataclass(frozen=True, slots=True)
class JCurve:
    points: tuple[JPoint, ...]
    trough_on: date | None
    trough_fen: int | None
    breakeven_on: date | None  # None: not yet back to zero (or never below it)


def leverage(seeded: Sequence[SeededFund]) -> Leverage:
    """Total committed capital of the seeded sub-funds over the guide fund's contribution."""
    contribution = sum(s.guide_contribution_fen for s in seeded)
    unknown = tuple(s.fund_id for s in seeded if s.total_committed_fen is None)
    funds = tuple(s.fund_id for s in seeded)
    if unknown or not seeded:
        return Leverage(None, None, contribution, unknown, funds)
    total = sum(s.total_committed_fen or 0 for s in seeded)
    ratio = Decimal(total) / Decimal(contribution) if contribution else None
    return Leverage(ratio, total, contribution, unknown, funds)


def region_prefix(code: str) -> str:
    """The GB/T 2260 prefix a region covers: ``330000`` → ``33``, ``330500`` → ``3305``."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def in_region(region_code: str, guide_region: str) -> bool:
    """True when ``region_code`` lies inside ``guide_region`` (a province, city or county)."""
    return region_code.startswith(region_prefix(guide_region))


def reinvestment(
    investments: Sequence[Investment],
    guide_region: str,
    base_fen: int,
    required_ratio: Decimal | None,
) -> Reinvestment:
    """返投 achieved (in-region amount / ``base_fen``, the guide fund's contribution) against
    ``required_ratio``."""
    counted: list[str] = []
    unknown: list[str] = []
    amount = 0
    unknown_amount = 0
    for inv in investments:
        if inv.region_code is None or inv.amount_fen is None:
            unknown.append(inv.id)
            unknown_amount += inv.amount_fen or 0
        elif in_region(inv.region_code, guide_region):
            counted.append(inv.id)
            amount += inv.amount_fen
    achieved = Decimal(amount) / Decimal(base_fen) if base_fen else None
    met = None if achieved is None or required_ratio is None else achieved >= required_ratio
    return Reinvestment(
        achieved, required_ratio, met, amount, base_fen, tuple(counted), tuple(unknown),
        unknown_amount,
    )  # fmt: skip


def sector_share(investments: Sequence[Investment], mandated: Sequence[str]) -> SectorShare:
    """The share of the known-sector amount invested in the mandated sectors (code prefixes,
    e.g. ``C34`` covers ``C3411``)."""
    prefixes = tuple(m.upper() for m in mandated)
    hit: list[str] = []
    unknown: list[str] = []
    mandated_fen = known_fen = 0
    for inv in investments:
        if inv.sector_code is None or inv.amount_fen is None:
            unknown.append(inv.id)
            continue
        known_fen += inv.amount_fen
        if prefixes and inv.sector_code.upper().startswith(prefixes):
            hit.append(inv.id)
            mandated_fen += inv.amount_fen
    share = Decimal(mandated_fen) / Decimal(known_fen) if known_fen else None
    return SectorShare(share, mandated_fen, known_fen, tuple(hit), tuple(unknown))


def j_curve(flows: Sequence[tuple[date, int]]) -> JCurve:
    """The LPs' cumulative net cash flow by date (calls negative, distributions positive),
    its trough and the first date after it back at or above zero."""
    by_day: dict[date, int] = {}
    for on, amount in flows:
        by_day[on] = by_day.get(on, 0) + amount
    points: list[JPoint] = []
    running = 0
    for on in sorted(by_day):
        running += by_day[on]
        points.append(JPoint(on, running))
    if not points:
        return JCurve((), None, None, None)
    trough = min(points, key=lambda p: (p.cumulative_fen, p.on))
    if trough.cumulative_fen >= 0:
        return JCurve(tuple(points), None, None, None)
    after = [p for p in points if p.on > trough.on and p.cumulative_fen >= 0]
    return JCurve(tuple(points), trough.on, trough.cumulative_fen, after[0].on if after else None)
