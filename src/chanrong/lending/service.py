"""Lending use cases: products, loans, money movements, the daily close, monitoring.

Services flush, never commit. Every money movement is a balanced journal entry written
through ``Book``; balances are sums over the journal; each state change another party relies
on (booking, acceptance, disbursement, repayment, classification, alert) is appended to the
verifiable log through ``chanrong.governance.service.append_log``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, ConsentRequired, Forbidden, NotFound, ValidationFailed
from chanrong.core.i18n import t
from chanrong.core.ids import new_id
from chanrong.core.money import round_fen, to_decimal, yuan_to_fen
from chanrong.credit import service as credit
from chanrong.governance import service as governance
from chanrong.governance.service import Purpose as DataPurpose
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal, Role
from chanrong.lending import journal
from chanrong.lending.allocation import AllocationOrder, Component, allocate
from chanrong.lending.delinquency import (
    Category,
)
from chanrong.lending.domain import FundUse as FundUseReport
from chanrong.lending.domain import (
    InstalmentState,
    LoanStatus,
    LprTenor,
    OutgoingPayment,
    ProductKind,
    Purpose,
    RateType,
    RepaymentSource,
    Repricing,
    check_fund_use,
    dues,
    lpr_curve,
    sweep_share,
)
from chanrong.lending.ledger import (
    Book,
    accrue,
    apply_held,
    instalment_states,
    penalty_owed,
    reclassify,
    settled,
    subledger_checks,
)
from chanrong.lending.monitoring import (
    AlertKind,
    BorrowerSeries,
    MonitoringConfig,
    Order,
    Point,
    Severity,
    detect,
)
from chanrong.lending.orm import (
    Alert,
    CreditLine,
    DailyClose,
    Instalment,
    JournalEntry,
    JournalLine,
    Loan,
    LprFixing,
    Product,
    Repayment,
)
from chanrong.lending.orm import Allocation as AllocationRow
from chanrong.lending.orm import ClassificationChange as ClassificationRow
from chanrong.lending.repository import InstalmentRow, LendingRepository, PaidIndex
from chanrong.lending.schedule import (
    MAX_TERM_MONTHS,
    DayCount,
    RateCurve,
    RepaymentMethod,
    Schedule,
    add_months,
    build_schedule,
    check_rate,
    exact_interest,
    recalculate_after_prepayment,
)
from chanrong.lending.schedule import Instalment as PlannedInstalment
from chanrong.telemetry import service as telemetry

E = TypeVar("E")

# Datasets the monitoring detectors read, by the series they feed.
MONITORING_DATASETS = {
    "output": "telemetry.equipment",
    "energy": "business.energy_bills",
    "orders": "business.orders",
    "payment_delay_days": "business.payments",
}


# ---------------------------------------------------------------- parsing and access rules


def _enum(enum_cls: Callable[[str], E], value: str | None, field_name: str, allowed: Any) -> E:
    try:
        return enum_cls(str(value))
    except ValueError:
        names = ", ".join(str(e.value) for e in allowed)
        raise ValidationFailed(
            f"{field_name}: {value!r} is not one of {names}", field=field_name
        ) from None


def _amount_fen(value: Decimal | str | int, field_name: str) -> int:
    fen = yuan_to_fen(value, field=field_name)
    if fen <= 0:
        raise ValidationFailed(f"{field_name}: must be more than zero", field=field_name)
    return fen


def _pct(value: Decimal | str | int | None, field_name: str, *, default: Decimal) -> Decimal:
    if value is None:
        return default
    pct = to_decimal(value, field=field_name)
    return check_rate(pct, field=field_name)


def _require_bank_officer(principal: Principal) -> None:
    if (
        principal.org_kind is not OrgKind.FINANCIAL_INSTITUTION
        or principal.institution_type is not InstitutionType.BANK
    ):
        raise Forbidden("this action is for banks")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def _visible_loan(
    session: Session, principal: Principal, loan_id: str, *, lock: bool = False
) -> Loan:
    """A loan its lender or its borrower may see; anyone else gets a 404."""
    loan = LendingRepository(session).loan(loan_id, for_update=lock)
    if loan is None or principal.org_id not in (loan.lender_org_id, loan.borrower_org_id):
        raise NotFound(f"loan {loan_id} not found")
    return loan


def _book_loan_for(session: Session, principal: Principal, loan_id: str) -> Loan:
    """A loan of the caller's own book, for an officer of the lending bank, locked for the
    rest of the transaction (every caller goes on to change it)."""
    loan = _visible_loan(session, principal, loan_id, lock=True)
    if principal.org_id != loan.lender_org_id:
        raise Forbidden("only the lending bank acts on this loan")
    _require_bank_officer(principal)
    return loan


def _log(
    session: Session, kind: str, actor: str | None, loan: Loan, payload: dict[str, Any]
) -> int:
    ref = governance.append_log(
        session,
        kind=kind,
        actor_org_id=actor,
        subject=f"{loan.lender_org_id}:loan/{loan.id}",
        payload={"loan_id": loan.id, "borrower_org_id": loan.borrower_org_id, **payload},
    )
    return ref.index


# ---------------------------------------------------------------- products and rates


def create_product(
    session: Session,
    principal: Principal,
    *,
    code: str,
    name: str,
    kind: str,
    method: str,
    day_count: str,
    rate_type: str,
    fixed_rate: Decimal | str | None = None,
    spread: Decimal | str | None = None,
    lpr_tenor: str | None = None,
    repricing: str | None = None,
    allocation_order: str = AllocationOrder.PENALTY_INTEREST_PRINCIPAL.value,
    penalty_markup_pct: Decimal | str | None = None,
    max_term_months: int = 36,
    max_amount: Decimal | str = Decimal("10000000"),
) -> Product:
    """A bank defines a loan product; every pricing and servicing choice is stated on it."""
    _require_bank_officer(principal)
    code = code.strip()
    if not code or len(code) > 40:
        raise ValidationFailed("code: 1 to 40 characters", field="code")
    if not name.strip():
        raise ValidationFailed("name: must not be empty", field="name")
    pkind = _enum(ProductKind, kind, "kind", ProductKind)
    pmethod = _enum(RepaymentMethod, method, "method", RepaymentMethod)
    pdc = _enum(DayCount, day_count, "day_count", DayCount)
    prt = _enum(RateType, rate_type, "rate_type", RateType)
    order = _enum(AllocationOrder, allocation_order, "allocation_order", AllocationOrder)
    fixed: Decimal | None = None
    sp: Decimal | None = None
    tenor: LprTenor | None = None
    rep: Repricing | None = None
    if prt is RateType.FIXED:
        if fixed_rate is None:
            raise ValidationFailed(
                "fixed_rate: required for a fixed-rate product", field="fixed_rate"
            )
        fixed = check_rate(to_decimal(fixed_rate, field="fixed_rate"), field="fixed_rate")
    else:
        if spread is None:
            raise ValidationFailed("spread: required for an LPR product", field="spread")
        sp = to_decimal(spread, field="spread")
        if abs(sp) >= 50:
            raise ValidationFailed("spread: percentage points, below 50", field="spread")
        tenor = _enum(LprTenor, lpr_tenor or "1y", "lpr_tenor", LprTenor)
        rep = _enum(Repricing, repricing or "anniversary", "repricing", Repricing)
    if not 1 <= max_term_months <= MAX_TERM_MONTHS:
        raise ValidationFailed(f"max_term_months: 1 to {MAX_TERM_MONTHS}", field="max_term_months")
    repo = LendingRepository(session)
    if repo.product_by_code(principal.org_id, code):
        raise Conflict(f"code: product {code!r} already exists", field="code")
    product = Product(
        lender_org_id=principal.org_id,
        code=code,
        name=name.strip(),
        kind=pkind.value,
        method=pmethod.value,
        day_count=pdc.value,
        rate_type=prt.value,
        fixed_rate=fixed,
        spread=sp,
        lpr_tenor=tenor.value if tenor else None,
        repricing=rep.value if rep else None,
        allocation_order=order.value,
        penalty_markup_pct=_pct(penalty_markup_pct, "penalty_markup_pct", default=Decimal(50)),
        max_term_months=max_term_months,
        max_amount_fen=_amount_fen(max_amount, "max_amount"),
    )
    repo.add(product)
    return product


def list_products(session: Session, principal: Principal) -> Sequence[Product]:
    """A bank sees its own products; an enterprise sees every bank's offer."""
    repo = LendingRepository(session)
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return repo.products(principal.org_id)
    return repo.products()


