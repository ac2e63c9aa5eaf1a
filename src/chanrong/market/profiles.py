"""An investor's page: its deals by year and round, co-investors, sectors and stages.

Computed from the investor's events as listed; a deal whose amount, province or round is not
known is counted as unknown, never filled in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound
from chanrong.market.orm import MarketEvent, MarketInvestor
from chanrong.market.repository import MarketRepository
from chanrong.market.rounds import Round


@dataclass(frozen=True, slots=True)
class Deal:
    """One of the investor's deals."""

    event_id: str
    event_date: str
    company: str
    round: str
    amount_fen: int | None  # None: the amount is not known
    province_code: str | None  # None: the province is not known
    field: str | None
    lead: bool


@dataclass
class InvestorProfile:
    """Everything an investor's page shows."""

    investor: MarketInvestor
    deals: list[Deal] = field(default_factory=list)
    by_year: dict[int, int] = field(default_factory=dict)
    by_year_round: dict[int, dict[str, int]] = field(default_factory=dict)
    by_stage: dict[str, int] = field(default_factory=dict)
    by_field: dict[str, int] = field(default_factory=dict)
    co_investors: list[tuple[str, int]] = field(default_factory=list)
    amount_known_total_fen: int = 0
    amount_unknown: int = 0
    province_unknown: int = 0
    field_unknown: int = 0

    @property
    def average_known_deal_fen(self) -> int | None:
        """The average over deals of known amount; None when none is known (never zero)."""
        known = len(self.deals) - self.amount_unknown
        return self.amount_known_total_fen // known if known else None


def investor_profile(session: Session, key: str) -> InvestorProfile:
    """The page of the investor with this id or exact name (NotFound otherwise)."""
    repo = MarketRepository(session)
    investor = repo.investor(key)
    if investor is None:
        raise NotFound(f"no market investor {key}")
    rows = repo.deals_of(investor.id)
    names = repo.investors_of([e.id for e, _, _ in rows])
    profile = InvestorProfile(investor)
    co: Counter[str] = Counter()
    stages: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    for event, company, fld in rows:
        profile.deals.append(_deal(event, company, fld, names.get(event.id, []), investor.name))
        year = event.event_date.year
        profile.by_year[year] = profile.by_year.get(year, 0) + 1
        per_round = profile.by_year_round.setdefault(year, {})
        per_round[event.round] = per_round.get(event.round, 0) + 1
        stages[Round(event.round).stage.value] += 1
        if fld is None:
            profile.field_unknown += 1
        else:
            fields[fld] += 1
        if event.cny_low_fen is None:
            profile.amount_unknown += 1
        else:
            profile.amount_known_total_fen += event.cny_low_fen
        if event.province_code is None:
            profile.province_unknown += 1
        co.update(n for n in names.get(event.id, []) if n != investor.name)
    profile.by_stage = dict(stages.most_common())
    profile.by_field = dict(fields.most_common())
    profile.co_investors = sorted(co.items(), key=lambda kv: (-kv[1], kv[0]))
    return profile


def _deal(event: MarketEvent, company: str, fld: str | None, names: list[str], me: str) -> Deal:
    return Deal(
        event.id,
        event.event_date.isoformat(),
        company,
        event.round,
        event.cny_low_fen,
        event.province_code,
        fld,
        bool(names) and names[0] == me,
    )
