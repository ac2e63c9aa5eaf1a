"""The trade journal: every money movement of guaranteed trade (保付) and escrow, in double
entry (``trade_ledger`` builds the lines; here they are checked and stored, never edited)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.core.ids import new_id
from chanrong.supplychain.trade_ledger import Line, unbalanced
from chanrong.supplychain.trade_orm import TradeJournalEntry, TradeJournalLine


def post(
    session: Session,
    *,
    subject_id: str,
    kind: str,
    at: datetime,
    lines: Sequence[Line],
    log_index: int | None = None,
) -> TradeJournalEntry:
    """Append one balanced entry; an unbalanced one is refused before anything is written."""
    lines = [x for x in lines if x.debit_fen or x.credit_fen]
    if (why := unbalanced(lines)) is not None:
        raise ValidationFailed(f"journal entry {kind}: {why}", field="journal")
    entry = TradeJournalEntry(
        id=new_id(), subject_id=subject_id, kind=kind, at=at, log_index=log_index
    )
    session.add(entry)
    session.add_all(
        TradeJournalLine(
            entry_id=entry.id,
            org_id=x.org_id,
            account=x.account.value,
            debit_fen=x.debit_fen,
            credit_fen=x.credit_fen,
        )
        for x in lines
    )
    session.flush()
    return entry


def balances(
    session: Session, *, org_id: str | None = None, subject_id: str | None = None
) -> dict[tuple[str, str], int]:
    """Debit-minus-credit per (organisation, account): for one organisation, one subject
    (a guarantee or an escrow), or all."""
    stmt = select(
        TradeJournalLine.org_id,
        TradeJournalLine.account,
        func.sum(TradeJournalLine.debit_fen) - func.sum(TradeJournalLine.credit_fen),
    ).group_by(TradeJournalLine.org_id, TradeJournalLine.account)
    if org_id is not None:
        stmt = stmt.where(TradeJournalLine.org_id == org_id)
    if subject_id is not None:
        stmt = stmt.join(TradeJournalEntry, TradeJournalEntry.id == TradeJournalLine.entry_id)
        stmt = stmt.where(TradeJournalEntry.subject_id == subject_id)
    return {(r[0], r[1]): int(r[2]) for r in session.execute(stmt)}


def entries_of(session: Session, subject_id: str) -> Sequence[TradeJournalEntry]:
    """A guarantee's or escrow's entries in the order they were posted."""
    return session.scalars(
        select(TradeJournalEntry)
        .where(TradeJournalEntry.subject_id == subject_id)
        .order_by(TradeJournalEntry.at, TradeJournalEntry.id)
    ).all()


def violations(session: Session) -> list[str]:
    """Entries whose lines do not balance, and cash created or lost across all organisations;
    empty when sound."""
    stmt = (
        select(
            TradeJournalEntry.id,
            TradeJournalEntry.kind,
            func.sum(TradeJournalLine.debit_fen),
            func.sum(TradeJournalLine.credit_fen),
        )
        .join(TradeJournalLine, TradeJournalLine.entry_id == TradeJournalEntry.id)
        .group_by(TradeJournalEntry.id, TradeJournalEntry.kind)
    )
    out = [
        f"trade journal {r[0]} ({r[1]}): debits {r[2]} ≠ credits {r[3]}"
        for r in session.execute(stmt)
        if int(r[2]) != int(r[3])
    ]
    cash = sum(v for (_org, account), v in balances(session).items() if account == "cash")
    if cash != 0:
        out.append(f"trade journal: the cash of all organisations moved by {cash} fen")
    return out
