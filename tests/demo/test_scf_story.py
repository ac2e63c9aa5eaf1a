"""The supply-chain story of the demo (``chanrong.demo.scf_story``) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from chanrong.demo.scf_story import STORY_ORGS, demo_story, story_cast
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.supplychain.builders import acting, build_chain


def test_demo_story(db: Database) -> None:
    with db.unit_of_work() as s:
        chain = build_chain(s)
        story = demo_story(
            s,
            core_org_id=chain.core,
            tier1_org_id=chain.tier1,
            tier2_org_ids=(chain.tier2a, chain.tier2b),
            bank_org_id=chain.bank,
            start=datetime(2026, 3, 2, 2, tzinfo=UTC),
        )
        assert story.settled_fen == 100_000_000
        assert dict(story.settlements) == {
            chain.tier1: 40_000_000,
            chain.bank: 35_000_000,
            chain.tier2b: 25_000_000,
        }
        fin = service.get_financing(s, acting(s, chain.bank), story.financing_id)
        assert (fin.state, fin.discount_fen) == ("accepted", 319_375)
        assert service.tree_violations(s, story.payable_id) == []


def test_story_cast_is_made_once_and_fits_the_story(db: Database) -> None:
    with db.unit_of_work() as s:
        first = story_cast(s)
    with db.unit_of_work() as s:
        again = story_cast(s)
        assert again == first
        assert set(first) == {key for key, *_ in STORY_ORGS}
        core = identity.find_organisation(s, first["core"])
        bank = identity.find_organisation(s, first["bank"])
        assert core is not None and core.is_core and core.kind == "enterprise"
        assert bank is not None and bank.institution_type == "bank"
        # Told twice on the same cast: two payables, each settled in full.
        for n in (1, 2):
            story = demo_story(
                s,
                core_org_id=first["core"],
                tier1_org_id=first["tier1"],
                tier2_org_ids=(first["tier2a"], first["tier2b"]),
                bank_org_id=first["bank"],
                invoice_ref=f"FP-CAST-{n}",
            )
            assert story.settled_fen == 100_000_000
        assert len(service.payable_ids(s)) == 2
