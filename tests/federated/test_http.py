"""Joint modelling over HTTP: the bank's client against the platform's routes (the FastAPI
test client is the transport, so the captured bytes are what a server would see), consent,
the verifiable log and the registered model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from chanrong.core.settings import get_settings
from chanrong.credit.datasets import load_dataset
from chanrong.federated.client import BankClient, BankData, PlatformRefused
from chanrong.federated.protocol import TrainingConfig
from chanrong.federated.secureboost import BoostConfig
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import Member, Park, add_member, add_org
from tests.federated.wire import assert_wire_clean

KEY_BITS = 512  # CI speed; production keys are 2048 bits (protocol.DEFAULT_KEY_BITS)
CONFIG = TrainingConfig(iterations=3, batch_size=16, learning_rate=0.5)
N = 40
BANK_COLUMNS = ["LOAN", "MORTDUE", "VALUE", "YOJ"]
PLATFORM_COLUMNS = ["DEROG", "DELINQ", "CLAGE", "NINQ", "CLNO"]


def _grant(db: Database, member: Member, bank_org_id: str) -> str:
    with db.unit_of_work() as s:
        user = identity.live_principal(s, member.user_id)
        g = governance.grant_consent(
            s,
            user,
            grantee_org_id=bank_org_id,
            categories=["external"],
            max_grade=2,
            purpose="joint_modelling",
            valid_from=None,
            valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )
        return g.id


def _revoke(db: Database, member: Member, grant_id: str) -> None:
    with db.unit_of_work() as s:
        governance.revoke_consent(s, identity.live_principal(s, member.user_id), grant_id)


class Setup:
    def __init__(self, db: Database, client: TestClient, park: Park) -> None:
        d = load_dataset(get_settings().shared_data_path("credit", "hmeq.csv"))
        frame = d.x.iloc[:N].reset_index(drop=True)
        self.y = d.y[:N].astype(float)
        self.raw_bank = frame[BANK_COLUMNS].to_numpy(float)
        self.raw_platform = frame[PLATFORM_COLUMNS].fillna(0.0).to_numpy(float)
        self.members: list[Member] = []
        self.usccs: list[str] = []
        with db.unit_of_work() as s:
            for _ in range(N):
                org_id = add_org(s, "enterprise")
                self.members.append(add_member(s, org_id, "officer"))
                org = identity.find_organisation(s, org_id)
                assert org is not None and org.uscc is not None
                self.usccs.append(org.uscc)
        bank = park["bank"]["officer"]
        # Every enterprise but the last five grants the bank joint modelling.
        self.grants = [_grant(db, m, bank.org_id) for m in self.members[: N - 5]]
        rows = [
            {"uscc": u, "values": dict(zip(PLATFORM_COLUMNS, map(float, v), strict=True))}
            for u, v in zip(self.usccs, self.raw_platform, strict=True)
        ]
        r = client.post(
            "/federated/features", json={"rows": rows}, headers=park["operator"]["officer"].headers
        )
        assert r.status_code == 201, r.text
        bank_frame = frame[BANK_COLUMNS].copy()
        bank_frame.insert(0, "uscc", self.usccs)
        bank_frame["bad"] = self.y
        # The bank also holds customers the platform does not know.
        extra = pd.DataFrame(
            {
                "uscc": ["91330500MA00000001", "91330500MA00000002"],
                **{c: [1.0, 2.0] for c in BANK_COLUMNS},
                "bad": [0.0, 1.0],
            }
        )
        self.bank_data = BankData.from_frame(
            pd.concat([bank_frame, extra], ignore_index=True), id_column="uscc", label="bad"
        )


def _client(
    app_client: TestClient, member: Member, wire: list[tuple[str, dict[str, Any]]]
) -> BankClient:
    def on_request(request: httpx.Request) -> None:
        if request.content:
            wire.append((f"bank→platform {request.url.path}", json.loads(request.content)))

    def on_response(response: httpx.Response) -> None:
        response.read()
        body = response.json()
        for message in body if isinstance(body, list) else [body]:
            wire.append((f"platform→bank {response.request.url.path}", message))

    app_client.headers.update(member.headers)
    app_client.event_hooks = {"request": [on_request], "response": [on_response]}
    return BankClient(app_client)


def test_training_over_http_sends_only_ciphertexts_psi_and_allowed_aggregates(
    db: Database, app_client: TestClient, park: Park
) -> None:
    setup = Setup(db, app_client, park)
    wire: list[tuple[str, dict[str, Any]]] = []
    bank = _client(app_client, park["bank"]["officer"], wire)
    assert bank.align(setup.bank_data.usccs) == setup.usccs[: N - 5]
    result = bank.train("jm", setup.bank_data, CONFIG, key_bits=KEY_BITS)
    assert (result.accepted, result.excluded) == (N - 5, 0)
    model = result.model
    assert model["model"] == "jm@1" and model["state"] == "candidate"
    assert model["bank_features"] == BANK_COLUMNS
    assert model["platform_features"] == sorted(PLATFORM_COLUMNS)
    assert model["bank_fingerprint"] == result.part.fingerprint
    assert len(model["platform_fingerprint"]) == 64
    # Every round is a leaf of the verifiable log on the platform's side.
    with db.unit_of_work() as s:
        rounds = governance.list_log_entries(
            s, identity.live_principal(s, park["bank"]["officer"].user_id), kind="federated.round"
        )
        assert [json.loads(e.data)["payload"]["round"] for e in rounds] == [1, 2, 3]
    # Scoring needs both parts, and the exchange is logged with both fingerprints.
    row = pd.Series(dict(zip(BANK_COLUMNS, setup.raw_bank[0], strict=True)))
    scored = bank.score(result.part, setup.usccs[0], row)
    assert 0 < scored["pd"] < 1 and scored["platform_fingerprint"] == model["platform_fingerprint"]
    with db.unit_of_work() as s:
        bank_user = identity.live_principal(s, park["bank"]["officer"].user_id)
        entry = governance.get_log_entry(s, bank_user, scored["leaf"])
        assert entry.kind == "federated.score"
        assert json.loads(entry.data)["payload"]["bank_fingerprint"] == result.part.fingerprint
    # Reasons from each part: the bank's own features with their effect; from the platform
    # only the names of its features (logged as disclosed), checked on the wire below.
    named = [bank.score(result.part, u, row)["platform_reasons"] for u in setup.usccs[:12]]
    assert any(named) and all(set(n) <= set(PLATFORM_COLUMNS) and len(n) <= 2 for n in named)
    assert json.loads(entry.data)["payload"]["reasons"] == scored["platform_reasons"]
    assert all(f in BANK_COLUMNS and c > 0 for f, c, _ in scored["bank_reasons"])
    wire_modulus = next(m["public_key"] for _, m in wire if "public_key" in m)
    assert_wire_clean(
        [(d, m) for d, m in wire if "/features" not in d],  # the operator's own load
        raw=[setup.raw_bank, setup.raw_platform],
        labels=setup.y,
        modulus=int(wire_modulus, 16),
    )
    assert [m["model"] for m in bank.models()] == ["jm@1"]
    assert bank.runs()[0]["rounds"] == 3


def test_revoked_grant_leaves_the_next_training_and_its_scores_are_refused(
    db: Database, app_client: TestClient, park: Park
) -> None:
    setup = Setup(db, app_client, park)
    bank = _client(app_client, park["bank"]["officer"], [])
    first = bank.train("jm", setup.bank_data, CONFIG, key_bits=KEY_BITS)
    _revoke(db, setup.members[0], setup.grants[0])
    assert setup.usccs[0] not in bank.align(setup.bank_data.usccs)
    second = bank.train("jm", setup.bank_data, CONFIG, key_bits=KEY_BITS)
    assert (first.accepted, second.accepted) == (N - 5, N - 6)
    assert second.model["model"] == "jm@2"
    row = pd.Series(dict(zip(BANK_COLUMNS, setup.raw_bank[0], strict=True)))
    with pytest.raises(PlatformRefused) as exc:
        bank.score(first.part, setup.usccs[0], row)
    assert exc.value.http_status == 403
    with pytest.raises(PlatformRefused) as exc:  # never granted
        bank.score(first.part, setup.usccs[-1], row)
    assert exc.value.http_status == 403


def test_another_bank_and_other_kinds_get_nothing(
    db: Database, app_client: TestClient, park: Park
) -> None:
    setup = Setup(db, app_client, park)
    bank = _client(app_client, park["bank"]["officer"], [])
    trained = bank.train("jm", setup.bank_data, CONFIG, key_bits=KEY_BITS)
    other = _client(app_client, park["other_bank"]["officer"], [])
    assert other.align(setup.bank_data.usccs) == []  # the grants are to the first bank
    assert other.models() == [] and other.runs() == []
    row = pd.Series(dict(zip(BANK_COLUMNS, setup.raw_bank[0], strict=True)))
    with pytest.raises(PlatformRefused) as exc:
        other.score(trained.part, setup.usccs[0], row)
    assert exc.value.http_status == 404
    app_client.headers.pop("Authorization")
    for who in ("insurer", "enterprise", "analyst"):
        r = app_client.post(
            "/federated/psi", json={"request": "AAAA"}, headers=park[who]["officer"].headers
        )
        assert r.status_code == 403, (who, r.text)
    r = app_client.post(
        "/federated/psi", json={"request": "AAAA"}, headers=park["bank"]["viewer"].headers
    )
    assert r.status_code == 403


def test_bad_messages_are_422_naming_the_field(
    db: Database, app_client: TestClient, park: Park
) -> None:
    setup = Setup(db, app_client, park)
    h = park["bank"]["officer"].headers
    r = app_client.post("/federated/psi", json={"request": "not base64!"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "request", r.text
    key = format((1 << 511) + 12345, "x")
    cfg = {"iterations": 1, "batch_size": 4, "learning_rate": 0.5, "l2": 0.0, "seed": 1}
    r = app_client.post(
        "/federated/runs",
        headers=h,
        json={"name": "x", "ids": setup.usccs[:5], "public_key": key, "config": cfg},
    )
    assert r.status_code == 201, r.text
    run = r.json()["run_id"]
    r = app_client.post(
        f"/federated/runs/{run}/gradient",
        headers=h,
        json={"rows": [0, 1], "residuals": ["zz", "01"]},
    )
    assert r.status_code == 422 and r.json()["field"] == "residuals[0]", r.text
    r = app_client.post(f"/federated/runs/{run}/forward", headers=h, json={"rows": [0, 99]})
    assert r.status_code == 422 and r.json()["field"] == "rows", r.text
    r = app_client.post(f"/federated/runs/{run}/update", headers=h, json={"masked_sums": ["1"]})
    assert r.status_code == 422 and r.json()["field"] == "masked_sums", r.text
    rows = [
        {"uscc": setup.usccs[0], "values": {"a": 1.0}},
        {"uscc": setup.usccs[1], "values": {"b": 1.0}},
    ]
    r = app_client.post(
        "/federated/features", json={"rows": rows}, headers=park["operator"]["officer"].headers
    )
    assert r.status_code == 422 and r.json()["field"] == "rows[1].values", r.text
    assert np.isfinite(1.0)


def test_trees_over_http_send_only_ciphertexts_and_split_indices(
    db: Database, app_client: TestClient, park: Park
) -> None:
    setup = Setup(db, app_client, park)
    wire: list[tuple[str, dict[str, Any]]] = []
    bank = _client(app_client, park["bank"]["officer"], wire)
    config = BoostConfig(trees=2, depth=2, bins=4, min_rows=3)
    result = bank.train_boost("trees", setup.bank_data, config, key_bits=KEY_BITS)
    assert result.model["model"] == "trees@1" and result.accepted == N - 5
    assert result.model["bank_fingerprint"] == result.part.fingerprint
    modulus = int(next(m["public_key"] for _, m in wire if "public_key" in m), 16)
    assert_wire_clean(
        [(d, m) for d, m in wire if "/features" not in d],
        raw=[setup.raw_bank, setup.raw_platform],
        labels=setup.y,
        modulus=modulus,
    )
    assert any("/histograms" in d for d, _ in wire)
    with db.unit_of_work() as s:
        bank_user = identity.live_principal(s, park["bank"]["officer"].user_id)
        rounds = governance.list_log_entries(s, bank_user, kind="federated.round")
        assert [json.loads(e.data)["payload"]["round"] for e in rounds] == [1, 2]
    row = pd.Series(dict(zip(BANK_COLUMNS, setup.raw_bank[0], strict=True)))
    scored = bank.score(result.part, setup.usccs[0], row)
    assert 0 < scored["pd"] < 1
    _revoke(db, setup.members[0], setup.grants[0])
    with pytest.raises(PlatformRefused) as exc:
        bank.score(result.part, setup.usccs[0], row)
    assert exc.value.http_status == 403
