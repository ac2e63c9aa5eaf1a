"""Builders for the assets tests: a catalog with a scored dataset read by a bank under
consent, receivables and orders landed through telemetry's door."""

from __future__ import annotations

from datetime import timedelta

from chanrong.core.clock import utcnow
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry

DATASET = "business.orders"


def catalog_with_reads(db: Database, org_id: str, bank_org_id: str, *, reads: int) -> None:
    """The enterprise's default catalog, ``business.orders`` scored 80, read ``reads`` times
    by the bank under a credit-assessment grant."""
    with db.unit_of_work() as s:
        governance.ensure_default_catalog(s, org_id)
        governance.set_quality_score(s, owner_org_id=org_id, dataset=DATASET, score=80)
        owner = identity.system_principal(s, org_id)
        governance.grant_consent(
            s,
            owner,
            grantee_org_id=bank_org_id,
            categories=["management"],
            max_grade=2,
            purpose="credit_assessment",
            valid_from=None,
            valid_until=utcnow() + timedelta(days=90),
        )
        bank = identity.system_principal(s, bank_org_id)
        for _ in range(reads):
            governance.authorize_read(
                s,
                bank,
                owner_org_id=org_id,
                dataset=DATASET,
                purpose=governance.Purpose.CREDIT_ASSESSMENT,
            )


def land(db: Database, org_id: str, kind: str, rows: list[dict[str, str]]) -> None:
    """Records through the ingestion door (a replaced record keeps its id)."""
    with db.unit_of_work() as s:
        report = telemetry.import_records(
            s, org_id=org_id, kind=kind, source="http", rows=list(enumerate(rows, start=1))
        )
        assert report.ok, report.errors
