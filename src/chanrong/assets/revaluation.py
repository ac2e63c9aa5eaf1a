"""Revaluing asset pools and their margin alerts: the pool's borrowing base recomputed from
today's evidence with the drawn balance read from its lending line, the day's lines stored, the
margin alert raised or resolved (to the bank and the enterprise) and acknowledged by the bank;
many pools at once with the evidence read once (``revalue_many``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from chanrong.assets.borrowing import BorrowingBase, HaircutPolicy, borrowing_base
from chanrong.assets.credit_lines import link_line, read_lines, refresh_line
from chanrong.assets.evidence import Evidence, load_evidence, pool_items
from chanrong.assets.lines import LineFacts
from chanrong.assets.orm import MarginAlert, Pledge, Pool, PoolRevaluation
from chanrong.assets.pools import bank_officer_only, get_pool
from chanrong.assets.replenish import replenish
from chanrong.assets.repository import AssetsRepository
from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal

# A verifiable-log entry as ``governance.append_many`` takes it: kind, actor, subject, payload.
LogItem = tuple[str, str | None, str, dict[str, Any]]


def link_pool_line(
    session: Session, principal: Principal, pool_id: str, *, line_id: str, as_of: date
) -> Revalued:
    """The bank links its pool to the lending credit line it secures (logged); the pool is
    revalued at once with the line's limit and drawn balance."""
    pool = get_pool(session, principal, pool_id)
    link_line(session, principal, pool, line_id)
    return revalue(session, pool, as_of=as_of)


@dataclass(frozen=True, slots=True)
class Revalued:
    pool: Pool
    base: BorrowingBase
    revaluation: PoolRevaluation
    alert: MarginAlert | None  # raised by this revaluation
    resolved: MarginAlert | None


@dataclass(frozen=True, slots=True)
class _Prefetched:
    """What ``revalue_many`` read once for a set of pools."""

    pledges: Sequence[Pledge]
    evidence: Evidence
    revaluation: PoolRevaluation | None
    open_alert: MarginAlert | None
    lines: Mapping[str, LineFacts]
    # Alerts raised in the batch wait here for their log entries, appended for the whole batch
    # under one lock of the log head (in the order one-by-one revaluation would append them).
    raised: list[tuple[LogItem, MarginAlert]]


def revalue(
    session: Session,
    pool: Pool,
    *,
    as_of: date,
    policy: HaircutPolicy | None = None,
    _pre: _Prefetched | None = None,
) -> Revalued:
    """Recompute the pool from today's evidence (trusted callers: the worker, the parties'
    routes after their check); store the day's lines; raise or resolve the margin alert."""
    repo = AssetsRepository(session)
    # The line's limit and drawn balance, read from lending (for a batch: read for all of it).
    refresh_line(session, pool, _pre.lines if _pre else None)
    pledges = _pre.pledges if _pre else repo.pledges(pool.id)
    ev = _pre.evidence if _pre else None
    if pool.replenish:  # its open receivables join, paid ones leave, before it is valued
        if ev is None:
            ev = load_evidence(session, [pool], pledges, as_of)
        pledges = replenish(session, pool, pledges, ev.receivables_of(pool.org_id))
    capacities = {p.asset_key: p.capacity for p in pledges if p.capacity}
    bb = borrowing_base(pool_items(session, pool, pledges, as_of, ev), policy)
    available = bb.available_fen(limit_fen=pool.limit_fen, drawn_fen=pool.drawn_fen)
    shortfall = bb.shortfall_fen(limit_fen=pool.limit_fen, drawn_fen=pool.drawn_fen)
    lines = [
        {
            "key": ln.key,
            "type": ln.asset_type.value,
            "value_fen": ln.value_fen,
            "advance": str(ln.advance),
            "age_factor": str(ln.age_factor),
            "quality_factor": str(ln.quality_factor),
            "lendable_fen": ln.lendable_fen,
            "cut_fen": ln.cut_fen,
            "eligible_fen": ln.eligible_fen,
            "reasons": list(ln.reasons),
            **({"capacity": capacities[ln.key]["explanation"]} if ln.key in capacities else {}),
        }
        for ln in bb.lines
    ]
    rv = _pre.revaluation if _pre else repo.revaluation(pool.id, as_of)
    if rv is None:
        rv = PoolRevaluation(pool_id=pool.id, as_of=as_of)
        session.add(rv)
    rv.gross_fen, rv.base_fen, rv.limit_fen = bb.gross_fen, bb.base_fen, pool.limit_fen
    rv.drawn_fen, rv.available_fen, rv.lines = pool.drawn_fen, available, lines
    rv.lendable_fen = bb.lendable_fen
    pool.base_fen, pool.available_fen, pool.revalued_on = bb.base_fen, available, as_of
    raised = resolved = None
    open_alert = _pre.open_alert if _pre else repo.open_alert(pool.id)
    if shortfall > 0 and open_alert is None:
        # The revaluation serves the bank's line: as the entry's actor the bank may read it
        # and its proof, as the subject's organisation the enterprise may.
        entry: LogItem = (
            "assets.margin_alert",
            pool.bank_org_id,
            f"{pool.org_id}:asset.pool:{pool.id}",
            {
                "bank": pool.bank_org_id,
                "shortfall_fen": shortfall,
                "base_fen": bb.base_fen,
                "drawn_fen": pool.drawn_fen,
                "line_id": pool.line_id,
                "as_of": as_of.isoformat(),
            },
        )
        raised = MarginAlert(
            pool_id=pool.id,
            org_id=pool.org_id,
            bank_org_id=pool.bank_org_id,
            raised_on=as_of,
            shortfall_fen=shortfall,
            base_fen=bb.base_fen,
            drawn_fen=pool.drawn_fen,
            status="open",
            line_id=pool.line_id,
        )
        if _pre is None:
            kind, actor, subject, payload = entry
            raised.log_index = governance.append_log(
                session, kind=kind, actor_org_id=actor, subject=subject, payload=payload
            ).index
            session.add(raised)
        else:
            _pre.raised.append((entry, raised))
    elif shortfall > 0 and open_alert is not None:
        open_alert.shortfall_fen, open_alert.base_fen = shortfall, bb.base_fen
        open_alert.drawn_fen = pool.drawn_fen
    elif shortfall == 0 and open_alert is not None:
        open_alert.status, open_alert.resolved_on = "resolved", as_of
        resolved = open_alert
    if _pre is None:
        session.flush()
    return Revalued(pool, bb, rv, raised, resolved)


