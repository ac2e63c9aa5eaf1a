"""回款自动还款 over MQTT: a customer payment into the loan's collection account published as a
business record on ``chanrong/v1/{uscc}/records/payments`` goes through the one ingestion door
(recorded as the enterprise's batch, source ``mqtt``) and repays the instalment at the worker's
next pass, with no other call; the enterprise's outgoing payments arrive the same way and are
checked for fund use. A record message that cannot be read is refused as a batch of its own.
Runs on the real broker (``CHANRONG_TEST_MQTT_PORT``)."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import select

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.jobs.orm import JobRun
from chanrong.lending import service as lending
from chanrong.lending.orm import Alert, Collection
from chanrong.storage.database import Database
from chanrong.telemetry import connectors
from chanrong.telemetry import service as telemetry
from chanrong.telemetry.adapters.mqtt import MqttIngestWorker, WorkerStats
from chanrong.telemetry.adapters.payload import records_topic
from chanrong.telemetry.orm import IngestBatch
from tests.builders import Park
from tests.jobs.test_collections_worker import worker_pass
from tests.lending import builders as lb
from tests.telemetry.conftest import unique

pytestmark = [pytest.mark.mqtt, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def _publish(port: int, messages: list[tuple[str, bytes]]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique("pub"), protocol=mqtt.MQTTv5)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        for topic, body in messages:
            info = client.publish(topic, body, qos=1)
            info.wait_for_publish(timeout=30)
            assert info.is_published()
    finally:
        client.loop_stop()
        client.disconnect()


def _ingest(
    db: Database, settings: Settings, port: int, messages: list[tuple[str, bytes]]
) -> WorkerStats:
    """An ingestion worker taking business records, on its own thread until idle."""
    worker = MqttIngestWorker(
        land=connectors.landing(db, telemetry.open_store(settings)),
        resolve=connectors.resolver(db),
        host="127.0.0.1",
        port=port,
        group=unique("g"),
        client_id=unique("w"),
        flush_seconds=0.05,
        record_kinds=connectors.RECORD_KINDS,
    )
    ready = threading.Event()
    out: list[WorkerStats] = []
    thread = threading.Thread(
        target=lambda: out.append(worker.run(idle_exit=2, on_ready=ready.set))
    )
    thread.start()
    assert ready.wait(20), "worker never subscribed"
    _publish(port, messages)
    thread.join(30)
    assert not thread.is_alive() and out
    return out[0]


def test_a_payment_published_over_mqtt_repays_the_instalment_through_the_worker(
    db: Database, settings: Settings, park: Park, mqtt_port: int
) -> None:
    ent = park["enterprise"]["admin"]
    today = shanghai_date(utcnow())
    with db.unit_of_work() as s:
        officer = lb.principal(s, park["bank"]["officer"])
        loan = lb.active_loan(s, officer, lb.principal(s, ent), start=today - timedelta(days=33))
        first = lending.loan_view(s, officer, loan.id).instalments[0]
        loan_id, account = loan.id, str(loan.collection_account)
        org = identity.find_organisation(s, ent.org_id)
        assert org is not None and org.uscc
        uscc = org.uscc
        governance.grant_consent(
            s,
            lb.principal(s, park["enterprise"]["officer"]),
            grantee_org_id=park["bank"]["officer"].org_id,
            categories=["management"],
            max_grade=2,
            purpose="post_loan_monitoring",
            valid_from=None,
            valid_until=utcnow() + timedelta(days=365),
        )
    owed = first.principal_fen + first.interest_fen
    surplus = 50_000
    payment = {
        "records": [
            {
                "payment_id": "MQTT-PAY-1",
                "invoice_id": "INV-9",
                "paid_date": first.due.isoformat(),
                "amount": f"{(owed + surplus) / 100:.2f}",
                "account": account,
            }
        ]
    }
    outgoing = {
        "records": [
            {
                "payment_id": "MQTT-OUT-1",
                "payee_name": "back home",
                "payee_account": account,
                "paid_date": (today - timedelta(days=32)).isoformat(),
                "amount": "90000.00",
                "channel": "transfer",
            }
        ]
    }
    stats = _ingest(
        db,
        settings,
        mqtt_port,
        [
            (records_topic(uscc, "payments"), json.dumps(payment).encode()),
            (records_topic(uscc, "outgoing_payments"), json.dumps(outgoing).encode()),
            (records_topic(uscc, "payments"), b"not json"),
            (records_topic(uscc, "no_such_kind"), json.dumps(payment).encode()),
        ],
    )
    assert stats.record_messages == 3 and stats.unattributed == 1
    with db.unit_of_work() as s:
        batches = s.scalars(
            select(IngestBatch).where(IngestBatch.org_id == ent.org_id).order_by(IngestBatch.kind)
        ).all()
        got = sorted((b.kind, b.source, b.status, b.rows_accepted) for b in batches)
        assert got == [
            ("outgoing_payments", "mqtt", "accepted", 1),
            ("payments", "mqtt", "accepted", 1),
            ("payments", "mqtt", "rejected", 0),
        ]
        refused = next(b for b in batches if b.status == "rejected")
        assert refused.rejected_by_reason == {"body": 1}
        # Stored, but nothing repaid yet: that is the worker's job.
        officer = lb.principal(s, park["bank"]["officer"])
        assert not lending.loan_view(s, officer, loan_id).instalments[0].settled

    worker_pass(db, settings)

    with db.unit_of_work() as s:
        officer = lb.principal(s, park["bank"]["officer"])
        assert lending.loan_view(s, officer, loan_id).instalments[0].settled
        [row] = s.scalars(select(Collection).where(Collection.loan_id == loan_id)).all()
        assert row.amount_fen == owed + surplus == row.applied_fen + row.released_fen
        assert row.reference == "collect:payment:MQTT-PAY-1" and row.applied_fen >= owed
        runs = {r.name: r for r in s.scalars(select(JobRun).where(JobRun.subject != "*"))}
        assert "1 collected" in (runs["lending.collections_sweep"].detail or "")
        kinds = {a.kind for a in s.scalars(select(Alert).where(Alert.loan_id == loan_id))}
        assert "fund_back_to_borrower" in kinds
