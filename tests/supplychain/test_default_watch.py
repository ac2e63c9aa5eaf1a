"""Overdue guaranteed payments flagged to the guarantor and the seller once; default
prevention: the guarantor reads the buyer's own records only under the buyer's grant for
``trade_guarantee_monitoring`` (a grant for another purpose does not do), and guarantor and
seller are alerted to what the detectors find (the seller without the buyer's figures)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from fastapi.testclient import TestClient

from chanrong.governance import service as governance
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.supplychain.trade_builders import add_guarantor, confirmed_statement


def _guaranteed(db: Database, park: Park, **kw: object) -> tuple[str, str]:
    with db.unit_of_work() as s:
        add_guarantor(s, park)
        sid = confirmed_statement(s, park, **kw)  # type: ignore[arg-type]
        seller = service.principal_for_org(s, park["enterprise"]["admin"].org_id)
        guarantor = service.principal_for_org(s, park["guarantor"]["admin"].org_id)
        g = service.request_payment_guarantee(s, seller, sid, guarantor_org_id=guarantor.org_id)
        service.accept_payment_guarantee(s, guarantor, g.id, fee_rate_percent=Decimal("0.5"))
        return sid, g.id


def test_an_overdue_guaranteed_payment_is_flagged_to_guarantor_and_seller_once(
    db: Database, park: Park, app_client: TestClient
) -> None:
    sid, gid = _guaranteed(db, park, end=date(2025, 9, 30), payment_days=30)  # due 10-30
    with db.unit_of_work() as s:
        assert gid not in service.overdue_guarantees(s, date(2025, 10, 29))
        assert service.flag_guaranteed_overdue(s, gid, day=date(2025, 10, 29)) is False
        assert gid in service.overdue_guarantees(s, date(2025, 10, 30))
        assert service.flag_guaranteed_overdue(s, gid, day=date(2025, 10, 30)) is True
        assert service.flag_guaranteed_overdue(s, gid, day=date(2025, 10, 31)) is False
        assert gid not in service.overdue_guarantees(s, date(2025, 11, 1))
    for who in ("guarantor", "enterprise"):
        alerts = app_client.get("/trade/alerts", headers=park[who]["viewer"].headers).json()
        assert [(a["kind"], a["params"]["due_on"], a["guarantee_id"]) for a in alerts] == [
            ("payment_overdue", "2025-10-30", gid)
        ]
        assert alerts[0]["log_index"] is not None
    assert app_client.get("/trade/alerts", headers=park["core"]["viewer"].headers).json() == []
    # A guarantee whose statement the buyer paid is not flagged.
    with db.unit_of_work() as s:
        buyer = service.principal_for_org(s, park["core"]["admin"].org_id)
        _sid2 = confirmed_statement(s, park, reference="HT-PAID")
        seller = service.principal_for_org(s, park["enterprise"]["admin"].org_id)
        guarantor = service.principal_for_org(s, park["guarantor"]["admin"].org_id)
        g2 = service.request_payment_guarantee(s, seller, _sid2, guarantor_org_id=guarantor.org_id)
        service.accept_payment_guarantee(s, guarantor, g2.id, fee_rate_percent=Decimal("0"))
        service.record_payment(s, buyer, _sid2)
        assert g2.id not in service.overdue_guarantees(s, date(2026, 1, 1))
        assert service.flag_guaranteed_overdue(s, g2.id, day=date(2026, 1, 1)) is False
    del sid


def _declining_bills(db: Database, org_id: str) -> None:
    """Monthly bills 2023-01 to 2025-02: output falls to 180 in 2025-02 (baseline 400)."""
    rows: list[tuple[int, dict[str, str]]] = []
    month, n = date(2023, 1, 1), 0
    while month <= date(2025, 2, 1):
        n += 1
        output = 1000 if month.month != 2 else 400
        if month >= date(2025, 1, 1):
            output = 450 if month.month == 1 else 180
        rows.append(
            (
                n,
                {
                    "month": month.isoformat(),
                    "electricity_kwh": "50000",
                    "cost": "40000",
                    "output_value": str(output * 100),
                },
            )
        )
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    with db.unit_of_work() as s:
        telemetry.import_records(s, org_id=org_id, kind="energy_bills", rows=rows, source="test")


def _grant(db: Database, park: Park, grantee: str, purpose: str) -> str:
    with db.unit_of_work() as s:
        buyer = service.principal_for_org(s, park["core"]["admin"].org_id)
        return governance.grant_consent(
            s,
            buyer,
            grantee_org_id=park[grantee]["admin"].org_id,
            categories=["management"],
            max_grade=2,
            purpose=purpose,
            valid_from=None,
            valid_until=datetime(2099, 1, 1, tzinfo=UTC),
        ).id


def test_the_buyer_is_watched_only_under_its_consent_for_that_purpose(
    db: Database, park: Park, app_client: TestClient
) -> None:
    c = app_client
    _sid, gid = _guaranteed(db, park)
    _declining_bills(db, park["core"]["admin"].org_id)
    as_of = date(2025, 2, 28)
    with db.unit_of_work() as s:
        assert gid in service.watched_guarantees(s)
        out = service.watch_buyer(s, gid, as_of=as_of)
    assert out is not None and (out.refusal, out.alerts) == ("no_grant", [])
    # A grant for another purpose does not do; one for this purpose does.
    _grant(db, park, "guarantor", "post_loan_monitoring")
    with db.unit_of_work() as s:
        out = service.watch_buyer(s, gid, as_of=as_of)
    assert out is not None and out.refusal == "wrong_purpose"
    assert c.get("/trade/alerts", headers=park["guarantor"]["viewer"].headers).json() == []
    grant_id = _grant(db, park, "guarantor", "trade_guarantee_monitoring")
    with db.unit_of_work() as s:
        out = service.watch_buyer(s, gid, as_of=as_of)
    assert out is not None and out.refusal is None
    assert [(a.kind, a.severity) for a in out.alerts] == [("output_drop", "high")]
    with db.unit_of_work() as s:  # the guarantor's read is in the buyer's access list
        buyer = service.principal_for_org(s, park["core"]["admin"].org_id)
        assert "trade_guarantee_monitoring" in {a.purpose for a in governance.list_access(s, buyer)}
    # Watched again: the open alert is refreshed, not raised twice.
    url = f"/trade/payment-guarantees/{gid}/watch"
    r = c.post(url, json={"as_of": "2025-02-28"}, headers=park["guarantor"]["officer"].headers)
    assert r.status_code == 200, r.text
    assert [a["kind"] for a in r.json()["alerts"]] == ["output_drop"]
    alerts = c.get("/trade/alerts", headers=park["guarantor"]["viewer"].headers).json()
    assert [a["kind"] for a in alerts] == ["output_drop"]
    # The seller is told the kind and the severity, not the buyer's figures.
    told = c.get("/trade/alerts", headers=park["enterprise"]["viewer"].headers).json()
    assert [(a["kind"], a["severity"]) for a in told] == [("output_drop", "high")]
    with db.unit_of_work() as s:
        seller = service.principal_for_org(s, park["enterprise"]["admin"].org_id)
        assert [a.evidence for a in service.trade_alerts(s, seller)] == [{}]
        guarantor = service.principal_for_org(s, park["guarantor"]["admin"].org_id)
        assert service.trade_alerts(s, guarantor)[0].evidence["type"] == "line"
    assert c.post(url, json={}, headers=park["enterprise"]["officer"].headers).status_code == 403
    assert c.post(url, json={}, headers=park["core"]["officer"].headers).status_code == 403
    assert c.post(url, json={}, headers=park["guarantor"]["viewer"].headers).status_code == 403
    assert c.post(url, json={}, headers=park["other_bank"]["officer"].headers).status_code == 404
    r = c.post(url, json={"as_of": "someday"}, headers=park["guarantor"]["officer"].headers)
    assert r.status_code == 422 and r.json()["field"] == "as_of"
    # Revoked: nothing more is read for the guarantor.
    with db.unit_of_work() as s:
        buyer = service.principal_for_org(s, park["core"]["admin"].org_id)
        governance.revoke_consent(s, buyer, grant_id)
        out = service.watch_buyer(s, gid, as_of=as_of)
    assert out is not None and out.refusal == "revoked"
    with db.unit_of_work() as s:
        me = service.principal_for_org(s, park["guarantor"]["admin"].org_id)
        kinds = [e.kind for e in governance.list_log_entries(s, me, limit=1000)]
    # One leaf per party told (the guarantor and the seller), none for the refreshes.
    assert kinds.count("supplychain.guarantee.alert.output_drop") == 2


def test_overdue_recourse_instalments_are_flagged_and_the_buyer_stays_watched(
    db: Database, park: Park, app_client: TestClient
) -> None:
    _sid, gid = _guaranteed(
        db, park, amount_fen=3_000_000, end=date(2025, 9, 30), payment_days=30
    )  # due 10-30
    with db.unit_of_work() as s:
        seller = service.principal_for_org(s, park["enterprise"]["admin"].org_id)
        guarantor = service.principal_for_org(s, park["guarantor"]["admin"].org_id)
        buyer = service.principal_for_org(s, park["core"]["admin"].org_id)
        service.call_payment_guarantee(s, seller, gid, now=datetime(2025, 11, 1, 2, tzinfo=UTC))
        view = service.pay_out(
            s,
            guarantor,
            gid,
            instalments=3,
            first_due_on=date(2025, 12, 1),
            now=datetime(2025, 11, 1, 3, tzinfo=UTC),
        )
        assert view.claim is not None
        claim_id = view.claim.id
        first, second, third = (r.id for r in view.instalments)
        assert [r.due_on for r in view.instalments] == [
            date(2025, 12, 1),
            date(2025, 12, 31),
            date(2026, 1, 30),
        ]
        # Paid out, the claim open: the guarantor keeps watching the buyer.
        assert gid in service.watched_guarantees(s)
        assert service.overdue_instalments(s, date(2025, 11, 30)) == []
        assert service.flag_recourse_overdue(s, first, day=date(2025, 11, 30)) is False
        assert service.overdue_instalments(s, date(2025, 12, 1)) == [first]
        assert service.flag_recourse_overdue(s, first, day=date(2025, 12, 1)) is True
        assert service.flag_recourse_overdue(s, first, day=date(2025, 12, 2)) is False
        assert service.overdue_instalments(s, date(2025, 12, 2)) == []
    for who in ("guarantor", "core"):
        alerts = app_client.get("/trade/alerts", headers=park[who]["viewer"].headers).json()
        assert [
            (a["kind"], a["params"]["position"], a["params"]["overdue_total"]) for a in alerts
        ] == [("recourse_overdue", "1", "10000.00")]
        assert alerts[0]["log_index"] is not None
    # The seller has its money: it is not told about the guarantor's claim.
    assert (
        app_client.get("/trade/alerts", headers=park["enterprise"]["viewer"].headers).json() == []
    )
    with db.unit_of_work() as s:
        # Late, the buyer pays the first and the second instalment: the second is not flagged.
        service.repay_recourse(
            s, buyer, claim_id, amount_fen=2_000_000, now=datetime(2025, 12, 20, 2, tzinfo=UTC)
        )
        assert service.overdue_instalments(s, date(2026, 1, 29)) == []
        assert service.flag_recourse_overdue(s, second, day=date(2026, 1, 29)) is False
        assert service.overdue_instalments(s, date(2026, 1, 30)) == [third]
        assert service.flag_recourse_overdue(s, third, day=date(2026, 1, 30)) is True
        # One alert per party and claim, refreshed with the latest instalment.
        (alert,) = service.trade_alerts(s, guarantor)
        assert (alert.kind, alert.params["position"], alert.evidence["overdue_fen"]) == (
            "recourse_overdue",
            "3",
            1_000_000,
        )
        kinds = [e.kind for e in governance.list_log_entries(s, guarantor, limit=1000)]
        assert kinds.count("supplychain.guarantee.alert.recourse_overdue") == 2
        # Repaid in full: nothing more is flagged and the buyer is no longer watched.
        service.repay_recourse(
            s, buyer, claim_id, amount_fen=1_000_000, now=datetime(2026, 2, 2, 2, tzinfo=UTC)
        )
        assert gid not in service.watched_guarantees(s)
        assert service.watch_buyer(s, gid, as_of=date(2026, 2, 2)) is None
