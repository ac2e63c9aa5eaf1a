"""A partner guarantor's business mix against the national fund's eligibility rules
(≥ 80 % to small/micro firms and agriculture, ≥ 50 % in single loans of ¥5 M or less), from
its guarantees on the platform. A borrower whose size the platform does not know (no revenue
on its profile) is not counted as small: unknown is not guessed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound
from chanrong.credit import service as credit
from chanrong.guarantee.domain import PartnerBook, partner_shortfalls
from chanrong.guarantee.presets import FIVE_MILLION_FEN
from chanrong.guarantee.repository import LIVE, GuaranteeRepository
from chanrong.guarantee.subsidy import Size, size_of
from chanrong.identity import service as identity

SMALL = (Size.SMALL, Size.MICRO)


@dataclass(frozen=True, slots=True)
class PartnerStanding:
    book: PartnerBook
    unknown_size_fen: int  # principal to borrowers of unknown size (counted as not small)
    shortfalls: list[str]

    @property
    def eligible(self) -> bool:
        return not self.shortfalls


def partner_standing(session: Session, guarantor_org_id: str) -> PartnerStanding:
    """The guarantor's live guarantees measured against the partner rules."""
    total = small_agri = single_small = unknown = 0
    for g in GuaranteeRepository(session).guarantees(guarantor_org_id=guarantor_org_id):
        if g.status not in LIVE:
            continue
        total += g.principal_fen
        if g.principal_fen <= FIVE_MILLION_FEN:
            single_small += g.principal_fen
        org = identity.find_organisation(session, g.borrower_org_id)
        if org is not None and (org.industry_code or "").startswith("A"):
            small_agri += g.principal_fen  # agriculture (GB/T 4754 section A)
            continue
        try:
            size = size_of(credit.latest_profile(session, g.borrower_org_id).revenue_12m_fen)
        except NotFound:
            size = None
        if size is None:
            unknown += g.principal_fen
        elif size in SMALL:
            small_agri += g.principal_fen
    book = PartnerBook(total, small_agri, single_small)
    return PartnerStanding(book, unknown, partner_shortfalls(book))