def get_product(session: Session, principal: Principal, product_id: str) -> Product:
    product = LendingRepository(session).product(product_id)
    if product is None or (
        principal.org_kind is OrgKind.FINANCIAL_INSTITUTION
        and product.lender_org_id != principal.org_id
    ):
        raise NotFound(f"product {product_id} not found")
    return product


def record_lpr(
    session: Session, principal: Principal, *, tenor: str, effective_on: date, rate: Decimal | str
) -> LprFixing:
    """Record a published LPR fixing (banks and the platform operator keep the table)."""
    if not (
        principal.org_kind in (OrgKind.FINANCIAL_INSTITUTION, OrgKind.PLATFORM_OPERATOR)
        and principal.has_role(Role.OFFICER)
    ):
        raise Forbidden("LPR fixings are recorded by bank or operator officers")
    t = _enum(LprTenor, tenor, "tenor", LprTenor)
    value = check_rate(to_decimal(rate, field="rate"), field="rate")
    repo = LendingRepository(session)
    if repo.lpr_fixing(t.value, effective_on):
        raise Conflict(
            f"effective_on: an LPR {t.value} fixing for {effective_on} exists", field="effective_on"
        )
    row = LprFixing(tenor=t.value, effective_on=effective_on, rate=value)
    repo.add(row)
    return row


def _curve(
    session: Session, loan: Loan | Product, start: date, until: date, rate: Decimal
) -> RateCurve:
    """The loan's rate over its life: fixed, or LPR + spread repriced on its dates."""
    if loan.spread is None or loan.lpr_tenor is None:
        return RateCurve.fixed(rate)
    fixings = [
        (f.effective_on, f.rate) for f in LendingRepository(session).lpr_fixings(loan.lpr_tenor)
    ]
    try:
        return lpr_curve(
            fixings,
            spread=loan.spread,
            start=start,
            until=until,
            repricing=Repricing(loan.repricing or "anniversary"),
        )
    except ValueError as exc:
        raise ValidationFailed(f"start_on: {exc}", field="start_on") from None


def _initial_rate(session: Session, product: Product, start: date) -> Decimal:
    if product.fixed_rate is not None:
        return product.fixed_rate
    return _curve(session, product, start, start, Decimal(0)).initial


def quote(
    session: Session,
    principal: Principal,
    *,
    product_id: str,
    amount: Decimal | str,
    term_months: int,
    start_on: date,
    annual_rate: Decimal | str | None = None,
) -> tuple[Product, Schedule]:
    """The schedule a loan would have: shown to the borrower before acceptance."""
    product = get_product(session, principal, product_id)
    fen = _amount_fen(amount, "amount")
    _check_terms(product, fen, term_months)
    rate = _loan_rate(session, product, start_on, annual_rate)
    curve = _curve(session, product, start_on, add_months(start_on, term_months), rate)
    schedule = build_schedule(
        fen,
        start=start_on,
        method=RepaymentMethod(product.method),
        day_count=DayCount(product.day_count),
        rate=curve,
        term_months=term_months,
    )
    return product, schedule


def _check_terms(product: Product, fen: int, term_months: int) -> None:
    if fen > product.max_amount_fen:
        raise ValidationFailed(
            f"amount: above the product's maximum of {product.max_amount_fen / 100:.2f}",
            field="amount",
        )
    if not 1 <= term_months <= product.max_term_months:
        raise ValidationFailed(
            f"term_months: 1 to {product.max_term_months} for this product", field="term_months"
        )


def _loan_rate(
    session: Session, product: Product, start: date, annual_rate: Decimal | str | None
) -> Decimal:
    if annual_rate is not None:
        if product.rate_type == RateType.LPR.value:
            raise ValidationFailed(
                "annual_rate: an LPR product takes its rate from LPR + spread", field="annual_rate"
            )
        return check_rate(to_decimal(annual_rate, field="annual_rate"))
    return _initial_rate(session, product, start)


# ---------------------------------------------------------------- loans and lines


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
) -> Loan:
    """Book a term loan on the bank's own product (from a credit decision, or directly).

    The loan waits for the borrower's acceptance of its schedule before disbursement.
    """
    _require_bank_officer(principal)
    product = get_product(session, principal, product_id)
    return _new_loan(
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
) -> Loan:
    """Book a loan from the bank's own approved credit decision.

    The borrower, the limit and (for a fixed-rate product) the rate come from the decision;
    loans booked on one decision never add up to more than its limit. Without ``amount``
    the rest of the limit is booked.
    """
    _require_bank_officer(principal)
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
    fen = remaining if amount is None else _amount_fen(amount, "amount")
    if not 0 < fen <= remaining:
        raise ValidationFailed(
            f"amount: {max(remaining, 0) / 100:.2f} of the approved limit is left",
            field="amount",
        )
    rate = None
    if app.rate_pct is not None and product.rate_type == RateType.FIXED.value:
        rate = Decimal(str(app.rate_pct))
    return _new_loan(
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
    )


def _new_loan(
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
) -> Loan:
    if product.kind != kind.value:
        raise ValidationFailed(
            f"product_id: a {product.kind} product cannot be used here", field="product_id"
        )
    borrower = identity.find_organisation(session, borrower_org_id)
    if borrower is None or borrower.kind != OrgKind.ENTERPRISE.value:
        raise ValidationFailed(
            "borrower_org_id: must be an enterprise on the platform", field="borrower_org_id"
        )
    fen = amount if isinstance(amount, int) else _amount_fen(amount, "amount")
    _check_terms(product, fen, term_months)
    purp = _enum(Purpose, purpose, "purpose", Purpose)
    rate = _loan_rate(session, product, start or utcnow().date(), annual_rate)
    loan = Loan(
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
        sweep_share_pct=_pct(sweep_share_pct, "sweep_share_pct", default=Decimal(0)),
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
    _log(
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
        },
    )
    return loan


