"""The demo's data-asset story on a loaded park: every enterprise's data resources registered
from its catalog and valued by the cost approach, and a pool with the demo bank for a share of
the enterprises, holding their open receivables and their most valuable data resource; the
first pool with a base secures a revolving line on lending, drawn at 80 % of the base (the pool
reads the drawn balance from lending).

The demo plays each enterprise's finance staff: the cost records it types are illustrative
(a collection, storage and processing cost per dataset, scaled by its grade), and a dataset
that telemetry has not scored is valued with a stated quality assumption of 0.7. Flushes,
never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.assets import service as assets
from chanrong.core.errors import ChanrongError
from chanrong.core.ids import new_id
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal
from chanrong.lending import service as lending

# Illustrative yearly costs per dataset by grade, fen: collection, storage, processing.
COSTS_BY_GRADE = {
    1: (2_000_000, 500_000, 1_000_000),
    2: (5_000_000, 1_000_000, 3_000_000),
    3: (10_000_000, 2_000_000, 6_000_000),
}
QUALITY_ASSUMED = Decimal("0.7")


@dataclass
class AssetStory:
    registered: int = 0
    valued: int = 0
    value_fen: int = 0
    pools: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # what could not be pledged, and why
    line_pool: str | None = None  # the pool that secures a lending credit line
    drawn_fen: int = 0  # drawn on that line, as the pool reads it from lending
    replenished: int = 0  # open receivables the pools took in from intake


def tell(
    session: Session,
    *,
    bank_org_id: str,
    as_of: date,
    pool_every: int = 3,
    limit_yuan: int = 2_000_000,
) -> AssetStory:
    """Register and value every enterprise's data; open pools for every ``pool_every``-th."""
    story = AssetStory()
    bank = identity.system_principal(session, bank_org_id)
    enterprises = [
        o for o in identity.all_organisations(session) if o.kind == OrgKind.ENTERPRISE.value
    ]
    for n, org in enumerate(sorted(enterprises, key=lambda o: o.id)):
        me = identity.system_principal(session, org.id)
        best: tuple[int, str] | None = None
        for r in assets.build_register(session, me, org.id):
            story.registered += 1
            collect, store, process = COSTS_BY_GRADE.get(r.grade, COSTS_BY_GRADE[2])
            for kind, fen in (("collection", collect), ("storage", store), ("processing", process)):
                assets.add_cost(
                    session,
                    me,
                    r.id,
                    kind=kind,
                    amount_fen=fen,
                    incurred_on=date(as_of.year, 1, 1),
                    evidence="demo: illustrative",
                )
            inputs = assets.DataInputs(
                quality_assumed=None if r.quality_score is not None else QUALITY_ASSUMED
            )
            v = assets.value_data_resource(session, me, r.id, inputs, as_of=as_of)
            story.valued += 1
            story.value_fen += v.value_fen
            if best is None or v.value_fen > best[0]:
                best = (v.value_fen, r.id)
        if n % pool_every or best is None:
            continue
        pool = assets.open_pool(session, bank, enterprise_org_id=org.id, limit_fen=limit_yuan * 100)
        story.pools.append(pool.id)
        spec = assets.AssetSpec("data", best[1])
        try:
            assets.pledge_asset(session, me, pool.id, spec, on=as_of)
        except ChanrongError as exc:
            story.refused.append(f"{spec.asset_type}:{spec.asset_ref}: {exc.detail}")
        # Its receivables join as they land: the pool is replenished from intake, so its base
        # follows the firm's business (each revaluation takes in the open ones, lets paid go).
        assets.set_replenish(session, me, pool.id, on=True)
        rv = assets.revalue(session, pool, as_of=as_of)
        story.replenished += sum(1 for ln in rv.base.lines if ln.asset_type.value == "receivable")
        if story.line_pool is None and rv.base.base_fen >= 10_000:  # ¥100 or more
            _secure_line(session, story, bank, me, pool.id, rv.base.base_fen, as_of)
    return story


def _secure_line(
    session: Session,
    story: AssetStory,
    bank: Principal,
    me: Principal,
    pool_id: str,
    base_fen: int,
    as_of: date,
) -> None:
    """The first pool with a base secures a revolving line on lending; the enterprise draws 80 %
    of the base, and the pool reads that drawn balance from lending when it is revalued."""
    product = lending.create_product(
        session,
        bank,
        code=f"POOL-{new_id()[-6:]}",
        name="资产池循环额度",
        kind="revolving",
        method="interest_only",
        day_count="act_365",
        rate_type="fixed",
        fixed_rate=Decimal("3.85"),
        max_amount=Decimal("5000000"),
    )
    limit = Decimal(min(base_fen, 500_000_000)) / 100
    line = lending.open_credit_line(
        session,
        bank,
        product_id=product.id,
        borrower_org_id=me.org_id,
        limit=limit,
        opened_on=as_of,
        expires_on=as_of.replace(year=as_of.year + 1),
        purpose="working_capital",
    )
    assets.link_pool_line(session, bank, pool_id, line_id=line.id, as_of=as_of)
    amount = (limit * Decimal("0.8")).quantize(Decimal("0.01"))
    lending.draw(session, me, line.id, amount=amount, term_months=6, on=as_of)
    r = assets.revalue(session, assets.get_pool(session, bank, pool_id), as_of=as_of)
    story.line_pool, story.drawn_fen = pool_id, r.revaluation.drawn_fen
