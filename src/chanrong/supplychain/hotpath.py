"""The certificate operations' statements, prepared once (``driver``): the measured hot path.

Split, transfer, financing request, quote and acceptance each read one certificate, consume it
with a conditional UPDATE, cancel its open financing requests and insert what they made;
group commit runs them back to back in one writer thread, so each statement's overhead is the
writer's, and the writer is the serial part (benchmarks/supplychain.py). On SQLite these run
on the DBAPI cursor (``driver.Prepared``); elsewhere through SQLAlchemy Core, as before.

A certificate read here is a ``CertRow``, a plain value with the columns of ``Certificate``,
not an ORM object: nothing of it is tracked by the session, so nothing can go stale across the
savepoints of a batch either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from chanrong.storage.driver import Prepared
from chanrong.storage.statements import connection, table_of
from chanrong.supplychain.certificates import OUTSTANDING, CertState, FinancingState
from chanrong.supplychain.orm import (
    Certificate,
    CertificateEvent,
    ExposureLimit,
    Financing,
    JournalEntry,
    JournalLine,
    Payable,
)

_certs = table_of(Certificate)
_fins = table_of(Financing)
_limits = table_of(ExposureLimit)
_payables = table_of(Payable)

CERT_COLUMNS = tuple(c.key for c in _certs.columns)
FIN_COLUMNS = tuple(c.key for c in _fins.columns)


@dataclass(slots=True)
class CertRow:
    """One stored certificate as read on the hot path (the columns of ``Certificate``)."""

    id: str
    identifier: str
    payable_id: str
    parent_id: str | None
    core_org_id: str
    holder_org_id: str
    face_fen: int
    maturity_date: date
    origin: str
    state: str
    version: int
    created_at: datetime
    closed_at: datetime | None
    overdue_since: date | None


AnyCert = Certificate | CertRow


@dataclass(slots=True)
class FinRow:
    """One stored financing request as read on the hot path (the columns of ``Financing``):
    a plain value, as ``CertRow``; building the ORM object cost more than its query."""

    id: str
    certificate_id: str
    requester_org_id: str
    bank_org_id: str
    state: str
    annual_rate_percent: Decimal | None
    day_count: str | None
    days: int | None
    discount_fen: int | None
    proceeds_fen: int | None
    bank_certificate_id: str | None
    recourse: bool
    version: int
    requested_at: datetime
    quoted_at: datetime | None
    decided_at: datetime | None


AnyFin = Financing | FinRow


def _one_of(column: Any, values: tuple[str, ...]) -> Any:
    # ``in_`` of a list compiles to an expanding parameter, which a statement compiled once
    # cannot carry; the same test as literals.
    return or_(*(column == literal(v) for v in values))


_OPEN = (FinancingState.REQUESTED.value, FinancingState.QUOTED.value)
_OUTSTANDING = tuple(s.value for s in OUTSTANDING)

CERT_BY_ID = Prepared(
    select(*(_certs.c[k] for k in CERT_COLUMNS)).where(_certs.c.id == bindparam("id"))
)
# A FinRow is built from FIN_BY_ID's row by position: its fields must be the table's columns.
assert tuple(f.name for f in fields(FinRow)) == FIN_COLUMNS, "FinRow: not Financing's columns"
FIN_BY_ID = Prepared(
    select(*(_fins.c[k] for k in FIN_COLUMNS)).where(_fins.c.id == bindparam("id"))
)
CONSUME = Prepared(
    update(_certs)
    .where(
        _certs.c.id == bindparam("cert_id"),
        _certs.c.state == bindparam("was"),
        _certs.c.holder_org_id == bindparam("holder"),
        _certs.c.version == bindparam("old_version"),
    )
    .values(state=bindparam("new"), version=bindparam("new_version"), closed_at=bindparam("at"))
)
MARK_OVERDUE = Prepared(
    update(_certs)
    .where(
        _certs.c.id == bindparam("cert_id"),
        _certs.c.state == CertState.LIVE.value,
        _certs.c.version == bindparam("old_version"),
    )
    .values(
        state=CertState.OVERDUE.value,
        version=bindparam("new_version"),
        overdue_since=bindparam("day"),
    )
)
CANCEL_OPEN = Prepared(
    update(_fins)
    .where(
        _fins.c.certificate_id == bindparam("cert_id"),
        _one_of(_fins.c.state, _OPEN),
        _fins.c.id != bindparam("keep"),
    )
    .values(state=FinancingState.CANCELLED.value, decided_at=bindparam("at"))
)
OPEN_REQUEST = Prepared(
    select(_fins.c.id)
    .where(
        _fins.c.certificate_id == bindparam("cert"),
        _fins.c.bank_org_id == bindparam("bank"),
        _one_of(_fins.c.state, _OPEN),
    )
    .limit(1)
)
LIMIT_FEN = Prepared(
    select(_limits.c.limit_fen).where(
        and_(_limits.c.bank_org_id == bindparam("bank"), _limits.c.core_org_id == bindparam("core"))
    )
)
EXPOSURE = Prepared(
    select(func.coalesce(func.sum(_certs.c.face_fen), 0)).where(
        _certs.c.holder_org_id == bindparam("bank"),
        _certs.c.core_org_id == bindparam("core"),
        _one_of(_certs.c.state, _OUTSTANDING),
    )
)
# Who may settle a payable and whether it still can be: the cheap first look that turns a
# lost settlement race away before the tree is read.
PAYABLE_STATE = Prepared(
    select(_payables.c.core_org_id, _payables.c.supplier_org_id, _payables.c.state).where(
        _payables.c.id == bindparam("id")
    )
)


def _insert_all(entity: Any) -> tuple[Prepared, tuple[tuple[str, str], ...], tuple[str, ...]]:
    table = table_of(entity)
    # (attribute, its parameter's name) per column, and the NOT NULL columns' parameters.
    keys = tuple((c.key, f"p_{c.key}") for c in table.columns)
    required = tuple(f"p_{c.key}" for c in table.columns if not c.nullable)
    return Prepared(insert(table).values({k: bindparam(p) for k, p in keys})), keys, required


# Every column given (the row objects carry all their values; no column default applies):
# one statement per table.
INSERTS: dict[type[Any], tuple[Prepared, tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    entity: _insert_all(entity)
    for entity in (Certificate, CertificateEvent, Financing, JournalEntry, JournalLine)
}


def rows_of(entity: type[Any], objs: Any) -> list[dict[str, Any]]:
    """The parameters of ``INSERTS[entity]`` for these objects (every column read by name);
    a value missing from a NOT NULL column is refused here, never left to a default."""
    _, keys, required = INSERTS[entity]
    out = []
    for obj in objs:
        row = {p: getattr(obj, k) for k, p in keys}
        missing = [p[2:] for p in required if row[p] is None]
        if missing:
            raise ValueError(f"{entity.__name__}: no value for {', '.join(sorted(missing))}")
        out.append(row)
    return out


def insert_values(session: Session, entity: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of ``entity`` given as plain values by column (every column, as
    ``rows_of`` reads them from objects) at once: no mapped object built for a row nobody
    reads back (a group commit's events)."""
    if not rows:
        return
    prepared, keys, required = INSERTS[entity]
    params = [{p: row[k] for k, p in keys} for row in rows]
    for row in params:
        missing = [p[2:] for p in required if row[p] is None]
        if missing:
            raise ValueError(f"{entity.__name__}: no value for {', '.join(sorted(missing))}")
    prepared.executemany(session, params)