def accept_loan(session: Session, principal: Principal, loan_id: str) -> Loan:
    """The borrower accepts the booked loan and the schedule it was shown."""
    loan = _visible_loan(session, principal, loan_id)
    if principal.org_id != loan.borrower_org_id:
        raise Forbidden("only the borrower accepts a loan")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")
    if loan.status != LoanStatus.BOOKED.value:
        raise Conflict(f"status: a {loan.status} loan cannot be accepted", field="status")
    loan.status = LoanStatus.ACCEPTED.value
    session.flush()
    _log(session, "loan.accepted", principal.org_id, loan, {"user_id": principal.user_id})
    return loan


def disburse(session: Session, principal: Principal, loan_id: str, *, on: date) -> Loan:
    """Pay the loan out on ``on``: fix its schedule, post the disbursement."""
    loan = _book_loan_for(session, principal, loan_id)
    if loan.status != LoanStatus.ACCEPTED.value:
        raise Conflict(
            f"status: the loan is {loan.status}; the borrower must accept it first", field="status"
        )
    _activate(session, loan, on)
    _log(
        session,
        "loan.disbursed",
        principal.org_id,
        loan,
        {"on": on.isoformat(), "principal_fen": loan.principal_fen},
    )
    return loan


def _activate(session: Session, loan: Loan, on: date) -> None:
    until = add_months(on, loan.term_months)
    curve = _curve(session, loan, on, until, loan.annual_rate)
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
    _write_schedule(session, loan, schedule.instalments, {})
    book = Book()
    book.post(loan.id, journal.disbursement(loan.principal_fen), on, memo="放款")
    book.flush(LendingRepository(session))


