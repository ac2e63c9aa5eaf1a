"""Every insurance query."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chanrong.insurance.orm import InsuranceQuote


class InsuranceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, quote: InsuranceQuote) -> None:
        self.session.add(quote)
        self.session.flush()

    def quotes_of(self, org_id: str) -> Sequence[InsuranceQuote]:
        """Quotes an organisation issued (insurer) or received (enterprise)."""
        return self.session.scalars(
            select(InsuranceQuote)
            .where(or_(InsuranceQuote.insurer_org_id == org_id, InsuranceQuote.org_id == org_id))
            .order_by(InsuranceQuote.created_at)
        ).all()
