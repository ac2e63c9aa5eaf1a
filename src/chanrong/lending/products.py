"""Loan products and rates: what a bank offers, the LPR table, quotes, and the terms a
request must fit (amount, term, rate) before anything is booked on a product."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.money import to_decimal
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.lending.access import require_bank_officer
from chanrong.lending.allocation import AllocationOrder
from chanrong.lending.domain import LprTenor, ProductKind, RateType, Repricing, lpr_curve
from chanrong.lending.inputs import parse_amount, parse_enum, parse_pct
from chanrong.lending.orm import Loan, LprFixing, Product
from chanrong.lending.repository import LendingRepository
from chanrong.lending.schedule import (
    MAX_TERM_MONTHS,
    DayCount,
    RateCurve,
    RepaymentMethod,
    Schedule,
    add_months,
    build_schedule,
    check_rate,
)


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
    require_bank_officer(principal)
    code = code.strip()
    if not code or len(code) > 40:
        raise ValidationFailed("code: 1 to 40 characters", field="code")
    if not name.strip():
        raise ValidationFailed("name: must not be empty", field="name")
    pkind = parse_enum(ProductKind, kind, "kind", ProductKind)
    pmethod = parse_enum(RepaymentMethod, method, "method", RepaymentMethod)
    pdc = parse_enum(DayCount, day_count, "day_count", DayCount)
    prt = parse_enum(RateType, rate_type, "rate_type", RateType)
    order = parse_enum(AllocationOrder, allocation_order, "allocation_order", AllocationOrder)
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
        tenor = parse_enum(LprTenor, lpr_tenor or "1y", "lpr_tenor", LprTenor)
        rep = parse_enum(Repricing, repricing or "anniversary", "repricing", Repricing)
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
        penalty_markup_pct=parse_pct(penalty_markup_pct, "penalty_markup_pct", default=Decimal(50)),
        max_term_months=max_term_months,
        max_amount_fen=parse_amount(max_amount, "max_amount"),
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
    """A product any enterprise may see; a financial institution sees only its own."""
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
    t = parse_enum(LprTenor, tenor, "tenor", LprTenor)
    value = check_rate(to_decimal(rate, field="rate"), field="rate")
    repo = LendingRepository(session)
    if repo.lpr_fixing(t.value, effective_on):
        raise Conflict(
            f"effective_on: an LPR {t.value} fixing for {effective_on} exists", field="effective_on"
        )
    row = LprFixing(tenor=t.value, effective_on=effective_on, rate=value)
    repo.add(row)
    return row


def rate_curve(
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
    return rate_curve(session, product, start, start, Decimal(0)).initial


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
    fen = parse_amount(amount, "amount")
    check_terms(product, fen, term_months)
    rate = loan_rate(session, product, start_on, annual_rate)
    curve = rate_curve(session, product, start_on, add_months(start_on, term_months), rate)
    schedule = build_schedule(
        fen,
        start=start_on,
        method=RepaymentMethod(product.method),
        day_count=DayCount(product.day_count),
        rate=curve,
        term_months=term_months,
    )
    return product, schedule


def require_kind(product: Product, kind: ProductKind) -> None:
    """A term loan is booked on a term product, a credit line opened on a revolving one."""
    if product.kind != kind.value:
        raise ValidationFailed(
            f"product_id: a {product.kind} product cannot be used here; it needs a "
            f"{kind.value} product",
            field="product_id",
        )


def check_terms(
    product: Product, fen: int, term_months: int | None, *, field: str = "amount"
) -> None:
    """The amount (``field``: a loan's amount or a line's limit) and the term (a line has
    none) must fit the product's maximums."""
    if fen > product.max_amount_fen:
        raise ValidationFailed(
            f"{field}: above the product's maximum of {product.max_amount_fen / 100:.2f}",
            field=field,
        )
    if term_months is not None and not 1 <= term_months <= product.max_term_months:
        raise ValidationFailed(
            f"term_months: 1 to {product.max_term_months} for this product", field="term_months"
        )


def loan_rate(
    session: Session, product: Product, start: date, annual_rate: Decimal | str | None
) -> Decimal:
    """The agreed rate if one is given (fixed-rate products only), else the product's own."""
    if annual_rate is not None:
        if product.rate_type == RateType.LPR.value:
            raise ValidationFailed(
                "annual_rate: an LPR product takes its rate from LPR + spread", field="annual_rate"
            )
        return check_rate(to_decimal(annual_rate, field="annual_rate"))
    return _initial_rate(session, product, start)
