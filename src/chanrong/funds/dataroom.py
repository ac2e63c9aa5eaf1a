"""Data rooms opened from a match (供需对接 → 尽调): the enterprise with a financing need lets
the organisation of a matching mandate read the business records it chose, for a period.

Opening a room makes a governance consent grant from the enterprise to the investor for the
purpose ``investment_due_diligence``, naming exactly the chosen datasets (with their
categories and grades) and ending at ``valid_until``: the grant covers no other dataset of the
same category, whichever route reads it. The investor reads through the room: the room must be
open and the dataset one the enterprise chose, and then governance checks the grant and
appends every read to the verifiable log and the enterprise's access list. Closing the room
revokes the grant; a grant revoked or expired by other means closes the room's reads too
(governance refuses them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chanrong.core.clock import ensure_aware, utcnow
from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.funds.matchmaking import matches_for_need
from chanrong.funds.orm import DataRoom
from chanrong.governance import service as governance
from chanrong.governance.service import Purpose
from chanrong.identity.domain import Principal
from chanrong.telemetry import service as telemetry

PURPOSE = Purpose.INVESTMENT_DUE_DILIGENCE
# The datasets a room can hold: the enterprise's business records, read as they are stored.
ROOM_DATASETS = (
    "business.energy_bills",
    "business.orders",
    "business.invoices",
    "business.payments",
    "business.cloud_usage",
)


def open_room(
    session: Session,
    principal: Principal,
    need_id: str,
    *,
    mandate_id: str,
    datasets: Sequence[str],
    valid_until: datetime,
) -> DataRoom:
    """The enterprise opens a room on its need for the organisation of a mandate that matches
    it, holding ``datasets`` until ``valid_until``."""
    match = [
        m
        for m in matches_for_need(session, principal.org_id, need_id)
        if m.mandate.id == mandate_id
    ]
    if not match:
        raise ValidationFailed(
            f"mandate_id: {mandate_id} does not match need {need_id}", field="mandate_id"
        )
    chosen = sorted(set(datasets))
    if not chosen:
        raise ValidationFailed("datasets: choose at least one", field="datasets")
    bad = [d for d in chosen if d not in ROOM_DATASETS]
    if bad:
        raise ValidationFailed(
            f"datasets: {', '.join(bad)} not one of {', '.join(ROOM_DATASETS)}", field="datasets"
        )
    until = ensure_aware(valid_until)
    if until <= utcnow():
        raise ValidationFailed("valid_until: must be in the future", field="valid_until")
    # Classified as the policy check will classify them (the enterprise's catalog entry, or
    # the standard catalog's), so the grant covers exactly what the reads will need.
    found = {d: governance.dataset_classification(session, principal.org_id, d) for d in chosen}
    classes = {d: c for d, c in found.items() if c is not None}
    investor = match[0].mandate.org_id
    grant = governance.grant_consent(
        session,
        principal,
        grantee_org_id=investor,
        categories=sorted({c.value for c, _ in classes.values()}),
        datasets=sorted(classes),
        max_grade=max(int(g) for _, g in classes.values()),
        purpose=PURPOSE.value,
        valid_from=None,
        valid_until=until,
        note=f"data room for need {need_id}",
    )
    room = DataRoom(
        need_id=need_id,
        mandate_id=mandate_id,
        enterprise_org_id=principal.org_id,
        investor_org_id=investor,
        grant_id=grant.id,
        datasets=",".join(chosen),
        valid_until=until,
        status="open",
    )
    session.add(room)
    session.flush()
    return room


def rooms_of(session: Session, principal: Principal) -> Sequence[DataRoom]:
    """The rooms the organisation opened or was let into, newest first."""
    org = principal.org_id
    return session.scalars(
        select(DataRoom)
        .where(or_(DataRoom.enterprise_org_id == org, DataRoom.investor_org_id == org))
        .order_by(DataRoom.created_at.desc(), DataRoom.id)
    ).all()


def _room(session: Session, principal: Principal, room_id: str) -> DataRoom:
    room = session.get(DataRoom, room_id)
    if room is None or principal.org_id not in (room.enterprise_org_id, room.investor_org_id):
        raise NotFound(f"no data room {room_id}")
    return room


def is_live(room: DataRoom, now: datetime | None = None) -> bool:
    """Open and not past its end."""
    return room.status == "open" and ensure_aware(room.valid_until) > (now or utcnow())


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def read_room(
    session: Session,
    principal: Principal,
    room_id: str,
    dataset: str,
    *,
    start: date | None = None,
    end: date | None = None,
) -> list[dict[str, Any]]:
    """The investor reads one of the room's datasets (records dated in [start, end)); each
    read is checked against the grant and logged by governance."""
    room = _room(session, principal, room_id)
    if principal.org_id != room.investor_org_id:
        raise NotFound(f"no data room {room_id}")  # the enterprise reads its data elsewhere
    if not is_live(room):
        raise Conflict(f"the data room is {'closed' if room.status == 'closed' else 'expired'}")
    if dataset not in room.datasets.split(","):
        raise ValidationFailed(f"dataset: {dataset} is not in this data room", field="dataset")
    kind = dataset.removeprefix("business.")
    rows = telemetry.records(
        session, principal, org_id=room.enterprise_org_id, kind=kind, start=start, end=end,
        purpose=PURPOSE.value,
    )  # fmt: skip
    out = []
    for r in rows:
        values = {c.key: _plain(getattr(r, c.key)) for c in r.__mapper__.column_attrs}
        values.pop("org_id", None)
        out.append(values)
    return out


def close_room(session: Session, principal: Principal, room_id: str) -> DataRoom:
    """The enterprise closes the room: its grant is revoked, the investor reads no more."""
    room = _room(session, principal, room_id)
    if principal.org_id != room.enterprise_org_id:
        raise NotFound(f"no data room {room_id}")
    if room.status == "closed":
        raise Conflict("the data room is already closed")
    governance.revoke_consent(session, principal, room.grant_id, reason="data room closed")
    room.status = "closed"
    room.closed_at = utcnow()
    session.flush()
    return room
