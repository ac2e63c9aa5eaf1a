"""End to end on a simulated park: a deteriorating borrower's machines, orders, own
payables and receivables raise the daily warning on the very day the evaluation's replay
does, with its evidence and logged reads, before its loan goes delinquent; without the
borrower's monitoring grant nothing is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from sqlalchemy.orm import Session

from chanrong.core.errors import ConsentRequired
from chanrong.demo.monitoring_evaluation import evaluate_park
from chanrong.demo.monitoring_parks import simulate_with_telemetry
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending
from chanrong.lending.schedule import add_months
from chanrong.lending.telemetry_detectors import DEVICE_KINDS, METRICS
from chanrong.simulate import ParkConfig, iter_telemetry, plan_park
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.store import TelemetryStore
from tests.builders import Park
from tests.lending.builders import principal, product

PARK = ParkConfig(enterprises=40, months=18, interval_minutes=240, seed=41, deteriorating_share=0.5)


@dataclass(frozen=True)
class Borrower:
    """A firm of the park whose daily warning came before it defaulted, with its telemetry,
    its orders and its suppliers' invoices to it and its payments on them."""

    uscc: str
    alert_on: date
    default_on: date
    devices: dict[str, str]  # device id → kind
    points: pa.Table
    orders: list[dict[str, object]]
    supplier_invoices: dict[str, list[dict[str, object]]]  # supplier USCC → rows
    supplier_payments: dict[str, list[dict[str, object]]]
    invoices: list[dict[str, object]]  # the invoices it issued (its receivables)
    received: list[dict[str, object]]  # its customers' payments on them
    cloud: list[dict[str, object]]  # its daily cloud usage


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


@pytest.fixture(scope="module")
def borrower() -> Borrower:
    data = simulate_with_telemetry(PARK)
    firms = evaluate_park(data)
    invoices = data.tables.invoices.to_pylist()
    picked = next(
        f
        for f in firms
        if f.default_date is not None
        and f.daily is not None
        and f.daily + timedelta(days=20) < f.default_date
        # Not on the first day watched: the day before must be judged too.
        and f.daily > add_months(PARK.start, 8) + timedelta(days=1)
        # Its own payables count: it buys from suppliers on the platform.
        and any(i["buyer_uscc"] == f.uscc for i in invoices)
    )
    assert picked.daily is not None and picked.default_date is not None
    firm = next(f for f in plan_park(PARK).firms if f.uscc == picked.uscc)
    devices = {d.device_id: d.kind for d in firm.devices if d.kind in DEVICE_KINDS}
    parts = []
    for chunk in iter_telemetry(PARK):
        if chunk.uscc == picked.uscc:
            parts.append(pa.Table.from_batches([chunk.batch]))
        elif parts:
            break  # firm by firm: its months are done
    table = pa.concat_tables(parts)
    keep = pc.and_(
        pc.is_in(table.column("device_id"), value_set=pa.array(sorted(devices))),
        pc.is_in(table.column("metric"), value_set=pa.array(METRICS)),
    )
    orders = [
        {
            "order_id": o["order_id"],
            "buyer_uscc": o["buyer_uscc"],
            "buyer_name": o["buyer_name"],
            "order_date": o["order_date"].isoformat(),
            "amount": _yuan(o["amount_fen"]),
        }
        for o in data.tables.orders.to_pylist()
        if o["seller_uscc"] == picked.uscc
    ]
    mine = [i for i in invoices if i["buyer_uscc"] == picked.uscc]
    by_supplier: dict[str, list[dict[str, object]]] = {}
    for i in mine:
        by_supplier.setdefault(i["seller_uscc"], []).append(
            {
                "invoice_id": i["invoice_id"],
                "buyer_uscc": i["buyer_uscc"],
                "buyer_name": i["buyer_name"],
                "issue_date": i["issue_date"].isoformat(),
                "due_date": i["due_date"].isoformat(),
                "amount": _yuan(i["amount_fen"]),
            }
        )
    issued = [
        {
            "invoice_id": i["invoice_id"],
            "buyer_uscc": i["buyer_uscc"],
            "buyer_name": i["buyer_name"],
            "issue_date": i["issue_date"].isoformat(),
            "due_date": i["due_date"].isoformat(),
            "amount": _yuan(i["amount_fen"]),
        }
        for i in invoices
        if i["seller_uscc"] == picked.uscc
    ]
    received = [
        {
            "payment_id": p["payment_id"],
            "invoice_id": p["invoice_id"],
            "payer_uscc": p["payer_uscc"],
            "paid_date": p["paid_date"].isoformat(),
            "amount": _yuan(p["amount_fen"]),
        }
        for p in data.tables.payments.to_pylist()
        if p["payee_uscc"] == picked.uscc
    ]
    paid: dict[str, list[dict[str, object]]] = {}
    for p in data.tables.payments.to_pylist():
        if p["payer_uscc"] == picked.uscc:
            paid.setdefault(p["payee_uscc"], []).append(
                {
                    "payment_id": p["payment_id"],
                    "invoice_id": p["invoice_id"],
                    "payer_uscc": p["payer_uscc"],
                    "paid_date": p["paid_date"].isoformat(),
                    "amount": _yuan(p["amount_fen"]),
                }
            )
    assert data.extra is not None
    cloud = [
        {
            "day": c["day"].isoformat(),
            "compute_hours": str(c["compute_hours"]),
            "api_calls": str(c["api_calls"]),
            "storage_gb": str(c["storage_gb"]),
        }
        for c in data.extra["cloud_usage"].to_pylist()
        if c["uscc"] == picked.uscc
    ]
    return Borrower(
        picked.uscc,
        picked.daily,
        picked.default_date,
        devices,
        table.filter(keep),
        orders,
        by_supplier,
        paid,
        issued,
        received,
        cloud,
    )


