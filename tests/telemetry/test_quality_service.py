"""Quality scores kept per day, the business cross-checks, and the CLI view of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.telemetry import service
from chanrong.telemetry.store import TelemetryStore
from tests.builders import Park
from tests.governance.builders import principal
from tests.telemetry.builders import points


def _row(order_id: str, **kw: object) -> dict[str, object]:
    return {"order_id": order_id, "buyer_name": "甲", **kw}


def _invoice(invoice_id: str, order_id: str, amount: str) -> dict[str, object]:
    return {
        "invoice_id": invoice_id,
        "order_id": order_id,
        "buyer_name": "甲",
        "issue_date": "2026-03-02",
        "due_date": "2026-04-01",
        "amount": amount,
    }


def test_cross_checks_invoice_vs_order_and_bill_vs_meter(
    db: Database, park: Park, settings: Settings
) -> None:
    org = park["enterprise"]["admin"].org_id
    store = TelemetryStore(settings.effective_telemetry_dir)
    # The electricity meter counted 24 kWh a day through February: 696 kWh in 29 days.
    feb = points(
        "meter-1",
        "energy_kwh",
        [1000.0 + h for h in range(29 * 24 + 1)],
        start=datetime(2026, 2, 1, tzinfo=UTC),
        step=timedelta(hours=1),
    )
    store.write(org, feb)
    with db.unit_of_work() as session:
        orders = [
            (
                2,
                {
                    "order_id": "SO-1",
                    "buyer_name": "甲",
                    "order_date": "2026-03-01",
                    "amount": "100.00",
                },
            )
        ]
        assert service.import_records(
            session, org_id=org, kind="orders", rows=orders, source="test"
        ).ok
        invoices = [
            (
                2,
                {
                    "invoice_id": "I-1",
                    "order_id": "SO-1",
                    "buyer_name": "甲",
                    "issue_date": "2026-03-02",
                    "due_date": "2026-04-01",
                    "amount": "90",
                },
            ),
            (
                3,
                {
                    "invoice_id": "I-2",
                    "order_id": "SO-404",
                    "buyer_name": "乙",
                    "issue_date": "2026-03-02",
                    "due_date": "2026-04-01",
                    "amount": "10",
                },
            ),
            (
                4,
                {
                    "invoice_id": "I-3",
                    "order_id": "SO-1",
                    "buyer_name": "甲",
                    "issue_date": "2026-03-02",
                    "due_date": "2026-04-01",
                    "amount": "500",
                },
            ),
        ]
        assert service.import_records(
            session, org_id=org, kind="invoices", rows=invoices, source="test"
        ).ok
        bill = [(2, {"month": "2026-02-01", "electricity_kwh": "1500", "cost": "1125.00"})]
        assert service.import_records(
            session, org_id=org, kind="energy_bills", rows=bill, source="test"
        ).ok
        out = service.compute_quality_range(
            session, store, org_id=org, start=date(2026, 3, 1), end=date(2026, 3, 3)
        )
    assert sorted(out) == [date(2026, 3, 1), date(2026, 3, 2)]
    by = {(s.day, s.subject): s for scores in out.values() for s in scores if s.scope == "dataset"}
    inv = by[(date(2026, 3, 2), "business.invoices")]
    assert inv.reasons == [
        {
            "rule": "invoice_vs_order",
            "dimension": "consistency",
            "count": 2,
            "checked": 3,
            "share": round(2 / 3, 6),
        }
    ]
    assert inv.score == Decimal("86.67")  # consistency weight 0.2 × (1 - 2/3) lost
    bill_score = by[(date(2026, 3, 1), "business.energy_bills")]
    assert bill_score.reasons[0]["rule"] == "bill_vs_meter"
    assert bill_score.score == Decimal("80.00")
    with db.unit_of_work() as session:
        viewer = principal(session, park["enterprise"]["viewer"])
        kept = service.quality_scores(session, viewer, org_id=org, scope="dataset")
        assert {(s.day, s.subject) for s in kept} == set(by)
        # The newest day's dataset scores are shown in the governance catalog.
        entry = governance.describe_dataset(session, org, "business.invoices")
        assert entry is not None
        assert entry.quality_score == Decimal("86.67")


def test_pipeline_records_for_platform_processes(db: Database, park: Park) -> None:
    org = park["enterprise"]["admin"].org_id
    with db.unit_of_work() as session:
        rows = [(2, {"month": "2026-01", "electricity_kwh": "1200.5", "cost": "900"})]
        assert service.import_records(
            session, org_id=org, kind="energy_bills", rows=rows, source="t"
        ).ok
        got = service.pipeline_records(
            session, kind="energy_bills", org_id=org, start=date(2026, 1, 1), end=date(2026, 2, 1)
        )
        assert [(b.month, b.electricity_kwh, b.cost_fen) for b in got] == [
            (date(2026, 1, 1), Decimal("1200.5000"), 90000)
        ]
        assert (
            service.pipeline_records(
                session, kind="energy_bills", org_id=org, start=date(2026, 2, 1)
            )
            == []
        )
