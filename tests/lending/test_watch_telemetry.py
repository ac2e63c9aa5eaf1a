"""End to end on a simulated park: a deteriorating borrower's machines raise a telemetry alert,
with its evidence and logged reads, before its loan goes delinquent; without the borrower's
monitoring grant nothing is read."""

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
from chanrong.demo.monitoring_evaluation import evaluate_park, simulate_with_telemetry
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
    """A firm of the park whose machines warned before it defaulted, with its telemetry."""

    uscc: str
    alert_on: date
    default_on: date
    devices: dict[str, str]  # device id → kind
    points: pa.Table


@pytest.fixture(scope="module")
def borrower() -> Borrower:
    data = simulate_with_telemetry(PARK)
    firms = evaluate_park(data)
    picked = next(
        f
        for f in firms
        if f.default_date is not None
        and f.telemetry is not None
        and f.telemetry + timedelta(days=20) < f.default_date
        # Not on the first day watched: the day before must be judged too.
        and f.telemetry > add_months(PARK.start, 8) + timedelta(days=1)
    )
    assert picked.telemetry is not None and picked.default_date is not None
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
    return Borrower(picked.uscc, picked.telemetry, picked.default_date, devices, table.filter(keep))


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
            categories=["production", "management"],
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
        assert [a.kind for a in before.alerts] == []
        result = lending.watch_loan(s, officer, loans["bank"], as_of=borrower.alert_on, store=store)
        assert result.telemetry is lending.TelemetryRead.READ
        (alert,) = [a for a in result.alerts if a.kind == "equipment_slowdown"]
        assert alert.detected_on == borrower.alert_on < borrower.default_on
        ev = alert.evidence
        assert ev["type"] == "daily" and ev["triggered"][-1] == borrower.alert_on.isoformat()
        assert {x["signal"] for x in ev["signals"]} == {
            "running_hours",
            "utilisation",
            "energy_per_unit",
        }
        hours = next(x for x in ev["signals"] if x["signal"] == "running_hours")
        assert any(p["value"] is not None and p["baseline"] is not None for p in hours["series"])
        # The evidence names each dataset read and its entry in the verifiable log.
        reads = {r["dataset"]: r["log_index"] for r in ev["reads"]}
        assert set(reads) == {"telemetry.energy", "telemetry.equipment"}
        logged = governance.list_access(s, firm_of(s, firm_id), firm_id)
        assert {a.dataset for a in logged} >= {"telemetry.energy", "telemetry.equipment"}
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
