"""Assets' line book over lending's service: a pool's drawn balance is the principal actually
lent on its credit line. Sits above both domains (they may not import each other) and connects
itself on import; the worker's catalog imports it, so the API, console and CLI do too."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from chanrong.assets import service as assets
from chanrong.core.errors import NotFound
from chanrong.identity import service as identity
from chanrong.lending import service as lending


class LendingLines:
    """``assets.LineBook`` read from lending: drawn = limit − what the line still lends."""

    def line(
        self, session: Session, line_id: str, *, lender_org_id: str
    ) -> assets.LineFacts | None:
        """The line as its lender sees it (None: not found, or another lender's)."""
        try:
            bank = identity.system_principal(session, lender_org_id)
            line = lending.get_line(session, bank, line_id)
        except NotFound:
            return None
        if line.lender_org_id != lender_org_id:
            return None
        return assets.LineFacts(
            line_id=line.id,
            lender_org_id=line.lender_org_id,
            borrower_org_id=line.borrower_org_id,
            limit_fen=line.limit_fen,
            drawn_fen=line.limit_fen - lending.line_available_fen(session, line),
        )

    def lines(
        self, session: Session, line_ids: Sequence[str], *, lender_org_id: str
    ) -> dict[str, assets.LineFacts]:
        """Many lines of one lender in a few queries (lending's batch read); the lender check
        is the one ``line`` makes through the lender's principal."""
        return {
            i: assets.LineFacts(
                line_id=b.line.id,
                lender_org_id=b.line.lender_org_id,
                borrower_org_id=b.line.borrower_org_id,
                limit_fen=b.line.limit_fen,
                drawn_fen=b.line.limit_fen - b.available_fen,
            )
            for i, b in lending.lines_available(session, line_ids).items()
            if b.line.lender_org_id == lender_org_id
        }


assets.connect_line_book(LendingLines())
