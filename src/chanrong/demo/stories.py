"""The demo's stories: what each capability does on the loaded park, told step by step.

Every story acts through the domain services as the organisation that would act, and returns
what it did so the CLI can print it. A story that cannot run here (no MQTT broker) says why.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.carbon import service as carbon
from chanrong.core.clock import month_start
from chanrong.core.money import format_yuan
from chanrong.core.settings import Settings
from chanrong.demo.device_gateway import SimulatedGateway
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.insurance import service as insurance
from chanrong.leasing import service as leasing
from chanrong.leasing.commands import MqttCommander
from chanrong.leasing.signing import CommandVerifier, load_or_create_signer
from chanrong.telemetry import service as telemetry

ALL_CATEGORIES = ["rd", "production", "operations", "management", "external"]


@dataclass
class Told:
    """A story's lines, in order."""

    title: str
    lines: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)


def grant_institutions(
    session: Session, enterprise_ids: Sequence[str], institutions: dict[str, str]
) -> int:
    """Each enterprise authorises the demo bank, insurer and lessor for their purposes."""
    until = datetime.now(UTC) + timedelta(days=365)
    plan = [
        ("bank", "credit_assessment", ALL_CATEGORIES, 2),
        ("bank", "post_loan_monitoring", ALL_CATEGORIES, 2),
        ("bank", "supply_chain_finance", ["management", "external"], 2),
        ("insurer", "insurance_pricing", ["production", "external"], 2),
        ("lessor", "leasing_billing", ["production"], 2),
    ]
    n = 0
    for org_id in enterprise_ids:
        owner = identity.system_principal(session, org_id)
        for who, purpose, cats, grade in plan:
            governance.grant_consent(
                session,
                owner,
                grantee_org_id=institutions[who],
                categories=cats,
                max_grade=grade,
                purpose=purpose,
                valid_from=None,
                valid_until=until,
                note="demo",
            )
            n += 1
    return n


def carbon_story(session: Session, months: Sequence[date], featured_org: str) -> Told:
    told = Told("碳效码 carbon-efficiency codes")
    for m in months:
        rows = carbon.assess_month_as_pipeline(session, m)
        counts = {g: sum(r.grade == g for r in rows) for g in range(1, 6)}
        told.say(f"{m:%Y-%m}: {len(rows)} firms graded {counts}")
    grade = carbon.latest_grade(session, featured_org)
    told.say(f"featured firm's latest grade: {grade} (1 = most efficient)")
    return told


def _broker_up(settings: Settings) -> bool:
    try:
        socket.create_connection((settings.mqtt_host, settings.mqtt_port), timeout=1).close()
        return True
    except OSError:
        return False


def leasing_story(
    session: Session,
    settings: Settings,
    *,
    lessor_org: str,
    lessee_org: str,
    lessee_uscc: str,
    device_id: str,
    today: date,
) -> Told:
    """A sewing machine leased per stitch: two months billed, the first unpaid past grace,
    the device locked over MQTT, then paid and unlocked."""
    told = Told("按需付费租赁 usage-based leasing and remote lock")
    lessor = identity.system_principal(session, lessor_org)
    store = telemetry.open_store(settings)
    first, second = month_start(today, -2), month_start(today, -1)
    start = month_start(today, -6)
    # The park's history is simulated: the lease was proposed and accepted the day it began.
    signed = datetime(start.year, start.month, start.day, 2, tzinfo=UTC)
    leasing.register_asset(
        session,
        lessor,
        lessee_org_id=lessee_org,
        device_id=device_id,
        relation="owns",
        reference=f"DEMO-{device_id}",
    )
    contract = leasing.create_contract(
        session,
        lessor,
        now=signed,
        lessee_org_id=lessee_org,
        device_id=device_id,
        unit="stitches",
        price_per_unit=Decimal("0.0002"),
        minimum_charge=Decimal("50"),
        cost=Decimal("48000"),
        design_life_units=2_000_000_000,
        start_date=start,
        end_date=month_start(today, 30),
        grace_days=5,
    )
    leasing.accept_contract(
        session, identity.system_principal(session, lessee_org), contract.id, now=signed
    )
    told.say(f"lessor leases {device_id} at ¥0.0002 per stitch, ¥50 monthly minimum")
    bills = [leasing.issue_bill(session, lessor, store, contract.id, m) for m in (first, second)]
    for b in bills:
        disputed = f", {b.disputed_periods} disputed gap(s)" if b.disputed_periods else ""
        told.say(
            f"bill {b.period:%Y-%m}: {b.usage} stitches → {format_yuan(b.amount_fen)}"
            f" due {b.due_date}{disputed}"
        )
    if not _broker_up(settings):
        told.say(
            f"MQTT broker not reachable on {settings.mqtt_host}:{settings.mqtt_port}: "
            "remote lock skipped (make demo starts Mosquitto)"
        )
        return told
    signer = load_or_create_signer(settings.var_dir)
    gateway = SimulatedGateway(
        settings.mqtt_port,
        lessee_uscc,
        device_id,
        host=settings.mqtt_host,
        verifier=CommandVerifier(signer.public_key, lessee_uscc, device_id),
    )
    try:
        commander = MqttCommander(settings.mqtt_host, settings.mqtt_port, signer=signer)
        e = leasing.enforce(session, lessor, commander, contract.id, today)
        if e.command:
            told.say(
                f"arrears {format_yuan(e.overdue_fen)} past grace → {e.command.command} "
                f"sent, device {e.command.status}; contract {e.contract.state}"
            )
        for b in bills:
            leasing.record_payment(session, lessor, b.id, Decimal(b.amount_fen) / 100)
        told.say("lessee pays both bills")
        e = leasing.enforce(session, lessor, commander, contract.id, today)
        if e.command:
            told.say(
                f"arrears settled → {e.command.command} sent, device {e.command.status}; "
                f"contract {e.contract.state}"
            )
        told.say(f"the device gateway received: {[c['command'] for c in gateway.received]}")
    finally:
        gateway.close()
    return told


def insurance_story(
    session: Session, settings: Settings, *, insurer_org: str, org_id: str, today: date
) -> Told:
    told = Told("设备保险定价 equipment insurance")
    insurer = identity.system_principal(session, insurer_org)
    q = insurance.quote(
        session,
        insurer,
        telemetry.open_store(settings),
        org_id=org_id,
        base_premium=Decimal("20000"),
        start=month_start(today, -3),
        end=month_start(today, 0),
    )
    told.say(
        f"quality index {q.index} (band {q.band}) → multiplier {q.multiplier}: "
        f"base ¥20,000.00 → premium {format_yuan(q.premium_fen)}"
    )
    worst = sorted(q.devices, key=lambda d: float(d["index"]))[:2]
    for d in worst:
        told.say(
            f"  weakest machine {d['device_id']}: index {d['index']}, "
            f"{d['failure_rate_per_kh']} failures per 1,000 h"
        )
    return told
