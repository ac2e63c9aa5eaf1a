"""Double-entry primitives every ledger shares (lending's loan books, guarantee schemes).

Pure: no framework. A ``JournalEntry`` is a balanced set of ``Posting`` lines over a domain's
own account enum; an entry is never edited, a mistake is undone by ``reversal``. Each domain
keeps its accounts and its tables; the rule that debits equal credits lives here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

A = TypeVar("A", bound=StrEnum)


class UnbalancedEntry(ValueError):
    """An entry whose debits and credits differ, or that moves no money."""


@dataclass(frozen=True, slots=True)
class Posting(Generic[A]):
    """One line: exactly one of ``debit_fen`` and ``credit_fen`` is positive."""

    account: A
    debit_fen: int = 0
    credit_fen: int = 0

    def __post_init__(self) -> None:
        if (
            self.debit_fen < 0
            or self.credit_fen < 0
            or (self.debit_fen > 0) == (self.credit_fen > 0)
        ):
            raise UnbalancedEntry("a posting is a positive debit or a positive credit")


@dataclass(frozen=True, slots=True)
class JournalEntry(Generic[A]):
    """A balanced set of postings describing one event (``kind``)."""

    kind: str
    postings: tuple[Posting[A], ...]

    def __post_init__(self) -> None:
        if not self.postings:
            raise UnbalancedEntry(f"{self.kind}: an entry needs postings")
        if self.debits != self.credits:
            raise UnbalancedEntry(
                f"{self.kind}: debits {self.debits} ≠ credits {self.credits} (fen)"
            )

    @property
    def debits(self) -> int:
        return sum(p.debit_fen for p in self.postings)

    @property
    def credits(self) -> int:
        return sum(p.credit_fen for p in self.postings)


def entry(kind: str, debits: Mapping[A, int], credits: Mapping[A, int]) -> JournalEntry[A]:
    """Build a balanced entry, leaving out zero amounts."""
    postings = [Posting(a, debit_fen=v) for a, v in debits.items() if v] + [
        Posting(a, credit_fen=v) for a, v in credits.items() if v
    ]
    return JournalEntry(kind, tuple(postings))


def reversal(original: JournalEntry[A]) -> JournalEntry[A]:
    """The entry that undoes ``original``: every debit becomes a credit and vice versa."""
    return JournalEntry(
        f"reversal:{original.kind}",
        tuple(Posting(p.account, p.credit_fen, p.debit_fen) for p in original.postings),
    )


def trial_balance(postings: Iterable[Posting[A]]) -> tuple[int, int]:
    """Total debits and total credits; equal in a sound ledger."""
    debit = credit = 0
    for p in postings:
        debit += p.debit_fen
        credit += p.credit_fen
    return debit, credit