def insert_objects(session: Session, entity: type[Any], objs: Sequence[Any]) -> None:
    """Insert these ``entity`` objects (all of one mapped class in ``INSERTS``) at once."""
    if objs:
        INSERTS[entity][0].executemany(session, rows_of(entity, objs))


_moves: dict[tuple[str, ...], Prepared] = {}


def move_financing(keys: tuple[str, ...]) -> Prepared:
    """The conditional state change of a financing request setting ``keys`` besides its
    state and version (one statement per set of keys, built on first use)."""
    found = _moves.get(keys)
    if found is None:
        stmt = (
            update(_fins)
            .where(
                _fins.c.id == bindparam("fin_id"),
                _fins.c.state == bindparam("expected"),
                _fins.c.version == bindparam("old_version"),
            )
            .values(
                state=bindparam("new"),
                version=bindparam("new_version"),
                **{k: bindparam(f"v_{k}") for k in keys},
            )
        )
        found = _moves.setdefault(keys, Prepared(stmt))
    return found


def cert_row(values: tuple[Any, ...]) -> CertRow:
    """A ``CertRow`` from a ``CERT_BY_ID`` row."""
    return CertRow(*values)


# States a settlement can pay (the payable is still owed).
SETTLEABLE = ("confirmed", "overdue")
LIVE = CertState.LIVE.value


# The live certificates of some payables (the load clients' read before every action: hundreds
# of rows late in a run). Through SQLAlchemy, building a result row per certificate cost twice
# what SQLite took to find them; on SQLite they are read on the DBAPI cursor as plain tuples.
_live_sql: dict[int, tuple[str, tuple[str, ...]]] = {}


def _live_statement(count: int, dialect: Any) -> tuple[str, tuple[str, ...]]:
    found = _live_sql.get(count)
    if found is None:
        stmt = (
            select(_certs.c.id, _certs.c.holder_org_id, _certs.c.face_fen)
            .where(
                _certs.c.payable_id.in_([bindparam(f"p{i}") for i in range(count)]),
                _certs.c.state == bindparam("live"),
            )
            .order_by(_certs.c.id)
        )
        compiled = stmt.compile(dialect=dialect)
        found = _live_sql.setdefault(count, (compiled.string, tuple(compiled.positiontup or ())))
    return found


def live_rows(session: Session, payable_ids: Sequence[str]) -> list[tuple[str, str, int]] | None:
    """(id, holder, face fen) of the live certificates of these payables, in id order, read
    on the DBAPI cursor; None when the database is not SQLite (read them through SQLAlchemy)."""
    conn = connection(session)
    if conn.dialect.name != "sqlite" or not payable_ids:
        return None
    sql, order = _live_statement(len(payable_ids), conn.dialect)
    values = {f"p{i}": pid for i, pid in enumerate(payable_ids)}
    values["live"] = LIVE
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        # face_fen is an INTEGER column: SQLite hands back ints, as the ORM would.
        rows: list[tuple[str, str, int]] = cur.execute(
            sql, [values[name] for name in order]
        ).fetchall()
        return rows
    finally:
        cur.close()
