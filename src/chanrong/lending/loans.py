"""Term loans: booking (directly or from a credit decision), acceptance, disbursement.

A loan is booked on the bank's product, waits for the borrower to accept the schedule it
was shown, and is activated on disbursement: its schedule is fixed and the payout posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.credit import service as credit
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.lending import journal
from chanrong.lending.access import (
    check_borrower,
    loan_for_lender,
    require_bank_officer,
    visible_loan,
)
from chanrong.lending.delinquency import Category
from chanrong.lending.domain import LoanStatus, ProductKind, Purpose, RateType
from chanrong.lending.events import log_loan_event
from chanrong.lending.inputs import parse_amount, parse_enum, parse_pct
from chanrong.lending.ledger import Book
from chanrong.lending.orm import Loan, Product
from chanrong.lending.postings import write_schedule
from chanrong.lending.products import (
    check_terms,
    get_product,
    loan_rate,
    rate_curve,
    require_kind,
)
from chanrong.lending.repository import LendingRepository
from chanrong.lending.schedule import DayCount, RepaymentMethod, add_months, build_schedule


def book_loan(
    session: Session,
    principal: Principal,
    *,
    product_id: str,
    borrower_org_id: str,
    amount: Decimal | str,
    term_months: int,
    purpose: str,
    decision_id: str | None = None,
    annual_rate: Decimal | str | None = None,
    sweep_share_pct: Decimal | str | None = None,
    line_id: str | None = None,
    collection_account: str | None = None,
) -> Loan:
    """Book a term loan on the bank's own product (from a credit decision, or directly).

    The loan waits for the borrower's acceptance of its schedule before disbursement.
    Customer payments into its ``collection_account`` (default: a virtual account of its
    own) repay it automatically.
    """
    require_bank_officer(principal)
    product = get_product(session, principal, product_id)
    return new_loan(
        session,
        principal,
        product=product,
        borrower_org_id=borrower_org_id,
        amount=amount,
        term_months=term_months,
        purpose=purpose,
        decision_id=decision_id,
        annual_rate=annual_rate,
        sweep_share_pct=sweep_share_pct,
        line_id=line_id,
        kind=ProductKind.TERM,
        collection_account=collection_account,
    )


def book_from_decision(
    session: Session,
    principal: Principal,
    *,
    decision_id: str,
    product_id: str,
    term_months: int,
    purpose: str,
    amount: Decimal | str | None = None,
    sweep_share_pct: Decimal | str | None = None,
    collection_account: str | None = None,
) -> Loan:
    """Book a loan from the bank's own approved credit decision.

    The borrower, the limit and (for a fixed-rate product) the rate come from the decision;
    loans booked on one decision never add up to more than its limit. Without ``amount``
    the rest of the limit is booked.
    """
    require_bank_officer(principal)
    app = credit.get_application(session, principal, decision_id)
    if app.bank_org_id != principal.org_id:
        raise NotFound(f"application {decision_id} not found")
    if app.status != "approved":
        raise Conflict(
            f"decision_id: the decision is {app.status}, not approved", field="decision_id"
        )
    product = get_product(session, principal, product_id)
    repo = LendingRepository(session)
    used = sum(
        x.principal_fen
        for x in repo.loans(lender_org_id=principal.org_id, borrower_org_id=app.enterprise_org_id)
        if x.decision_id == app.id
    )
    remaining = app.limit_fen - used
    fen = remaining if amount is None else parse_amount(amount, "amount")
    if not 0 < fen <= remaining:
        raise ValidationFailed(
            f"amount: {max(remaining, 0) / 100:.2f} of the approved limit is left",
            field="amount",
        )
    rate = None
    if app.rate_pct is not None and product.rate_type == RateType.FIXED.value:
        rate = Decimal(str(app.rate_pct))
    return new_loan(
        session,
        principal,
        product=product,
        borrower_org_id=app.enterprise_org_id,
        amount=fen,
        term_months=term_months,
        purpose=purpose,
        decision_id=app.id,
        annual_rate=rate,
        sweep_share_pct=sweep_share_pct,
        line_id=None,
        kind=ProductKind.TERM,
        collection_account=collection_account,
    )


def new_loan(
    session: Session,
    principal: Principal,
    *,
    product: Product,
    borrower_org_id: str,
    amount: Decimal | str | int,
    term_months: int,
    purpose: str,
    decision_id: str | None,
    annual_rate: Decimal | str | None,
    sweep_share_pct: Decimal | str | None,
    line_id: str | None,
    kind: ProductKind,
    start: date | None = None,
    collection_account: str | None = None,
) -> Loan:
    """Book a loan of ``kind`` on ``product`` once its borrower and terms are checked."""
    require_kind(product, kind)
    loan_id = new_id()
    account = parse_collection_account(session, collection_account, loan_id)
    check_borrower(session, borrower_org_id)
    fen = amount if isinstance(amount, int) else parse_amount(amount, "amount")
    check_terms(product, fen, term_months)
    purp = parse_enum(Purpose, purpose, "purpose", Purpose)
    rate = loan_rate(session, product, start or utcnow().date(), annual_rate)
    loan = Loan(
        id=loan_id,
        product_id=product.id,
        line_id=line_id,
        lender_org_id=product.lender_org_id,
        borrower_org_id=borrower_org_id,
        decision_id=decision_id,
        principal_fen=fen,
        term_months=term_months,
        method=product.method,
        day_count=product.day_count,
        allocation_order=product.allocation_order,
        annual_rate=rate,
        spread=product.spread,
        lpr_tenor=product.lpr_tenor,
        repricing=product.repricing,
        penalty_markup_pct=product.penalty_markup_pct,
        purpose=purp.value,
        sweep_share_pct=parse_pct(sweep_share_pct, "sweep_share_pct", default=Decimal(0)),
        collection_account=account,
        related_parties=[],
        status=LoanStatus.BOOKED.value,
        schedule_version=0,
        dpd=0,
        bucket="current",
        category=Category.NORMAL.value,
        accrued_interest_fen=0,
        accrued_penalty_fen=0,
        booked_by_user_id=principal.user_id,
    )
    LendingRepository(session).add(loan)
    log_loan_event(
        session,
        "loan.booked",
        principal.org_id,
        loan,
        {
            "decision_id": decision_id,
            "line_id": line_id,
            "principal_fen": fen,
            "term_months": term_months,
            "annual_rate": str(rate),
            "method": loan.method,
            "day_count": loan.day_count,
            "purpose": loan.purpose,
            "collection_account": account,
        },
    )
    return loan


def virtual_account(loan_id: str) -> str:
    """The virtual collection account (虚拟回款账户) a loan gets unless the bank names one."""
    return "VA" + loan_id.replace("-", "").upper()


def parse_collection_account(session: Session, raw: str | None, loan_id: str) -> str:
    """The collection account a new loan binds: the bank's, checked and free, or its own."""
    if raw is None:
        return virtual_account(loan_id)
    account = raw.strip().replace(" ", "")
    if not 6 <= len(account) <= 40 or not all(c.isalnum() or c == "-" for c in account):
        raise ValidationFailed(
            "collection_account: 6 to 40 letters, digits or dashes", field="collection_account"
        )
    if LendingRepository(session).loan_by_collection_account(account) is not None:
        raise Conflict(
            "collection_account: already bound to another loan", field="collection_account"
        )
    return account


