"""A small insured fleet with a known risk story, for the insurance tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pyarrow as pa

from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Member
from tests.telemetry.builders import points

T0 = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 20
HOURS = 24 * DAYS
PROFILE_DAY = date(2026, 9, 21)


def _machine(device: str, *, risky: bool) -> list[pa.Table]:
    """Hourly run states and power. The risky machine also runs at night, draws more than its
    rating, faults ever more often in its last week and once reads 75 °C."""
    local_h = [(h + 8) % 24 for h in range(HOURS)]
    state = np.array([2.0 if 8 <= lh < 20 else 1.0 for lh in local_h])
    if risky:
        state[[i for i, lh in enumerate(local_h) if lh >= 22 or lh < 4]] = 2.0
        for h in range(HOURS - 7 * 24, HOURS, 30):
            state[h : h + 2] = 3.0
        state[100:102] = 3.0
    power = np.where(state == 2, 12.0 if risky else 8.0, 0.5)
    stamps = [T0 + timedelta(hours=h) for h in range(HOURS)]
    out = [
        points(device, "run_state", state, stamps=stamps),
        points(device, "power_kw", power, stamps=stamps),
    ]
    if risky:
        temp = np.full(HOURS, 35.0)
        temp[HOURS - 30] = 75.0
        out.append(points(device, "temperature_c", temp, stamps=stamps))
    return out


def insured_fleet(db: Database, settings: Settings, ent: Member) -> None:
    """Two registered machines (cnc-good, cnc-bad, rated 10 kW) and 20 days of readings."""
    with db.unit_of_work() as s:
        for dev in ("cnc-good", "cnc-bad"):
            telemetry.upsert_device(
                s,
                org_id=ent.org_id,
                device_id=dev,
                kind="cnc",
                rated_kw=10,
                installed_on=date(2018, 1, 1),
            )
        telemetry.ingest_points(
            s,
            telemetry.open_store(settings),
            org_id=ent.org_id,
            source="http",
            batches=[*_machine("cnc-good", risky=False), *_machine("cnc-bad", risky=True)],
        )


def grant_insurer(db: Database, ent: Member, insurer_org_id: str) -> str:
    """The enterprise lets the insurer read its machines, claims and safety risk."""
    with db.unit_of_work() as s:
        g = governance.grant_consent(
            s,
            identity.authenticate_api_key(s, ent.key),
            grantee_org_id=insurer_org_id,
            categories=["production", "external", "management"],
            max_grade=2,
            purpose="insurance_pricing",
            valid_from=None,
            valid_until=datetime.now(UTC) + timedelta(days=30),
        )
        return g.id


def insured_book(db: Database, settings: Settings, ent: Member, insurer: Member) -> dict[str, str]:
    """The whole story, through the services: fleet, consent, a claims-fitted model version
    (from the simulated park's evaluation), quote, bind, a re-rating, a claim and the day's
    safety profile. Returns the ids the pages link to."""
    from decimal import Decimal

    from chanrong.demo.insurance_pricing import evaluate, simulated_book
    from chanrong.insurance import calibration, notices, policies, risk
    from chanrong.insurance import service as insurance

    insured_fleet(db, settings, ent)
    grant_insurer(db, ent, insurer.org_id)
    ev = evaluate(simulated_book(30, seed=7))
    store = telemetry.open_store(settings)
    with db.unit_of_work() as s:
        officer = identity.authenticate_api_key(s, insurer.key)
        insured = identity.authenticate_api_key(s, ent.key)
        calibration.register(
            s,
            officer,
            model=ev.model.to_json(),
            validation=ev.to_json(),
            exposures=ev.train_rows,
            claims=ev.train_claims,
        )
        q = insurance.quote(
            s,
            officer,
            store,
            org_id=ent.org_id,
            base_premium=Decimal("20000.00"),
            start=date(2026, 9, 1),
            end=date(2027, 9, 1),
        )
        p = policies.bind(s, insured, q.id, instalments=4)
        policies.rerate(s, officer, store, p.id, date(2026, 9, 21))
        policies.pay_claim(
            s,
            officer,
            p.id,
            claim_id="CL-1",
            loss_date=date(2026, 9, 18),
            cause="breakdown",
            amount="8800.50",
            device_id="cnc-bad",
        )
        risk.compute_profile(s, store, ent.org_id, PROFILE_DAY)
        notices.queue(s, ent.org_id, notices.day_alerts(s, ent.org_id, PROFILE_DAY))
        notices.deliver(s, ent.org_id)
        alert = next(
            a for a in risk.risk_of(s, officer, ent.org_id).alerts if a.code == "fault_burst"
        )
        return {"policy": p.id, "quote": q.id, "alert": alert.id}
