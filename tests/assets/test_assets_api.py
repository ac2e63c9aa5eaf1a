"""The assets domain through its routes: register from the catalog and the log, costs,
valuation and its report, IP, and a pool whose base falls until a margin alert is raised."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chanrong.core.settings import Settings
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from tests.assets.builders import DATASET, catalog_with_reads, credit_line, draw, land
from tests.builders import Park

AS_OF = "2026-06-30"


def _resource(client: TestClient, park: Park) -> dict[str, object]:
    ent = park["enterprise"]["officer"]
    r = client.post("/assets/register/build", headers=ent.headers)
    assert r.status_code == 200, r.text
    return next(x for x in r.json() if x["dataset"] == DATASET)


def _valued(
    client: TestClient, db: Database, park: Park
) -> tuple[dict[str, object], dict[str, object]]:
    ent = park["enterprise"]["officer"]
    catalog_with_reads(db, ent.org_id, park["bank"]["officer"].org_id, reads=10)
    res = _resource(client, park)
    rid = res["id"]
    for kind, amount in (("collection", "30000.00"), ("processing", "20000"), ("research", "5000")):
        r = client.post(
            f"/assets/register/{rid}/costs",
            headers=ent.headers,
            json={
                "kind": kind,
                "amount": amount,
                "incurred_on": "2026-01-15",
                "evidence": f"invoice {kind}",
            },
        )
        assert r.status_code == 201, r.text
    r = client.post(
        f"/assets/register/{rid}/valuations",
        headers=ent.headers,
        json={
            "as_of": AS_OF,
            "business_flows": ["100000", "100000", "100000"],
            "share": "0.10",
        },
    )
    assert r.status_code == 201, r.text
    return res, r.json()


def test_register_counts_consented_reads_from_the_log(
    app_client: TestClient, db: Database, park: Park
) -> None:
    catalog_with_reads(
        db, park["enterprise"]["officer"].org_id, park["bank"]["officer"].org_id, reads=3
    )
    res = _resource(app_client, park)
    assert res["consented_reads"] == 3
    assert len(res["reads_log_indexes"]) == 3
    assert res["quality_score"] == "80.00"
    assert res["grade"] == 2 and res["category"] == "management"


def test_valuation_hand_worked_through_the_api(
    app_client: TestClient, db: Database, park: Park
) -> None:
    """Cost: ¥55,000 × 1.10 × (quality 0.80 × use 0.60 × timeliness 1) = ¥29,040.00.
    Use 0.60 = 0.5 + 0.5 × 10 reads / 50. Income share: 10 % of ¥100,000 for 3 years at 10 %
    = ¥24,868.52. Equal weights: (2,904,000 + 2,486,852) / 2 = 2,695,426 fen."""
    _, v = _valued(app_client, db, park)
    by = {a["approach"]: a["value_fen"] for a in v["approaches"]}
    assert by == {"cost": 2_904_000, "income_share": 2_486_852}
    assert v["value_fen"] == 2_695_426
    assert v["evidence"]["share_source"]["measured"] is False
    assert v["evidence"]["consented_reads"] == 10
    assert {s["assumption"] for s in v["sensitivity"]} == {
        "reasonable_return",
        "quality",
        "use",
        "timeliness",
        "share",
        "discount_rate",
    }
    assert v["accounting"]["treatment"] == "not_recognised"  # purpose not decided yet


def test_report_for_owner_and_not_for_others(
    app_client: TestClient, db: Database, park: Park
) -> None:
    _, v = _valued(app_client, db, park)
    ent = park["enterprise"]["officer"]
    r = app_client.get(f"/assets/valuations/{v['id']}/report.html", headers=ent.headers)
    assert r.status_code == 200
    assert "¥26,954.26" in r.text and f"/console/log/{v['log_index']}" in r.text
    for other in (park["other_enterprise"]["officer"], park["bank"]["officer"]):
        assert (
            app_client.get(
                f"/assets/valuations/{v['id']}/report.html", headers=other.headers
            ).status_code
            == 404
        )
    assert app_client.get(f"/assets/valuations/{v['id']}/report.html").status_code == 401
    pdf = app_client.get(f"/assets/valuations/{v['id']}/report.pdf", headers=ent.headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert (
        app_client.get(
            f"/assets/valuations/{v['id']}/report.pdf",
            headers=park["other_enterprise"]["officer"].headers,
        ).status_code
        == 404
    )


def test_denials_and_bad_input(app_client: TestClient, db: Database, park: Park) -> None:
    res, _ = _valued(app_client, db, park)
    rid = res["id"]
    cost = {"kind": "storage", "amount": "1.00", "incurred_on": "2026-01-01", "evidence": "x"}
    assert (
        app_client.post(
            f"/assets/register/{rid}/costs", json=cost, headers=park["bank"]["officer"].headers
        ).status_code
        == 403
    )
    assert (
        app_client.post(
            f"/assets/register/{rid}/costs", json=cost, headers=park["enterprise"]["viewer"].headers
        ).status_code
        == 403
    )
    assert (
        app_client.post(
            f"/assets/register/{rid}/costs",
            json=cost,
            headers=park["other_enterprise"]["officer"].headers,
        ).status_code
        == 404
    )
    bad = app_client.post(
        f"/assets/register/{rid}/costs",
        headers=park["enterprise"]["officer"].headers,
        json={**cost, "amount": "1.001"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "amount"
    bad = app_client.post(
        f"/assets/register/{rid}/costs",
        headers=park["enterprise"]["officer"].headers,
        json={**cost, "kind": "lunch"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    assert (
        app_client.post(
            "/assets/register/build", headers=park["bank"]["officer"].headers
        ).status_code
        == 403
    )


def test_ip_number_checked_and_valued(app_client: TestClient, park: Park) -> None:
    ent = park["enterprise"]["officer"]
    body = {
        "kind": "invention_patent",
        "number": "201710601862.4",
        "title": "伺服压机控制方法",
        "owner_name": "enterprise",
        "filed_on": "2017-07-20",
        "fees_paid_until": "2026-07-19",
    }
    r = app_client.post("/assets/ip", json=body, headers=ent.headers)
    assert r.status_code == 422 and r.json()["field"] == "number"
    r = app_client.post(
        "/assets/ip", json={**body, "number": "ZL201710601862.3"}, headers=ent.headers
    )
    assert r.status_code == 201, r.text
    ip = r.json()
    assert ip["expires_on"] == "2037-07-20"
    again = app_client.post(
        "/assets/ip", json={**body, "number": "201710601862.3"}, headers=ent.headers
    )
    assert again.status_code == 409
    r = app_client.post(
        f"/assets/ip/{ip['id']}/valuations",
        headers=ent.headers,
        json={
            "as_of": AS_OF,
            "revenues": ["1000000"] * 3,
            "royalty_rate": "0.05",
            "tax_rate": "0.25",
            "discount_rate": "0.10",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["value_fen"] == 9_325_695  # the hand-worked RFR example, 3 years in force
    assert r.json()["evidence"]["remaining_life_years"] == 11
    html = app_client.get(f"/assets/valuations/{r.json()['id']}/report.html", headers=ent.headers)
    assert "201710601862.3" in html.text and "许可费节省法" in html.text
    en = app_client.get(
        f"/assets/valuations/{r.json()['id']}/report.html",
        headers={**ent.headers, "Accept-Language": "en"},
    )
    assert "Relief from royalty" in en.text


def test_pool_margin_alert_and_no_double_pledge(
    app_client: TestClient, db: Database, park: Park, settings: Settings
) -> None:
    ent, bank, other_bank = (
        park["enterprise"]["officer"],
        park["bank"]["officer"],
        park["other_bank"]["officer"],
    )
    res, v = _valued(app_client, db, park)
    land(
        db,
        ent.org_id,
        "receivables",
        [
            {
                "receivable_id": "R1",
                "debtor_name": "甲",
                "due_date": "2026-06-20",
                "amount": "100000",
                "outstanding": "100000",
            },
            {
                "receivable_id": "R2",
                "debtor_name": "乙",
                "due_date": "2026-06-25",
                "amount": "100000",
                "outstanding": "100000",
            },
            {
                "receivable_id": "R3",
                "debtor_name": "丙",
                "due_date": "2026-06-28",
                "amount": "100000",
                "outstanding": "100000",
            },
        ],
    )
    # Opening pools: banks only.
    assert (
        app_client.post(
            "/assets/pools",
            json={"enterprise_org_id": ent.org_id, "limit": "500000"},
            headers=ent.headers,
        ).status_code
        == 403
    )
    pool = app_client.post(
        "/assets/pools",
        json={"enterprise_org_id": ent.org_id, "limit": "500000"},
        headers=bank.headers,
    ).json()
    pool2 = app_client.post(
        "/assets/pools",
        json={"enterprise_org_id": ent.org_id, "limit": "1000"},
        headers=other_bank.headers,
    ).json()
    for ref in ("R1", "R2", "R3"):
        r = app_client.post(
            f"/assets/pools/{pool['id']}/pledges",
            headers=ent.headers,
            json={"asset_type": "receivable", "asset_ref": ref, "on": AS_OF},
        )
        assert r.status_code == 201, r.text
    r = app_client.post(
        f"/assets/pools/{pool['id']}/pledges",
        headers=ent.headers,
        json={"asset_type": "data", "asset_ref": res["id"], "on": AS_OF},
    )
    assert r.status_code == 201, r.text
    receipt = {
        "asset_type": "warehouse_receipt",
        "asset_ref": "88.608.8889/WR-0001",
        "declared_value": "50000",
        "reference_date": "2026-06-01",
        "on": AS_OF,
    }
    assert (
        app_client.post(
            f"/assets/pools/{pool['id']}/pledges", json=receipt, headers=ent.headers
        ).status_code
        == 201
    )
    twice = app_client.post(
        f"/assets/pools/{pool2['id']}/pledges", json=receipt, headers=ent.headers
    )
    assert twice.status_code == 409 and twice.json()["field"] == "asset_ref"
    bad = app_client.post(
        f"/assets/pools/{pool['id']}/pledges",
        headers=ent.headers,
        json={**receipt, "asset_ref": "WR-0002"},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "asset_ref"

    rv = app_client.post(
        f"/assets/pools/{pool['id']}/revalue", json={"as_of": AS_OF}, headers=bank.headers
    ).json()
    # Receivables 3 × ¥100,000 × 0.8 × 0.9 (1–30 days past due) = ¥216,000; data ¥26,954.26 ×
    # 0.3 × quality 0.83 = 0.5 + 0.5 × 20/30 → ¥6,738.56; receipt ¥50,000 × 0.7 = ¥35,000.
    assert rv["gross_fen"] == 30_000_000 + v["value_fen"] + 5_000_000
    base = rv["base_fen"]
    assert base > 0 and rv["available_fen"] == base
    # The pool secures a lending credit line; its drawn balance is what lending has lent on it.
    line_id = credit_line(app_client, bank.headers, ent.org_id, limit="800000")
    link = {"line_id": line_id, "as_of": AS_OF}
    assert (
        app_client.put(f"/assets/pools/{pool['id']}/line", json=link, headers=ent.headers)
    ).status_code == 403
    other_line = credit_line(app_client, other_bank.headers, ent.org_id, limit="100000")
    r = app_client.put(
        f"/assets/pools/{pool['id']}/line",
        json={**link, "line_id": other_line},
        headers=bank.headers,
    )
    assert r.status_code == 404 and r.json()["field"] == "line_id"  # another bank's line
    r = app_client.put(f"/assets/pools/{pool['id']}/line", json=link, headers=bank.headers)
    assert r.status_code == 200, r.text
    assert r.json()["limit_fen"] == 80_000_000 and r.json()["drawn_fen"] == 0
    r = app_client.put(f"/assets/pools/{pool['id']}/line", json=link, headers=bank.headers)
    assert r.status_code == 409 and r.json()["field"] == "line_id"
    r = app_client.put(f"/assets/pools/{pool2['id']}/line", json=link, headers=bank.headers)
    assert r.status_code in (404, 409)  # pool2 is another bank's pool: not this bank's to link
    draw(app_client, ent.headers, line_id, amount="120000", on="2026-06-30")
    draw(app_client, ent.headers, line_id, amount="80000", on="2026-06-30")
    rv = app_client.post(
        f"/assets/pools/{pool['id']}/revalue", json={"as_of": AS_OF}, headers=bank.headers
    ).json()
    assert rv["drawn_fen"] == 20_000_000 and rv["available_fen"] == max(0, base - 20_000_000)
    assert app_client.get("/assets/alerts", headers=bank.headers).json() == []

    # Two receivables are paid: the evidence changes and the worker's revaluation alerts.
    land(
        db,
        ent.org_id,
        "receivables",
        [
            {
                "receivable_id": r_,
                "debtor_name": "甲",
                "due_date": "2026-06-20",
                "amount": "100000",
                "outstanding": "0",
            }
            for r_ in ("R1", "R2")
        ],
    )
    jobs = catalog.load(settings)
    outcomes = run_manually(
        db, settings, jobs, "assets.revalue_pools", subject=pool["id"], period="2026-07-01"
    )
    assert [o.status for o in outcomes] == ["succeeded"], outcomes
    alerts = app_client.get("/assets/alerts", headers=bank.headers).json()
    assert len(alerts) == 1 and alerts[0]["status"] == "open"
    assert alerts[0]["shortfall_fen"] == 20_000_000 - alerts[0]["base_fen"]
    assert app_client.get("/assets/alerts", headers=ent.headers).json()[0]["id"] == alerts[0]["id"]
    assert alerts[0]["drawn_fen"] == 20_000_000 and alerts[0]["line_id"] == line_id
    # The bank acknowledges it (logged, once); the enterprise cannot.
    ack = f"/assets/alerts/{alerts[0]['id']}/acknowledge"
    assert app_client.post(ack, headers=ent.headers).status_code == 403
    r = app_client.post(ack, headers=bank.headers)
    assert r.status_code == 200, r.text
    assert r.json()["acknowledged_at"] and r.json()["ack_log_index"] > alerts[0]["log_index"]
    assert app_client.post(ack, headers=bank.headers).status_code == 409
    assert app_client.get("/assets/alerts", headers=other_bank.headers).json() == []
    assert (
        app_client.get(f"/assets/pools/{pool['id']}", headers=other_bank.headers).status_code == 404
    )
    # The bank may read the pledged data asset's valuation report now; the other bank not.
    assert (
        app_client.get(
            f"/assets/valuations/{v['id']}/report.html", headers=bank.headers
        ).status_code
        == 200
    )
    assert (
        app_client.get(
            f"/assets/valuations/{v['id']}/report.html", headers=other_bank.headers
        ).status_code
        == 404
    )
    # The enterprise may not release what keeps the line covered; the bank may, logged.
    pledges = app_client.get(f"/assets/pools/{pool['id']}/pledges", headers=ent.headers).json()
    receipt_pledge = next(p for p in pledges if p["asset_type"] == "warehouse_receipt")
    r = app_client.post(
        f"/assets/pools/{pool['id']}/pledges/{receipt_pledge['id']}/release",
        json={"on": "2026-07-01"},
        headers=ent.headers,
    )
    assert r.status_code == 409 and r.json()["field"] == "pledge_id"
    r = app_client.post(
        f"/assets/pools/{pool['id']}/pledges/{receipt_pledge['id']}/release",
        json={"on": "2026-07-01"},
        headers=bank.headers,
    )
    assert r.status_code == 200 and r.json()["release_log_index"] is not None
    # Released, the receipt may back the other bank's pool.
    assert (
        app_client.post(
            f"/assets/pools/{pool2['id']}/pledges", json=receipt, headers=ent.headers
        ).status_code
        == 201
    )


def test_measured_share_and_missing_quality(
    app_client: TestClient, db: Database, park: Park
) -> None:
    """A share measured from a model's lift (AUC 0.80 / 0.74 / 0.5 → 20 %) is marked measured;
    a dataset without a quality score needs a stated assumption (422 naming it)."""
    res, _ = _valued(app_client, db, park)
    ent = park["enterprise"]["officer"]
    lift = {
        "metric": "auc",
        "with_data": "0.80",
        "without_data": "0.74",
        "baseline": "0.5",
        "source": "scorecard sme-operating@1 on the 2025 test set",
    }
    r = app_client.post(
        f"/assets/register/{res['id']}/valuations",
        headers=ent.headers,
        json={"as_of": AS_OF, "business_flows": ["100000"] * 3, "lift": lift},
    )
    assert r.status_code == 201, r.text
    share = next(a for a in r.json()["approaches"] if a["approach"] == "income_share")
    assert share["measured"] == ["share"] and share["assumptions"]["share"] == "0.2"
    assert share["value_fen"] == 2 * 2_486_852  # twice the 10 % share's value
    other = next(
        x
        for x in app_client.get("/assets/register", headers=ent.headers).json()
        if x["quality_score"] is None
    )
    app_client.post(
        f"/assets/register/{other['id']}/costs",
        headers=ent.headers,
        json={
            "kind": "storage",
            "amount": "100",
            "incurred_on": "2026-01-01",
            "evidence": "cloud bill",
        },
    )
    r = app_client.post(
        f"/assets/register/{other['id']}/valuations", headers=ent.headers, json={"as_of": AS_OF}
    )
    assert r.status_code == 422 and r.json()["field"] == "quality_assumed"
    r = app_client.post(
        f"/assets/register/{other['id']}/valuations",
        headers=ent.headers,
        json={"as_of": AS_OF, "quality_assumed": "0.7"},
    )
    assert r.status_code == 201
    assert r.json()["evidence"]["quality_source"] == "assumption"


def test_ip_pledge_registration_states_and_lapse(app_client: TestClient, park: Park) -> None:
    """Pledged into a pool, a patent's registration is registered; the bank enforces it (the
    enterprise may not); another is released; a patent whose fees lapse lends nothing."""
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    pool = app_client.post(
        "/assets/pools",
        json={"enterprise_org_id": ent.org_id, "limit": "1000000"},
        headers=bank.headers,
    ).json()
    ids = []
    for number in ("201710601862.3", "95115608.X"):
        body = {
            "kind": "invention_patent",
            "number": number,
            "title": "t",
            "owner_name": "o",
            "filed_on": "2017-07-20" if number.startswith("2017") else "1995-11-01",
            "fees_paid_until": "2026-12-31",
        }
        ip = app_client.post("/assets/ip", json=body, headers=ent.headers).json()
        r = app_client.post(
            f"/assets/ip/{ip['id']}/valuations",
            headers=ent.headers,
            json={"as_of": AS_OF, "revenues": ["1000000"] * 3, "royalty_rate": "0.05"},
        )
        ids.append(ip["id"])
    # The 1995 patent expired in 2015: valued at nothing, and refused as a pledge.
    assert (
        r.json()["value_fen"] == 0 and r.json()["evidence"]["status_on_valuation_day"] == "expired"
    )
    refused = app_client.post(
        f"/assets/pools/{pool['id']}/pledges",
        headers=ent.headers,
        json={"asset_type": "ip", "asset_ref": ids[1], "on": AS_OF},
    )
    assert refused.status_code == 409 and refused.json()["field"] == "asset_ref"
    p = app_client.post(
        f"/assets/pools/{pool['id']}/pledges",
        headers=ent.headers,
        json={
            "asset_type": "ip",
            "asset_ref": ids[0],
            "on": AS_OF,
            "registration_no": "Y2026980000123",
        },
    ).json()
    regs = app_client.get(f"/assets/ip/{ids[0]}/pledges", headers=ent.headers).json()
    assert [(g["state"], g["registration_no"]) for g in regs] == [("registered", "Y2026980000123")]
    # Fees unpaid past the grace period: the right has lapsed by 2027-07-01 and lends nothing.
    rv = app_client.post(
        f"/assets/pools/{pool['id']}/revalue", json={"as_of": "2027-07-01"}, headers=bank.headers
    ).json()
    assert rv["lines"][0]["reasons"] == ["not_in_force"] and rv["base_fen"] == 0
    assert (
        app_client.post(
            f"/assets/pools/{pool['id']}/pledges/{p['id']}/enforce",
            json={"on": "2027-07-02"},
            headers=ent.headers,
        ).status_code
        == 403
    )
    r = app_client.post(
        f"/assets/pools/{pool['id']}/pledges/{p['id']}/enforce",
        json={"on": "2027-07-02"},
        headers=bank.headers,
    )
    assert r.status_code == 200 and r.json()["status"] == "enforced"
    regs = app_client.get(f"/assets/ip/{ids[0]}/pledges", headers=ent.headers).json()
    assert regs[0]["state"] == "enforced" and regs[0]["close_log_index"] is not None
    again = app_client.post(
        f"/assets/pools/{pool['id']}/pledges/{p['id']}/release",
        json={"on": "2027-07-03"},
        headers=bank.headers,
    )
    assert again.status_code == 409
