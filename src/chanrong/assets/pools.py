"""Asset pools (资产池): an enterprise pledges assets into its pool with one bank; the pool's
borrowing base moves with the evidence; a drawn balance above it raises a margin alert.

- The bank (officer) opens the pool with a line limit and links it to the lending credit line it
  secures; the drawn balance is read from lending at every valuation (``credit_lines``).
- The enterprise (officer) pledges assets; an asset already backing any pool is refused (the
  unique ``active_key`` makes this hold between concurrent transactions too).
- Release: the bank any time; the enterprise only while the pool stays covered. Substitution
  swaps one asset for another in one step. Every pledge, release and substitution is logged.
- Revaluation and margin alerts live in ``revaluation``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chanrong.assets import ip_rights
from chanrong.assets.borrowing import AssetType, BorrowingBase, HaircutPolicy, borrowing_base
from chanrong.assets.capacity import Capacity
from chanrong.assets.credit_lines import refresh_line
from chanrong.assets.evidence import pool_items, stock_positions
from chanrong.assets.order_capacity import check_order
from chanrong.assets.orm import Pledge, Pool
from chanrong.assets.repository import AssetsRepository
from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore

# An industrial-internet handle: prefix (country.industry.enterprise…) / suffix.
_HANDLE = re.compile(r"\d{2}(\.\d+)+/[^\s/][^\s]*")


def bank_officer_only(principal: Principal) -> None:
    """The caller must be a bank's officer."""
    if principal.org_kind is not OrgKind.FINANCIAL_INSTITUTION:
        raise Forbidden("this action is for the bank")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the officer role")


def get_pool(session: Session, principal: Principal, pool_id: str) -> Pool:
    """A pool, for its enterprise, its bank or the operator; anyone else: not found."""
    pool = AssetsRepository(session).pool(pool_id)
    if pool is None or (
        principal.org_id not in (pool.org_id, pool.bank_org_id) and not principal.is_operator
    ):
        raise NotFound(f"pool {pool_id} not found", field="pool_id")
    return pool


def list_pools(session: Session, principal: Principal) -> Sequence[Pool]:
    """The caller's pools (as enterprise or as bank)."""
    return AssetsRepository(session).pools_for(principal.org_id)


def open_pool(
    session: Session, principal: Principal, *, enterprise_org_id: str, limit_fen: int
) -> Pool:
    """The bank opens an enterprise's pool with a line limit (one pool per enterprise and bank)."""
    bank_officer_only(principal)
    if limit_fen <= 0:
        raise ValidationFailed("limit: positive", field="limit")
    if identity.organisation_kind(session, enterprise_org_id) is not OrgKind.ENTERPRISE:
        raise NotFound(f"enterprise {enterprise_org_id} not found", field="enterprise_org_id")
    repo = AssetsRepository(session)
    if repo.pool_of(enterprise_org_id, principal.org_id) is not None:
        raise Conflict(
            "enterprise_org_id: a pool with this bank already exists", field="enterprise_org_id"
        )
    ref = governance.append_log(
        session,
        kind="assets.pool_opened",
        actor_org_id=principal.org_id,
        subject=f"{enterprise_org_id}:asset.pool",
        payload={"bank": principal.org_id, "limit_fen": limit_fen},
    )
    pool = Pool(
        org_id=enterprise_org_id,
        bank_org_id=principal.org_id,
        limit_fen=limit_fen,
        drawn_fen=0,
        base_fen=0,
        available_fen=0,
        log_index=ref.index,
    )
    repo.add(pool)
    return pool


@dataclass(frozen=True, slots=True)
class AssetSpec:
    """What the enterprise pledges: type and reference (and, for stock, a declared value)."""

    asset_type: str
    asset_ref: str
    declared_value_fen: int | None = None
    reference_date: date | None = None
    debtor: str | None = None
    registration_no: str | None = None  # IP pledge registration number
    quantity: Decimal | None = None  # orders: units ordered
    delivery_date: date | None = None  # orders: when the goods are due


