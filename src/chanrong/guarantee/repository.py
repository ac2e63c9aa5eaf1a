"""Every query of the guarantee domain (SQLAlchemy 2 ``select()``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.guarantee.orm import (
    ClaimRow,
    EnrolmentRow,
    FeeRow,
    GuaranteeRow,
    JournalEntryRow,
    JournalLineRow,
    ProgrammeRow,
    RecoveryRow,
    SchemeRow,
    SubsidyPaymentRow,
)

LIVE = ("active", "claimed")


class GuaranteeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- schemes -----------------------------------------------------------------------------
    def scheme(self, scheme_id: str, *, lock: bool = False) -> SchemeRow | None:
        stmt = select(SchemeRow).where(SchemeRow.id == scheme_id)
        if lock:  # claims and admissions on one scheme run one at a time (caps are scheme-wide)
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def scheme_by_code(self, code: str) -> SchemeRow | None:
        return self.session.scalars(select(SchemeRow).where(SchemeRow.code == code)).first()

    def schemes(self) -> Sequence[SchemeRow]:
        return self.session.scalars(select(SchemeRow).order_by(SchemeRow.code)).all()

    def enrolled_fen(self, scheme_id: str) -> int:
        stmt = select(func.coalesce(func.sum(GuaranteeRow.principal_fen), 0)).where(
            GuaranteeRow.scheme_id == scheme_id, GuaranteeRow.status.in_(LIVE)
        )
        return int(self.session.scalar(stmt) or 0)

    def cap_fees_fen(self, scheme_id: str) -> int:
        stmt = select(func.coalesce(func.sum(FeeRow.amount_fen), 0)).where(
            FeeRow.scheme_id == scheme_id, FeeRow.counts_for_caps.is_(True)
        )
        return int(self.session.scalar(stmt) or 0)

    def fees_fen_by_name(self, scheme_id: str) -> dict[str, int]:
        stmt = (
            select(FeeRow.name, func.sum(FeeRow.amount_fen))
            .where(FeeRow.scheme_id == scheme_id)
            .group_by(FeeRow.name)
        )
        return {name: int(total) for name, total in self.session.execute(stmt)}

    def claims_of_scheme(self, scheme_id: str) -> Sequence[ClaimRow]:
        stmt = select(ClaimRow).where(ClaimRow.scheme_id == scheme_id).order_by(ClaimRow.created_at)
        return self.session.scalars(stmt).all()

    # -- guarantees --------------------------------------------------------------------------
    def guarantee(self, guarantee_id: str) -> GuaranteeRow | None:
        return self.session.get(GuaranteeRow, guarantee_id)

    def guarantee_of_loan(self, loan_id: str) -> GuaranteeRow | None:
        return self.session.scalars(
            select(GuaranteeRow).where(GuaranteeRow.loan_id == loan_id)
        ).first()

    def guarantees(
        self,
        *,
        guarantor_org_id: str | None = None,
        bank_org_id: str | None = None,
        borrower_org_id: str | None = None,
        status: str | None = None,
    ) -> Sequence[GuaranteeRow]:
        stmt = select(GuaranteeRow).order_by(GuaranteeRow.created_at, GuaranteeRow.id)
        if guarantor_org_id:
            stmt = stmt.where(GuaranteeRow.guarantor_org_id == guarantor_org_id)
        if bank_org_id:
            stmt = stmt.where(GuaranteeRow.bank_org_id == bank_org_id)
        if borrower_org_id:
            stmt = stmt.where(GuaranteeRow.borrower_org_id == borrower_org_id)
        if status:
            stmt = stmt.where(GuaranteeRow.status == status)
        return self.session.scalars(stmt).all()

    def fee_exists(self, guarantee_id: str, name: str, period_start: date) -> bool:
        stmt = select(FeeRow.id).where(
            FeeRow.guarantee_id == guarantee_id,
            FeeRow.name == name,
            FeeRow.period_start == period_start,
        )
        return self.session.scalar(stmt) is not None

    def fees_of(self, guarantee_id: str) -> Sequence[FeeRow]:
        stmt = (
            select(FeeRow)
            .where(FeeRow.guarantee_id == guarantee_id)
            .order_by(FeeRow.period_start, FeeRow.name)
        )
        return self.session.scalars(stmt).all()

    # -- claims and recoveries -----------------------------------------------------------------
    def claim(self, claim_id: str) -> ClaimRow | None:
        return self.session.get(ClaimRow, claim_id)

    def claim_of(self, guarantee_id: str) -> ClaimRow | None:
        return self.session.scalars(
            select(ClaimRow).where(ClaimRow.guarantee_id == guarantee_id)
        ).first()

    def recoveries(self, claim_id: str) -> Sequence[RecoveryRow]:
        stmt = (
            select(RecoveryRow)
            .where(RecoveryRow.claim_id == claim_id)
            .order_by(RecoveryRow.created_at)
        )
        return self.session.scalars(stmt).all()

    # -- journal -------------------------------------------------------------------------------
    def add(self, row: object) -> None:
        self.session.add(row)

    def balances(self, org_id: str | None = None) -> dict[tuple[str, str], int]:
        """(org, account) → debits − credits over the whole journal (or one org's)."""
        stmt = select(
            JournalLineRow.org_id,
            JournalLineRow.account,
            func.sum(JournalLineRow.debit_fen - JournalLineRow.credit_fen),
        ).group_by(JournalLineRow.org_id, JournalLineRow.account)
        if org_id:
            stmt = stmt.where(JournalLineRow.org_id == org_id)
        return {(o, a): int(v) for o, a, v in self.session.execute(stmt)}

    def entries_for(self, ref_id: str) -> Sequence[JournalEntryRow]:
        stmt = select(JournalEntryRow).where(JournalEntryRow.ref_id == ref_id)
        return self.session.scalars(stmt.order_by(JournalEntryRow.created_at)).all()

    def lines_of(self, entry_ids: Sequence[str]) -> Sequence[JournalLineRow]:
        if not entry_ids:
            return []
        stmt = select(JournalLineRow).where(JournalLineRow.entry_id.in_(entry_ids))
        return self.session.scalars(stmt).all()

    # -- subsidies -------------------------------------------------------------------------------
    def programme(self, programme_id: str, *, lock: bool = False) -> ProgrammeRow | None:
        stmt = select(ProgrammeRow).where(ProgrammeRow.id == programme_id)
        if lock:  # budget is spent one payment at a time
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def programmes(self, gov_org_id: str | None = None) -> Sequence[ProgrammeRow]:
        stmt = select(ProgrammeRow).order_by(ProgrammeRow.created_at)
        if gov_org_id:
            stmt = stmt.where(ProgrammeRow.gov_org_id == gov_org_id)
        return self.session.scalars(stmt).all()

    def enrolments(self, programme_id: str) -> Sequence[EnrolmentRow]:
        stmt = select(EnrolmentRow).where(EnrolmentRow.programme_id == programme_id)
        return self.session.scalars(stmt.order_by(EnrolmentRow.enrolled_on, EnrolmentRow.id)).all()

    def enrolled_loans(self, programme_id: str) -> set[str]:
        stmt = select(EnrolmentRow.loan_id).where(EnrolmentRow.programme_id == programme_id)
        return set(self.session.scalars(stmt))

    def payments(
        self, programme_id: str, *, period: date | None = None
    ) -> Sequence[SubsidyPaymentRow]:
        stmt = select(SubsidyPaymentRow).where(SubsidyPaymentRow.programme_id == programme_id)
        if period:
            stmt = stmt.where(SubsidyPaymentRow.period == period)
        return self.session.scalars(stmt.order_by(SubsidyPaymentRow.period)).all()

    def payments_of_borrower(self, borrower_org_id: str) -> Sequence[SubsidyPaymentRow]:
        stmt = select(SubsidyPaymentRow).where(SubsidyPaymentRow.borrower_org_id == borrower_org_id)
        return self.session.scalars(stmt.order_by(SubsidyPaymentRow.period)).all()
