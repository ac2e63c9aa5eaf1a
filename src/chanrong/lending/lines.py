"""Revolving credit lines (循环额度): opening a line and drawing on it.

A drawdown is a loan on the line's revolving product, disbursed at once; the line's limit
revolves as drawdowns are repaid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import InstitutionType, OrgKind, Principal, Role
from chanrong.lending import journal
from chanrong.lending.access import check_borrower, require_bank_officer
from chanrong.lending.domain import LoanStatus, ProductKind, Purpose
from chanrong.lending.events import log_loan_event
from chanrong.lending.inputs import parse_amount, parse_enum, parse_pct
from chanrong.lending.loans import activate, new_loan
from chanrong.lending.orm import CreditLine, Loan
from chanrong.lending.products import check_terms, get_product, loan_rate, require_kind
from chanrong.lending.repository import LendingRepository


def open_credit_line(
    session: Session,
    principal: Principal,
    *,
    product_id: str,
    borrower_org_id: str,
    limit: Decimal | str,
    opened_on: date,
    expires_on: date,
    purpose: str,
    decision_id: str | None = None,
    annual_rate: Decimal | str | None = None,
    sweep_share_pct: Decimal | str | None = None,
) -> CreditLine:
    """Open a revolving line (循环额度) on a revolving product."""
    require_bank_officer(principal)
    product = get_product(session, principal, product_id)
    require_kind(product, ProductKind.REVOLVING)
    check_borrower(session, borrower_org_id)
    fen = parse_amount(limit, "limit")
    check_terms(product, fen, None, field="limit")
    if expires_on <= opened_on:
        raise ValidationFailed("expires_on: must be after opened_on", field="expires_on")
    rate = None
    if annual_rate is not None:
        rate = loan_rate(session, product, opened_on, annual_rate)
    line = CreditLine(
        product_id=product.id,
        lender_org_id=principal.org_id,
        borrower_org_id=borrower_org_id,
        decision_id=decision_id,
        limit_fen=fen,
        annual_rate=rate,
        opened_on=opened_on,
        expires_on=expires_on,
        purpose=parse_enum(Purpose, purpose, "purpose", Purpose).value,
        sweep_share_pct=parse_pct(sweep_share_pct, "sweep_share_pct", default=Decimal(0)),
    )
    LendingRepository(session).add(line)
    governance.append_log(
        session,
        kind="loan.line_opened",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:line/{line.id}",
        payload={
            "line_id": line.id,
            "borrower_org_id": borrower_org_id,
            "limit_fen": fen,
            "decision_id": decision_id,
            "expires_on": expires_on,
        },
    )
    return line


def get_line(session: Session, principal: Principal, line_id: str) -> CreditLine:
    """A credit line its lender or its borrower may see; anyone else gets a 404."""
    line = LendingRepository(session).line(line_id)
    if line is None or principal.org_id not in (line.lender_org_id, line.borrower_org_id):
        raise NotFound(f"credit line {line_id} not found")
    return line


def line_available_fen(session: Session, line: CreditLine) -> int:
    """Limit less the principal still outstanding on the line's drawdowns (it revolves)."""
    repo = LendingRepository(session)
    loans = [x for x in repo.loans(line_id=line.id) if x.status != LoanStatus.CLOSED.value]
    outstanding = repo.account_balance([x.id for x in loans], journal.Account.LOAN_PRINCIPAL.value)
    pending = sum(
        x.principal_fen
        for x in loans
        if x.status in (LoanStatus.BOOKED.value, LoanStatus.ACCEPTED.value)
    )
    return line.limit_fen - sum(outstanding.values()) - pending


@dataclass(frozen=True, slots=True)
class LineBalance:
    """A credit line and what it still lends today."""

    line: CreditLine
    available_fen: int


def lines_available(session: Session, line_ids: Sequence[str]) -> dict[str, LineBalance]:
    """``line_available_fen`` for many lines at once, in three queries per 500 lines (the
    nightly revaluation of collateral pools reads every pool's line). No caller check: the
    caller (a platform pipeline) keeps only the lines of the lender it serves. Unknown ids are
    absent from the answer."""
    repo = LendingRepository(session)
    lines = repo.lines_by_ids(line_ids)
    loans = [x for x in repo.loans_on_lines(list(lines)) if x.status != LoanStatus.CLOSED.value]
    outstanding = repo.account_balance([x.id for x in loans], journal.Account.LOAN_PRINCIPAL.value)
    used = dict.fromkeys(lines, 0)
    for x in loans:
        assert x.line_id is not None  # read by line
        used[x.line_id] += outstanding.get(x.id, 0)
        if x.status in (LoanStatus.BOOKED.value, LoanStatus.ACCEPTED.value):
            used[x.line_id] += x.principal_fen
    return {i: LineBalance(ln, ln.limit_fen - used[i]) for i, ln in lines.items()}


def draw(
    session: Session,
    principal: Principal,
    line_id: str,
    *,
    amount: Decimal | str,
    term_months: int,
    on: date,
) -> Loan:
    """Draw on a credit line: the drawdown is a loan, disbursed at once.

    The borrower (officer) draws; the line's acceptance stands for the drawdown's.
    """
    line = get_line(session, principal, line_id)
    if principal.org_id != line.borrower_org_id or not principal.has_role(Role.OFFICER):
        raise Forbidden("only the borrower's officers draw on a line")
    if not line.opened_on <= on < line.expires_on:
        raise ValidationFailed("on: the line is not open on this date", field="on")
    fen = parse_amount(amount, "amount")
    available = line_available_fen(session, line)
    if fen > available:
        raise ValidationFailed(
            f"amount: only {available / 100:.2f} of the line is available", field="amount"
        )
    product = LendingRepository(session).product(line.product_id)
    assert product is not None
    lender = Principal(
        user_id=principal.user_id,
        org_id=line.lender_org_id,
        org_kind=OrgKind.FINANCIAL_INSTITUTION,
        roles=frozenset({Role.OFFICER}),
        institution_type=InstitutionType.BANK,
    )
    loan = new_loan(
        session,
        lender,
        product=product,
        borrower_org_id=line.borrower_org_id,
        amount=fen,
        term_months=term_months,
        purpose=line.purpose,
        decision_id=line.decision_id,
        annual_rate=line.annual_rate,
        sweep_share_pct=line.sweep_share_pct,
        line_id=line.id,
        kind=ProductKind.REVOLVING,
        start=on,
    )
    activate(session, loan, on)
    log_loan_event(
        session,
        "loan.drawn",
        principal.org_id,
        loan,
        {"line_id": line.id, "on": on.isoformat(), "principal_fen": fen},
    )
    return loan