def _key(
    session: Session, pool: Pool, spec: AssetSpec, on: date
) -> tuple[AssetType, str, str | None]:
    """Check the asset belongs to the enterprise; return its type, unique key and debtor."""
    try:
        t = AssetType(spec.asset_type)
    except ValueError as exc:
        allowed = ", ".join(a.value for a in AssetType)
        raise ValidationFailed(f"asset_type: one of {allowed}", field="asset_type") from exc
    ref = spec.asset_ref.strip()
    if not ref:
        raise ValidationFailed("asset_ref: required", field="asset_ref")
    repo = AssetsRepository(session)
    if t is AssetType.DATA:
        r = repo.resource(ref)
        if r is None or r.org_id != pool.org_id:
            raise NotFound(f"asset_ref: data resource {ref} not found", field="asset_ref")
        if not repo.latest_valuations([ref]):
            raise Conflict(
                "asset_ref: value the data resource before pledging it", field="asset_ref"
            )
        return t, f"data:{ref}", None
    if t is AssetType.IP:
        ip = repo.ip_right(ref)
        if ip is None or ip.org_id != pool.org_id:
            raise NotFound(f"asset_ref: IP right {ref} not found", field="asset_ref")
        if not repo.latest_valuations([ref]):
            raise Conflict("asset_ref: value the right before pledging it", field="asset_ref")
        return t, f"ip:{ref}", None
    if t in (AssetType.RECEIVABLE, AssetType.ORDER):
        kind, attr = (
            ("receivables", "receivable_id")
            if t is AssetType.RECEIVABLE
            else ("orders", "order_id")
        )
        found = [
            r
            for r in telemetry.pipeline_records(session, kind=kind, org_id=pool.org_id)
            if getattr(r, attr) == ref
        ]
        if not found:
            raise NotFound(
                f"asset_ref: {t.value} {ref} not found in the enterprise's records",
                field="asset_ref",
            )
        rec = found[0]
        debtor = (
            (rec.debtor_uscc or rec.debtor_name)
            if t is AssetType.RECEIVABLE
            else (rec.buyer_uscc or rec.buyer_name)
        )
        return t, f"{t.value}:{pool.org_id}:{ref}", debtor
    # Inventory and warehouse receipts: identified by their industrial-internet handle, so the
    # same receipt cannot back two pools whoever pledges it.
    if not _HANDLE.fullmatch(ref):
        raise ValidationFailed(
            "asset_ref: an industrial identifier such as 88.608.8889/WR-0001", field="asset_ref"
        )
    held = stock_positions(session, pool.org_id, [ref], on).get(ref)
    if held is not None and held.value_fen <= 0:
        raise Conflict(
            "asset_ref: the stock movements leave nothing of this lot to pledge", field="asset_ref"
        )
    if held is None and (spec.declared_value_fen is None or spec.declared_value_fen <= 0):
        raise ValidationFailed(
            "declared_value: positive for stock and receipts with no stock movements yet",
            field="declared_value",
        )
    if spec.reference_date is None or spec.reference_date > on:
        raise ValidationFailed(
            "reference_date: the receipt's issue or count date, not in the future",
            field="reference_date",
        )
    return t, f"{t.value}:{ref}", spec.debtor


def pledge_asset(
    session: Session,
    principal: Principal,
    pool_id: str,
    spec: AssetSpec,
    *,
    on: date,
    store: TelemetryStore | None = None,
) -> Pledge:
    """The enterprise pledges one asset into its pool (refused if it backs any pool already).
    An order needs ``store``: its production-capacity check reads the seller's telemetry."""
    pool = get_pool(session, principal, pool_id)
    if principal.org_id != pool.org_id or not principal.has_role(Role.OFFICER):
        raise Forbidden("only the enterprise's officers pledge its assets")
    return _pledge(session, principal, pool, spec, on=on, store=store)


