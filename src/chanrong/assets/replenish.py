"""A pool replenished from intake (应收账款池, 自动补充): the enterprise pledges, once, its
receivables as they come, so the pool's value follows its live business rather than the
pledges it remembered to make.

At each revaluation of such a pool every receivable record of the enterprise with something
outstanding that backs no pool yet joins it, and every receivable pledged in it that has been
paid in full leaves (a receivable its record no longer shows is kept: it lends nothing, and
nothing is dropped without a trace). Each change is one entry in the verifiable log, acted by
the enterprise (its standing pledge), naming the receivables added and released; the pledges
point at it. A receivable backing another pool is never taken (the unique ``active_key``).
Orders are not taken in: an order lends only after its production-capacity check at pledging.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from chanrong.assets.orm import Pledge, Pool
from chanrong.assets.pools import get_pool
from chanrong.assets.repository import AssetsRepository
from chanrong.core.clock import utcnow
from chanrong.core.errors import Forbidden
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal, Role


def set_replenish(session: Session, principal: Principal, pool_id: str, *, on: bool) -> Pool:
    """The enterprise's officer turns replenishment on (its standing pledge of the receivables
    to come, to this pool's bank) or off (pledges made stay); logged. Nothing moves until the
    pool is next revalued."""
    pool = get_pool(session, principal, pool_id)
    if principal.org_id != pool.org_id or not principal.has_role(Role.OFFICER):
        raise Forbidden("only the enterprise's officers pledge its receivables to come")
    if pool.replenish != on:
        governance.append_log(
            session,
            kind="assets.pool_replenish",
            actor_org_id=principal.org_id,
            subject=f"{pool.org_id}:asset.pool:{pool.id}",
            payload={"on": on, "bank": pool.bank_org_id, "user": principal.user_id},
        )
        pool.replenish = on
        session.flush()
    return pool


def replenish(
    session: Session, pool: Pool, pledges: Sequence[Pledge], receivables: Iterable[Any]
) -> list[Pledge]:
    """Take the enterprise's open receivables (its records, ``receivables``) into the pool and
    release the paid ones; returns the pool's active pledges afterwards."""
    repo = AssetsRepository(session)
    records = {r.receivable_id: r for r in receivables if r.org_id == pool.org_id}
    open_now = {
        f"receivable:{pool.org_id}:{rid}": r for rid, r in records.items() if r.outstanding_fen > 0
    }
    held = {p.asset_key for p in pledges}
    # Paid in full per its record; a receivable whose record is gone is kept (it lends nothing).
    paid = [
        p
        for p in pledges
        if p.asset_type == "receivable"
        and p.asset_ref in records
        and records[p.asset_ref].outstanding_fen <= 0
    ]
    wanted = [k for k in open_now if k not in held]
    taken_elsewhere = repo.active_keys(wanted) if wanted else set()
    added = [k for k in wanted if k not in taken_elsewhere]
    if not added and not paid:
        return list(pledges)
    ref = governance.append_log(
        session,
        kind="assets.pool_replenished",
        actor_org_id=pool.org_id,
        subject=f"{pool.org_id}:asset.pool:{pool.id}",
        payload={
            "bank": pool.bank_org_id,
            "added": added,
            "released": [p.asset_key for p in paid],
        },
    )
    now = utcnow()
    for p in paid:
        p.status, p.active_key, p.released_at, p.release_log_index = (
            "released",
            None,
            now,
            ref.index,
        )
    new = []
    for key in added:
        r = open_now[key]
        pledge = Pledge(
            pool_id=pool.id,
            asset_type="receivable",
            asset_ref=r.receivable_id,
            asset_key=key,
            active_key=key,
            debtor=r.debtor_uscc or r.debtor_name,
            status="pledged",
            pledged_at=now,
            log_index=ref.index,
        )
        repo.add(pledge)
        new.append(pledge)
    session.flush()
    gone = {p.id for p in paid}
    return [p for p in pledges if p.id not in gone] + new
