"""Multi-party lease settlement (清分) and the contract's canonical hash. Pure: no framework.

A multi-party lease names its funder (资金方), manufacturer (厂商), dealer (代理商) and lessee,
and states how every payment the lessee makes is divided among them:

1. fixed shares first: each party with ``fixed_fen`` takes that many fen of the payment, in
   the order funder, manufacturer, dealer, never more than is left (a small payment is
   exhausted in that order);
2. what is left is divided by basis points: each basis-point party takes
   ``floor(left × bps / 10000)``; the basis points of these parties sum to exactly 10,000;
3. the remainder: the fen that flooring leaves over go to the ``remainder_role`` party, which
   must be a basis-point party.

So the shares of every payment sum to the payment to the fen. The lessee pays and takes no
share. Each payment is journalled double-entry: the lessee's cash goes down against its lease
expense, each receiving party's cash goes up against its lease income.

Every party signs the contract's canonical hash (SHA-256 over canonical JSON of its terms and
its parties), so a signature covers exactly the terms it was given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chanrong.core.errors import ValidationFailed
from chanrong.core.ledger import JournalEntry, entry

ROLES = ("funder", "manufacturer", "dealer", "lessee")
PAYEE_ROLES = ROLES[:3]
FULL_BPS = 10_000


@dataclass(frozen=True, slots=True)
class PartyShare:
    """One party of a lease and its share of each payment (basis points or fixed fen)."""

    role: str
    org_id: str
    bps: int = 0
    fixed_fen: int = 0


def check_shares(shares: Sequence[PartyShare], remainder_role: str) -> None:
    """Refuse a split that cannot divide every payment exactly, naming the field."""
    roles = [s.role for s in shares]
    for r in roles:
        if r not in ROLES:
            raise ValidationFailed(
                f"parties: role {r!r} is not one of {', '.join(ROLES)}", field="parties"
            )
    if len(set(roles)) != len(roles):
        raise ValidationFailed("parties: each role once", field="parties")
    if set(roles) != set(ROLES):
        missing = ", ".join(r for r in ROLES if r not in roles)
        raise ValidationFailed(f"parties: missing {missing}", field="parties")
    for s in shares:
        if s.bps < 0 or s.fixed_fen < 0 or s.bps > FULL_BPS:
            raise ValidationFailed(
                f"parties: {s.role}'s share must be 0 to 10000 bps and not negative",
                field="parties",
            )
        if s.bps and s.fixed_fen:
            raise ValidationFailed(
                f"parties: {s.role}'s share is basis points or fixed fen, not both", field="parties"
            )
        if s.role == "lessee" and (s.bps or s.fixed_fen):
            raise ValidationFailed("parties: the lessee pays and takes no share", field="parties")
    total = sum(s.bps for s in shares)
    if total != FULL_BPS:
        raise ValidationFailed(
            f"parties: basis points sum to {total}, not {FULL_BPS}", field="parties"
        )
    by_role = {s.role: s for s in shares}
    if remainder_role not in PAYEE_ROLES or by_role[remainder_role].bps == 0:
        raise ValidationFailed(
            "remainder_role: a party with a basis-point share takes the rounding remainder",
            field="remainder_role",
        )


def split(amount_fen: int, shares: Sequence[PartyShare], remainder_role: str) -> dict[str, int]:
    """Each payee role's fen of ``amount_fen`` under the rule above (sums to ``amount_fen``)."""
    if amount_fen < 0:
        raise ValueError("a payment is not negative")
    by_role = {s.role: s for s in shares}
    out = dict.fromkeys(PAYEE_ROLES, 0)
    left = amount_fen
    for role in PAYEE_ROLES:  # fixed shares first, in the stated order
        take = min(by_role[role].fixed_fen, left)
        out[role] += take
        left -= take
    given = 0
    for role in PAYEE_ROLES:
        part = left * by_role[role].bps // FULL_BPS
        out[role] += part
        given += part
    out[remainder_role] += left - given
    return out


class Account(StrEnum):
    CASH = "cash"  # 资金
    LEASE_EXPENSE = "lease_expense"  # 租金支出 (the lessee)
    LEASE_INCOME = "lease_income"  # 租金收入分成 (each payee)


def journal(amount_fen: int, shares: Mapping[str, int]) -> list[tuple[str, JournalEntry[Account]]]:
    """The balanced entries of one payment: ``(role, entry)`` for the lessee and each payee
    with a share; the payees' cash in equals the lessee's cash out."""
    entries = [
        (
            "lessee",
            entry(
                "lease_payment:paid",
                {Account.LEASE_EXPENSE: amount_fen},
                {Account.CASH: amount_fen},
            ),
        )
    ]
    for role, fen in shares.items():
        if fen:
            entries.append(
                (
                    role,
                    entry(
                        "lease_payment:received", {Account.CASH: fen}, {Account.LEASE_INCOME: fen}
                    ),
                )
            )
    return entries


def contract_hash(terms: Mapping[str, Any], shares: Sequence[PartyShare], remainder: str) -> str:
    """SHA-256 (hex) over canonical JSON of the contract's terms and its parties' shares."""
    doc = {
        "terms": dict(terms),
        "parties": [
            {"role": s.role, "org_id": s.org_id, "bps": s.bps, "fixed_fen": s.fixed_fen}
            for s in sorted(shares, key=lambda s: ROLES.index(s.role))
        ],
        "remainder_role": remainder,
    }
    body = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest()
