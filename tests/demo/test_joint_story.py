"""The demo's joint-modelling story on the test park: trained over the platform's routes,
validated, approved and crowned by the bank's admin, and an application decided by the joint
model with reasons from both parts, all logged."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.demo.joint_story import MODEL, PRODUCT, tell
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import Park, add_member, add_org
from tests.credit.builders import GOOD, add_profile, consent


def test_the_joint_story_trains_approves_and_decides_with_reasons(
    db: Database, app_client: TestClient, park: Park, settings: Settings, tmp_path: Path
) -> None:
    rng = np.random.default_rng(4)
    org_by_uscc: dict[str, str] = {}
    bank_org_id = park["bank"]["officer"].org_id
    with db.unit_of_work() as s:
        for i in range(30):
            org_id = add_org(s, "enterprise")
            member = add_member(s, org_id, "admin")
            consent(s, member, bank_org_id)
            features = {
                **GOOD,
                "utilisation": float(rng.uniform(0.1, 0.95)),
                "payment_punctuality": float(rng.uniform(0.6, 1.0)),
                "dso_days": float(rng.uniform(20, 150)),
                # One firm's energy is unknown: the story fills it, and says so.
                "energy_intensity": None if i == 3 else float(rng.uniform(100, 600)),
            }
            add_profile(s, org_id, as_of=utcnow().date() - timedelta(days=1), features=features)
            org = identity.find_organisation(s, org_id)
            assert org is not None and org.uscc is not None
            org_by_uscc[org.uscc] = org_id
    told = tell(
        db,
        app_client,
        settings,
        bank_org_id=bank_org_id,
        operator_org_id=park["operator"]["officer"].org_id,
        org_by_uscc=org_by_uscc,
        parts_dir=tmp_path / "parts",
    )
    assert (told.model, told.firms, told.state) == (f"{MODEL}@1", 30, "champion")
    assert (told.trained_on, told.held_out) == (18, 12)
    assert told.filled == 1 and told.bytes_exchanged > 0
    assert 0.0 <= told.held_out_auc <= 1.0
    # Decided by the joint model with both parts, reasons from them in both languages.
    assert told.pd is not None and told.outcome in ("approve", "refer", "decline")
    assert told.reasons_en and len(told.reasons_en) == len(told.reasons_zh)
    assert any(r.startswith("the bank's") for r in told.reasons_en)
    with db.unit_of_work() as s:
        bank = identity.live_principal(s, park["bank"]["officer"].user_id)
        (app,) = credit.list_applications_unchecked(s)
        assert app.product_code == PRODUCT and app.model_ref == f"joint:{MODEL}@1"
        logged = json.loads(governance.get_log_entry(s, bank, app.log_index).data)["payload"]
        assert logged["joint"]["refusal"] is None
        assert governance.get_log_entry(s, bank, logged["joint"]["platform_leaf"]).kind == (
            "federated.score"
        )
    # The joint product was added beside the products there were, not instead of them.
    assert set(credit.products(settings)) == {"op-loan", PRODUCT}
