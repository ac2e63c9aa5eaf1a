"""Exposure limits (授信额度): each bank sets how much of one core enterprise's certificates it
will hold outstanding at once; financing past it is refused with the remaining headroom named.

A bank with no limit on a core enterprise finances without one (as before limits existed);
a limit of zero stops new financing on that enterprise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity.domain import InstitutionType, Principal
from chanrong.supplychain import access
from chanrong.supplychain import certificates as rules
from chanrong.supplychain.orm import ExposureLimit
from chanrong.supplychain.repository import SupplyChainRepository
from chanrong.supplychain.writes import LOG_KIND, stamp, writer


@dataclass(frozen=True, slots=True)
class Exposure:
    """A bank's limit on one core enterprise, what it holds outstanding and what is left."""

    core_org_id: str
    limit_fen: int
    used_fen: int
    set_at: datetime

    @property
    def headroom_fen(self) -> int:
        return max(self.limit_fen - self.used_fen, 0)


def _require_bank_officer(principal: Principal) -> None:
    if principal.institution_type is not InstitutionType.BANK:
        raise Forbidden("exposure limits are set by banks")
    access.require_officer(principal)


def check_room(
    repo: SupplyChainRepository,
    bank_org_id: str,
    core_org_id: str,
    face_fen: int,
    *,
    lock: bool = False,
) -> None:
    """Refuse (409, headroom named) when financing ``face_fen`` more would pass the limit."""
    limit_fen = repo.limit_fen(bank_org_id, core_org_id, lock=lock)
    if limit_fen is None:
        return
    rules.check_headroom(limit_fen, repo.exposure(bank_org_id, core_org_id), face_fen)


def set_exposure_limit(
    session: Session,
    principal: Principal,
    *,
    core_org_id: str,
    limit_fen: int,
    now: datetime | None = None,
) -> Exposure:
    """A bank officer sets (or changes) the bank's limit on a core enterprise; logged.

    Lowering it below what the bank already holds is allowed: nothing is undone, new
    financing is refused until certificates are paid down."""
    at = stamp(now)
    _require_bank_officer(principal)
    if isinstance(limit_fen, bool) or not isinstance(limit_fen, int) or limit_fen < 0:
        raise ValidationFailed("limit: must be zero or a positive amount", field="limit")
    core = access.core_enterprise(session, core_org_id)
    repo = writer(session)
    row = repo.limit(principal.org_id, core.id, lock=True)
    if row is None:
        row = ExposureLimit(
            bank_org_id=principal.org_id, core_org_id=core.id, limit_fen=limit_fen, set_at=at
        )
        repo.add(row)
    else:
        row.limit_fen, row.set_at, row.version = limit_fen, at, row.version + 1
        session.flush()
    governance.append_log(
        session,
        kind=f"{LOG_KIND}.exposure_limit.set",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:limit/{core.id}",
        payload={"bank_org_id": principal.org_id, "core_org_id": core.id, "limit_fen": limit_fen},
        at=at,
    )
    return Exposure(core.id, limit_fen, repo.exposure(principal.org_id, core.id), at)


def exposure_limits(session: Session, principal: Principal) -> Sequence[Exposure]:
    """The caller bank's limits, each with what it holds outstanding and the headroom."""
    if principal.institution_type is not InstitutionType.BANK:
        raise Forbidden("exposure limits are kept by banks")
    repo = SupplyChainRepository(session)
    return [
        Exposure(r.core_org_id, r.limit_fen, repo.exposure(r.bank_org_id, r.core_org_id), r.set_at)
        for r in repo.limits_of(principal.org_id)
    ]
