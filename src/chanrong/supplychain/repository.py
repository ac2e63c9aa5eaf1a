"""Every supply-chain finance query, including the locks that make the invariants hold.

Concurrency: a write use case first calls ``begin_write``. On SQLite that opens the
transaction with ``BEGIN IMMEDIATE`` so writers queue on the database's write lock (waiting
up to the configured busy timeout) instead of failing when a read snapshot goes stale. On
PostgreSQL rows are read ``FOR UPDATE`` before they are checked. Either way every state
change is a conditional ``UPDATE … WHERE state = … AND version = …`` whose row count is
checked, so a lost race is a ``Conflict``, never a second spend.

Row locks are ``FOR NO KEY UPDATE`` (``key_share=True``): they exclude every other writer of
the row but not the key-share locks that inserting a child row (a foreign key to it) takes,
so a settlement holding a payable cannot deadlock against an insert that references it.
Every use case locks in one order: payable, certificate, financing request, and last the
verifiable log's head (inside ``append_log``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict
from chanrong.supplychain.certificates import OUTSTANDING, CertState, FinancingState
from chanrong.supplychain.orm import (
    Certificate,
    CertificateEvent,
    ExposureLimit,
    Financing,
    JournalEntry,
    JournalLine,
    Payable,
    Settlement,
)

OPEN_FINANCING = (FinancingState.REQUESTED.value, FinancingState.QUOTED.value)


class SupplyChainRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- transactions -------------------------------------------------------------------

    def begin_write(self) -> None:
        """Take the write lock up front on SQLite; PostgreSQL locks rows as it reads them."""
        conn = self.session.connection()
        if conn.dialect.name != "sqlite":
            return
        raw: Any = conn.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    def add(self, *objs: object) -> None:
        self.session.add_all(objs)
        self.session.flush()

    def _rowcount(self, stmt: Any) -> int:
        result = cast(CursorResult[Any], self.session.execute(stmt))
        return int(result.rowcount)

    # -- payables -----------------------------------------------------------------------

    def payable(self, payable_id: str, *, lock: bool = False) -> Payable | None:
        stmt = select(Payable).where(Payable.id == payable_id)
        if lock:
            stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def payable_by_invoice(self, supplier_org_id: str, invoice_ref: str) -> Payable | None:
        return self.session.scalars(
            select(Payable).where(
                Payable.supplier_org_id == supplier_org_id, Payable.invoice_ref == invoice_ref
            )
        ).one_or_none()

    def payables_of(self, org_id: str, *, state: str | None = None) -> Sequence[Payable]:
        stmt = (
            select(Payable)
            .where(or_(Payable.supplier_org_id == org_id, Payable.core_org_id == org_id))
            .order_by(Payable.submitted_at, Payable.id)
        )
        if state:
            stmt = stmt.where(Payable.state == state)
        return self.session.scalars(stmt).all()

    def move_payable(self, payable: Payable, *, expected: str, new: str, **values: Any) -> None:
        """Conditionally move a payable between states; a lost race raises ``Conflict``."""
        stmt = (
            update(Payable)
            .where(
                Payable.id == payable.id,
                Payable.state == expected,
                Payable.version == payable.version,
            )
            .values(state=new, version=payable.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if self._rowcount(stmt) != 1:
            raise Conflict(f"the payable is no longer {expected}; someone acted on it first")
        self.session.refresh(payable)

    # -- certificates -------------------------------------------------------------------

    def certificate(self, cert_id: str, *, lock: bool = False) -> Certificate | None:
        stmt = select(Certificate).where(Certificate.id == cert_id)
        if lock:
            stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def certificate_by_identifier(self, identifier: str) -> Certificate | None:
        return self.session.scalars(
            select(Certificate).where(Certificate.identifier == identifier)
        ).one_or_none()

    def tree(self, payable_id: str, *, lock_live: bool = False) -> Sequence[Certificate]:
        """Every certificate of a payable, oldest first; with ``lock_live`` only the
        outstanding ones (live or overdue), locked."""
        stmt = (
            select(Certificate)
            .where(Certificate.payable_id == payable_id)
            .order_by(Certificate.created_at, Certificate.identifier)
            .execution_options(populate_existing=True)
        )
        if lock_live:
            # Lock in id order so two settlements of one tree cannot deadlock.
            stmt = (
                stmt.where(Certificate.state.in_([s.value for s in OUTSTANDING]))
                .order_by(None)
                .order_by(Certificate.id)
                .with_for_update(key_share=True)
            )
        return self.session.scalars(stmt).all()

    def held_by(self, org_id: str, *, state: str | None = None) -> Sequence[Certificate]:
        stmt = (
            select(Certificate)
            .where(Certificate.holder_org_id == org_id)
            .order_by(Certificate.created_at, Certificate.identifier)
        )
        if state:
            stmt = stmt.where(Certificate.state == state)
        return self.session.scalars(stmt).all()

    def consume(
        self,
        cert: Certificate,
        *,
        actor_org_id: str,
        new: CertState,
        at: datetime,
        keep_financing: str | None = None,
        was: CertState = CertState.LIVE,
    ) -> None:
        """Live (or ``was``) → ``new``, only if still so, still held by the actor, still this
        version.

        Open financing requests on the certificate (but ``keep_financing``, the one being
        accepted) are cancelled in the same transaction: what they offered no longer exists.
        """
        stmt = (
            update(Certificate)
            .where(
                Certificate.id == cert.id,
                Certificate.state == was.value,
                Certificate.holder_org_id == actor_org_id,
                Certificate.version == cert.version,
            )
            .values(state=new.value, version=cert.version + 1, closed_at=at)
            .execution_options(synchronize_session=False)
        )
        if self._rowcount(stmt) != 1:
            raise Conflict("the certificate was used by someone else first; nothing was changed")
        self.session.refresh(cert)
        cancel: list[ColumnElement[bool]] = [
            Financing.certificate_id == cert.id,
            Financing.state.in_(OPEN_FINANCING),
        ]
        if keep_financing is not None:
            cancel.append(Financing.id != keep_financing)
        self.session.execute(
            update(Financing)
            .where(*cancel)
            .values(state=FinancingState.CANCELLED.value, decided_at=at)
            .execution_options(synchronize_session="fetch")
        )

    # -- financing ----------------------------------------------------------------------

    def financing(self, financing_id: str, *, lock: bool = False) -> Financing | None:
        stmt = select(Financing).where(Financing.id == financing_id)
        if lock:
            stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def financings_of(self, org_id: str, *, state: str | None = None) -> Sequence[Financing]:
        stmt = (
            select(Financing)
            .where(or_(Financing.requester_org_id == org_id, Financing.bank_org_id == org_id))
            .order_by(Financing.requested_at, Financing.id)
        )
        if state:
            stmt = stmt.where(Financing.state == state)
        return self.session.scalars(stmt).all()

    def offered_ids(self, bank_org_id: str, cert_ids: Sequence[str]) -> set[str]:
        """Which of these certificates were offered to this bank for financing."""
        if not cert_ids:
            return set()
        rows = self.session.scalars(
            select(Financing.certificate_id).where(
                Financing.bank_org_id == bank_org_id, Financing.certificate_id.in_(cert_ids)
            )
        )
        return set(rows)

    def open_request(self, cert_id: str, bank_org_id: str) -> Financing | None:
        return self.session.scalars(
            select(Financing).where(
                Financing.certificate_id == cert_id,
                Financing.bank_org_id == bank_org_id,
                Financing.state.in_(OPEN_FINANCING),
            )
        ).first()

    def financings_for(self, cert_ids: Sequence[str]) -> Sequence[Financing]:
        if not cert_ids:
            return []
        return self.session.scalars(
            select(Financing)
            .where(Financing.certificate_id.in_(cert_ids))
            .order_by(Financing.requested_at)
        ).all()

    def move_financing(
        self, fin: Financing, *, expected: FinancingState, new: FinancingState, **values: Any
    ) -> None:
        stmt = (
            update(Financing)
            .where(
                Financing.id == fin.id,
                Financing.state == expected.value,
                Financing.version == fin.version,
            )
            .values(state=new.value, version=fin.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if self._rowcount(stmt) != 1:
            raise Conflict(f"the financing request is no longer {expected.value}")
        self.session.refresh(fin)

    # -- settlement and events ----------------------------------------------------------

    def settlements(self, payable_id: str) -> Sequence[Settlement]:
        return self.session.scalars(
            select(Settlement).where(Settlement.payable_id == payable_id).order_by(Settlement.id)
        ).all()

    def events(self, payable_id: str) -> Sequence[CertificateEvent]:
        return self.session.scalars(
            select(CertificateEvent)
            .where(CertificateEvent.payable_id == payable_id)
            .order_by(CertificateEvent.at, CertificateEvent.id)
        ).all()

    def live_in(self, payable_ids: Sequence[str]) -> Sequence[tuple[str, str, int]]:
        """(certificate id, holder, face fen) of the live certificates of these payables."""
        rows = self.session.execute(
            select(Certificate.id, Certificate.holder_org_id, Certificate.face_fen)
            .where(
                Certificate.payable_id.in_(payable_ids),
                Certificate.state == CertState.LIVE.value,
            )
            .order_by(Certificate.id)
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    def all_payable_ids(self) -> Sequence[str]:
        return self.session.scalars(select(Payable.id).order_by(Payable.id)).all()

    # -- maturity: overdue certificates and recourse ------------------------------------

    def live_matured(self, day: date) -> Sequence[str]:
        """Ids of live certificates that matured on or before ``day`` (unpaid, so due to be
        marked overdue)."""
        return self.session.scalars(
            select(Certificate.id)
            .where(Certificate.state == CertState.LIVE.value, Certificate.maturity_date <= day)
            .order_by(Certificate.id)
        ).all()

    def mark_overdue(self, cert: Certificate, *, day: date, at: datetime) -> bool:
        """Live → overdue, if still live; False when someone settled or marked it first."""
        stmt = (
            update(Certificate)
            .where(
                Certificate.id == cert.id,
                Certificate.state == CertState.LIVE.value,
                Certificate.version == cert.version,
            )
            .values(
                state=CertState.OVERDUE.value,
                version=cert.version + 1,
                overdue_since=day,
            )
            .execution_options(synchronize_session=False)
        )
        if self._rowcount(stmt) != 1:
            return False
        self.session.refresh(cert)
        return True

    def overdue_for(self, org_id: str) -> Sequence[Certificate]:
        """Overdue certificates ``org_id`` holds, owes (core enterprise), or financed with
        recourse and may be turned back to."""
        financed = select(Financing.bank_certificate_id).where(
            Financing.requester_org_id == org_id,
            Financing.state == FinancingState.ACCEPTED.value,
        )
        return self.session.scalars(
            select(Certificate)
            .where(
                Certificate.state == CertState.OVERDUE.value,
                or_(
                    Certificate.holder_org_id == org_id,
                    Certificate.core_org_id == org_id,
                    Certificate.id.in_(financed),
                ),
            )
            .order_by(Certificate.maturity_date, Certificate.identifier)
        ).all()

    def financing_of_bank_certificate(self, cert_id: str) -> Financing | None:
        """The accepted financing that made ``cert_id`` (the bank's certificate)."""
        return self.session.scalars(
            select(Financing).where(
                Financing.bank_certificate_id == cert_id,
                Financing.state == FinancingState.ACCEPTED.value,
            )
        ).one_or_none()

    # -- exposure limits ----------------------------------------------------------------

    def limit(
        self, bank_org_id: str, core_org_id: str, *, lock: bool = False
    ) -> ExposureLimit | None:
        stmt = select(ExposureLimit).where(
            ExposureLimit.bank_org_id == bank_org_id, ExposureLimit.core_org_id == core_org_id
        )
        if lock:
            stmt = stmt.with_for_update(key_share=True).execution_options(populate_existing=True)
        return self.session.scalars(stmt).one_or_none()

    def limits_of(self, bank_org_id: str) -> Sequence[ExposureLimit]:
        return self.session.scalars(
            select(ExposureLimit)
            .where(ExposureLimit.bank_org_id == bank_org_id)
            .order_by(ExposureLimit.set_at, ExposureLimit.id)
        ).all()

    def exposure(self, bank_org_id: str, core_org_id: str) -> int:
        """Face of the core enterprise's certificates the bank holds outstanding, in fen."""
        total = self.session.scalar(
            select(func.coalesce(func.sum(Certificate.face_fen), 0)).where(
                Certificate.holder_org_id == bank_org_id,
                Certificate.core_org_id == core_org_id,
                Certificate.state.in_([s.value for s in OUTSTANDING]),
            )
        )
        return int(total or 0)

    # -- journal ------------------------------------------------------------------------

    def journal_by_account(self, payable_id: str) -> dict[tuple[str, str], int]:
        """Debit-minus-credit per (organisation, account) of one payable's journal."""
        rows = self.session.execute(
            select(
                JournalLine.org_id,
                JournalLine.account,
                func.sum(JournalLine.debit_fen) - func.sum(JournalLine.credit_fen),
            )
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalEntry.payable_id == payable_id)
            .group_by(JournalLine.org_id, JournalLine.account)
        )
        return {(r[0], r[1]): int(r[2]) for r in rows}
