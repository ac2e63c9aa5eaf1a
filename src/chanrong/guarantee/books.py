"""The ledger writer: one money movement between two organisations as two balanced entries
(``journal.transfer``) with their lines, and balances read back from the journal."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from chanrong.core.ids import new_id
from chanrong.guarantee.journal import Account, transfer
from chanrong.guarantee.orm import JournalEntryRow, JournalLineRow
from chanrong.guarantee.repository import GuaranteeRepository


def move(
    session: Session,
    *,
    kind: str,
    payer_org_id: str,
    payee_org_id: str,
    amount_fen: int,
    ref_id: str,
    on: date,
) -> str | None:
    """Book ``amount_fen`` paid by one organisation to another for ``kind``; returns the event
    id (None for a zero amount: nothing moved, nothing booked)."""
    if amount_fen == 0:
        return None
    if amount_fen < 0:
        raise ValueError("a movement is a positive amount")
    event = new_id()
    repo = GuaranteeRepository(session)
    for org_id, entry in zip((payer_org_id, payee_org_id), transfer(kind, amount_fen), strict=True):
        row = JournalEntryRow(
            id=new_id(),
            event_id=event,
            org_id=org_id,
            kind=entry.kind,
            ref_id=ref_id,
            effective_on=on,
        )
        repo.add(row)
        for p in entry.postings:
            repo.add(
                JournalLineRow(
                    id=new_id(),
                    entry_id=row.id,
                    org_id=org_id,
                    account=p.account.value,
                    debit_fen=p.debit_fen,
                    credit_fen=p.credit_fen,
                )
            )
    return event


def balances(session: Session, org_id: str | None = None) -> dict[tuple[str, str], int]:
    """(org, account) → debit-side balance (debits − credits) from the journal."""
    session.flush()
    return GuaranteeRepository(session).balances(org_id)


def cash_total(session: Session) -> int:
    """Cash of every party together: always 0, since money only moves between them."""
    return sum(v for (_, a), v in balances(session).items() if a == Account.CASH.value)
