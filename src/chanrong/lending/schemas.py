"""Lending API input and output. Money is ``Decimal`` yuan here; fen stays inside."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanrong.core.money import fen_to_yuan
from chanrong.lending.allocation import AllocationOrder
from chanrong.lending.domain import LprTenor, ProductKind, Purpose, RateType, Repricing
from chanrong.lending.schedule import DayCount, RepaymentMethod

Yuan = Decimal


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductCreate(_In):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: ProductKind
    method: RepaymentMethod = Field(description="等额本息 / 等额本金 / 先息后本")
    day_count: DayCount
    rate_type: RateType
    fixed_rate: Decimal | None = Field(default=None, description="annual %, fixed products")
    spread: Decimal | None = Field(default=None, description="percentage points over LPR")
    lpr_tenor: LprTenor | None = None
    repricing: Repricing | None = None
    allocation_order: AllocationOrder = AllocationOrder.PENALTY_INTEREST_PRINCIPAL
    penalty_markup_pct: Decimal | None = Field(default=None, description="罚息上浮 %, default 50")
    max_term_months: int = Field(default=36, ge=1, le=600)
    max_amount: Yuan = Field(description="yuan")


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    lender_org_id: str
    code: str
    name: str
    kind: ProductKind
    method: RepaymentMethod
    day_count: DayCount
    rate_type: RateType
    fixed_rate: Decimal | None
    spread: Decimal | None
    lpr_tenor: LprTenor | None
    repricing: Repricing | None
    allocation_order: AllocationOrder
    penalty_markup_pct: Decimal
    max_term_months: int
    max_amount_fen: int


class LprCreate(_In):
    tenor: LprTenor
    effective_on: date
    rate: Decimal


class LprOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    tenor: LprTenor
    effective_on: date
    rate: Decimal


class QuoteRequest(_In):
    product_id: str
    amount: Yuan
    term_months: int = Field(ge=1, le=600)
    start_on: date
    annual_rate: Decimal | None = None


class InstalmentOut(BaseModel):
    number: int
    start: date
    due: date
    principal: Yuan
    interest: Yuan
    total: Yuan
    paid_principal: Yuan = Decimal("0.00")
    paid_interest: Yuan = Decimal("0.00")


class ScheduleOut(BaseModel):
    product_id: str
    method: RepaymentMethod
    day_count: DayCount
    principal: Yuan
    total_interest: Yuan
    total: Yuan
    instalments: list[InstalmentOut]


class LoanCreate(_In):
    product_id: str
    borrower_org_id: str
    amount: Yuan
    term_months: int = Field(ge=1, le=600)
    purpose: Purpose
    decision_id: str | None = Field(default=None, description="an approved credit decision")
    annual_rate: Decimal | None = Field(default=None, description="from the decision, fixed only")
    sweep_share_pct: Decimal | None = Field(default=None, description="回款自动还款 share, %")
    collection_account: str | None = Field(
        default=None, max_length=40, description="回款账户; default: a virtual account of the loan"
    )


class LoanFromDecision(_In):
    decision_id: str = Field(description="an approved credit application of this bank")
    product_id: str
    term_months: int = Field(ge=1, le=600)
    purpose: Purpose
    amount: Yuan | None = Field(default=None, description="default: the rest of the limit")
    sweep_share_pct: Decimal | None = None
    collection_account: str | None = Field(
        default=None, max_length=40, description="回款账户; default: a virtual account of the loan"
    )


class LoanOut(BaseModel):
    id: str
    product_id: str
    line_id: str | None
    lender_org_id: str
    borrower_org_id: str
    decision_id: str | None
    principal: Yuan
    term_months: int
    method: RepaymentMethod
    day_count: DayCount
    annual_rate: Decimal
    purpose: Purpose
    sweep_share_pct: Decimal
    collection_account: str | None = Field(description="回款账户: customer payments into it repay")
    related_parties: list[dict[str, str]]
    status: str
    start_on: date | None
    dpd: int
    bucket: str
    category: str
    cured_on: date | None = Field(description="brought current; observation period runs from here")
    closed_through: date | None
    closed_on: date | None
    created_at: datetime

    @classmethod
    def of(cls, loan: Any) -> LoanOut:
        return cls(
            id=loan.id,
            product_id=loan.product_id,
            line_id=loan.line_id,
            lender_org_id=loan.lender_org_id,
            borrower_org_id=loan.borrower_org_id,
            decision_id=loan.decision_id,
            principal=fen_to_yuan(loan.principal_fen),
            term_months=loan.term_months,
            method=loan.method,
            day_count=loan.day_count,
            annual_rate=loan.annual_rate,
            purpose=loan.purpose,
            sweep_share_pct=loan.sweep_share_pct,
            collection_account=loan.collection_account,
            related_parties=list(loan.related_parties or []),
            status=loan.status,
            start_on=loan.start_on,
            dpd=loan.dpd,
            bucket=loan.bucket,
            category=loan.category,
            cured_on=loan.cured_on,
            closed_through=loan.closed_through,
            closed_on=loan.closed_on,
            created_at=loan.created_at,
        )


class ClassificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    as_of: date
    from_category: str
    to_category: str
    rule: str
    reason: str
    dpd: int


class PayoffOut(BaseModel):
    on: date
    dues: Yuan
    accrued_interest: Yuan
    principal: Yuan
    total: Yuan


class CollectionOut(BaseModel):
    """A customer payment into the loan's collection account: repaid and released."""

    reference: str
    payer: str | None
    paid_on: date
    booked_on: date
    amount: Yuan
    applied: Yuan = Field(description="What repaid the loan")
    released: Yuan = Field(description="The surplus released to the enterprise")


