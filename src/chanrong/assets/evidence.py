"""What each pledged asset is worth today, read from the evidence the platform holds.

- data: its latest valuation, its catalog quality score now (a falling score lends less);
- IP: its latest valuation, in force on the day (a lapsed or expired right lends nothing);
- receivable: the outstanding amount of the enterprise's receivable record (paid: nothing),
  aged from its due date, the debtor as named;
- order: the order record's amount times the share the seller's capacity covers by the
  delivery date (``capacity``, checked at pledging), aged from its date; once invoiced it has
  become a receivable and lends nothing as an order;
- inventory and warehouse receipts: their position from the enterprise's stock movements
  (records through intake, ``stock.position``): balance × latest unit value, so goods going out
  lower the pool and a count restates it; a lot with no movement yet keeps the value declared
  at pledging. Aged from the receipt's reference date.

Records are read with telemetry's pipeline read: the borrowing base is derived for the pool the
enterprise itself opened, and shared only with the bank it pledged to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.assets.borrowing import AssetType, PoolItem
from chanrong.assets.ipr import IpKind, LegalStatus, effective_status
from chanrong.assets.orm import Pledge, Pool
from chanrong.assets.repository import AssetsRepository
from chanrong.assets.stock import Movement, StockPosition, position
from chanrong.core.money import round_fen
from chanrong.telemetry import service as telemetry


def _age(as_of: date, ref: date | None) -> int:
    return max(0, (as_of - ref).days) if ref else 0


_STOCK = ("inventory", "warehouse_receipt")


# Up to this many enterprises their records are read by organisation; beyond it (the whole
# park at once) one read of every record of the kind, filtered here, is cheaper.
_BY_ORG = 2000


def _records(session: Session, orgs: set[str], kind: str, needed: bool) -> list[Any]:
    """One enterprise's records of a kind, or (several) the park's in one query, kept to
    ``orgs``: revaluing many pools at once reads each kind once, not once per pool."""
    if not needed or not orgs:
        return []
    if len(orgs) == 1:
        return list(telemetry.pipeline_records(session, kind=kind, org_id=next(iter(orgs))))
    if len(orgs) <= _BY_ORG:
        # A batch of the nightly run: its enterprises' records only, so the run over the park
        # in batches grows with the park, not with its square.
        return telemetry.pipeline_records_of(session, kind=kind, org_ids=list(orgs))
    return [
        r for r in telemetry.pipeline_records(session, kind=kind, org_id=None) if r.org_id in orgs
    ]


def _positions(
    rows: Sequence[Any], wanted: set[tuple[str, str]], as_of: date
) -> dict[tuple[str, str], StockPosition]:
    moves: dict[tuple[str, str], list[Movement]] = {}
    for r in rows:
        if (r.org_id, r.item) in wanted:
            moves.setdefault((r.org_id, r.item), []).append(
                Movement(r.moved_on, r.direction, Decimal(r.quantity), r.unit_value_fen)
            )
    out = {}
    for key, ms in moves.items():
        pos = position(ms, as_of)
        if pos is not None:
            out[key] = pos
    return out


def stock_positions(
    session: Session, org_id: str, items: Sequence[str], as_of: date
) -> dict[str, StockPosition]:
    """Each named lot's position on ``as_of`` from the enterprise's stock movements (lots with
    no movement are absent)."""
    wanted = {(org_id, i) for i in items}
    rows = _records(session, {org_id}, "stock_movements", bool(wanted))
    return {item: pos for (_org, item), pos in _positions(rows, wanted, as_of).items()}


@dataclass(slots=True)
class Evidence:
    """What the pools' pledges are valued from, read once for a set of pools."""

    receivables: dict[tuple[str, str], Any] = field(default_factory=dict)
    orders: dict[tuple[str, str], Any] = field(default_factory=dict)
    invoiced: set[tuple[str, str]] = field(default_factory=set)
    valuations: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    rights: dict[str, Any] = field(default_factory=dict)
    stock: dict[tuple[str, str], StockPosition] = field(default_factory=dict)
    _by_org: dict[str, list[Any]] | None = None

    def receivables_of(self, org_id: str) -> list[Any]:
        """One enterprise's receivable records among those read (indexed on first use)."""
        if self._by_org is None:
            self._by_org = {}
            for (org, _), r in self.receivables.items():
                self._by_org.setdefault(org, []).append(r)
        return self._by_org.get(org_id, [])


