"""Every assets query."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.assets.orm import (
    CostRecord,
    DataResource,
    IpPledge,
    IpRight,
    MarginAlert,
    Pledge,
    Pool,
    PoolRevaluation,
    TrendAlert,
    Valuation,
)


class AssetsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: object) -> None:
        self.session.add(row)
        self.session.flush()

    # data resources
    def resources(self, org_id: str) -> Sequence[DataResource]:
        q = select(DataResource).where(DataResource.org_id == org_id).order_by(DataResource.dataset)
        return self.session.scalars(q).all()

    def resource(self, resource_id: str) -> DataResource | None:
        return self.session.get(DataResource, resource_id)

    def costs(self, resource_id: str) -> Sequence[CostRecord]:
        q = (
            select(CostRecord)
            .where(CostRecord.resource_id == resource_id)
            .order_by(CostRecord.incurred_on, CostRecord.created_at)
        )
        return self.session.scalars(q).all()

    # IP
    def ip_rights(self, org_id: str) -> Sequence[IpRight]:
        q = select(IpRight).where(IpRight.org_id == org_id).order_by(IpRight.kind, IpRight.number)
        return self.session.scalars(q).all()

    def ip_right(self, ip_id: str) -> IpRight | None:
        return self.session.get(IpRight, ip_id)

    def ip_by_number(self, kind: str, number: str) -> IpRight | None:
        q = select(IpRight).where(IpRight.kind == kind, IpRight.number == number)
        return self.session.scalars(q).first()

    def ip_pledges(self, ip_id: str) -> Sequence[IpPledge]:
        q = select(IpPledge).where(IpPledge.ip_id == ip_id).order_by(IpPledge.registered_on)
        return self.session.scalars(q).all()

    def ip_pledge(self, pledge_id: str) -> IpPledge | None:
        return self.session.get(IpPledge, pledge_id)

    # valuations
    def valuation(self, valuation_id: str) -> Valuation | None:
        return self.session.get(Valuation, valuation_id)

    def valuations(self, org_id: str) -> Sequence[Valuation]:
        q = (
            select(Valuation)
            .where(Valuation.org_id == org_id)
            .order_by(Valuation.created_at.desc())
        )
        return self.session.scalars(q).all()

    def latest_valuations(self, subject_ids: Sequence[str]) -> dict[str, Valuation]:
        """The newest valuation of each subject (one query)."""
        if not subject_ids:
            return {}
        q = (
            select(Valuation)
            .where(Valuation.subject_id.in_(list(subject_ids)))
            .order_by(Valuation.subject_id, Valuation.as_of, Valuation.created_at)
        )
        out: dict[str, Valuation] = {}
        for v in self.session.scalars(q):
            out[v.subject_id] = v  # ordered ascending: the last one wins
        return out

    # pools
    def pool(self, pool_id: str) -> Pool | None:
        return self.session.get(Pool, pool_id)

    def pool_of(self, org_id: str, bank_org_id: str) -> Pool | None:
        q = select(Pool).where(Pool.org_id == org_id, Pool.bank_org_id == bank_org_id)
        return self.session.scalars(q).first()

    def pool_on_line(self, line_id: str) -> Pool | None:
        return self.session.scalars(select(Pool).where(Pool.line_id == line_id)).first()

    def pools_for(self, org_id: str) -> Sequence[Pool]:
        """Pools where the organisation is the enterprise or the bank."""
        q = (
            select(Pool)
            .where((Pool.org_id == org_id) | (Pool.bank_org_id == org_id))
            .order_by(Pool.created_at)
        )
        return self.session.scalars(q).all()

    def pools_by_ids(self, pool_ids: Sequence[str]) -> list[Pool]:
        """Many pools (one query per 500), in the order asked; unknown ids are left out."""
        found: dict[str, Pool] = {}
        for i in range(0, len(pool_ids), 500):
            q = select(Pool).where(Pool.id.in_(list(pool_ids[i : i + 500])))
            found.update((p.id, p) for p in self.session.scalars(q))
        return [found[i] for i in pool_ids if i in found]

    def active_pool_ids(self) -> Sequence[str]:
        q = select(Pool.id).where(Pool.status == "active").order_by(Pool.id)
        return self.session.scalars(q).all()

    def active_pools_between(self, low: str, high: str) -> Sequence[Pool]:
        """Active pools with ``low <= id < high`` in id order (an empty bound is open)."""
        q = select(Pool).where(Pool.status == "active")
        if low:
            q = q.where(Pool.id >= low)
        if high:
            q = q.where(Pool.id < high)
        return self.session.scalars(q.order_by(Pool.id)).all()

    def pledges(self, pool_id: str, *, active_only: bool = True) -> Sequence[Pledge]:
        q = select(Pledge).where(Pledge.pool_id == pool_id)
        if active_only:
            q = q.where(Pledge.status == "pledged")
        return self.session.scalars(q.order_by(Pledge.pledged_at)).all()

    def pledges_of_pools(self, pool_ids: Sequence[str]) -> dict[str, list[Pledge]]:
        """Active pledges of many pools (one query per 500 pools)."""
        out: dict[str, list[Pledge]] = {pid: [] for pid in pool_ids}
        for i in range(0, len(pool_ids), 500):
            q = select(Pledge).where(
                Pledge.pool_id.in_(list(pool_ids[i : i + 500])), Pledge.status == "pledged"
            )
            for p in self.session.scalars(q.order_by(Pledge.pledged_at)):
                out[p.pool_id].append(p)
        return out

    def resources_by_id(self, ids: Sequence[str]) -> dict[str, DataResource]:
        if not ids:
            return {}
        q = select(DataResource).where(DataResource.id.in_(list(ids)))
        return {r.id: r for r in self.session.scalars(q)}

    def ip_rights_by_id(self, ids: Sequence[str]) -> dict[str, IpRight]:
        if not ids:
            return {}
        return {
            i.id: i for i in self.session.scalars(select(IpRight).where(IpRight.id.in_(list(ids))))
        }

    def revaluations_on(self, pool_ids: Sequence[str], as_of: date) -> dict[str, PoolRevaluation]:
        out: dict[str, PoolRevaluation] = {}
        for i in range(0, len(pool_ids), 500):
            q = select(PoolRevaluation).where(
                PoolRevaluation.pool_id.in_(list(pool_ids[i : i + 500])),
                PoolRevaluation.as_of == as_of,
            )
            out.update({r.pool_id: r for r in self.session.scalars(q)})
        return out

    def open_alerts(self, pool_ids: Sequence[str]) -> dict[str, MarginAlert]:
        out: dict[str, MarginAlert] = {}
        for i in range(0, len(pool_ids), 500):
            q = select(MarginAlert).where(
                MarginAlert.pool_id.in_(list(pool_ids[i : i + 500])), MarginAlert.status == "open"
            )
            out.update({a.pool_id: a for a in self.session.scalars(q)})
        return out

    def pledge(self, pledge_id: str) -> Pledge | None:
        return self.session.get(Pledge, pledge_id)

    def active_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` back a pool now (one query per 500)."""
        out: set[str] = set()
        for i in range(0, len(keys), 500):
            q = select(Pledge.active_key).where(Pledge.active_key.in_(list(keys[i : i + 500])))
            out.update(k for k in self.session.scalars(q) if k is not None)
        return out

    def active_pledge_of(self, asset_key: str) -> Pledge | None:
        q = select(Pledge).where(Pledge.active_key == asset_key)
        return self.session.scalars(q).first()

    def revaluation(self, pool_id: str, as_of: date) -> PoolRevaluation | None:
        q = select(PoolRevaluation).where(
            PoolRevaluation.pool_id == pool_id, PoolRevaluation.as_of == as_of
        )
        return self.session.scalars(q).first()

    def revaluations(self, pool_id: str, limit: int = 90) -> Sequence[PoolRevaluation]:
        q = (
            select(PoolRevaluation)
            .where(PoolRevaluation.pool_id == pool_id)
            .order_by(PoolRevaluation.as_of.desc())
            .limit(limit)
        )
        return self.session.scalars(q).all()

    def open_alert(self, pool_id: str) -> MarginAlert | None:
        q = select(MarginAlert).where(MarginAlert.pool_id == pool_id, MarginAlert.status == "open")
        return self.session.scalars(q).first()

    def alerts_for(self, org_id: str) -> Sequence[MarginAlert]:
        q = (
            select(MarginAlert)
            .where((MarginAlert.org_id == org_id) | (MarginAlert.bank_org_id == org_id))
            .order_by(MarginAlert.raised_on.desc())
        )
        return self.session.scalars(q).all()

    def alert(self, alert_id: str) -> MarginAlert | None:
        return self.session.get(MarginAlert, alert_id)

    # trend alerts

    def first_revaluation_day(self, pool_ids: Sequence[str]) -> date | None:
        """The earliest revaluation of any of these pools."""
        first: date | None = None
        for i in range(0, len(pool_ids), 500):
            q = select(func.min(PoolRevaluation.as_of)).where(
                PoolRevaluation.pool_id.in_(list(pool_ids[i : i + 500]))
            )
            d = self.session.scalar(q)
            if d is not None and (first is None or d < first):
                first = d
        return first

    def lendable_at(
        self, pool_ids: Sequence[str], days: Sequence[date]
    ) -> dict[str, dict[date, int]]:
        """Each pool's stored lendable value on each of ``days`` it was revalued on."""
        out: dict[str, dict[date, int]] = {}
        if not days:
            return out
        for i in range(0, len(pool_ids), 500):
            q = select(
                PoolRevaluation.pool_id, PoolRevaluation.as_of, PoolRevaluation.lendable_fen
            ).where(
                PoolRevaluation.pool_id.in_(list(pool_ids[i : i + 500])),
                PoolRevaluation.as_of.in_(list(days)),
                PoolRevaluation.lendable_fen.is_not(None),
            )
            for pid, as_of, fen in self.session.execute(q):
                if fen is not None:
                    out.setdefault(pid, {})[as_of] = int(fen)
        return out

    def open_trend_alerts(self, pool_ids: Sequence[str]) -> dict[str, TrendAlert]:
        out: dict[str, TrendAlert] = {}
        for i in range(0, len(pool_ids), 500):
            q = select(TrendAlert).where(
                TrendAlert.pool_id.in_(list(pool_ids[i : i + 500])), TrendAlert.status == "open"
            )
            out.update({a.pool_id: a for a in self.session.scalars(q)})
        return out

    def trend_alerts_for(self, org_id: str) -> Sequence[TrendAlert]:
        q = (
            select(TrendAlert)
            .where((TrendAlert.org_id == org_id) | (TrendAlert.bank_org_id == org_id))
            .order_by(TrendAlert.raised_on.desc(), TrendAlert.id)
        )
        return self.session.scalars(q).all()

    def trend_alert(self, alert_id: str) -> TrendAlert | None:
        return self.session.get(TrendAlert, alert_id)