def _write_schedule(
    session: Session,
    loan: Loan,
    rows: Sequence[PlannedInstalment],
    carried: dict[int, tuple[date, int]],
) -> None:
    loan.schedule_version += 1
    repo = LendingRepository(session)
    repo.insert_rows(
        Instalment,
        [
            {
                "id": new_id(),
                "loan_id": loan.id,
                "version": loan.schedule_version,
                "number": r.number,
                "start_on": r.start,
                "due_on": r.due,
                "principal_fen": r.principal_fen,
                "interest_fen": r.interest_fen,
                "accrual_start": carried.get(r.number, (r.start, 0))[0],
                "carried_interest_fen": carried.get(r.number, (r.start, 0))[1],
            }
            for r in rows
        ],
    )
    session.flush()


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
    _require_bank_officer(principal)
    product = get_product(session, principal, product_id)
    if product.kind != ProductKind.REVOLVING.value:
        raise ValidationFailed("product_id: needs a revolving product", field="product_id")
    borrower = identity.find_organisation(session, borrower_org_id)
    if borrower is None or borrower.kind != OrgKind.ENTERPRISE.value:
        raise ValidationFailed(
            "borrower_org_id: must be an enterprise on the platform", field="borrower_org_id"
        )
    fen = _amount_fen(limit, "limit")
    if fen > product.max_amount_fen:
        raise ValidationFailed("limit: above the product's maximum", field="limit")
    if expires_on <= opened_on:
        raise ValidationFailed("expires_on: must be after opened_on", field="expires_on")
    rate = None
    if annual_rate is not None:
        rate = _loan_rate(session, product, opened_on, annual_rate)
    line = CreditLine(
        product_id=product.id,
        lender_org_id=principal.org_id,
        borrower_org_id=borrower_org_id,
        decision_id=decision_id,
        limit_fen=fen,
        annual_rate=rate,
        opened_on=opened_on,
        expires_on=expires_on,
        purpose=_enum(Purpose, purpose, "purpose", Purpose).value,
        sweep_share_pct=_pct(sweep_share_pct, "sweep_share_pct", default=Decimal(0)),
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
    fen = _amount_fen(amount, "amount")
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
    loan = _new_loan(
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
    _activate(session, loan, on)
    _log(
        session,
        "loan.drawn",
        principal.org_id,
        loan,
        {"line_id": line.id, "on": on.isoformat(), "principal_fen": fen},
    )
    return loan


def list_loans(session: Session, principal: Principal) -> Sequence[Loan]:
    """A bank sees its own book; an enterprise its own borrowing; others nothing."""
    repo = LendingRepository(session)
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return repo.loans(lender_org_id=principal.org_id)
    if principal.org_kind is OrgKind.ENTERPRISE:
        return repo.loans(borrower_org_id=principal.org_id)
    return []


def get_loan(session: Session, principal: Principal, loan_id: str) -> Loan:
    return _visible_loan(session, principal, loan_id)


# ---------------------------------------------------------------- the ledger writer


@dataclass(frozen=True, slots=True)
class _Loaded:
    rows: list[InstalmentRow]
    paid: PaidIndex


def _load(session: Session, loan: Loan) -> _Loaded:
    repo = LendingRepository(session)
    return _Loaded(list(repo.instalments(loan)), repo.paid([loan.id]))


def _bring_to(session: Session, loan: Loan, on: date) -> _Loaded:
    """Close one loan through ``on`` before money moves, so dues and accruals are current."""
    if loan.status != LoanStatus.ACTIVE.value:
        raise Conflict(f"status: the loan is {loan.status}", field="status")
    if loan.closed_through and on < loan.closed_through:
        raise ValidationFailed(
            f"paid_on: the books of this loan are closed through {loan.closed_through}",
            field="paid_on",
        )
    loaded = _load(session, loan)
    book = Book()
    accrue(loan, loaded.rows, loaded.paid, on, book)
    book.flush(LendingRepository(session))
    return loaded


_ENTRY_KIND = {
    RepaymentSource.BORROWER: "repayment",
    RepaymentSource.SWEEP: "sweep",
    RepaymentSource.PREPAYMENT: "prepayment",
    RepaymentSource.OVERPAYMENT: "overpayment_applied",
}


def _record_payment(
    session: Session,
    loan: Loan,
    *,
    amount_fen: int,
    on: date,
    source: RepaymentSource,
    reference: str,
    principal_fen: int,
    interest_fen: int,
    penalty_fen: int,
    parts: Sequence[tuple[int, Component, int]],
    overpayment_fen: int = 0,
) -> Repayment:
    repo = LendingRepository(session)
    from_held = amount_fen if source is RepaymentSource.OVERPAYMENT else 0
    entry = journal.repayment(
        principal_fen=principal_fen,
        interest_fen=interest_fen,
        penalty_fen=penalty_fen,
        overpayment_fen=overpayment_fen,
        from_overpayment_fen=from_held,
        kind=_ENTRY_KIND[source],
    )
    book = Book()
    entry_id = book.post(loan.id, entry, on, memo=reference[:200])
    book.flush(repo)
    rep = Repayment(
        loan_id=loan.id,
        amount_fen=amount_fen,
        paid_on=on,
        source=source.value,
        reference=reference,
        entry_id=entry_id,
    )
    repo.add(rep)
    repo.insert_rows(
        AllocationRow,
        [
            {
                "id": new_id(),
                "repayment_id": rep.id,
                "loan_id": loan.id,
                "instalment": inst,
                "component": comp.value,
                "amount_fen": amt,
            }
            for inst, comp, amt in parts
            if amt
        ],
    )
    session.flush()
    return rep


def _after_payment(session: Session, loan: Loan, on: date, actor: str | None) -> None:
    loaded = _load(session, loan)
    change = reclassify(loan, loaded.rows, loaded.paid, on, _risk_signal(session, loan))
    if change is not None:
        session.add(change)
        _log_classification(session, loan, change)
    if settled(loan, loaded.rows, loaded.paid):
        loan.status = LoanStatus.CLOSED.value
        loan.closed_on = on
        _log(session, "loan.closed", actor, loan, {"on": on.isoformat()})
    session.flush()


def _risk_signal(session: Session, loan: Loan) -> str | None:
    return LendingRepository(session).open_alert_loans([loan.id], Severity.HIGH.value).get(loan.id)


def _note_default(session: Session, loan: Loan, change: ClassificationRow) -> None:
    """A loan turning non-performing (次级 or worse: 90+ days past due, or a risk signal) is a
    default on the borrower's credit record, which credit decisions knock out on."""
    if (
        Category(change.to_category).rank
        >= Category.SUBSTANDARD.rank
        > Category(change.from_category).rank
    ):
        credit.record_default(
            session,
            org_id=loan.borrower_org_id,
            occurred_on=change.as_of,
            source="lending",
            reference=f"loan/{loan.id}",
        )


def _log_classification(session: Session, loan: Loan, change: ClassificationRow) -> None:
    _note_default(session, loan, change)
    _log(
        session,
        "loan.classified",
        loan.lender_org_id,
        loan,
        {
            "as_of": change.as_of.isoformat(),
            "from": change.from_category,
            "to": change.to_category,
            "rule": change.rule,
            "reason": change.reason,
            "dpd": change.dpd,
        },
    )


def _apply(
    session: Session,
    loan: Loan,
    *,
    amount_fen: int,
    on: date,
    source: RepaymentSource,
    reference: str,
    actor: str | None,
) -> Repayment:
    """Money received: settle what is due in the product's order, hold the rest."""
    repo = LendingRepository(session)
    existing = repo.repayment_by_reference(loan.id, reference)
    if existing is not None:
        if existing.amount_fen != amount_fen or existing.paid_on != on:
            raise Conflict(
                f"reference: {reference!r} was already used for a different payment",
                field="reference",
            )
        return existing
    loaded = _bring_to(session, loan, on)
    owed = dues(
        instalment_states(loaded.rows, loaded.paid, loan.id),
        as_of=on,
        penalty_owed_fen=penalty_owed(loan, loaded.paid),
    )
    alloc = allocate(amount_fen, owed, AllocationOrder(loan.allocation_order))
    rep = _record_payment(
        session,
        loan,
        amount_fen=amount_fen,
        on=on,
        source=source,
        reference=reference,
        principal_fen=alloc.total(Component.PRINCIPAL),
        interest_fen=alloc.total(Component.INTEREST),
        penalty_fen=alloc.total(Component.PENALTY),
        parts=[(p.instalment, p.component, p.amount_fen) for p in alloc.parts],
        overpayment_fen=alloc.unallocated_fen,
    )
    _log(
        session,
        "loan.repaid",
        actor,
        loan,
        {
            "repayment_id": rep.id,
            "source": source.value,
            "reference": reference,
            "amount_fen": amount_fen,
            "paid_on": on.isoformat(),
            "principal_fen": alloc.total(Component.PRINCIPAL),
            "interest_fen": alloc.total(Component.INTEREST),
            "penalty_fen": alloc.total(Component.PENALTY),
            "held_fen": alloc.unallocated_fen,
        },
    )
    _after_payment(session, loan, on, actor)
    return rep


def repay(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    amount: Decimal | str,
    paid_on: date,
    reference: str,
) -> Repayment:
    """Record a repayment received by the bank; a reused reference replays the first one."""
    loan = _book_loan_for(session, principal, loan_id)
    reference = _reference(reference)
    return _apply(
        session,
        loan,
        amount_fen=_amount_fen(amount, "amount"),
        on=paid_on,
        source=RepaymentSource.BORROWER,
        reference=reference,
        actor=principal.org_id,
    )


def reverse_repayment(
    session: Session,
    principal: Principal,
    loan_id: str,
    repayment_id: str,
    *,
    on: date,
    reason: str,
) -> Repayment:
    """Undo a repayment that did not stand (a bounced transfer) by an opposite entry.

    Nothing is edited: a reversal entry, a negative repayment and negative allocations are
    added, so the instalments it settled are owed again from ``on``. Only the loan's latest
    repayment from the borrower or a sweep can be reversed (a prepayment rewrote the
    schedule; undo it with a new loan decision instead).
    """
    loan = _book_loan_for(session, principal, loan_id)
    reason = reason.strip()
    if not 1 <= len(reason) <= 200:
        raise ValidationFailed("reason: 1 to 200 characters", field="reason")
    repo = LendingRepository(session)
    rep = repo.repayment(repayment_id)
    if rep is None or rep.loan_id != loan.id:
        raise NotFound(f"repayment {repayment_id} not found")
    if rep.source not in (RepaymentSource.BORROWER.value, RepaymentSource.SWEEP.value):
        raise Conflict(f"repayment_id: a {rep.source} cannot be reversed", field="repayment_id")
    later = [
        r
        for r in repo.repayments(loan.id)
        if r.id != rep.id and (r.paid_on, r.created_at) > (rep.paid_on, rep.created_at)
    ]
    if repo.repayment_by_reference(loan.id, f"reversal:{rep.id}") is not None:
        raise Conflict("repayment_id: already reversed", field="repayment_id")
    if later:
        raise Conflict(
            "repayment_id: only the latest repayment can be reversed", field="repayment_id"
        )
    if on < rep.paid_on:
        raise ValidationFailed("on: before the repayment itself", field="on")
    if loan.status == LoanStatus.CLOSED.value:
        loan.status = LoanStatus.ACTIVE.value
        loan.closed_on = None
    original = journal.JournalEntry(
        "repayment",
        tuple(
            journal.Posting(journal.Account(x.account), x.debit_fen, x.credit_fen)
            for x in repo.entry_lines(rep.entry_id)
        ),
    )
    held_now = -repo.account_balance([loan.id], journal.Account.OVERPAYMENT.value).get(loan.id, 0)
    held_then = sum(
        p.credit_fen for p in original.postings if p.account is journal.Account.OVERPAYMENT
    )
    if held_then > held_now:
        raise Conflict(
            "repayment_id: the money it left in advance has since been applied; reverse that first",
            field="repayment_id",
        )
    book = Book()
    entry_id = book.post(
        loan.id, journal.reversal(original), on, memo=reason, reverses=rep.entry_id
    )
    book.flush(repo)
    back = Repayment(
        loan_id=loan.id,
        amount_fen=-rep.amount_fen,
        paid_on=on,
        source=RepaymentSource.REVERSAL.value,
        reference=f"reversal:{rep.id}",
        entry_id=entry_id,
    )
    repo.add(back)
    repo.insert_rows(
        AllocationRow,
        [
            {
                "id": new_id(),
                "repayment_id": back.id,
                "loan_id": loan.id,
                "instalment": a.instalment,
                "component": a.component,
                "amount_fen": -a.amount_fen,
            }
            for a in repo.allocations([rep.id])
        ],
    )
    session.flush()
    _log(
        session,
        "loan.repayment_reversed",
        principal.org_id,
        loan,
        {"repayment_id": rep.id, "amount_fen": rep.amount_fen, "on": on, "reason": reason},
    )
    loaded = _load(session, loan)
    change = reclassify(
        loan,
        loaded.rows,
        loaded.paid,
        max(on, loan.closed_through or on),
        _risk_signal(session, loan),
    )
    if change is not None:
        session.add(change)
        _log_classification(session, loan, change)
    session.flush()
    return back


def _reference(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 100:
        raise ValidationFailed("reference: 1 to 100 characters", field="reference")
    return value


@dataclass(frozen=True, slots=True)
class Payoff:
    """What it takes to repay a loan in full on a day."""

    on: date
    dues_fen: int
    accrued_interest_fen: int
    principal_fen: int

    @property
    def total_fen(self) -> int:
        return self.dues_fen + self.accrued_interest_fen + self.principal_fen


def _running(loaded: _Loaded, loan: Loan, on: date) -> tuple[InstalmentRow, int] | None:
    """The instalment running on ``on`` and the principal still owed on it and after it."""
    states = instalment_states(loaded.rows, loaded.paid, loan.id)
    future = [(r, s) for r, s in zip(loaded.rows, states, strict=True) if r.due_on > on]
    if not future:
        return None
    return future[0][0], sum(s.owed_principal_fen for _, s in future)


def _accrued_on_running(
    session: Session, loan: Loan, row: InstalmentRow, balance: int, on: date
) -> int:
    """Interest on ``balance`` from where the running instalment accrues to ``on``."""
    curve = _curve(session, loan, loan.start_on or on, row.due_on, loan.annual_rate)
    return round_fen(
        exact_interest(balance, row.accrual_start, on, curve, DayCount(loan.day_count))
    )


def _payoff(session: Session, loan: Loan, on: date, loaded: _Loaded) -> Payoff:
    states = instalment_states(loaded.rows, loaded.paid, loan.id)
    owed = dues(states, as_of=on, penalty_owed_fen=penalty_owed(loan, loaded.paid))
    running = _running(loaded, loan, on)
    if running is None:
        return Payoff(on, sum(d.amount_fen for d in owed), 0, 0)
    row, balance = running
    accrued = _accrued_on_running(session, loan, row, balance, on)
    return Payoff(on, sum(d.amount_fen for d in owed), accrued, balance)


def payoff_quote(session: Session, principal: Principal, loan_id: str, *, on: date) -> Payoff:
    """The amount that closes the loan on ``on`` (dues, interest to date, principal)."""
    loan = _visible_loan(session, principal, loan_id)
    if loan.status != LoanStatus.ACTIVE.value:
        raise Conflict(f"status: the loan is {loan.status}", field="status")
    return _payoff(session, loan, on, _load(session, loan))


def prepay(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    amount: Decimal | str,
    on: date,
    reference: str,
) -> Repayment:
    """Prepay part or all of the principal; the rest of the schedule is recalculated.

    The amount first settles anything due, then the interest accrued to ``on`` on the
    running instalment, then principal. The term stays; later instalments shrink.
    """
    loan = _book_loan_for(session, principal, loan_id)
    reference = _reference(reference)
    fen = _amount_fen(amount, "amount")
    repo = LendingRepository(session)
    if repo.repayment_by_reference(loan.id, reference) is not None:
        return _apply(
            session,
            loan,
            amount_fen=fen,
            on=on,
            source=RepaymentSource.PREPAYMENT,
            reference=reference,
            actor=principal.org_id,
        )
    loaded = _bring_to(session, loan, on)
    states = instalment_states(loaded.rows, loaded.paid, loan.id)
    owed = dues(states, as_of=on, penalty_owed_fen=penalty_owed(loan, loaded.paid))
    alloc = allocate(fen, owed, AllocationOrder(loan.allocation_order))
    left = alloc.unallocated_fen
    parts = [(p.instalment, p.component, p.amount_fen) for p in alloc.parts]
    pay = _payoff(session, loan, on, loaded)
    running = _running(loaded, loan, on)
    if running is None or pay.principal_fen == 0:
        raise Conflict("status: nothing is left to prepay", field="status")
    row, balance = running
    accrued = pay.accrued_interest_fen
    if left <= accrued:
        raise ValidationFailed(
            f"amount: after dues, {left / 100:.2f} does not exceed the interest accrued to date "
            f"({accrued / 100:.2f}); nothing would go to principal",
            field="amount",
        )
    principal_part = left - accrued
    if principal_part > balance:
        raise ValidationFailed(
            f"amount: the payoff on {on} is {pay.total_fen / 100:.2f}; more cannot be prepaid",
            field="amount",
        )
    # The outstanding position as a schedule of its own: the running instalment accrues from
    # its accrual start, later ones only lend their due dates. The pure recalculation then
    # charges interest to date, books the prepaid principal to the running instalment and
    # spreads what is left over the same dates.
    by_number = {s.number: s for s in states}
    future = [r for r in loaded.rows if r.due_on > on]
    outstanding = Schedule(
        balance,
        tuple(
            PlannedInstalment(
                r.number,
                r.accrual_start if r is row else r.start_on,
                r.due_on,
                by_number[r.number].owed_principal_fen,
                0,
                0,
            )
            for r in future
        ),
    )
    curve = _curve(session, loan, loan.start_on or on, loaded.rows[-1].due_on, loan.annual_rate)
    recalc = recalculate_after_prepayment(
        outstanding,
        on=on,
        principal_fen=principal_part,
        method=RepaymentMethod(loan.method),
        day_count=DayCount(loan.day_count),
        rate=curve,
    )
    assert recalc.accrued_interest_fen == accrued
    done = by_number[row.number]
    keep = [r for r in loaded.rows if r.due_on <= on]
    new_rows = [
        PlannedInstalment(r.number, r.start_on, r.due_on, r.principal_fen, r.interest_fen, 0)
        for r in keep
    ]
    for r in recalc.schedule.instalments:
        if r.number == row.number:
            # What was settled on it before (principal and interest) stays part of it.
            r = PlannedInstalment(
                r.number,
                row.start_on,
                r.due,
                r.principal_fen + done.paid_principal_fen,
                r.interest_fen + done.paid_interest_fen,
                r.balance_after_fen,
            )
        new_rows.append(r)
    carried = {row.number: (on, done.paid_interest_fen + accrued)}
    for kept in keep:
        carried[kept.number] = (kept.accrual_start, kept.carried_interest_fen)
    _write_schedule(session, loan, new_rows, carried)
    parts += [
        (row.number, Component.INTEREST, accrued),
        (row.number, Component.PRINCIPAL, principal_part),
    ]
    rep = _record_payment(
        session,
        loan,
        amount_fen=fen,
        on=on,
        source=RepaymentSource.PREPAYMENT,
        reference=reference,
        principal_fen=alloc.total(Component.PRINCIPAL) + principal_part,
        interest_fen=alloc.total(Component.INTEREST) + accrued,
        penalty_fen=alloc.total(Component.PENALTY),
        parts=parts,
    )
    # Re-accrue on the new schedule through ``on`` (may adjust by a fen either way).
    new = _load(session, loan)
    book = Book()
    accrue(loan, new.rows, new.paid, on, book)
    book.flush(repo)
    _log(
        session,
        "loan.prepaid",
        principal.org_id,
        loan,
        {
            "repayment_id": rep.id,
            "reference": reference,
            "amount_fen": fen,
            "on": on.isoformat(),
            "principal_fen": principal_part,
            "interest_fen": accrued,
            "full": principal_part == pay.principal_fen,
            "schedule_version": loan.schedule_version,
        },
    )
    _after_payment(session, loan, on, principal.org_id)
    return rep


def sweep_collection(
    session: Session,
    *,
    borrower_org_id: str,
    payment_ref: str,
    amount_fen: int,
    paid_on: date,
) -> list[Repayment]:
    """回款自动还款: a receivable of the borrower was paid through the platform.

    For each active loan of the borrower with an agreed sweep share (oldest first), that
    share of the payment goes to the loan first, up to what is due now plus the next
    instalment (paid ahead of its date is held and applied on the due date). Calling again
    with the same ``payment_ref`` changes nothing. Returns the sweeps made.
    """
    if amount_fen <= 0:
        raise ValidationFailed("amount: must be more than zero", field="amount")
    ref = _reference(f"sweep:{payment_ref}")
    repo = LendingRepository(session)
    out: list[Repayment] = []
    left = amount_fen
    for loan in repo.loans(borrower_org_id=borrower_org_id, status=LoanStatus.ACTIVE.value):
        if loan.sweep_share_pct <= 0 or left <= 0:
            continue
        repo.loan(loan.id, for_update=True)
        done = repo.repayment_by_reference(loan.id, ref)
        if done is not None:
            out.append(done)
            left -= done.amount_fen
            continue
        if loan.closed_through and paid_on < loan.closed_through:
            continue
        # Accrue to the payment day first, so a day's penalty is part of what is owed.
        loaded = _bring_to(session, loan, paid_on)
        states = instalment_states(loaded.rows, loaded.paid, loan.id)
        owed_now = sum(
            d.amount_fen
            for d in dues(states, as_of=paid_on, penalty_owed_fen=penalty_owed(loan, loaded.paid))
        )
        nxt = next((s for s in states if s.due > paid_on and not s.settled), None)
        owed = owed_now + (nxt.owed_principal_fen + nxt.owed_interest_fen if nxt else 0)
        # Money already held ahead of its date counts against what the sweep may take.
        held = -repo.account_balance([loan.id], journal.Account.OVERPAYMENT.value).get(loan.id, 0)
        owed -= max(held, 0)
        share = sweep_share(left, loan.sweep_share_pct, owed)
        if share <= 0:
            continue
        out.append(
            _apply(
                session,
                loan,
                amount_fen=share,
                on=paid_on,
                source=RepaymentSource.SWEEP,
                reference=ref,
                actor=None,
            )
        )
        left -= share
    return out


def record_collection(
    session: Session,
    principal: Principal,
    *,
    borrower_org_id: str,
    payment_ref: str,
    amount_fen: int,
    paid_on: date,
) -> list[Repayment]:
    """The platform reports a collected receivable over the API (operator officers only)."""
    if not (principal.is_operator and principal.has_role(Role.OFFICER)):
        raise Forbidden("collections are reported by the platform operator's officers")
    return sweep_collection(
        session,
        borrower_org_id=borrower_org_id,
        payment_ref=payment_ref,
        amount_fen=amount_fen,
        paid_on=paid_on,
    )


# ---------------------------------------------------------------- daily close


@dataclass(frozen=True, slots=True)
class CloseReport:
    """The outcome of a daily close and the proof that the books balance."""

    as_of: date
    loans: int
    interest_accrued_fen: int
    penalty_accrued_fen: int
    overpayments_applied_fen: int
    reclassified: int
    closed: int
    total_debit_fen: int
    total_credit_fen: int
    checks: dict[str, tuple[int, int]]

    @property
    def balanced(self) -> bool:
        return self.total_debit_fen == self.total_credit_fen and all(
            a == b for a, b in self.checks.values()
        )


def daily_close(
    session: Session,
    *,
    as_of: date,
    lender_org_id: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 2000,
) -> CloseReport:
    """Accrue interest and penalty, apply held money, classify, then prove the books balance.

    Runs in batches of loans with bulk reads and writes, so a book of 100,000 loans closes
    in one pass. Each classification change and the close itself go to the verifiable log.
    """
    repo = LendingRepository(session)
    loan_ids = repo.loan_ids_to_close(as_of, lender_org_id)
    total = len(loan_ids)
    interest = penalty = applied = reclassified = closed = 0
    log_items: list[tuple[str, str | None, str, dict[str, Any]]] = []
    for start in range(0, total, batch_size):
        ids = loan_ids[start : start + batch_size]
        batch = repo.loans_by_ids(ids)
        rows = repo.instalments_of(batch)
        paid = repo.paid(ids)
        held = repo.account_balance(ids, journal.Account.OVERPAYMENT.value)
        signals = repo.open_alert_loans(ids, Severity.HIGH.value)
        book = Book()
        changes: list[ClassificationRow] = []
        allocations: list[dict[str, Any]] = []
        repayments: list[dict[str, Any]] = []
        for loan in batch:
            loan_rows = rows.get(loan.id, [])
            states = instalment_states(loan_rows, paid, loan.id)
            plan = accrue(loan, loan_rows, paid, as_of, book, states)
            interest += plan.interest_fen
            penalty += plan.penalty_fen
            money = -held.get(loan.id, 0)
            if money > 0:
                used = apply_held(
                    loan, loan_rows, paid, as_of, money, book, repayments, allocations
                )
                if used:
                    applied += used
                    states = instalment_states(loan_rows, paid, loan.id)
            change = reclassify(loan, loan_rows, paid, as_of, signals.get(loan.id), states)
            if change is not None:
                changes.append(change)
                reclassified += 1
                _note_default(session, loan, change)
                log_items.append(
                    (
                        "loan.classified",
                        loan.lender_org_id,
                        f"{loan.lender_org_id}:loan/{loan.id}",
                        {
                            "loan_id": loan.id,
                            "as_of": as_of.isoformat(),
                            "from": change.from_category,
                            "to": change.to_category,
                            "rule": change.rule,
                            "dpd": change.dpd,
                        },
                    )
                )
            if settled(loan, loan_rows, paid, states):
                loan.status = LoanStatus.CLOSED.value
                loan.closed_on = as_of
                closed += 1
        book.flush(repo)
        repo.insert_rows(Repayment, repayments)
        repo.insert_rows(AllocationRow, allocations)
        session.add_all(changes)
        session.flush()
        # Done with this batch: let it go, so memory stays flat however large the book.
        for obj in [*batch, *changes]:
            session.expunge(obj)
        if progress:
            progress(min(start + batch_size, total), total)
    debit, credit = repo.trial_balance(lender_org_id)
    checks = subledger_checks(repo, lender_org_id)
    report = CloseReport(
        as_of=as_of,
        loans=total,
        interest_accrued_fen=interest,
        penalty_accrued_fen=penalty,
        overpayments_applied_fen=applied,
        reclassified=reclassified,
        closed=closed,
        total_debit_fen=debit,
        total_credit_fen=credit,
        checks=checks,
    )
    session.add(
        DailyClose(
            lender_org_id=lender_org_id,
            as_of=as_of,
            loans=total,
            interest_accrued_fen=interest,
            penalty_accrued_fen=penalty,
            total_debit_fen=debit,
            total_credit_fen=credit,
            balanced=report.balanced,
        )
    )
    log_items.append(
        (
            "lending.daily_close",
            lender_org_id,
            f"{lender_org_id or 'platform'}:close/{as_of.isoformat()}",
            {
                "as_of": as_of.isoformat(),
                "loans": total,
                "interest_accrued_fen": interest,
                "penalty_accrued_fen": penalty,
                "debit_fen": debit,
                "credit_fen": credit,
                "balanced": report.balanced,
            },
        )
    )
    governance.append_many(session, log_items)
    session.flush()
    return report


def close_books(
    session: Session,
    principal: Principal,
    *,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
) -> CloseReport:
    """A bank runs the daily close of its own book."""
    _require_bank_officer(principal)
    return daily_close(session, as_of=as_of, lender_org_id=principal.org_id, progress=progress)


# ---------------------------------------------------------------- views


@dataclass(frozen=True, slots=True)
class LoanView:
    loan: Loan
    instalments: list[InstalmentState]
    balances: dict[str, int]
    payoff: Payoff | None
    classifications: list[ClassificationRow]


def loan_view(session: Session, principal: Principal, loan_id: str) -> LoanView:
    """A loan with its schedule (paid and owed), balances from the journal, and its history."""
    loan = _visible_loan(session, principal, loan_id)
    repo = LendingRepository(session)
    if loan.status in (LoanStatus.BOOKED.value, LoanStatus.ACCEPTED.value):
        return LoanView(loan, [], {}, None, [])
    loaded = _load(session, loan)
    lines = repo.lines([e.id for e in repo.entries(loan.id)])
    bal = journal.balances(
        journal.Posting(journal.Account(x.account), x.debit_fen, x.credit_fen) for x in lines
    )
    view_day = loan.closed_through or loan.start_on
    payoff = None
    if loan.status == LoanStatus.ACTIVE.value and view_day:
        payoff = _payoff(session, loan, view_day, loaded)
    return LoanView(
        loan,
        instalment_states(loaded.rows, loaded.paid, loan.id),
        {k.value: v for k, v in bal.items()},
        payoff,
        list(repo.classifications(loan.id)),
    )


def loan_journal(
    session: Session, principal: Principal, loan_id: str
) -> list[tuple[JournalEntry, list[JournalLine]]]:
    loan = _visible_loan(session, principal, loan_id)
    repo = LendingRepository(session)
    entries = list(repo.entries(loan.id))
    lines = repo.lines([e.id for e in entries])
    by_entry: dict[str, list[JournalLine]] = {}
    for line in lines:
        by_entry.setdefault(line.entry_id, []).append(line)
    return [(e, by_entry.get(e.id, [])) for e in entries]


# ---------------------------------------------------------------- monitoring


def monitor_loan(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    series: BorrowerSeries,
    as_of: date,
    config: MonitoringConfig | None = None,
) -> list[Alert]:
    """Run the early-warning detectors over the borrower's data, under a monitoring consent.

    Every dataset the series comes from is checked (and the read logged) by governance with
    purpose 贷后监控; without a live grant this raises ``ConsentRequired`` and nothing is
    read or written. A detection of a kind that already has an open alert refreshes its
    evidence instead of opening a second one.
    """
    loan = _book_loan_for(session, principal, loan_id)
    used = [name for name, dataset in MONITORING_DATASETS.items() if getattr(series, name)]
    for name in used:
        governance.authorize_read(
            session,
            principal,
            owner_org_id=loan.borrower_org_id,
            dataset=MONITORING_DATASETS[name],
            purpose=DataPurpose.POST_LOAN_MONITORING,
        )
    detections = detect(series, as_of=as_of, config=config)
    return [
        _raise_alert(session, loan, d.kind, d.severity, d.params, d.evidence, as_of)
        for d in detections
    ]


def platform_series(
    session: Session, principal: Principal, loan: Loan, *, as_of: date, months: int = 27
) -> BorrowerSeries:
    """The borrower's monthly series from its business records on the platform.

    Every read goes through the telemetry service with purpose 贷后监控, so governance
    checks the bank's grant and logs the access. Output value and electricity come from the
    monthly energy bills; orders by buyer; payment delays are how late its customers pay
    (paid date against the invoice's due date).
    """
    first = date(as_of.year, as_of.month, 1)
    start = add_months(first, -months)
    end = as_of + timedelta(days=1)
    purpose = DataPurpose.POST_LOAN_MONITORING.value

    def read(kind: str) -> Sequence[Any]:
        return telemetry.records(
            session,
            principal,
            org_id=loan.borrower_org_id,
            kind=kind,
            start=start,
            end=end,
            purpose=purpose,
        )

    bills = read("energy_bills")
    orders = read("orders")
    payments = read("payments")
    invoices = {i.invoice_id: i.due_date for i in read("invoices")} if payments else {}
    late: dict[date, list[int]] = {}
    for p in payments:
        due = invoices.get(p.invoice_id)
        if due is not None:
            m = date(p.paid_date.year, p.paid_date.month, 1)
            late.setdefault(m, []).append((p.paid_date - due).days)
    # A monthly bill covers its whole month: it is seen as of the month's last day.
    seen = [add_months(b.month, 1) - timedelta(days=1) for b in bills]
    seen += [o.order_date for o in orders] + [p.paid_date for p in payments]
    return BorrowerSeries(
        output=[
            Point(b.month, b.output_value_fen / 100)
            for b in bills
            if b.output_value_fen is not None
        ],
        energy=[Point(b.month, float(b.electricity_kwh)) for b in bills],
        orders=[
            Order(
                date(o.order_date.year, o.order_date.month, 1),
                o.buyer_uscc or o.buyer_name,
                o.amount_fen,
            )
            for o in orders
        ],
        payment_delay_days=[Point(m, sum(v) / len(v)) for m, v in sorted(late.items())],
        last_seen=max(seen) if seen else None,
    )


def monitor_from_platform(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    as_of: date,
    config: MonitoringConfig | None = None,
) -> list[Alert]:
    """Run the early warnings on the borrower's own platform records (under consent)."""
    loan = _book_loan_for(session, principal, loan_id)
    series = platform_series(session, principal, loan, as_of=as_of)
    detections = detect(series, as_of=as_of, config=config)
    return [
        _raise_alert(session, loan, d.kind, d.severity, d.params, d.evidence, as_of)
        for d in detections
    ]


@dataclass(frozen=True, slots=True)
class WatchReport:
    """One monitoring pass over a bank's active book."""

    watched: int
    alerts: list[Alert]
    without_consent: list[str]  # loan ids whose borrower has granted no monitoring consent


def monitor_book(
    session: Session,
    principal: Principal,
    *,
    as_of: date,
    progress: Callable[[int, int], None] | None = None,
) -> WatchReport:
    """Run the early warnings over every active loan of the caller's book.

    A borrower without a live monitoring grant is listed, not read: the pass carries on.
    """
    _require_bank_officer(principal)
    loans = LendingRepository(session).loans(
        lender_org_id=principal.org_id, status=LoanStatus.ACTIVE.value
    )
    found: list[Alert] = []
    refused: list[str] = []
    for n, loan in enumerate(loans, start=1):
        try:
            # A refusal comes before anything is read for that dataset; reads already
            # granted stay logged, as they did happen.
            found.extend(monitor_from_platform(session, principal, loan.id, as_of=as_of))
        except ConsentRequired:
            refused.append(loan.id)
        if progress:
            progress(n, len(loans))
    return WatchReport(len(loans) - len(refused), found, refused)


def _raise_alert(
    session: Session,
    loan: Loan,
    kind: AlertKind,
    severity: Severity,
    params: dict[str, str],
    evidence: dict[str, Any],
    as_of: date,
) -> Alert:
    key = f"lending.alert.{kind.value}"
    message = t(key, None, **params)
    # The catalog key travels with the evidence so each reader sees the message in its language.
    evidence = {**evidence, "i18n": {"key": key, "params": params}}
    repo = LendingRepository(session)
    existing = repo.open_alert(loan.id, kind.value)
    if existing is not None:
        existing.evidence = evidence
        if Severity(existing.severity).rank < severity.rank:
            existing.severity = severity.value
            existing.message = message[:300]
        session.flush()
        return existing
    alert = Alert(
        loan_id=loan.id,
        lender_org_id=loan.lender_org_id,
        borrower_org_id=loan.borrower_org_id,
        kind=kind.value,
        severity=severity.value,
        status="open",
        message=message[:300],
        evidence=evidence,
        detected_on=as_of,
    )
    repo.add(alert)
    _log(
        session,
        "alert.opened",
        loan.lender_org_id,
        loan,
        {"alert_id": alert.id, "kind": kind.value, "severity": severity.value, "on": as_of},
    )
    return alert


def list_alerts(
    session: Session, principal: Principal, *, status: str | None = None, loan_id: str | None = None
) -> Sequence[Alert]:
    """The bank sees alerts on its book; the borrower sees alerts about itself."""
    repo = LendingRepository(session)
    if status is not None and status not in ("open", "acknowledged", "resolved"):
        raise ValidationFailed("status: one of open, acknowledged, resolved", field="status")
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return repo.alerts(lender_org_id=principal.org_id, status=status, loan_id=loan_id)
    if principal.org_kind is OrgKind.ENTERPRISE:
        return repo.alerts(borrower_org_id=principal.org_id, status=status, loan_id=loan_id)
    return []


_NEXT = {"acknowledge": ("open",), "resolve": ("open", "acknowledged")}


def update_alert(
    session: Session, principal: Principal, alert_id: str, *, action: str, note: str = ""
) -> Alert:
    """Move an alert along its lifecycle: open → acknowledged → resolved."""
    alert = LendingRepository(session).alert(alert_id)
    if alert is None or principal.org_id not in (alert.lender_org_id, alert.borrower_org_id):
        raise NotFound(f"alert {alert_id} not found")
    if principal.org_id != alert.lender_org_id:
        raise Forbidden("only the lending bank handles its alerts")
    _require_bank_officer(principal)
    if action not in _NEXT:
        raise ValidationFailed("action: acknowledge or resolve", field="action")
    if alert.status not in _NEXT[action]:
        raise Conflict(f"status: a {alert.status} alert cannot be {action}d", field="status")
    now = utcnow()
    if action == "acknowledge":
        alert.status = "acknowledged"
        alert.acknowledged_by = principal.user_id
        alert.acknowledged_at = now
    else:
        if not note.strip():
            raise ValidationFailed("note: say how the alert was resolved", field="note")
        alert.status = "resolved"
        alert.resolved_by = principal.user_id
        alert.resolved_at = now
        alert.resolution = note.strip()[:300]
    session.flush()
    loan = LendingRepository(session).loan(alert.loan_id)
    assert loan is not None
    _log(
        session,
        f"alert.{alert.status}",
        principal.org_id,
        loan,
        {"alert_id": alert.id, "kind": alert.kind, "note": note[:300]},
    )
    return alert


def check_fund_use_of(
    session: Session,
    principal: Principal,
    loan_id: str,
    *,
    payments: Sequence[OutgoingPayment],
    window_days: int = 90,
) -> FundUseReport:
    """Declared purpose vs the borrower's payments after disbursement (under consent).

    A finding opens a ``fund_use`` alert carrying the payments as evidence.
    """
    loan = _book_loan_for(session, principal, loan_id)
    if loan.start_on is None:
        raise Conflict("status: the loan has not been disbursed", field="status")
    governance.authorize_read(
        session,
        principal,
        owner_org_id=loan.borrower_org_id,
        dataset="business.payments",
        purpose=DataPurpose.POST_LOAN_MONITORING,
    )
    report = check_fund_use(
        Purpose(loan.purpose),
        loan.principal_fen,
        payments,
        since=loan.start_on,
        window_days=window_days,
    )
    if report.findings:
        severity = Severity.HIGH if report.forbidden_fen else Severity.MEDIUM
        _raise_alert(
            session,
            loan,
            AlertKind.FUND_USE,
            severity,
            {"count": str(len(report.findings))},
            {
                "type": "bar",
                "unit": "yuan",
                "series": [
                    {"label": "consistent", "value": report.consistent_fen / 100},
                    {"label": "unknown", "value": report.unknown_fen / 100},
                    {"label": "inconsistent", "value": report.inconsistent_fen / 100},
                    {"label": "forbidden", "value": report.forbidden_fen / 100},
                ],
                "findings": list(report.findings),
            },
            loan.closed_through or loan.start_on,
        )
    return report