def load_evidence(
    session: Session, pools: Sequence[Pool], pledges: Sequence[Pledge], as_of: date
) -> Evidence:
    """The evidence for ``pledges`` of ``pools`` (each kind read once)."""
    repo = AssetsRepository(session)
    org_of = {p.id: p.org_id for p in pools}
    orgs = set(org_of.values())
    types = {p.asset_type for p in pledges}
    ev = Evidence()
    # A pool replenished from intake takes in the enterprise's receivables: read them too.
    replenished = any(p.replenish for p in pools)
    for r in _records(session, orgs, "receivables", "receivable" in types or replenished):
        ev.receivables[(r.org_id, r.receivable_id)] = r
    for o in _records(session, orgs, "orders", "order" in types):
        ev.orders[(o.org_id, o.order_id)] = o
    ev.invoiced = {
        (i.org_id, i.order_id)
        for i in _records(session, orgs, "invoices", "order" in types)
        if i.order_id
    }
    ev.valuations = repo.latest_valuations(
        [p.asset_ref for p in pledges if p.asset_type in ("data", "ip")]
    )
    ev.resources = repo.resources_by_id([p.asset_ref for p in pledges if p.asset_type == "data"])
    ev.rights = repo.ip_rights_by_id([p.asset_ref for p in pledges if p.asset_type == "ip"])
    wanted = {(org_of[p.pool_id], p.asset_ref) for p in pledges if p.asset_type in _STOCK}
    ev.stock = _positions(_records(session, orgs, "stock_movements", bool(wanted)), wanted, as_of)
    return ev


def pool_items(
    session: Session,
    pool: Pool,
    pledges: Sequence[Pledge],
    as_of: date,
    ev: Evidence | None = None,
) -> list[PoolItem]:
    """Every active pledge of the pool as a ``PoolItem`` valued from today's evidence
    (``ev``: read for many pools at once; otherwise read now for this one)."""
    if ev is None:
        ev = load_evidence(session, [pool], pledges, as_of)
    org = pool.org_id
    valued, resources, rights = ev.valuations, ev.resources, ev.rights
    items = []
    for p in pledges:
        t = AssetType(p.asset_type)
        if t is AssetType.DATA:
            v = valued.get(p.asset_ref)
            res = resources.get(p.asset_ref)
            q = Decimal(res.quality_score) if res is not None and res.quality_score else None
            items.append(
                PoolItem(
                    p.asset_key,
                    t,
                    v.value_fen if v else 0,
                    _age(as_of, v.as_of if v else None),
                    quality=q,
                )
            )
        elif t is AssetType.IP:
            v = valued.get(p.asset_ref)
            ip = rights.get(p.asset_ref)
            in_force = (
                ip is not None
                and effective_status(
                    LegalStatus(ip.status),
                    IpKind(ip.kind),
                    expiry=ip.expires_on,
                    paid_until=ip.fees_paid_until,
                    as_of=as_of,
                )
                is LegalStatus.VALID
            )
            items.append(
                PoolItem(
                    p.asset_key,
                    t,
                    v.value_fen if v else 0,
                    _age(as_of, v.as_of if v else None),
                    in_force=in_force,
                )
            )
        elif t is AssetType.RECEIVABLE:
            r = ev.receivables.get((org, p.asset_ref))
            items.append(
                PoolItem(
                    p.asset_key,
                    t,
                    r.outstanding_fen if r else 0,
                    _age(as_of, r.due_date if r else None),
                    debtor=(r.debtor_uscc or r.debtor_name) if r else p.debtor,
                )
            )
        elif t is AssetType.ORDER:
            o = ev.orders.get((org, p.asset_ref))
            value = 0 if o is None or (org, p.asset_ref) in ev.invoiced else o.amount_fen
            if p.capacity is not None:  # only what the seller can make by delivery lends
                value = round_fen(Decimal(value) * Decimal(p.capacity["share"]))
            items.append(
                PoolItem(
                    p.asset_key,
                    t,
                    value,
                    _age(as_of, o.order_date if o else None),
                    debtor=(o.buyer_uscc or o.buyer_name) if o else p.debtor,
                )
            )
        else:
            pos = ev.stock.get((org, p.asset_ref))
            items.append(
                PoolItem(
                    p.asset_key,
                    t,
                    pos.value_fen if pos is not None else p.declared_value_fen or 0,
                    _age(as_of, p.reference_date),
                    debtor=p.debtor,
                )
            )
    return items
