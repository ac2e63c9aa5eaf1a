"""投贷联动: a bank links a loan offer (one of its lending products and a limit) to an
enterprise's equity round (its equity financing need); the limit opens when the round
closes. Recorded on both sides: the bank and the enterprise each list the link. Flushes,
never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.funds.orm import EquityLoanLink, FinancingNeed
from chanrong.identity.domain import InstitutionType, Principal
from chanrong.lending import service as lending

CONDITION = "round_closes"


def link_loan_to_round(
    session: Session, principal: Principal, need_id: str, *, product_id: str, limit_fen: int
) -> EquityLoanLink:
    """A bank links its product and a limit to an enterprise's equity round; the limit opens
    when the round closes (at once if it has closed already)."""
    if principal.institution_type is not InstitutionType.BANK:
        raise ValidationFailed("a loan offer is a bank's", field="product_id")
    need = session.get(FinancingNeed, need_id)
    if need is None:
        raise NotFound(f"no financing need {need_id}")
    if need.instrument != "equity":
        raise ValidationFailed("need_id: link a loan to an equity round", field="need_id")
    lending.get_product(session, principal, product_id)  # another bank's product: NotFound
    if limit_fen <= 0:
        raise ValidationFailed("limit_yuan: a limit is positive", field="limit_yuan")
    opened = need.closed_on
    link = EquityLoanLink(
        bank_org_id=principal.org_id,
        need_id=need.id,
        product_id=product_id,
        limit_fen=limit_fen,
        condition=CONDITION,
        status="open" if opened else "pending",
        opened_on=opened,
    )
    session.add(link)
    session.flush()
    return link


def close_round(session: Session, org_id: str, need_id: str, *, on: date) -> list[EquityLoanLink]:
    """The enterprise records that its equity round closed; every linked limit opens."""
    need = session.get(FinancingNeed, need_id)
    if need is None or need.org_id != org_id:
        raise NotFound(f"no financing need {need_id}")
    if need.instrument != "equity":
        raise ValidationFailed("need_id: only an equity round closes", field="need_id")
    if need.closed_on is not None:
        raise Conflict(f"the round closed on {need.closed_on}")
    need.closed_on = on
    links = list(
        session.scalars(select(EquityLoanLink).where(EquityLoanLink.need_id == need.id)).all()
    )
    for link in links:
        link.status, link.opened_on = "open", on
    session.flush()
    return links


def links_of(session: Session, org_id: str) -> Sequence[tuple[EquityLoanLink, FinancingNeed]]:
    """The links the organisation is party to: as the bank, or as the enterprise whose round
    it is."""
    return [
        (link, need)
        for link, need in session.execute(
            select(EquityLoanLink, FinancingNeed)
            .join(FinancingNeed, FinancingNeed.id == EquityLoanLink.need_id)
            .where(or_(EquityLoanLink.bank_org_id == org_id, FinancingNeed.org_id == org_id))
            .order_by(EquityLoanLink.created_at, EquityLoanLink.id)
        ).all()
    ]
