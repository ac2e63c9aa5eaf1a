"""Typed builders for lending tests: principals, products, loans at a given stage."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.identity.repository import IdentityRepository
from chanrong.lending import service as lending
from chanrong.lending.orm import Loan, Product
from tests.builders import Member


def principal(session: Session, member: Member) -> Principal:
    """The principal a member's API key resolves to."""
    repo = IdentityRepository(session)
    user = repo.user(member.user_id)
    org = repo.org(member.org_id)
    assert user is not None and org is not None
    return identity.principal_of(user, org)


def product(
    session: Session,
    officer: Principal,
    *,
    code: str = "TERM-EI",
    kind: str = "term",
    method: str = "equal_instalment",
    day_count: str = "act_365",
    rate: str = "3.65",
    allocation_order: str = "penalty_interest_principal",
) -> Product:
    return lending.create_product(
        session,
        officer,
        code=code,
        name=f"{code} product",
        kind=kind,
        method=method,
        day_count=day_count,
        rate_type="fixed",
        fixed_rate=Decimal(rate),
        allocation_order=allocation_order,
        max_term_months=36,
        max_amount=Decimal("5000000"),
    )


def active_loan(
    session: Session,
    officer: Principal,
    borrower: Principal,
    *,
    prod: Product | None = None,
    amount: str = "10000.00",
    term_months: int = 3,
    start: date = date(2025, 1, 10),
    sweep_share_pct: str | None = None,
) -> Loan:
    """A loan booked, accepted by the borrower and disbursed on ``start``."""
    prod = prod or product(session, officer)
    loan = lending.book_loan(
        session,
        officer,
        product_id=prod.id,
        borrower_org_id=borrower.org_id,
        amount=Decimal(amount),
        term_months=term_months,
        purpose="raw_materials",
        sweep_share_pct=sweep_share_pct,
    )
    lending.accept_loan(session, borrower, loan.id)
    return lending.disburse(session, officer, loan.id, on=start)
