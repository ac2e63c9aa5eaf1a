"""Who may see and act on what in lending, and who may borrow.

A loan is visible to its lender and its borrower only (to anyone else it does not exist: a
404, not a 403); acting on a loan's book takes an officer of the lending bank; the
counterparty of a loan or a credit line is an enterprise on the platform.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden, NotFound, ValidationFailed
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal, Role
from chanrong.lending.orm import Loan
from chanrong.lending.repository import LendingRepository


def require_bank_officer(principal: Principal) -> None:
    """Products, bookings, servicing and monitoring are for a bank's officers."""
    if (
        principal.org_kind is not OrgKind.FINANCIAL_INSTITUTION
        or principal.institution_type is not InstitutionType.BANK
    ):
        raise Forbidden("this action is for banks")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def visible_loan(
    session: Session, principal: Principal, loan_id: str, *, lock: bool = False
) -> Loan:
    """A loan its lender or its borrower may see; anyone else gets a 404."""
    loan = LendingRepository(session).loan(loan_id, for_update=lock)
    if loan is None or principal.org_id not in (loan.lender_org_id, loan.borrower_org_id):
        raise NotFound(f"loan {loan_id} not found")
    return loan


def loan_for_lender(session: Session, principal: Principal, loan_id: str) -> Loan:
    """A loan of the caller's own book, for an officer of the lending bank, locked for the
    rest of the transaction (every caller goes on to change it)."""
    loan = visible_loan(session, principal, loan_id, lock=True)
    if principal.org_id != loan.lender_org_id:
        raise Forbidden("only the lending bank acts on this loan")
    require_bank_officer(principal)
    return loan


def check_borrower(session: Session, borrower_org_id: str) -> None:
    """The counterparty of a loan or a credit line must be an enterprise on the platform."""
    borrower = identity.find_organisation(session, borrower_org_id)
    if borrower is None or borrower.kind != OrgKind.ENTERPRISE.value:
        raise ValidationFailed(
            "borrower_org_id: must be an enterprise on the platform", field="borrower_org_id"
        )
