"""A joint model after training: validated on the bank's held-out labels the federated way
(the platform's parts in one logged exchange, AUC and KS on the bank's side), then approved
and crowned by the bank's admin along the credit registry's states, each move logged."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import roc_auc_score

from chanrong.federated.client import BankData, PlatformRefused
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import Park
from tests.federated.test_http import CONFIG, KEY_BITS, N, Setup, _client
from tests.federated.wire import assert_wire_clean

TRAIN = 20  # the first 20 enterprises train; the other 20 are held out (15 with a grant)


def _split(data: BankData) -> tuple[BankData, BankData]:
    assert data.y is not None
    train = BankData(data.usccs[:TRAIN], data.x.iloc[:TRAIN], data.y[:TRAIN])
    held = BankData(data.usccs[TRAIN:N], data.x.iloc[TRAIN:N], data.y[TRAIN:N])
    return train, held


def _kinds(db: Database, park: Park, kind: str) -> list[dict[str, Any]]:
    with db.unit_of_work() as s:
        bank = identity.live_principal(s, park["bank"]["officer"].user_id)
        return [
            json.loads(e.data)["payload"] for e in governance.list_log_entries(s, bank, kind=kind)
        ]


def test_validation_on_held_out_labels_then_admin_approval_and_champion(
    db: Database, app_client: TestClient, park: Park
) -> None:
    setup = Setup(db, app_client, park)
    train, held = _split(setup.bank_data)
    wire: list[tuple[str, dict[str, Any]]] = []
    officer = _client(app_client, park["bank"]["officer"], wire)
    first = officer.train("jm", train, CONFIG, key_bits=KEY_BITS)
    assert first.accepted == TRAIN
    # Not validated: even the admin cannot approve it.
    admin = park["bank"]["admin"]
    r = app_client.post(
        "/federated/models/jm@1/state", json={"to": "approved"}, headers=admin.headers
    )
    assert r.status_code == 409 and r.json()["field"] == "state", r.text
    # Training rows are not a held-out set: the platform refuses them.
    with pytest.raises(PlatformRefused) as exc:
        officer.validate(first.part, train)
    assert exc.value.http_status == 422 and exc.value.field == "ids"

    out = officer.validate(first.part, held)
    v = out["validation"]
    # 15 held-out enterprises have a grant; PSI already leaves out the 5 without one.
    assert (v["rows"], out["not_scored"]) == (N - 5 - TRAIN, 0)
    assert v["bads"] == int(held.y[: N - 5 - TRAIN].sum())  # type: ignore[index]
    # The same AUC as scoring each held-out enterprise through both parts one by one.
    pds = [
        officer.score(first.part, u, held.x.iloc[i])["pd"] for i, u in enumerate(held.usccs[:15])
    ]
    assert v["auc"] == pytest.approx(roc_auc_score(held.y[:15], pds), abs=1e-12)  # type: ignore[index]
    assert 0.0 <= v["ks"] <= 1.0
    # Only ids, PSI messages, the platform's partial scores (an allowed aggregate) and the
    # bank's summary figures crossed: never a label or a feature value.
    assert any("/held-out" in d for d, _ in wire)
    assert_wire_clean(
        # (the operator's own load, and the refusals' problem documents, are not exchanges)
        [(d, m) for d, m in wire if "/features" not in d and "type" not in m],
        raw=[setup.raw_bank, setup.raw_platform],
        labels=setup.y,
        modulus=int(next(m["public_key"] for _, m in wire if "public_key" in m), 16),
    )
    assert _kinds(db, park, "federated.validation_scores")[0]["scored"] == 15
    assert _kinds(db, park, "federated.validated")[0]["auc"] == v["auc"]

    # Officers validate; approving and crowning is the admin's.
    with pytest.raises(PlatformRefused) as exc:
        officer.set_state("jm@1", "approved")
    assert exc.value.http_status == 403
    app_client.headers.update(admin.headers)
    assert officer.set_state("jm@1", "approved")["state"] == "approved"
    assert officer.set_state("jm@1", "champion")["state"] == "champion"
    # What it was approved on stays: no new validation once it left candidate.
    with pytest.raises(PlatformRefused) as exc:
        officer.validate(first.part, held)
    assert exc.value.http_status == 409 and exc.value.field == "model"
    # A second version, validated and crowned, retires the first.
    app_client.headers.update(park["bank"]["officer"].headers)
    second = officer.train("jm", train, CONFIG, key_bits=KEY_BITS)
    officer.validate(second.part, held)
    app_client.headers.update(admin.headers)
    officer.set_state("jm@2", "approved")
    officer.set_state("jm@2", "champion")
    states = {m["model"]: m["state"] for m in officer.models()}
    assert states == {"jm@1": "retired", "jm@2": "champion"}
    moves = _kinds(db, park, "federated.model_state")
    assert [(m["model"], m["state"]) for m in moves] == [
        ("jm@1", "approved"),
        ("jm@1", "champion"),
        ("jm@2", "approved"),
        ("jm@2", "champion"),
    ]
    assert moves[-1]["retired"] == ["jm@1"]
    # A retired model scores nothing more; a retired state is final.
    with pytest.raises(PlatformRefused) as exc:
        officer.score(first.part, setup.usccs[0], held.x.iloc[0])
    assert exc.value.http_status == 409
    with pytest.raises(PlatformRefused) as exc:
        officer.set_state("jm@1", "champion")
    assert exc.value.http_status == 409


def test_a_report_must_match_its_exchange(db: Database, app_client: TestClient, park: Park) -> None:
    setup = Setup(db, app_client, park)
    train, held = _split(setup.bank_data)
    officer = _client(app_client, park["bank"]["officer"], [])
    officer.train("jm", train, CONFIG, key_bits=KEY_BITS)
    h = park["bank"]["officer"].headers
    report = {"exchange": 0, "rows": 15, "bads": 5, "auc": 0.8, "ks": 0.5}
    r = app_client.post("/federated/models/jm@1/validation", json=report, headers=h)
    assert r.status_code == 409 and r.json()["field"] == "exchange", r.text
    r = app_client.post("/federated/models/jm@1/held-out", json={"ids": held.usccs}, headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    assert sum(p is not None for p in got["parts"]) == 15
    assert all(isinstance(p, float) for p in got["parts"][:15])
    for bad, field in (
        ({**report, "exchange": got["leaf"] + 1}, "exchange"),
        ({**report, "exchange": got["leaf"], "rows": 14}, "rows"),
        ({**report, "exchange": got["leaf"], "bads": 0}, "bads"),
        ({**report, "exchange": got["leaf"], "auc": 1.5}, "auc"),
    ):
        r = app_client.post("/federated/models/jm@1/validation", json=bad, headers=h)
        assert r.status_code == 422 and r.json()["field"] == field, (bad, r.text)
    r = app_client.post(
        "/federated/models/jm@1/state",
        json={"to": "crowned"},
        headers=park["bank"]["admin"].headers,
    )
    assert r.status_code == 422 and r.json()["field"] == "to"
    assert np.isfinite(report["auc"])