def revalue_many(
    session: Session,
    pools: Sequence[Pool],
    *,
    as_of: date,
    policy: HaircutPolicy | None = None,
    evidence: Evidence | None = None,
) -> list[Revalued]:
    """Revalue many pools as ``revalue`` does one, reading each kind of evidence, the pledges,
    the credit lines (through lending's batch read), the day's revaluations and the open alerts
    once for all of them, and appending the raised alerts' log entries under one lock of the
    log head (the nightly batch). ``evidence``: read beforehand for a superset of these pools
    (``pools_evidence``), so a run over the park in several units of work reads it once."""
    repo = AssetsRepository(session)
    ids = [p.id for p in pools]
    pledges = repo.pledges_of_pools(ids)
    ev = evidence or load_evidence(
        session, pools, [x for ps in pledges.values() for x in ps], as_of
    )
    prior = repo.revaluations_on(ids, as_of)
    alerts = repo.open_alerts(ids)
    lines = read_lines(session, pools)
    raised: list[tuple[LogItem, MarginAlert]] = []
    out = [
        revalue(
            session,
            p,
            as_of=as_of,
            policy=policy,
            _pre=_Prefetched(pledges[p.id], ev, prior.get(p.id), alerts.get(p.id), lines, raised),
        )
        for p in pools
    ]
    refs = governance.append_many(session, [entry for entry, _ in raised])
    for ref, (_, alert) in zip(refs, raised, strict=True):
        alert.log_index = ref.index
        session.add(alert)
    session.flush()
    return out


def pools_evidence(session: Session, pools: Sequence[Pool], *, as_of: date) -> Evidence:
    """The evidence of many pools' active pledges, read once (each kind of record in one
    query) for ``revalue_many`` to use over several units of work. The rows stay readable
    after their unit of work ends (sessions do not expire on commit); a record landing after
    the read is picked up by the next revaluation (the on-data job revalues at once)."""
    pledges = AssetsRepository(session).pledges_of_pools([p.id for p in pools])
    return load_evidence(session, pools, [x for ps in pledges.values() for x in ps], as_of)


def revalue_pool(session: Session, principal: Principal, pool_id: str, *, as_of: date) -> Revalued:
    """Either party revalues its pool now."""
    pool = get_pool(session, principal, pool_id)
    if principal.is_operator and principal.org_id not in (pool.org_id, pool.bank_org_id):
        raise Forbidden("the operator does not revalue pools")
    return revalue(session, pool, as_of=as_of)


def pool_history(session: Session, principal: Principal, pool_id: str) -> Sequence[PoolRevaluation]:
    pool = get_pool(session, principal, pool_id)
    return AssetsRepository(session).revaluations(pool.id)


def list_alerts(session: Session, principal: Principal) -> Sequence[MarginAlert]:
    """Margin alerts the caller is party to (its bank's pools or its own)."""
    return AssetsRepository(session).alerts_for(principal.org_id)


def get_alert(session: Session, principal: Principal, alert_id: str) -> MarginAlert:
    """A margin alert, for its bank or its enterprise; anyone else: not found."""
    a = AssetsRepository(session).alert(alert_id)
    if a is None or principal.org_id not in (a.org_id, a.bank_org_id):
        raise NotFound(f"alert {alert_id} not found", field="alert_id")
    return a


def acknowledge_alert(session: Session, principal: Principal, alert_id: str) -> MarginAlert:
    """The bank's officer acknowledges a margin alert (logged, once): it has seen the shortfall
    and taken it up with the enterprise. The alert stays open until the pool covers the line."""
    a = get_alert(session, principal, alert_id)
    if principal.org_id != a.bank_org_id:
        raise Forbidden("only the pool's bank acknowledges its margin alerts")
    bank_officer_only(principal)
    if a.acknowledged_at is not None:
        raise Conflict("alert: already acknowledged", field="alert_id")
    ref = governance.append_log(
        session,
        kind="assets.margin_alert_acknowledged",
        actor_org_id=principal.org_id,
        subject=f"{a.org_id}:asset.pool:{a.pool_id}",
        payload={"alert": a.id, "user": principal.user_id},
    )
    a.acknowledged_at, a.acknowledged_by, a.ack_log_index = utcnow(), principal.user_id, ref.index
    session.flush()
    return a
