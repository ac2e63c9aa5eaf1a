"""The consent grants a console page lists: the caller's own, given or received, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chanrong.governance import service as governance
from chanrong.identity.domain import Principal


def grant_rows(session: Session, principal: Principal, now: datetime) -> list[dict[str, Any]]:
    """Each grant the caller gave (an enterprise) or received (an institution) as
    ``{"grant", "status"}``, its state (live, revoked, expired, pending) taken at ``now``."""
    grants = governance.list_grants(session, principal)
    return [
        {"grant": g, "status": governance.grant_status(g, now)}
        for g in sorted(grants, key=lambda g: g.created_at, reverse=True)
    ]
