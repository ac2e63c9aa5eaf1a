"""Insurance claims arrive through intake like any business record."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.domain import RECORD_SPECS, RecordError, parse_record
from tests.builders import Park

ROW = {
    "claim_id": "CL-1",
    "policy": "POL-9",
    "device_id": "cnc-1",
    "loss_date": "2026-03-04",
    "cause": "breakdown",
    "amount": "12345.60",
}


def test_a_claim_row_parses_with_the_paid_amount_in_fen() -> None:
    rec = parse_record(RECORD_SPECS["claims"], ROW)
    assert rec["amount_fen"] == 1_234_560
    assert rec["loss_date"] == date(2026, 3, 4)
    assert rec["site"] is None


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"device_id": None}, "device_id"),  # neither a device nor a site
        ({"amount": "-1"}, "amount"),
        ({"policy": ""}, "policy"),
        ({"loss_date": "yesterday"}, "loss_date"),
    ],
)
def test_a_bad_claim_names_its_column(change: dict[str, object], column: str) -> None:
    with pytest.raises(RecordError) as err:
        parse_record(RECORD_SPECS["claims"], {**ROW, **change})
    assert err.value.column == column


def test_a_site_claim_needs_no_device() -> None:
    rec = parse_record(RECORD_SPECS["claims"], {**ROW, "device_id": None, "site": "Plant 2"})
    assert rec["site"] == "Plant 2"


def test_claims_are_imported_all_or_nothing_and_read_back(db: Database, park: Park) -> None:
    ent = park["enterprise"]["admin"]
    with db.unit_of_work() as s:
        bad = telemetry.import_records(
            s,
            org_id=ent.org_id,
            kind="claims",
            rows=[(1, ROW), (2, {**ROW, "claim_id": "CL-2", "amount": "x"})],
            source="http",
        )
        assert bad.rows_accepted == 0
        ok = telemetry.import_records(
            s,
            org_id=ent.org_id,
            kind="claims",
            rows=[(1, ROW), (2, {**ROW, "claim_id": "CL-2", "device_id": "cnc-2"})],
            source="http",
        )
        assert ok.rows_accepted == 2
        got = telemetry.pipeline_records(s, kind="claims", org_id=ent.org_id)
    assert sorted((c.claim_id, c.device_id, c.amount_fen) for c in got) == [
        ("CL-1", "cnc-1", 1_234_560),
        ("CL-2", "cnc-2", 1_234_560),
    ]


CLAIMS_CSV = """claim_id,policy,device_id,site,loss_date,cause,amount
CL-7,POL-9,cnc-1,,2026-03-04,breakdown,12345.60
CL-8,POL-9,,Plant 2,2026-03-09,electrical_fire,800.00
"""


def test_claims_upload_as_csv_through_the_records_door(app_client: TestClient, park: Park) -> None:
    ent = park["enterprise"]["officer"]
    url = f"/telemetry/orgs/{ent.org_id}/records/claims"
    headers = {**ent.headers, "Content-Type": "text/csv"}
    r = app_client.post(url, content=CLAIMS_CSV, headers=headers)
    assert r.status_code == 201, r.text
    got = app_client.get(url, headers=ent.headers).json()["records"]
    assert [(c["claim_id"], c["site"], c["amount"]) for c in got] == [
        ("CL-7", None, "12345.60"),
        ("CL-8", "Plant 2", "800.00"),
    ]
    bad = app_client.post(url, content=CLAIMS_CSV.replace(",Plant 2,", ",,"), headers=headers)
    assert bad.status_code == 422
    assert [(e["row"], e["column"]) for e in bad.json()["errors"]] == [(3, "device_id")]
    # Nobody else uploads an enterprise's records, not even its insurer.
    other = {**park["insurer"]["officer"].headers, "Content-Type": "text/csv"}
    assert app_client.post(url, content=CLAIMS_CSV, headers=other).status_code == 403
