"""The demo's credit step (``chanrong.demo.credit_live``) on a tiny park loaded onto the
platform: a promoted champion, a profile for every firm, meaningful decisions with reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from chanrong.core.clock import month_start, utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.credit.registry import Approval
from chanrong.demo import credit_live, stories
from chanrong.demo.credit_live import group_of, read_truth, summarise
from chanrong.demo.institutions import seed_institutions
from chanrong.demo.park import load_park
from chanrong.demo.park_cut import cut_park
from chanrong.simulate import preset, write_park
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_demo_credit_promotes_a_champion_profiles_every_firm_and_decides(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    today = utcnow().date()
    demo_cfg = preset("tiny").with_changes(
        start=month_start(today, -3), months=3 + 1 + credit_live.FUTURE_MONTHS
    )
    write_park(demo_cfg, tmp_path / "full")
    park = tmp_path / "park"
    cut_park(tmp_path / "full", park, today)
    # A small, coarse training park with many firms on a deteriorating path (defaulters to
    # learn from), ending before the decision date like the demo's own.
    train_cfg = credit_live.training_config(today, seed=7, deteriorating_share=0.5).with_changes(
        enterprises=60, months=14, interval_minutes=720
    )
    write_park(train_cfg, tmp_path / "train")

    loaded = load_park(db, telemetry.open_store(settings), park, password="demo-pass-1234")
    org = loaded.org_by_uscc
    with db.unit_of_work() as session:
        inst, _ = seed_institutions(session)
        stories.grant_institutions(session, list(org.values()), inst)
    said: list[str] = []
    done = credit_live.demo_credit(
        db,
        settings,
        decide_on=today,
        train_park=tmp_path / "train",
        truth_park=park,
        org_by_uscc=org,
        bank_org_id=inst["bank"],
        operator_org_id=inst["operator"],
        say=said.append,
    )

    entry = credit.model_registry(settings).entry("sme-operating")
    assert entry.state is Approval.CHAMPION
    assert entry.ref == done.champion.ref
    assert any("promoted" in line for line in said)
    assert done.profiles == len(org) == 12
    with db.unit_of_work() as session:
        for org_id in org.values():
            assert credit.latest_profile(session, org_id).as_of == today

    truth = read_truth(park)
    healthy = [d for d in done.decisions if group_of(d, today) == "healthy"]
    assert healthy and len(done.decisions) == len(org)
    for d in healthy:
        assert truth[d.enterprise].default_date is None or truth[d.enterprise].default_date >= today
        # A meaningful decision: scored by the champion, with the reasons against it.
        assert not {"no_profile", "low_data_quality"} & set(d.knockouts), d
        assert d.pd is not None and 0 < d.pd < 1
        assert d.outcome in ("approve", "refer", "decline")
        assert d.reasons and all(r.startswith("SC_") for r in d.reasons)
    with db.unit_of_work() as session:
        apps = credit.list_applications_unchecked(session)
        assert {a.model_ref for a in apps} == {entry.ref}
        assert len(apps) == len(org)

    summary = done.summary
    assert summary == summarise(done.decisions, today)
    assert sum(summary.firms(g) for g in credit_live.GROUPS) == len(org)
