"""The deal pipeline (募投管退's 投): a fund watches companies by their name in the market data;
a financing event of a watched company in the market data enters the pipeline as a deal
(once per event, by the worker's daily ``funds.pipeline_sync``), and the fund manager moves
each deal through its stages, every move recorded with who and when.

Stages run sourced → screening → due_diligence → term_sheet → invested; any open deal can be
passed on. A deal keeps the round, date and amount the event had when it entered (an event
later rolled back with its import leaves the deal as it was: the manager decides).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.funds.orm import Fund, FundDeal, FundDealMove, FundWatch
from chanrong.funds.records import owned_fund
from chanrong.identity.domain import Principal
from chanrong.market import service as market

STAGES = ("sourced", "screening", "due_diligence", "term_sheet", "invested", "passed")
FINAL = ("invested", "passed")
# Forward one stage at a time, or pass on an open deal.
NEXT = {
    "sourced": "screening",
    "screening": "due_diligence",
    "due_diligence": "term_sheet",
    "term_sheet": "invested",
}


def watch_company(session: Session, principal: Principal, fund_id: str, name: str) -> FundWatch:
    """Put a company (its name as the market data writes it) on the fund's watch list."""
    fund = owned_fund(session, principal.org_id, fund_id)
    name = name.strip()
    if not name:
        raise ValidationFailed("company_name: name the company", field="company_name")
    if len(name) > 200:
        raise ValidationFailed("company_name: at most 200 characters", field="company_name")
    taken = session.scalar(
        select(FundWatch).where(FundWatch.fund_id == fund.id, FundWatch.company_name == name)
    )
    if taken is not None:
        raise Conflict(f"{name!r} is already on the watch list")
    row = FundWatch(fund_id=fund.id, company_name=name)
    session.add(row)
    session.flush()
    return row


def watchlist(session: Session, principal: Principal, fund_id: str) -> Sequence[FundWatch]:
    """The fund's watch list by name."""
    fund = owned_fund(session, principal.org_id, fund_id)
    return session.scalars(
        select(FundWatch).where(FundWatch.fund_id == fund.id).order_by(FundWatch.company_name)
    ).all()


@dataclass(frozen=True, slots=True)
class Synced:
    """What one sync did: watched names, those not (yet) in the market data, deals added."""

    watched: int
    not_in_market: tuple[str, ...]
    added: tuple[str, ...]

    def summary(self) -> str:
        """One line for the job's record."""
        return (
            f"{self.watched} watched, {len(self.not_in_market)} not in the market data, "
            f"{len(self.added)} deal(s) added"
        )


def sync_from_market(session: Session, fund_id: str) -> Synced:
    """Add to the fund's pipeline every market financing event of a watched company that is
    not in it yet (idempotent: one deal per event)."""
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound(f"no fund {fund_id}")
    known = set(
        session.scalars(
            select(FundDeal.source_ref).where(
                FundDeal.fund_id == fund.id, FundDeal.source_ref.is_not(None)
            )
        )
    )
    names = [w.company_name for w in session.scalars(
        select(FundWatch).where(FundWatch.fund_id == fund.id).order_by(FundWatch.company_name)
    )]  # fmt: skip
    missing: list[str] = []
    added: list[str] = []
    for name in names:
        found = [c for c in market.list_companies(session, query=name) if c.name == name]
        if not found:
            missing.append(name)
            continue
        for view in market.list_events(session, company_id=found[0].id, limit=1000):
            e = view.event
            if e.id in known:
                continue
            deal = FundDeal(
                fund_id=fund.id,
                company_name=name,
                source="market_event",
                source_ref=e.id,
                round=e.round,
                event_date=e.event_date,
                amount_fen=e.cny_low_fen,
                stage="sourced",
            )
            session.add(deal)
            session.flush()
            session.add(FundDealMove(deal_id=deal.id, from_stage=None, to_stage="sourced",
                                     by_user=None, note=f"market event {e.id}"))  # fmt: skip
            known.add(e.id)
            added.append(deal.id)
    session.flush()
    return Synced(len(names), tuple(missing), tuple(added))


def deals_of(
    session: Session, principal: Principal, fund_id: str, *, stage: str | None = None
) -> Sequence[FundDeal]:
    """The fund's deals, newest event first (only its manager sees them)."""
    fund = owned_fund(session, principal.org_id, fund_id)
    if stage is not None and stage not in STAGES:
        raise ValidationFailed(f"stage: one of {', '.join(STAGES)}", field="stage")
    q = select(FundDeal).where(FundDeal.fund_id == fund.id)
    if stage is not None:
        q = q.where(FundDeal.stage == stage)
    return session.scalars(q.order_by(FundDeal.event_date.desc(), FundDeal.id)).all()


def move_deal(
    session: Session, principal: Principal, fund_id: str, deal_id: str, *, to: str, note: str = ""
) -> FundDeal:
    """Move a deal one stage on, or pass on it; a final deal does not move."""
    fund = owned_fund(session, principal.org_id, fund_id)
    deal = session.get(FundDeal, deal_id)
    if deal is None or deal.fund_id != fund.id:
        raise NotFound(f"no deal {deal_id}")
    if to not in STAGES:
        raise ValidationFailed(f"to: one of {', '.join(STAGES)}", field="to")
    if deal.stage in FINAL:
        raise Conflict(f"the deal is {deal.stage}: it does not move")
    if to != "passed" and NEXT.get(deal.stage) != to:
        raise Conflict(f"from {deal.stage} a deal moves to {NEXT[deal.stage]} or passed")
    session.add(FundDealMove(deal_id=deal.id, from_stage=deal.stage, to_stage=to,
                             by_user=principal.user_id, note=note.strip()[:300]))  # fmt: skip
    deal.stage = to
    session.flush()
    return deal


def moves_of(session: Session, deal_ids: Sequence[str]) -> Sequence[FundDealMove]:
    """The moves of the given deals, oldest first."""
    if not deal_ids:
        return []
    return session.scalars(
        select(FundDealMove)
        .where(FundDealMove.deal_id.in_(deal_ids))
        .order_by(FundDealMove.at, FundDealMove.id)
    ).all()


def funds_watching(session: Session) -> list[str]:
    """Every fund with a watch list (the worker's subjects)."""
    return sorted(set(session.scalars(select(FundWatch.fund_id))))