def accept_loan(
    session: Session, principal: Principal, loan_id: str, *, terms_sha256: str | None = None
) -> Loan:
    """The borrower accepts the booked loan and the schedule it was shown."""
    return accept(session, principal, loan_id, terms_sha256=terms_sha256)[0]


def accept(
    session: Session, principal: Principal, loan_id: str, *, terms_sha256: str | None = None
) -> tuple[Loan, int]:
    """Accept a booked loan as its borrower; with ``terms_sha256`` the acceptance's log entry
    names the terms document accepted. Returns the loan and the entry's index."""
    loan = visible_loan(session, principal, loan_id)
    if principal.org_id != loan.borrower_org_id:
        raise Forbidden("only the borrower accepts a loan")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")
    if loan.status != LoanStatus.BOOKED.value:
        raise Conflict(f"status: a {loan.status} loan cannot be accepted", field="status")
    loan.status = LoanStatus.ACCEPTED.value
    session.flush()
    payload: dict[str, str] = {"user_id": principal.user_id}
    if terms_sha256 is not None:
        payload["terms_sha256"] = terms_sha256
    return loan, log_loan_event(session, "loan.accepted", principal.org_id, loan, payload)


def disburse(session: Session, principal: Principal, loan_id: str, *, on: date) -> Loan:
    """Pay the loan out on ``on``: fix its schedule, post the disbursement."""
    loan = loan_for_lender(session, principal, loan_id)
    if loan.status != LoanStatus.ACCEPTED.value:
        raise Conflict(
            f"status: the loan is {loan.status}; the borrower must accept it first", field="status"
        )
    activate(session, loan, on)
    log_loan_event(
        session,
        "loan.disbursed",
        principal.org_id,
        loan,
        {"on": on.isoformat(), "principal_fen": loan.principal_fen},
    )
    return loan


def activate(session: Session, loan: Loan, on: date) -> None:
    """Fix the loan's schedule from ``on`` and post its disbursement."""
    until = add_months(on, loan.term_months)
    curve = rate_curve(session, loan, on, until, loan.annual_rate)
    loan.annual_rate = curve.initial
    schedule = build_schedule(
        loan.principal_fen,
        start=on,
        method=RepaymentMethod(loan.method),
        day_count=DayCount(loan.day_count),
        rate=curve,
        term_months=loan.term_months,
    )
    loan.start_on = on
    loan.closed_through = on
    loan.status = LoanStatus.ACTIVE.value
    write_schedule(session, loan, schedule.instalments, {})
    book = Book()
    book.post(loan.id, journal.disbursement(loan.principal_fen), on, memo="放款")
    book.flush(LendingRepository(session))


def booked_decisions(session: Session) -> dict[str, str]:
    """Every credit decision a disbursed loan was booked on, platform-wide: decision id → the
    first such loan's id (what credit trains on: ``credit.service.PlatformOutcomes``). Trusted
    callers only (training); a loan never disbursed carried no risk and is left out."""
    out: dict[str, str] = {}
    for loan in LendingRepository(session).loans():
        if loan.decision_id and loan.start_on is not None:
            out.setdefault(loan.decision_id, loan.id)
    return out


def list_loans(session: Session, principal: Principal) -> Sequence[Loan]:
    """A bank sees its own book; an enterprise its own borrowing; others nothing."""
    repo = LendingRepository(session)
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return repo.loans(lender_org_id=principal.org_id)
    if principal.org_kind is OrgKind.ENTERPRISE:
        return repo.loans(borrower_org_id=principal.org_id)
    return []


def get_loan(session: Session, principal: Principal, loan_id: str) -> Loan:
    """A loan its lender or its borrower may see."""
    return visible_loan(session, principal, loan_id)
