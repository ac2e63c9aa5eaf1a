"""Every lending query (SQLAlchemy 2 ``select()``), including the bulk loads of the daily close."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import Session

from chanrong.lending.orm import (
    Alert,
    Allocation,
    ClassificationChange,
    Collection,
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


class InstalmentRow(NamedTuple):
    """An instalment as plain values: the close reads hundreds of thousands of these."""

    loan_id: str
    version: int
    number: int
    start_on: date
    due_on: date
    principal_fen: int
    interest_fen: int
    accrual_start: date
    carried_interest_fen: int


_INSTALMENT_COLUMNS = (
    Instalment.loan_id,
    Instalment.version,
    Instalment.number,
    Instalment.start_on,
    Instalment.due_on,
    Instalment.principal_fen,
    Instalment.interest_fen,
    Instalment.accrual_start,
    Instalment.carried_interest_fen,
)

# Paid so far: {(loan_id, instalment, component): fen}
PaidIndex = dict[tuple[str, int, str], int]
_CHUNK = 500


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


class LendingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: object) -> None:
        self.session.add(obj)
        self.session.flush()

    # products and rates
    def product(self, product_id: str) -> Product | None:
        return self.session.get(Product, product_id)

    def product_by_code(self, lender_org_id: str, code: str) -> Product | None:
        return self.session.scalars(
            select(Product).where(Product.lender_org_id == lender_org_id, Product.code == code)
        ).one_or_none()

    def products(self, lender_org_id: str | None = None) -> Sequence[Product]:
        stmt = select(Product).order_by(Product.created_at, Product.id)
        if lender_org_id:
            stmt = stmt.where(Product.lender_org_id == lender_org_id)
        return self.session.scalars(stmt).all()

    def lpr_fixings(self, tenor: str) -> Sequence[LprFixing]:
        return self.session.scalars(
            select(LprFixing).where(LprFixing.tenor == tenor).order_by(LprFixing.effective_on)
        ).all()

    def lpr_fixing(self, tenor: str, effective_on: date) -> LprFixing | None:
        return self.session.scalars(
            select(LprFixing).where(
                LprFixing.tenor == tenor, LprFixing.effective_on == effective_on
            )
        ).one_or_none()

    # lines and loans
    def line(self, line_id: str) -> CreditLine | None:
        return self.session.get(CreditLine, line_id)

    def lines_by_ids(self, line_ids: Sequence[str]) -> dict[str, CreditLine]:
        """Many credit lines at once (one query per 500)."""
        out: dict[str, CreditLine] = {}
        for chunk in _chunks(list(line_ids)):
            out.update(
                (x.id, x)
                for x in self.session.scalars(select(CreditLine).where(CreditLine.id.in_(chunk)))
            )
        return out

    def loans_on_lines(self, line_ids: Sequence[str]) -> list[Loan]:
        """Every drawdown of many lines (one query per 500 lines)."""
        out: list[Loan] = []
        for chunk in _chunks(list(line_ids)):
            out.extend(self.session.scalars(select(Loan).where(Loan.line_id.in_(chunk))))
        return out

    def loan(self, loan_id: str, *, for_update: bool = False) -> Loan | None:
        if for_update:
            # Lock the row and reload it: two payments on one loan are applied one after the
            # other, each seeing what the other settled (PostgreSQL; SQLite writes serially).
            return self.session.scalars(
                select(Loan)
                .where(Loan.id == loan_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).one_or_none()
        return self.session.get(Loan, loan_id)

    def loans(
        self,
        *,
        lender_org_id: str | None = None,
        borrower_org_id: str | None = None,
        status: str | None = None,
        line_id: str | None = None,
    ) -> Sequence[Loan]:
        stmt = select(Loan).order_by(Loan.created_at, Loan.id)
        if lender_org_id:
            stmt = stmt.where(Loan.lender_org_id == lender_org_id)
        if borrower_org_id:
            stmt = stmt.where(Loan.borrower_org_id == borrower_org_id)
        if status:
            stmt = stmt.where(Loan.status == status)
        if line_id:
            stmt = stmt.where(Loan.line_id == line_id)
        return self.session.scalars(stmt).all()

    def sweeping_borrowers(self, org_ids: Sequence[str]) -> set[str]:
        """Which of these organisations have an active loan with a sweep share above zero."""
        if not org_ids:
            return set()
        rows = self.session.execute(
            select(Loan.borrower_org_id, Loan.sweep_share_pct).where(
                Loan.borrower_org_id.in_(list(org_ids)), Loan.status == "active"
            )
        )
        # The share is stored as decimal text: compared as a Decimal here, never in SQL.
        return {org for org, share in rows if share > 0}

    def loan_ids_to_close(self, as_of: date, lender_org_id: str | None) -> list[str]:
        stmt = (
            select(Loan.id)
            .where(Loan.status == "active")
            .where((Loan.closed_through.is_(None)) | (Loan.closed_through < as_of))
            .order_by(Loan.id)
        )
        if lender_org_id:
            stmt = stmt.where(Loan.lender_org_id == lender_org_id)
        return list(self.session.scalars(stmt).all())

    def loans_by_ids(self, ids: Sequence[str]) -> list[Loan]:
        out: list[Loan] = []
        for chunk in _chunks(list(ids)):
            out.extend(
                self.session.scalars(select(Loan).where(Loan.id.in_(chunk)).order_by(Loan.id))
            )
        return out

    def instalments(self, loan: Loan) -> list[InstalmentRow]:
        rows = self.session.execute(
            select(*_INSTALMENT_COLUMNS)
            .where(Instalment.loan_id == loan.id, Instalment.version == loan.schedule_version)
            .order_by(Instalment.number)
        ).all()
        return [InstalmentRow(*r) for r in rows]

    def instalments_of(self, loans: Sequence[Loan]) -> dict[str, list[InstalmentRow]]:
        """Current-version instalments of many loans, in a few queries."""
        out: dict[str, list[InstalmentRow]] = defaultdict(list)
        versions = {loan.id: loan.schedule_version for loan in loans}
        for chunk in _chunks(list(versions)):
            rows = self.session.execute(
                select(*_INSTALMENT_COLUMNS)
                .where(Instalment.loan_id.in_(chunk))
                .order_by(Instalment.loan_id, Instalment.number)
            ).all()
            for r in rows:
                if r[1] == versions[r[0]]:
                    out[r[0]].append(InstalmentRow(*r))
        return out

    def paid(self, loan_ids: Sequence[str]) -> PaidIndex:
        """What allocations have settled so far, per loan, instalment and component."""
        out: PaidIndex = {}
        for chunk in _chunks(list(loan_ids)):
            rows = self.session.execute(
                select(
                    Allocation.loan_id,
                    Allocation.instalment,
                    Allocation.component,
                    func.sum(Allocation.amount_fen),
                )
                .where(Allocation.loan_id.in_(chunk))
                .group_by(Allocation.loan_id, Allocation.instalment, Allocation.component)
            ).all()
            for loan_id, inst, comp, total in rows:
                out[(loan_id, int(inst), comp)] = int(total)
        return out

    def account_balance(self, loan_ids: Sequence[str], account: str) -> dict[str, int]:
        """Debit minus credit of one account per loan."""
        out: dict[str, int] = {}
        for chunk in _chunks(list(loan_ids)):
            rows = self.session.execute(
                select(
                    JournalLine.loan_id,
                    func.sum(JournalLine.debit_fen - JournalLine.credit_fen),
                )
                .where(JournalLine.loan_id.in_(chunk), JournalLine.account == account)
                .group_by(JournalLine.loan_id)
            ).all()
            out.update({loan_id: int(total) for loan_id, total in rows})
        return out

    def open_alert_loans(self, loan_ids: Sequence[str], severity: str) -> dict[str, str]:
        """Loan id → message of an open alert of ``severity`` (a 关注 trigger)."""
        out: dict[str, str] = {}
        for chunk in _chunks(list(loan_ids)):
            rows = self.session.execute(
                select(Alert.loan_id, Alert.message)
                .where(
                    Alert.loan_id.in_(chunk),
                    Alert.status != "resolved",
                    Alert.severity == severity,
                )
                .order_by(Alert.detected_on)
            ).all()
            for loan_id, message in rows:
                out.setdefault(loan_id, message)
        return out

    def loan_by_collection_account(self, account: str) -> Loan | None:
        """The loan whose collection account (回款账户) this is, locked for the payment."""
        return self.session.scalars(
            select(Loan)
            .where(Loan.collection_account == account)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one_or_none()

    def collection(self, loan_id: str, reference: str) -> Collection | None:
        return self.session.scalars(
            select(Collection).where(
                Collection.loan_id == loan_id, Collection.reference == reference
            )
        ).one_or_none()

    def collections(self, loan_id: str) -> Sequence[Collection]:
        return self.session.scalars(
            select(Collection)
            .where(Collection.loan_id == loan_id)
            .order_by(Collection.booked_on, Collection.created_at)
        ).all()

    def repayment_by_reference(self, loan_id: str, reference: str) -> Repayment | None:
        return self.session.scalars(
            select(Repayment).where(Repayment.loan_id == loan_id, Repayment.reference == reference)
        ).one_or_none()

    def repayments(self, loan_id: str) -> Sequence[Repayment]:
        return self.session.scalars(
            select(Repayment)
            .where(Repayment.loan_id == loan_id)
            .order_by(Repayment.paid_on, Repayment.created_at)
        ).all()

    def repayment(self, repayment_id: str) -> Repayment | None:
        return self.session.get(Repayment, repayment_id)

    def entry_lines(self, entry_id: str) -> Sequence[JournalLine]:
        return self.session.scalars(
            select(JournalLine).where(JournalLine.entry_id == entry_id).order_by(JournalLine.id)
        ).all()

    def allocations(self, repayment_ids: Sequence[str]) -> Sequence[Allocation]:
        if not repayment_ids:
            return []
        return self.session.scalars(
            select(Allocation)
            .where(Allocation.repayment_id.in_(repayment_ids))
            .order_by(Allocation.instalment, Allocation.component)
        ).all()

    def entries(self, loan_id: str) -> Sequence[JournalEntry]:
        return self.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.loan_id == loan_id)
            .order_by(JournalEntry.effective_on, JournalEntry.created_at, JournalEntry.id)
        ).all()

    def lines(self, entry_ids: Sequence[str]) -> Sequence[JournalLine]:
        out: list[JournalLine] = []
        for chunk in _chunks(list(entry_ids)):
            out.extend(
                self.session.scalars(
                    select(JournalLine).where(JournalLine.entry_id.in_(chunk))
                ).all()
            )
        return out

    def classifications(self, loan_id: str) -> Sequence[ClassificationChange]:
        return self.session.scalars(
            select(ClassificationChange)
            .where(ClassificationChange.loan_id == loan_id)
            .order_by(ClassificationChange.as_of, ClassificationChange.created_at)
        ).all()

    # bulk writes of the daily close
    def insert_rows(self, table: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(table), rows)

    # the proof that the books balance
    def trial_balance(self, lender_org_id: str | None) -> tuple[int, int]:
        stmt = select(
            func.coalesce(func.sum(JournalLine.debit_fen), 0),
            func.coalesce(func.sum(JournalLine.credit_fen), 0),
        )
        if lender_org_id:
            stmt = stmt.join(Loan, Loan.id == JournalLine.loan_id).where(
                Loan.lender_org_id == lender_org_id
            )
        debit, credit = self.session.execute(stmt).one()
        return int(debit), int(credit)

    def account_totals(self, lender_org_id: str | None) -> dict[str, int]:
        stmt = select(
            JournalLine.account, func.sum(JournalLine.debit_fen - JournalLine.credit_fen)
        ).group_by(JournalLine.account)
        if lender_org_id:
            stmt = stmt.join(Loan, Loan.id == JournalLine.loan_id).where(
                Loan.lender_org_id == lender_org_id
            )
        return {acc: int(v) for acc, v in self.session.execute(stmt).all()}

    def subledger_totals(self, lender_org_id: str | None) -> dict[str, int]:
        """The same balances computed without the journal: from loans and allocations."""
        loans = select(
            func.coalesce(func.sum(Loan.principal_fen), 0),
            func.coalesce(func.sum(Loan.accrued_interest_fen), 0),
            func.coalesce(func.sum(Loan.accrued_penalty_fen), 0),
        ).where(Loan.status.in_(("active", "closed")))
        paid = (
            select(Allocation.component, func.sum(Allocation.amount_fen))
            .join(Repayment, Repayment.id == Allocation.repayment_id)
            .join(Loan, Loan.id == Allocation.loan_id)
            .group_by(Allocation.component)
        )
        held = (
            select(func.coalesce(func.sum(Repayment.amount_fen), 0))
            .join(Loan, Loan.id == Repayment.loan_id)
            .where(Repayment.source != "overpayment")
        )
        if lender_org_id:
            loans = loans.where(Loan.lender_org_id == lender_org_id)
            paid = paid.where(Loan.lender_org_id == lender_org_id)
            held = held.where(Loan.lender_org_id == lender_org_id)
        principal, interest, penalty = self.session.execute(loans).one()
        by_comp = {c: int(v) for c, v in self.session.execute(paid).all()}
        received = int(self.session.execute(held).scalar_one())
        return {
            "disbursed": int(principal),
            "interest_accrued": int(interest),
            "penalty_accrued": int(penalty),
            "paid_principal": by_comp.get("principal", 0),
            "paid_interest": by_comp.get("interest", 0),
            "paid_penalty": by_comp.get("penalty", 0),
            "received": received,
        }

    def last_close(self, lender_org_id: str | None) -> DailyClose | None:
        stmt = select(DailyClose).order_by(DailyClose.as_of.desc(), DailyClose.created_at.desc())
        if lender_org_id:
            stmt = stmt.where(DailyClose.lender_org_id == lender_org_id)
        return self.session.scalars(stmt.limit(1)).first()

    # alerts
    def alert(self, alert_id: str) -> Alert | None:
        return self.session.get(Alert, alert_id)

    def alerts(
        self,
        *,
        lender_org_id: str | None = None,
        borrower_org_id: str | None = None,
        loan_id: str | None = None,
        status: str | None = None,
    ) -> Sequence[Alert]:
        stmt = select(Alert).order_by(Alert.detected_on, Alert.created_at)
        conds = []
        if lender_org_id:
            conds.append(Alert.lender_org_id == lender_org_id)
        if borrower_org_id:
            conds.append(Alert.borrower_org_id == borrower_org_id)
        if loan_id:
            conds.append(Alert.loan_id == loan_id)
        if status:
            conds.append(Alert.status == status)
        if conds:
            stmt = stmt.where(and_(*conds))
        return self.session.scalars(stmt).all()

    def open_alert(self, loan_id: str, kind: str) -> Alert | None:
        return self.session.scalars(
            select(Alert).where(
                Alert.loan_id == loan_id, Alert.kind == kind, Alert.status != "resolved"
            )
        ).first()
