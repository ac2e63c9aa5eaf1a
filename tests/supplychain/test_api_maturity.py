"""After maturity over HTTP: overdue lists, recourse, exposure limits, a late settlement, and
each route's denials (403 for a wrong kind or role, 404 for what the caller may not see, 4xx
naming the field on bad input)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.supplychain.certificates import DayCount
from tests.builders import Park


def _problem(r: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    if field is not None:
        assert body["field"] == field, body
    return body


def _overdue_financed(db: Database, park: Park, *, recourse: bool, n: int) -> tuple[str, str]:
    """A payable issued 100 days ago, matured 10 days ago, financed by the supplier with the
    bank (with or without recourse) and marked overdue: (payable id, bank certificate id)."""
    then = utcnow() - timedelta(days=100)
    matured: date = shanghai_date(utcnow()) - timedelta(days=10)
    sup, core, bank = (park[k]["admin"].org_id for k in ("enterprise", "core", "bank"))
    with db.unit_of_work() as s:
        p = service.submit_payable(
            s,
            service.principal_for_org(s, sup),
            core_org_id=core,
            amount_fen=40_000_000,
            maturity_date=matured,
            contract_ref="HT",
            invoice_ref=f"OD-{n}",
            now=then,
        )
        root = service.confirm_payable(s, service.principal_for_org(s, core), p.id, now=then)
        fin = service.request_financing(
            s, service.principal_for_org(s, sup), root.id, bank_org_id=bank, now=then
        )
        service.quote_financing(
            s,
            service.principal_for_org(s, bank),
            fin.id,
            annual_rate_percent=Decimal("4"),
            day_count=DayCount.ACT_360,
            recourse=recourse,
            now=then,
        )
        done = service.accept_financing(s, service.principal_for_org(s, sup), fin.id, now=then)
        assert done.bank_certificate_id is not None
        assert service.mark_overdue(s, done.bank_certificate_id, day=matured) is True
        return p.id, done.bank_certificate_id


def test_overdue_recourse_and_late_settlement(
    app_client: TestClient, park: Park, db: Database
) -> None:
    c = app_client
    sup, core, bank, other_bank = (
        park["enterprise"],
        park["core"],
        park["bank"],
        park["other_bank"],
    )
    pid, bank_cert = _overdue_financed(db, park, recourse=True, n=1)
    _, no_recourse = _overdue_financed(db, park, recourse=False, n=2)

    def overdue_ids(who: Any) -> set[str]:
        r = c.get("/supplychain/overdue", headers=who.headers)
        assert r.status_code == 200, r.text
        return {x["id"] for x in r.json()}

    assert overdue_ids(core["viewer"]) == {bank_cert, no_recourse}
    assert overdue_ids(bank["viewer"]) == {bank_cert, no_recourse}
    assert overdue_ids(sup["viewer"]) == {bank_cert, no_recourse}  # the seller, for recourse
    assert overdue_ids(other_bank["officer"]) == set()
    assert overdue_ids(park["other_enterprise"]["officer"]) == set()
    got = c.get("/supplychain/overdue", headers=core["viewer"].headers).json()[0]
    assert got["state"] == "overdue" and got["overdue_since"] is not None
    _problem(c.get("/supplychain/overdue"), 401)

    url = f"/supplychain/certificates/{bank_cert}/recourse"
    _problem(c.post(url), 401)
    _problem(c.post(url, headers=sup["officer"].headers), 403)  # not a bank
    _problem(c.post(url, headers=bank["viewer"].headers), 403)  # not an officer
    _problem(c.post(url, headers=other_bank["officer"].headers), 404)  # not its certificate
    _problem(
        c.post("/supplychain/certificates/nope/recourse", headers=bank["officer"].headers), 404
    )
    body = _problem(
        c.post(
            f"/supplychain/certificates/{no_recourse}/recourse", headers=bank["officer"].headers
        ),
        409,
    )
    assert "without recourse" in body["detail"]
    r = c.post(url, headers=bank["officer"].headers)
    assert r.status_code == 201, r.text
    back = r.json()
    assert (back["holder_org_id"], back["face_value"], back["state"], back["origin"]) == (
        sup["admin"].org_id,
        "400000.00",
        "overdue",
        "recourse",
    )
    _problem(c.post(url, headers=bank["officer"].headers), 409)  # done once
    # The core enterprise pays late: the seller (recourse) and the bank (without) are paid.
    r = c.post(f"/supplychain/payables/{pid}/settle", headers=core["officer"].headers)
    assert r.status_code == 200, r.text
    assert [(x["payee_org_id"], x["amount"]) for x in r.json()] == [
        (sup["admin"].org_id, "400000.00")
    ]
    assert bank_cert not in overdue_ids(core["viewer"])
    with db.unit_of_work() as s:
        assert service.tree_violations(s, pid) == []


def test_exposure_limits_over_http(app_client: TestClient, park: Park, db: Database) -> None:
    c = app_client
    sup, core, bank = park["enterprise"], park["core"], park["bank"]
    url = "/supplychain/exposure-limits"
    body = {"core_org_id": core["admin"].org_id, "limit": "500000.00"}
    _problem(c.post(url, json=body), 401)
    _problem(c.post(url, json=body, headers=sup["officer"].headers), 403)
    _problem(c.post(url, json=body, headers=bank["viewer"].headers), 403)
    _problem(c.post(url, json=body, headers=park["insurer"]["officer"].headers), 403)
    _problem(
        c.post(url, json={**body, "limit": "12.345"}, headers=bank["officer"].headers), 422, "limit"
    )
    _problem(
        c.post(url, json={**body, "limit": "-1"}, headers=bank["officer"].headers), 422, "limit"
    )
    _problem(
        c.post(url, json={**body, "limit": "lots"}, headers=bank["officer"].headers), 422, "limit"
    )
    _problem(
        c.post(
            url, json={**body, "core_org_id": sup["admin"].org_id}, headers=bank["officer"].headers
        ),
        422,
        "core_org_id",
    )
    _problem(c.post(url, json={**body, "extra": 1}, headers=bank["officer"].headers), 422, "extra")
    r = c.post(url, json=body, headers=bank["officer"].headers)
    assert r.status_code == 200, r.text
    assert (r.json()["limit"], r.json()["outstanding"], r.json()["headroom"]) == (
        "500000.00",
        "0.00",
        "500000.00",
    )
    _problem(c.get(url, headers=sup["officer"].headers), 403)
    _problem(c.get(url, headers=park["insurer"]["officer"].headers), 403)
    [row] = c.get(url, headers=bank["viewer"].headers).json()
    assert row["headroom"] == "500000.00"
    assert c.get(url, headers=park["other_bank"]["officer"].headers).json() == []

    # A ¥600,000 certificate offered to the bank: the quote is refused, headroom named.
    then = utcnow() - timedelta(days=1)
    with db.unit_of_work() as s:
        p = service.submit_payable(
            s,
            service.principal_for_org(s, sup["admin"].org_id),
            core_org_id=core["admin"].org_id,
            amount_fen=60_000_000,
            maturity_date=shanghai_date(utcnow()) + timedelta(days=60),
            contract_ref="HT",
            invoice_ref="LIM-1",
            now=then,
        )
        root = service.confirm_payable(
            s, service.principal_for_org(s, core["admin"].org_id), p.id, now=then
        )
    r = c.post(
        f"/supplychain/certificates/{root.id}/financing-requests",
        json={"bank_org_id": bank["admin"].org_id},
        headers=sup["officer"].headers,
    )
    assert r.status_code == 201, r.text
    quote = f"/supplychain/financing-requests/{r.json()['id']}/quote"
    problem = _problem(
        c.post(quote, json={"annual_rate_percent": "4"}, headers=bank["officer"].headers),
        409,
        "exposure_limit",
    )
    assert problem["headroom"] == "500000.00" and "¥500,000.00" in problem["detail"]
    _problem(
        c.post(
            quote,
            json={"annual_rate_percent": "4", "recourse": "maybe"},
            headers=bank["officer"].headers,
        ),
        422,
        "recourse",
    )
    assert (
        c.post(
            url, json={**body, "limit": "600000.00"}, headers=bank["officer"].headers
        ).status_code
        == 200
    )
    r = c.post(
        quote, json={"annual_rate_percent": "4", "recourse": True}, headers=bank["officer"].headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["recourse"] is True
