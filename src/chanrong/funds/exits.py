"""Exits (退): IPO, M&A, buy-back and write-off, each with its proceeds. Flushes, never commits.

An exit's proceeds feed the fund's performance: unless the manager keeps them in the fund,
they are distributed to the LPs as a recorded cash flow on the exit date (so DPI, TVPI and
IRR move), and the exit names that flow. A write-off has no proceeds. After a write-off the
investment is closed to further exits; partial exits (several sales) are allowed before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.funds.orm import FundExit, FundFlow, FundInvestment
from chanrong.funds.records import owned_fund

EXIT_KINDS = ("ipo", "ma", "buyback", "writeoff")


def add_exit(
    session: Session,
    org_id: str,
    investment_id: str,
    *,
    kind: str,
    on: date,
    proceeds_fen: int,
    distribute: bool = True,
) -> FundExit:
    """Record an exit; its proceeds become a distribution to the LPs unless ``distribute`` is
    False. A write-off must have zero proceeds; any other exit positive proceeds."""
    inv = session.get(FundInvestment, investment_id)
    if inv is None:
        raise NotFound(f"no investment {investment_id}")
    fund = owned_fund(session, org_id, inv.fund_id)  # another organisation: NotFound
    if kind not in EXIT_KINDS:
        raise ValidationFailed(
            f"kind: {kind!r} is not one of {', '.join(EXIT_KINDS)}", field="kind"
        )
    if kind == "writeoff" and proceeds_fen != 0:
        raise ValidationFailed("proceeds_yuan: a write-off has no proceeds", field="proceeds_yuan")
    if kind != "writeoff" and proceeds_fen <= 0:
        raise ValidationFailed("proceeds_yuan: give the (positive) proceeds", field="proceeds_yuan")
    earlier = exits_of(session, [inv.id])
    if any(e.kind == "writeoff" for e in earlier):
        raise Conflict("the investment was written off")
    if on < inv.on:
        raise ValidationFailed(
            f"date: an exit cannot precede the investment ({inv.on})", field="date"
        )
    flow_id = None
    if proceeds_fen and distribute:
        flow = FundFlow(fund_id=fund.id, on=on, amount_fen=proceeds_fen, lp=None)
        session.add(flow)
        session.flush()
        flow_id = flow.id
    row = FundExit(
        investment_id=inv.id, kind=kind, on=on, proceeds_fen=proceeds_fen, flow_id=flow_id
    )
    session.add(row)
    session.flush()
    return row


def exits_of(session: Session, investment_ids: Sequence[str]) -> Sequence[FundExit]:
    """The exits of the given investments by date."""
    if not investment_ids:
        return []
    return session.scalars(
        select(FundExit)
        .where(FundExit.investment_id.in_(investment_ids))
        .order_by(FundExit.on, FundExit.id)
    ).all()


@dataclass(frozen=True, slots=True)
class Realised:
    """Proceeds over cost of the exited investments whose cost is known (gross, before fees);
    investments exited at an unknown cost are listed, not counted."""

    multiple: Decimal | None
    proceeds_fen: int
    cost_fen: int
    exits: tuple[str, ...]
    unknown_cost: tuple[str, ...]


def realised(investments: Sequence[FundInvestment], exits: Sequence[FundExit]) -> Realised:
    """The realised gross multiple of the exited investments."""
    by_id = {i.id: i for i in investments}
    exited = {e.investment_id for e in exits}
    unknown = tuple(sorted(i for i in exited if by_id[i].amount_fen is None))
    counted = [e for e in exits if by_id[e.investment_id].amount_fen is not None]
    cost = sum(by_id[i].amount_fen or 0 for i in exited if i not in unknown)
    proceeds = sum(e.proceeds_fen for e in counted)
    multiple = Decimal(proceeds) / Decimal(cost) if cost else None
    return Realised(multiple, proceeds, cost, tuple(e.id for e in counted), unknown)