def _order_check(
    session: Session,
    principal: Principal,
    pool: Pool,
    spec: AssetSpec,
    on: date,
    store: TelemetryStore | None,
) -> Capacity:
    if spec.quantity is None or spec.quantity <= 0:
        raise ValidationFailed("quantity: the units ordered, positive", field="quantity")
    if spec.delivery_date is None:
        raise ValidationFailed("delivery_date: required for an order", field="delivery_date")
    if store is None:
        raise Conflict(
            "asset_type: order financing reads the seller's telemetry, none is open here",
            field="asset_type",
        )
    return check_order(
        session, principal, store, pool, on=on, delivery=spec.delivery_date, ordered=spec.quantity
    )


def _pledge(
    session: Session,
    principal: Principal,
    pool: Pool,
    spec: AssetSpec,
    *,
    on: date,
    store: TelemetryStore | None = None,
) -> Pledge:
    if pool.status != "active":
        raise Conflict("pool: closed", field="pool_id")
    t, key, debtor = _key(session, pool, spec, on)
    repo = AssetsRepository(session)
    if repo.active_pledge_of(key) is not None:
        raise Conflict(f"asset_ref: {key} already backs a pool", field="asset_ref")
    cap = _order_check(session, principal, pool, spec, on, store) if t is AssetType.ORDER else None
    if t is AssetType.IP:
        ip = repo.ip_right(spec.asset_ref)
        assert ip is not None
        ip_rights.register_ip_pledge(
            session,
            ip,
            pledgee_org_id=pool.bank_org_id,
            registration_no=spec.registration_no or f"PENDING-{ip.number}",
            on=on,
        )
    ref = governance.append_log(
        session,
        kind="assets.pledged",
        actor_org_id=principal.org_id,
        subject=f"{pool.org_id}:asset.pool:{pool.id}",
        payload={
            "asset": key,
            "bank": pool.bank_org_id,
            **({"capacity_share": str(cap.share)} if cap is not None else {}),
        },
    )
    row = Pledge(
        pool_id=pool.id,
        asset_type=t.value,
        asset_ref=spec.asset_ref.strip(),
        asset_key=key,
        active_key=key,
        declared_value_fen=spec.declared_value_fen,
        debtor=debtor,
        reference_date=spec.reference_date,
        status="pledged",
        log_index=ref.index,
        quantity=str(spec.quantity) if cap is not None else None,
        delivery_date=spec.delivery_date if cap is not None else None,
        capacity=cap.as_json() if cap is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:  # a concurrent pledge of the same asset won
        raise Conflict(f"asset_ref: {key} already backs a pool", field="asset_ref") from exc
    return row


def _release(
    session: Session, principal: Principal, pool: Pool, pledge: Pledge, *, on: date, why: str
) -> None:
    pledge.status = "enforced" if why == "enforced" else "released"
    pledge.active_key = None
    pledge.released_at = utcnow()
    if pledge.asset_type == AssetType.IP.value:
        ip_rights.close_ip_pledge(
            session, pledge.asset_ref, to=pledge.status, on=on, actor_org_id=pool.bank_org_id
        )
    ref = governance.append_log(
        session,
        kind=f"assets.{why}",
        actor_org_id=principal.org_id,
        subject=f"{pool.org_id}:asset.pool:{pool.id}",
        payload={"asset": pledge.asset_key},
    )
    pledge.release_log_index = ref.index
    session.flush()


def _active_pledge(session: Session, pool: Pool, pledge_id: str) -> Pledge:
    p = AssetsRepository(session).pledge(pledge_id)
    if p is None or p.pool_id != pool.id:
        raise NotFound(f"pledge {pledge_id} not found", field="pledge_id")
    if p.status != "pledged":
        raise Conflict("pledge: already released", field="pledge_id")
    return p


def _base_without(
    session: Session, pool: Pool, drop: str, on: date, policy: HaircutPolicy | None
) -> BorrowingBase:
    pledges = [p for p in AssetsRepository(session).pledges(pool.id) if p.id != drop]
    return borrowing_base(pool_items(session, pool, pledges, on), policy)


def release_asset(
    session: Session,
    principal: Principal,
    pool_id: str,
    pledge_id: str,
    *,
    on: date,
    policy: HaircutPolicy | None = None,
) -> Pledge:
    """Release a pledged asset: the bank any time; the enterprise only if what remains still
    covers the drawn balance."""
    pool = get_pool(session, principal, pool_id)
    p = _active_pledge(session, pool, pledge_id)
    if principal.org_id == pool.bank_org_id:
        bank_officer_only(principal)
    elif principal.org_id == pool.org_id and principal.has_role(Role.OFFICER):
        refresh_line(session, pool)  # what is drawn on the line now, not at the last revaluation
        after = _base_without(session, pool, p.id, on, policy)
        if after.shortfall_fen(limit_fen=pool.limit_fen, drawn_fen=pool.drawn_fen) > 0:
            raise Conflict(
                "pledge_id: releasing it would leave the drawn balance uncovered", field="pledge_id"
            )
    else:
        raise Forbidden("only the bank, or the enterprise's officers, release pledged assets")
    _release(session, principal, pool, p, on=on, why="released")
    return p


def enforce_pledge(
    session: Session, principal: Principal, pool_id: str, pledge_id: str, *, on: date
) -> Pledge:
    """The bank enforces its security over a pledged asset (质权实现): the asset leaves the pool
    as enforced (an IP right's pledge registration moves to enforced), logged."""
    pool = get_pool(session, principal, pool_id)
    if principal.org_id != pool.bank_org_id:
        raise Forbidden("only the pool's bank enforces its pledges")
    bank_officer_only(principal)
    p = _active_pledge(session, pool, pledge_id)
    _release(session, principal, pool, p, on=on, why="enforced")
    return p


def substitute_asset(
    session: Session,
    principal: Principal,
    pool_id: str,
    pledge_id: str,
    spec: AssetSpec,
    *,
    on: date,
    store: TelemetryStore | None = None,
) -> Pledge:
    """Swap a pledged asset for another in one step (the enterprise; logged as substitution)."""
    pool = get_pool(session, principal, pool_id)
    if principal.org_id != pool.org_id or not principal.has_role(Role.OFFICER):
        raise Forbidden("only the enterprise's officers substitute its assets")
    old = _active_pledge(session, pool, pledge_id)
    new = _pledge(session, principal, pool, spec, on=on, store=store)
    _release(session, principal, pool, old, on=on, why="substituted")
    old.replaced_by = new.id
    session.flush()
    return new


def pool_pledges(
    session: Session, principal: Principal, pool_id: str, *, active_only: bool = True
) -> Sequence[Pledge]:
    pool = get_pool(session, principal, pool_id)
    return AssetsRepository(session).pledges(pool.id, active_only=active_only)


def active_pool_ids(session: Session) -> Sequence[str]:
    """Every active pool (the worker's fan-out)."""
    return AssetsRepository(session).active_pool_ids()


def pool_by_id(session: Session, pool_id: str) -> Pool | None:
    """A pool for trusted callers (the worker)."""
    return AssetsRepository(session).pool(pool_id)


def pools_by_ids(session: Session, pool_ids: Sequence[str]) -> list[Pool]:
    """Many pools for trusted callers (the nightly batch), in the order asked; unknown ids
    are left out."""
    return AssetsRepository(session).pools_by_ids(pool_ids)


def pool_batches(session: Session, size: int) -> list[tuple[str, str]]:
    """The active pools cut into id ranges of about ``size`` pools, as ``(low, high)`` bounds
    with ``low <= id < high``: the first range open below, the last open above, each range
    starting where the one before ends. The ranges partition every id there is, so a pool
    opened after the cut still falls in exactly one of them (ids are time-ordered, so it falls
    in the last) and no pool is in two."""
    if size < 1:
        raise ValueError("a batch holds at least one pool")
    ids = AssetsRepository(session).active_pool_ids()
    starts = [""] + [ids[i] for i in range(size, len(ids), size)]
    return list(zip(starts, [*starts[1:], ""], strict=True))


def pools_between(session: Session, low: str, high: str) -> Sequence[Pool]:
    """The active pools of one batch's id range (trusted callers: the worker)."""
    return AssetsRepository(session).active_pools_between(low, high)
