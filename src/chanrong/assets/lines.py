"""The credit line a pool secures, as assets sees it: a port onto lending.

The pool's drawn balance is what the bank has actually lent on the line (the principal still
outstanding on its drawdowns and any drawdown booked but not yet disbursed), read from lending
whenever the pool is revalued; it is never typed in. Assets may not import lending (the domains
are independent siblings), so lending's answer arrives through ``LineBook``, connected once by
the composition root above both (``chanrong.jobs.pool_lines``, imported by the worker's catalog,
and through it by the API, the console and the CLI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class LineFacts:
    """One credit line as lending states it today."""

    line_id: str
    lender_org_id: str
    borrower_org_id: str
    limit_fen: int
    drawn_fen: int  # principal outstanding on its drawdowns + drawdowns booked, not yet paid out


class LineBook(Protocol):
    """Where lines are read from (lending's service, through the adapter above both)."""

    def line(self, session: Session, line_id: str, *, lender_org_id: str) -> LineFacts | None:
        """The line as its lender sees it; None when it is not that lender's line."""
        ...

    def lines(
        self, session: Session, line_ids: Sequence[str], *, lender_org_id: str
    ) -> dict[str, LineFacts]:
        """Many lines of one lender at once (the nightly batch); ids that are not that
        lender's lines are absent."""
        ...


_book: list[LineBook] = []


def connect(book: LineBook) -> None:
    """Connect the line book (the composition root does, once; a second call replaces it)."""
    _book[:] = [book]


def line_book() -> LineBook:
    """The connected line book; a pool on a line cannot be valued without one."""
    if not _book:
        raise RuntimeError(
            "no credit-line book connected: import chanrong.jobs.pool_lines before revaluing"
        )
    return _book[0]
