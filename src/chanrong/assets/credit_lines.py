"""A pool's credit line: the bank links the pool to the line it secures on lending; from then on
the pool's limit and drawn balance are read from lending (through ``lines.LineBook``) every
time the pool is valued, so a drawdown or a repayment moves the available amount and the margin
check without anyone typing a balance in. A pool with no line has nothing drawn against it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from chanrong.assets.lines import LineFacts, line_book
from chanrong.assets.orm import Pool
from chanrong.assets.repository import AssetsRepository
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import OrgKind, Principal, Role


def _facts(
    session: Session, pool: Pool, line_id: str, known: Mapping[str, LineFacts] | None = None
) -> LineFacts:
    if known is None:
        facts = line_book().line(session, line_id, lender_org_id=pool.bank_org_id)
    else:
        facts = known.get(line_id)
    if facts is None or facts.borrower_org_id != pool.org_id:
        raise NotFound(
            f"line_id: credit line {line_id} of this bank to this enterprise not found",
            field="line_id",
        )
    return facts


def link_line(session: Session, principal: Principal, pool: Pool, line_id: str) -> Pool:
    """The pool's bank links it to the credit line it secures (its own line to the pool's
    enterprise, not securing another pool); the pool takes the line's limit and drawn balance."""
    if principal.org_id != pool.bank_org_id:
        raise Forbidden("only the pool's bank links its credit line")
    if principal.org_kind is not OrgKind.FINANCIAL_INSTITUTION or not principal.has_role(
        Role.OFFICER
    ):
        raise Forbidden("this action needs the bank's officer role")
    line_id = line_id.strip()
    if not line_id:
        raise ValidationFailed("line_id: required", field="line_id")
    if pool.line_id is not None:
        raise Conflict(f"line_id: the pool already secures line {pool.line_id}", field="line_id")
    other = AssetsRepository(session).pool_on_line(line_id)
    if other is not None:
        raise Conflict("line_id: the line is secured by another pool", field="line_id")
    facts = _facts(session, pool, line_id)
    governance.append_log(
        session,
        kind="assets.line_linked",
        actor_org_id=principal.org_id,
        subject=f"{pool.org_id}:asset.pool:{pool.id}",
        payload={"line_id": line_id, "limit_fen": facts.limit_fen, "drawn_fen": facts.drawn_fen},
    )
    pool.line_id = line_id
    pool.limit_fen, pool.drawn_fen = facts.limit_fen, facts.drawn_fen
    session.flush()
    return pool


def read_lines(session: Session, pools: Sequence[Pool]) -> dict[str, LineFacts]:
    """The lines of many pools, read at once per bank (the nightly batch); a line that is not
    the pool's bank's is absent, and ``refresh_line`` then refuses it as it would alone."""
    by_bank: dict[str, list[str]] = {}
    for p in pools:
        if p.line_id is not None:
            by_bank.setdefault(p.bank_org_id, []).append(p.line_id)
    out: dict[str, LineFacts] = {}
    for bank, ids in by_bank.items():
        out.update(line_book().lines(session, ids, lender_org_id=bank))
    return out


def refresh_line(
    session: Session, pool: Pool, known: Mapping[str, LineFacts] | None = None
) -> None:
    """Read the pool's limit and drawn balance from its line now (nothing drawn: no line);
    ``known``: the lines ``read_lines`` read for a batch of pools."""
    if pool.line_id is None:
        pool.drawn_fen = 0
        return
    facts = _facts(session, pool, pool.line_id, known)
    pool.limit_fen, pool.drawn_fen = facts.limit_fen, facts.drawn_fen