class LoanDetail(BaseModel):
    loan: LoanOut
    instalments: list[InstalmentOut]
    balances: dict[str, Yuan]
    payoff: PayoffOut | None
    classifications: list[ClassificationOut]
    collections: list[CollectionOut] = Field(
        default_factory=list, description="回款账户: customer payments and what each repaid"
    )


class DisburseRequest(_In):
    on: date


class RepaymentCreate(_In):
    amount: Yuan
    paid_on: date
    reference: str = Field(min_length=1, max_length=100)


class PrepaymentCreate(_In):
    amount: Yuan
    on: date
    reference: str = Field(min_length=1, max_length=100)


class ReversalCreate(_In):
    on: date
    reason: str = Field(min_length=1, max_length=200)


class RepaymentOut(BaseModel):
    id: str
    loan_id: str
    amount: Yuan
    paid_on: date
    source: str
    reference: str
    entry_id: str


class CollectionCreate(_In):
    borrower_org_id: str
    payment_ref: str = Field(min_length=1, max_length=90)
    amount: Yuan
    paid_on: date


class LineCreate(_In):
    product_id: str
    borrower_org_id: str
    limit: Yuan
    opened_on: date
    expires_on: date
    purpose: Purpose
    decision_id: str | None = None
    annual_rate: Decimal | None = None
    sweep_share_pct: Decimal | None = None


class LineOut(BaseModel):
    id: str
    product_id: str
    lender_org_id: str
    borrower_org_id: str
    decision_id: str | None
    limit: Yuan
    available: Yuan
    opened_on: date
    expires_on: date
    purpose: Purpose


class DrawRequest(_In):
    amount: Yuan
    term_months: int = Field(ge=1, le=600)
    on: date


class CloseRequest(_In):
    as_of: date


class CloseOut(BaseModel):
    as_of: date
    loans: int
    interest_accrued: Yuan
    penalty_accrued: Yuan
    overpayments_applied: Yuan
    reclassified: int
    closed: int
    total_debit: Yuan
    total_credit: Yuan
    balanced: bool
    checks: dict[str, list[Yuan]]


class JournalLineOut(BaseModel):
    account: str
    debit: Yuan
    credit: Yuan


class JournalEntryOut(BaseModel):
    id: str
    kind: str
    effective_on: date
    memo: str
    lines: list[JournalLineOut]


class PointIn(_In):
    period: date = Field(description="first day of the month")
    value: float


class OrderIn(_In):
    period: date
    buyer: str = Field(min_length=1, max_length=200)
    amount: Yuan


class SeriesIn(_In):
    """The borrower's monthly series, as the platform's data pipeline delivers them."""

    output: list[PointIn] = Field(default_factory=list)
    energy: list[PointIn] = Field(default_factory=list)
    orders: list[OrderIn] = Field(default_factory=list)
    payment_delay_days: list[PointIn] = Field(default_factory=list)
    last_seen: date | None = None


class MonitorRequest(_In):
    as_of: date
    series: SeriesIn | None = Field(
        default=None, description="omit to read the borrower's own records on the platform"
    )


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    loan_id: str
    lender_org_id: str
    borrower_org_id: str
    kind: str
    severity: str
    status: str
    message: str
    evidence: dict[str, Any]
    detected_on: date
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None


class ResolveRequest(_In):
    note: str = Field(min_length=1, max_length=300)


class FundUseRequest(_In):
    """Check where the loan money went, on the borrower's outgoing payments on the platform.

    The payments are no longer supplied by the bank: they arrive through the enterprise's
    intake as ``outgoing_payments`` records and are read under its monitoring consent.
    """

    window_days: int = Field(default=90, ge=1, le=366, description="days after disbursement")
    fast_days: int = Field(default=3, ge=0, le=60, description="快进快出: within this many days")
    fast_share_pct: Decimal = Field(default=Decimal(80), gt=0, le=100)
    as_of: date | None = None


class FundFindingOut(BaseModel):
    rule: str
    severity: str
    amount: Yuan
    note: str
    payments: list[dict[str, Any]]


class FundUseOut(BaseModel):
    purpose: Purpose
    disbursed: Yuan
    payments_read: int
    traced: Yuan
    consistent: Yuan
    unknown: Yuan
    inconsistent: Yuan
    forbidden: Yuan
    consistent_share: Decimal
    findings: list[FundFindingOut]
    alert_ids: list[str]


class PartyIn(_In):
    name: str = Field(min_length=1, max_length=200)
    uscc: str | None = Field(default=None, description="统一社会信用代码, if known")


class RelatedPartiesIn(_In):
    related_parties: list[PartyIn] = Field(max_length=200)
