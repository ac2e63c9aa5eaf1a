"""The supply-chain finance journal: every movement of money between organisations, in
double entry (one entry, balanced lines of debit and credit per organisation and account).

Accounts, per organisation:
- ``cash``: money paid or received on the platform;
- ``certificate``: a claim on a core enterprise held (an asset, debit-normal);
- ``certificate_payable``: what a core enterprise owes its certificates' holders (credit-normal);
- ``discount_income`` / ``discount_expense``: the bank's and the seller's side of a discount.

Entries (fen): confirmation Dr supplier:certificate / Cr core:certificate_payable; financing
Dr bank:certificate face, Cr bank:cash proceeds, Cr bank:discount_income discount and
Dr seller:cash proceeds, Dr seller:discount_expense discount, Cr seller:certificate face;
recourse Dr bank:cash / Cr seller:cash face and Dr seller:certificate / Cr bank:certificate;
settlement Dr payee:cash / Cr core:cash and Dr core:certificate_payable / Cr payee:certificate.
Transfers and splits move claims between enterprises in settlement of their own trade and
are not money on this journal; a holder's claim is the certificates it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.core.ids import new_id
from chanrong.supplychain import hotpath
from chanrong.supplychain.orm import JournalEntry, JournalLine


@dataclass(frozen=True, slots=True)
class Line:
    """One side of an entry (exactly one of ``debit_fen``/``credit_fen`` is positive)."""

    org_id: str
    account: str
    debit_fen: int = 0
    credit_fen: int = 0


def unbalanced(lines: Sequence[Line]) -> str | None:
    """Why ``lines`` are not a valid entry, or None: whole fen, one side each, debits = credits."""
    for line in lines:
        if min(line.debit_fen, line.credit_fen) < 0 or (line.debit_fen > 0) == (
            line.credit_fen > 0
        ):
            return f"{line.org_id}:{line.account} must be a debit or a credit of positive fen"
    debit = sum(x.debit_fen for x in lines)
    credit = sum(x.credit_fen for x in lines)
    return None if debit == credit else f"debits {debit} ≠ credits {credit}"


def post(
    session: Session,
    *,
    payable_id: str,
    certificate_id: str | None,
    kind: str,
    at: datetime,
    lines: Sequence[Line],
) -> JournalEntry:
    """Append one balanced entry; an unbalanced one is refused before anything is written."""
    lines = [x for x in lines if x.debit_fen or x.credit_fen]
    if (why := unbalanced(lines)) is not None:
        raise ValidationFailed(f"journal entry {kind}: {why}", field="journal")
    entry = JournalEntry(
        id=new_id(), payable_id=payable_id, certificate_id=certificate_id, kind=kind, at=at
    )
    # Written once, read back only by checks: statements prepared once, no unit of work.
    hotpath.insert_objects(session, JournalEntry, [entry])
    hotpath.insert_values(session, JournalLine, [_line_row(entry.id, x) for x in lines])
    return entry


def _line_row(entry_id: str, line: Line) -> dict[str, Any]:
    """A journal line's column values (lines are never read back by the use case that
    writes them: no mapped object is built for them)."""
    return {
        "id": new_id(),
        "entry_id": entry_id,
        "org_id": line.org_id,
        "account": line.account,
        "debit_fen": line.debit_fen,
        "credit_fen": line.credit_fen,
    }


def post_many(
    session: Session,
    *,
    payable_id: str,
    kind: str,
    at: datetime,
    entries: Sequence[tuple[str | None, Sequence[Line]]],
) -> list[JournalEntry]:
    """Append several balanced entries of one payable (``(certificate_id, lines)`` each) with
    one INSERT per table; if any is unbalanced none is written."""
    made: list[JournalEntry] = []
    lines_out: list[dict[str, Any]] = []
    for certificate_id, lines in entries:
        kept = [x for x in lines if x.debit_fen or x.credit_fen]
        if (why := unbalanced(kept)) is not None:
            raise ValidationFailed(f"journal entry {kind}: {why}", field="journal")
        entry = JournalEntry(
            id=new_id(), payable_id=payable_id, certificate_id=certificate_id, kind=kind, at=at
        )
        made.append(entry)
        lines_out.extend(_line_row(entry.id, x) for x in kept)
    hotpath.insert_objects(session, JournalEntry, made)
    hotpath.insert_values(session, JournalLine, lines_out)
    return made


def transfer(payer: str, payee: str, fen: int, *, claim_from: str, claim_to: str) -> list[Line]:
    """Cash from ``payer`` to ``payee`` and a certificate claim from ``claim_from`` to
    ``claim_to`` (recourse: the seller pays the bank and takes the claim back)."""
    return [
        Line(payee, "cash", debit_fen=fen),
        Line(payer, "cash", credit_fen=fen),
        Line(claim_to, "certificate", debit_fen=fen),
        Line(claim_from, "certificate", credit_fen=fen),
    ]


def issue(core: str, supplier: str, fen: int) -> list[Line]:
    """Confirmation: the supplier holds a claim the core enterprise owes."""
    return [
        Line(supplier, "certificate", debit_fen=fen),
        Line(core, "certificate_payable", credit_fen=fen),
    ]


def financing(bank: str, seller: str, face: int, discount: int) -> list[Line]:
    """A discount: the bank buys the claim for the proceeds, the discount is its income."""
    proceeds = face - discount
    return [
        Line(bank, "certificate", debit_fen=face),
        Line(bank, "cash", credit_fen=proceeds),
        Line(bank, "discount_income", credit_fen=discount),
        Line(seller, "cash", debit_fen=proceeds),
        Line(seller, "discount_expense", debit_fen=discount),
        Line(seller, "certificate", credit_fen=face),
    ]


def settlement(core: str, payee: str, fen: int) -> list[Line]:
    """The core enterprise pays a holder: its obligation and the holder's claim are gone."""
    return [
        Line(payee, "cash", debit_fen=fen),
        Line(core, "cash", credit_fen=fen),
        Line(core, "certificate_payable", debit_fen=fen),
        Line(payee, "certificate", credit_fen=fen),
    ]


def balances(session: Session, *, org_id: str | None = None) -> dict[tuple[str, str], int]:
    """Debit-minus-credit per (organisation, account), for one organisation or all."""
    stmt = select(
        JournalLine.org_id,
        JournalLine.account,
        func.sum(JournalLine.debit_fen) - func.sum(JournalLine.credit_fen),
    ).group_by(JournalLine.org_id, JournalLine.account)
    if org_id is not None:
        stmt = stmt.where(JournalLine.org_id == org_id)
    return {(r[0], r[1]): int(r[2]) for r in session.execute(stmt)}


def entry_violations(session: Session, payable_id: str | None = None) -> list[str]:
    """Entries whose lines do not balance (a fen created or lost); empty when sound."""
    stmt = (
        select(
            JournalEntry.id,
            JournalEntry.kind,
            func.sum(JournalLine.debit_fen),
            func.sum(JournalLine.credit_fen),
        )
        .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
        .group_by(JournalEntry.id, JournalEntry.kind)
    )
    if payable_id is not None:
        stmt = stmt.where(JournalEntry.payable_id == payable_id)
    return [
        f"journal {r[0]} ({r[1]}): debits {r[2]} ≠ credits {r[3]}"
        for r in session.execute(stmt)
        if int(r[2]) != int(r[3])
    ]
