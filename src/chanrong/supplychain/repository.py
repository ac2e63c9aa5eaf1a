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

from sqlalchemy import CursorResult, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from chanrong.core.errors import Conflict
from chanrong.storage.base import Base
from chanrong.storage.bulk import insert_rows
from chanrong.storage.driver import raw
from chanrong.storage.statements import connection, table_of
from chanrong.supplychain import hotpath
from chanrong.supplychain.certificates import OUTSTANDING, CertState, FinancingState
from chanrong.supplychain.hotpath import AnyCert, AnyFin, CertRow, FinRow
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

# Statements built once against the tables and run on the session's connection
# (``storage.statements``). The certificate operations' own statements (the measured path,
# benchmarks/supplychain.py) are prepared once more, down to the DBAPI cursor: ``hotpath``.
_certs = table_of(Certificate)
_fins = table_of(Financing)
# A settlement closes every outstanding certificate of a tree at once (they are locked).
_CLOSE_ALL = (
    update(_certs)
    .where(
        _certs.c.id.in_(bindparam("cert_ids", expanding=True)),
        _certs.c.state.in_([s.value for s in OUTSTANDING]),
    )
    .values(state=bindparam("new"), version=_certs.c.version + 1, closed_at=bindparam("at"))
)
_CANCEL_OPEN_ALL = (
    update(_fins)
    .where(
        _fins.c.certificate_id.in_(bindparam("cert_ids", expanding=True)),
        _fins.c.state.in_(OPEN_FINANCING),
    )
    .values(state=FinancingState.CANCELLED.value, decided_at=bindparam("at"))
)
_LIVE_IN = (
    select(_certs.c.id, _certs.c.holder_org_id, _certs.c.face_fen)
    .where(
        _certs.c.payable_id.in_(bindparam("payable_ids", expanding=True)),
        _certs.c.state == CertState.LIVE.value,
    )
    .order_by(_certs.c.id)
)


def _by_id(entity: Any) -> tuple[Any, Any]:
    """A lookup by primary key, plain and locked (``FOR NO KEY UPDATE``, reloaded), built
    once: building the expression on every call cost more than running it."""
    plain = select(entity).where(entity.id == bindparam("id"))
    locked = plain.with_for_update(key_share=True).execution_options(populate_existing=True)
    return plain, locked


_PAYABLE = _by_id(Payable)
_CERTIFICATE = _by_id(Certificate)
_FINANCING = _by_id(Financing)
_LIMIT_WHERE = select(ExposureLimit).where(
    ExposureLimit.bank_org_id == bindparam("bank"), ExposureLimit.core_org_id == bindparam("core")
)
_LIMIT = (
    _LIMIT_WHERE,
    _LIMIT_WHERE.with_for_update(key_share=True).execution_options(populate_existing=True),
)
_OPEN_REQUEST = (
    select(Financing)
    .where(
        Financing.certificate_id == bindparam("cert"),
        Financing.bank_org_id == bindparam("bank"),
        Financing.state.in_(OPEN_FINANCING),
    )
    .limit(1)
)


def _committed(obj: object, **values: Any) -> None:
    """Tell a loaded object what a Core statement just wrote, without marking it changed
    (a ``CertRow`` is a plain value: simply set)."""
    for key, value in values.items():
        if isinstance(obj, CertRow | FinRow):
            setattr(obj, key, value)
        else:
            set_committed_value(obj, key, value)


class SupplyChainRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- transactions -------------------------------------------------------------------

    @property
    def locks_rows(self) -> bool:
        """Whether rows are locked as they are read (PostgreSQL); SQLite's writer holds the
        whole database from ``begin_write`` on."""
        return self.session.get_bind().dialect.name != "sqlite"

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

    def insert(self, *objs: Base | CertRow) -> None:
        """Rows written once and never changed in this transaction (certificates made,
        requests, events, settlements): one Core INSERT per table, no unit of work. The
        objects stay outside the session and must carry every value a caller reads back.

        Certificates, events, financing requests and journal rows go in through statements
        prepared once (``hotpath.INSERTS``) and must carry every column's value."""
        rest: list[Base] = []
        by_kind: dict[type, list[Base | CertRow]] = {}
        for obj in objs:
            # A ``CertRow`` (a new child certificate as plain values) is a certificate's row.
            kind = Certificate if type(obj) is CertRow else type(obj)
            if kind in hotpath.INSERTS:
                by_kind.setdefault(kind, []).append(obj)
            else:
                assert not isinstance(obj, CertRow)
                rest.append(obj)
        for kind, same in by_kind.items():
            hotpath.insert_objects(self.session, kind, same)
        if rest:
            insert_rows(self.session, rest)

    def _rowcount(self, stmt: Any) -> int:
        result = cast(CursorResult[Any], self.session.execute(stmt))
        return int(result.rowcount)

    # -- payables -----------------------------------------------------------------------

    def payable(self, payable_id: str, *, lock: bool = False) -> Payable | None:
        return self.session.scalars(_PAYABLE[lock], {"id": payable_id}).one_or_none()

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
        # What was written is known: told to the object rather than read back (a SELECT).
        _committed(payable, state=new, version=payable.version + 1, **values)

    # -- certificates -------------------------------------------------------------------

    def certificate(self, cert_id: str, *, lock: bool = False) -> Certificate | None:
        return self.session.scalars(_CERTIFICATE[lock], {"id": cert_id}).one_or_none()

    def certificate_row(self, cert_id: str, *, lock: bool = False) -> AnyCert | None:
        """The certificate as a plain ``CertRow`` read on the DBAPI cursor (SQLite, in a
        write transaction: the write lock already holds every row); elsewhere the ORM's
        ``certificate`` (locked as asked)."""
        if raw(self.session) is None:
            return self.certificate(cert_id, lock=lock)
        found = hotpath.CERT_BY_ID.rows(self.session, {"id": cert_id})
        return hotpath.cert_row(found[0]) if found else None

    def payable_state(self, payable_id: str) -> tuple[str, str, str] | None:
        """(core, supplier, state) of a payable, read on the DBAPI cursor; None when the
        payable is missing or the cursor is not to be used (then take the full path)."""
        if raw(self.session) is None:
            return None
        found = hotpath.PAYABLE_STATE.rows(self.session, {"id": payable_id})
        return (found[0][0], found[0][1], found[0][2]) if found else None

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
        cert: AnyCert,
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
        done = hotpath.CONSUME.execute(
            self.session,
            {
                "cert_id": cert.id,
                "was": was.value,
                "holder": actor_org_id,
                "old_version": cert.version,
                "new": new.value,
                "new_version": cert.version + 1,
                "at": at,
            },
        )
        if done != 1:
            raise Conflict("the certificate was used by someone else first; nothing was changed")
        _committed(cert, state=new.value, version=cert.version + 1, closed_at=at)
        hotpath.CANCEL_OPEN.execute(
            self.session, {"cert_id": cert.id, "keep": keep_financing or "", "at": at}
        )

    def close_all(self, certs: Sequence[Certificate], *, new: CertState, at: datetime) -> None:
        """Every outstanding (live or overdue) certificate of ``certs`` → ``new`` in one
        statement, and their open financing requests cancelled in one more: a settlement
        holding the tree's locks closes it whole. Any that is no longer outstanding makes
        it a ``Conflict`` (nothing is changed: the caller's transaction rolls back)."""
        if not certs:
            return
        ids = [c.id for c in certs]
        conn = connection(self.session)
        done = conn.execute(_CLOSE_ALL, {"cert_ids": ids, "new": new.value, "at": at})
        if done.rowcount != len(ids):
            raise Conflict("a certificate was used by someone else first; nothing was changed")
        for cert in certs:
            _committed(cert, state=new.value, version=cert.version + 1, closed_at=at)
        conn.execute(_CANCEL_OPEN_ALL, {"cert_ids": ids, "at": at})

    # -- financing ----------------------------------------------------------------------

    def financing(self, financing_id: str, *, lock: bool = False) -> Financing | None:
        return self.session.scalars(_FINANCING[lock], {"id": financing_id}).one_or_none()

    def financing_row(self, financing_id: str, *, lock: bool = False) -> AnyFin | None:
        """The financing request as a plain ``FinRow`` read on the DBAPI cursor (SQLite, in
        a write transaction: the write lock already holds every row); elsewhere the ORM's
        ``financing`` (locked as asked)."""
        if raw(self.session) is None:
            return self.financing(financing_id, lock=lock)
        found = hotpath.FIN_BY_ID.rows(self.session, {"id": financing_id})
        return hotpath.FinRow(*found[0]) if found else None

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
        return self.session.scalars(_OPEN_REQUEST, {"cert": cert_id, "bank": bank_org_id}).first()

    def has_open_request(self, cert_id: str, bank_org_id: str) -> bool:
        """Whether the certificate is offered to this bank and not yet decided."""
        return bool(hotpath.OPEN_REQUEST.rows(self.session, {"cert": cert_id, "bank": bank_org_id}))

    def financings_for(self, cert_ids: Sequence[str]) -> Sequence[Financing]:
        if not cert_ids:
            return []
        return self.session.scalars(
            select(Financing)
            .where(Financing.certificate_id.in_(cert_ids))
            .order_by(Financing.requested_at)
        ).all()

    def move_financing(
        self, fin: AnyFin, *, expected: FinancingState, new: FinancingState, **values: Any
    ) -> None:
        keys = tuple(sorted(values))
        done = hotpath.move_financing(keys).execute(
            self.session,
            {
                "fin_id": fin.id,
                "expected": expected.value,
                "old_version": fin.version,
                "new": new.value,
                "new_version": fin.version + 1,
                **{f"v_{k}": v for k, v in values.items()},
            },
        )
        if done != 1:
            raise Conflict(f"the financing request is no longer {expected.value}")
        _committed(fin, state=new.value, version=fin.version + 1, **values)

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
        plain = hotpath.live_rows(self.session, payable_ids)
        if plain is not None:
            return plain
        rows = connection(self.session).execute(_LIVE_IN, {"payable_ids": list(payable_ids)})
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

    def mark_overdue(self, cert: AnyCert, *, day: date, at: datetime) -> bool:
        """Live → overdue, if still live; False when someone settled or marked it first."""
        done = hotpath.MARK_OVERDUE.execute(
            self.session,
            {
                "cert_id": cert.id,
                "old_version": cert.version,
                "new_version": cert.version + 1,
                "day": day,
            },
        )
        if done != 1:
            return False
        _committed(cert, state=CertState.OVERDUE.value, version=cert.version + 1, overdue_since=day)
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
        return self.session.scalars(
            _LIMIT[lock], {"bank": bank_org_id, "core": core_org_id}
        ).one_or_none()

    def limit_fen(self, bank_org_id: str, core_org_id: str, *, lock: bool = False) -> int | None:
        """The bank's limit on the core enterprise in fen, None without one (the row locked
        where rows are locked: PostgreSQL)."""
        if lock and self.locks_rows:
            row = self.limit(bank_org_id, core_org_id, lock=True)
            return None if row is None else row.limit_fen
        found = hotpath.LIMIT_FEN.rows(self.session, {"bank": bank_org_id, "core": core_org_id})
        return int(found[0][0]) if found else None

    def limits_of(self, bank_org_id: str) -> Sequence[ExposureLimit]:
        return self.session.scalars(
            select(ExposureLimit)
            .where(ExposureLimit.bank_org_id == bank_org_id)
            .order_by(ExposureLimit.set_at, ExposureLimit.id)
        ).all()

    def exposure(self, bank_org_id: str, core_org_id: str) -> int:
        """Face of the core enterprise's certificates the bank holds outstanding, in fen."""
        found = hotpath.EXPOSURE.rows(self.session, {"bank": bank_org_id, "core": core_org_id})
        return int(found[0][0] or 0)

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
