"""The credit decision route on a bank's instance, wired to a running platform: the API
assembly builds credit's joint-model port from ``CHANRONG_FEDERATED_*`` settings, and
``POST /credit/applications`` for a ``joint:`` product asks the platform for its part over
real HTTP (the platform is a uvicorn server on loopback; the bank's instance shares its
database here, as a bank tenant of the platform would)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pandas as pd
from fastapi.testclient import TestClient

from chanrong.api.app import create_app
from chanrong.core.clock import utcnow
from chanrong.credit.domain import DEFAULT_PRODUCT
from chanrong.federated.client import BankClient
from tests.builders import build_park
from tests.credit.builders import add_profile, consent
from tests.e2e.conftest import LiveServer
from tests.federated.test_http import CONFIG, KEY_BITS, Setup, _revoke
from tests.federated.test_lifecycle import _split


def test_the_decision_route_scores_with_the_platforms_part_and_refers_when_consent_goes(
    live_server: LiveServer, tmp_path: Path
) -> None:
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
    officer, admin = park["bank"]["officer"], park["bank"]["admin"]
    parts = tmp_path / "parts"
    with httpx.Client(base_url=live_server.url) as http:
        setup = Setup(live_server.db, http, park)  # type: ignore[arg-type]
        http.headers.update(officer.headers)
        bank = BankClient(http)
        train, held = _split(setup.bank_data)
        trained = bank.train("jm", train, CONFIG, key_bits=KEY_BITS)
        trained.part.save(parts)
        bank.validate(trained.part, held)
        http.headers.update(admin.headers)
        bank.set_state("jm@1", "approved")
        bank.set_state("jm@1", "champion")
    table = pd.DataFrame(setup.bank_data.x)
    table.insert(0, "uscc", setup.bank_data.usccs)
    table.to_csv(tmp_path / "bank.csv", index=False)
    enterprise = setup.members[0]
    with live_server.db.unit_of_work() as s:
        consent(s, enterprise, officer.org_id)
        add_profile(s, enterprise.org_id, as_of=utcnow().date() - timedelta(days=1))
    settings = live_server.settings.model_copy(
        update={
            "federated_server": live_server.url,
            "federated_api_key": officer.key,
            "federated_parts": parts,
            "federated_bank_data": tmp_path / "bank.csv",
        }
    )
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    product = {**DEFAULT_PRODUCT.as_dict(), "code": "joint-loan", "model": "joint:jm"}
    (settings.var_dir / "credit_products.json").write_text(json.dumps([product]), "utf-8")
    body = {"enterprise_org_id": enterprise.org_id, "product_code": "joint-loan"}
    with TestClient(create_app(settings, live_server.db)) as bank_instance:
        r = bank_instance.post("/credit/applications", json=body, headers=officer.headers)
        assert r.status_code == 201, r.text
        got = r.json()
        assert got["model"] == "joint:jm@1" and got["knockouts"] == [] and got["pd"] is not None
        _revoke(live_server.db, enterprise, setup.grants[0])
        r = bank_instance.post("/credit/applications", json=body, headers=officer.headers)
        assert r.status_code == 201, r.text
        got = r.json()
        assert (got["decision"], got["knockouts"]) == ("refer", ["joint_part_unavailable"])
        assert got["pd"] is None and "joint_modelling" in got["reasons"][0]["text"]["en"]