def _load(session: Session, org_id: str, kind: str, rows: list[dict[str, object]]) -> None:
    report = telemetry.import_records(
        session, org_id=org_id, kind=kind, rows=enumerate(rows, start=1), source="test"
    )
    assert report.ok, report


def _member(session: Session, org_id: str) -> Principal:
    user = identity.create_user(session, org_id=org_id, username="cfo", roles=["officer"])
    org = identity.find_organisation(session, org_id)
    assert org is not None
    return identity.principal_of(user, org)


def test_the_machines_warn_before_the_loan_goes_delinquent_and_only_under_consent(
    db: Database, park: Park, tmp_path: Path, borrower: Borrower
) -> None:
    store = TelemetryStore(tmp_path / "telemetry")
    loan_start = borrower.alert_on - timedelta(days=40)
    with db.unit_of_work() as s:
        org = identity.create_organisation(
            s, name="走弱的工厂", kind="enterprise", uscc=borrower.uscc
        )
        firm = _member(s, org.id)
        for device_id, kind in borrower.devices.items():
            telemetry.register_device(s, firm, org_id=org.id, device_id=device_id, kind=kind)
        store.write(org.id, borrower.points, durable=False)
        _load(s, org.id, "orders", borrower.orders)
        _load(s, org.id, "invoices", borrower.invoices)
        _load(s, org.id, "payments", borrower.received)
        _load(s, org.id, "cloud_usage", borrower.cloud)
        # Its suppliers on the platform hold the invoices they issued it and its payments.
        for n, (uscc, rows) in enumerate(sorted(borrower.supplier_invoices.items())):
            supplier = identity.create_organisation(
                s, name=f"供应商{n + 1}", kind="enterprise", uscc=uscc
            )
            _load(s, supplier.id, "invoices", rows)
            _load(s, supplier.id, "payments", borrower.supplier_payments.get(uscc, []))
        loans = {}
        for name in ("bank", "other_bank"):
            officer = principal(s, park[name]["officer"])
            loan = lending.book_loan(
                s,
                officer,
                product_id=product(s, officer, code=f"EI-{name}").id,
                borrower_org_id=org.id,
                amount=Decimal("300000"),
                term_months=12,
                purpose="raw_materials",
            )
            lending.accept_loan(s, firm, loan.id)
            lending.disburse(s, officer, loan.id, on=loan_start)
            loans[name] = loan.id
        # Only the first bank is granted 贷后监控 over the firm's production and business data.
        governance.grant_consent(
            s,
            firm,
            grantee_org_id=park["bank"]["officer"].org_id,
            categories=["production", "management", "operations"],
            max_grade=2,
            purpose="post_loan_monitoring",
            valid_from=None,
            valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        )
        firm_id = org.id

    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        # The day before the alert, the machines have not yet been off long enough.
        before = lending.watch_loan(
            s, officer, loans["bank"], as_of=borrower.alert_on - timedelta(days=1), store=store
        )
        assert before.telemetry is lending.TelemetryRead.READ
        assert "daily_warning" not in [a.kind for a in before.alerts]
        result = lending.watch_loan(s, officer, loans["bank"], as_of=borrower.alert_on, store=store)
        assert result.telemetry is lending.TelemetryRead.READ
        # The machines' score alone is an input now, not an alert of its own.
        assert "equipment_slowdown" not in [a.kind for a in result.alerts]
        (alert,) = [a for a in result.alerts if a.kind == "daily_warning"]
        assert alert.detected_on == borrower.alert_on < borrower.default_on
        ev = alert.evidence
        assert ev["type"] == "daily" and ev["triggered"][-1] == borrower.alert_on.isoformat()
        assert ev["score"] >= ev["threshold"]
        assert {x["signal"] for x in ev["signals"]} == {
            "running_hours",
            "utilisation",
            "energy_per_unit",
            "orders",
            "payables_late",
            "receivables_late",
            "cloud_compute",
            "idle_share",
        }
        for name in (
            "running_hours",
            "orders",
            "payables_late",
            "receivables_late",
            "cloud_compute",
            "idle_share",
        ):
            sig = next(x for x in ev["signals"] if x["signal"] == name)
            assert any(p["value"] is not None and p["baseline"] is not None for p in sig["series"])
        # Every input of the score, day by day.
        assert set(ev["combined"][-1]) >= {
            "machines",
            "orders",
            "payables_rise",
            "payables_late",
            "receivables_rise",
            "receivables_late",
            "cloud",
            "idle_rise",
        }
        # The evidence names each dataset read and its entry in the verifiable log.
        reads = {r["dataset"]: r["log_index"] for r in ev["reads"]}
        assert set(reads) == {
            "telemetry.energy",
            "telemetry.equipment",
            "business.orders",
            "business.payments",
            "business.invoices",
            "business.cloud_usage",
        }
        logged = governance.list_access(s, firm_of(s, firm_id), firm_id)
        assert {a.dataset for a in logged} >= set(reads)
        assert all(isinstance(i, int) for i in reads.values())

        # The second bank has no grant: nothing is read, nothing logged, no alert.
        other = principal(s, park["other_bank"]["officer"])
        seen = len(governance.list_access(s, firm_of(s, firm_id), firm_id))
        with pytest.raises(ConsentRequired):
            lending.watch_loan(s, other, loans["other_bank"], as_of=borrower.alert_on, store=store)
        assert len(governance.list_access(s, firm_of(s, firm_id), firm_id)) == seen
        assert lending.list_alerts(s, other, loan_id=loans["other_bank"]) == []

    # The firm pays what falls due before its default and nothing after: the loan goes
    # delinquent only after the alert.
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        for row in lending.loan_view(s, officer, loans["bank"]).instalments:
            if row.due < borrower.default_on:
                lending.repay(
                    s,
                    officer,
                    loans["bank"],
                    amount=Decimal(row.principal_fen + row.interest_fen) / 100,
                    paid_on=row.due,
                    reference=f"auto-debit-{row.number}",
                )
        late = borrower.default_on + timedelta(days=40)
        lending.daily_close(s, as_of=late, lender_org_id=officer.org_id)
        view = lending.get_loan(s, officer, loans["bank"])
        assert view.dpd > 0
        first_missed = late - timedelta(days=view.dpd - 1)
        assert borrower.alert_on < first_missed


def firm_of(session: Session, org_id: str) -> Principal:
    """A principal of the borrowing firm (to read its own access list)."""
    user = next(u for u in identity.list_users_unchecked(session, org_id))
    org = identity.find_organisation(session, org_id)
    assert org is not None
    return identity.principal_of(user, org)
