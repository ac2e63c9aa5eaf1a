"""The demo's data-asset story on a small park: registered, valued, pooled."""

from __future__ import annotations

from datetime import date

from chanrong.assets import service as assets
from chanrong.demo.assets_story import tell
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.assets.builders import land
from tests.builders import Park


def test_every_enterprise_registered_valued_and_some_pooled(db: Database, park: Park) -> None:
    ents = [park[n]["officer"].org_id for n in ("enterprise", "core", "other_enterprise")]
    with db.unit_of_work() as s:
        for e in ents:
            governance.ensure_default_catalog(s, e)
    land(
        db,
        ents[0],
        "receivables",
        [
            {
                "receivable_id": "R1",
                "debtor_name": "甲",
                "due_date": "2026-06-20",
                "amount": "50000",
                "outstanding": "50000",
            }
        ],
    )
    with db.unit_of_work() as s:
        story = tell(
            s, bank_org_id=park["bank"]["officer"].org_id, as_of=date(2026, 6, 30), pool_every=1
        )
        n_datasets = sum(
            len(assets.list_register(s, identity.system_principal(s, e), e)) for e in ents
        )
    assert story.registered == story.valued == n_datasets > 0
    assert story.value_fen > 0
    assert len(story.pools) == 3 and story.refused == []
    assert story.replenished == 1  # R1 joined its pool from intake, not pledged by hand
    with db.unit_of_work() as s:
        bank = identity.system_principal(s, park["bank"]["officer"].org_id)
        pools = {p.org_id: p for p in assets.list_pools(s, bank)}
        assert pools[ents[0]].base_fen > pools[ents[1]].base_fen > 0  # the receivable lends too
        # One pool secures a lending line drawn at 80 % of its base, read back from lending.
        lined = assets.get_pool(s, bank, story.line_pool or "")
        assert lined.line_id is not None
        assert story.drawn_fen == lined.drawn_fen == lined.limit_fen * 8 // 10 > 0
        assert lending.line_available_fen(s, lending.get_line(s, bank, lined.line_id)) == (
            lined.limit_fen - lined.drawn_fen
        )
