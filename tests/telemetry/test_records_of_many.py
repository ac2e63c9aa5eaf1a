"""Business records of several organisations at once (a nightly batch's enterprises): each
one's own records, nobody else's, unknown kinds refused."""

from __future__ import annotations

import pytest

from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Park


def _receivables(db: Database, org: str, ids: list[str]) -> None:
    rows = [
        {"receivable_id": r, "debtor_name": "客户", "due_date": "2026-06-20",
         "amount": "1000", "outstanding": "1000"}
        for r in ids
    ]  # fmt: skip
    with db.unit_of_work() as s:
        report = telemetry.import_records(
            s, org_id=org, kind="receivables", source="http", rows=list(enumerate(rows, start=1))
        )
        assert report.ok, report.errors


def test_records_of_several_organisations(db: Database, park: Park) -> None:
    a, b, c = (park[x]["officer"].org_id for x in ("enterprise", "other_enterprise", "core"))
    _receivables(db, a, ["R1", "R2"])
    _receivables(db, b, ["R1"])
    _receivables(db, c, ["R9"])
    with db.unit_of_work() as s:
        got = telemetry.pipeline_records_of(s, kind="receivables", org_ids=[a, b, a])
        assert sorted((r.org_id == a, r.receivable_id) for r in got) == [
            (False, "R1"),
            (True, "R1"),
            (True, "R2"),
        ]
        assert telemetry.pipeline_records_of(s, kind="receivables", org_ids=[]) == []
        with pytest.raises(Exception, match="kind"):
            telemetry.pipeline_records_of(s, kind="nonsense", org_ids=[a])
