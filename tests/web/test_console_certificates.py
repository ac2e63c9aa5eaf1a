"""Certificates in the console: a supplier offers its certificate to a bank, the bank quotes,
the supplier accepts and the bank becomes the holder."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from chanrong.supplychain import permits
from chanrong.supplychain import service as supplychain
from tests.builders import Park
from tests.web.console import HTML, page_csrf, sign_in


def test_offer_quote_accept_through_the_console(
    app_client: TestClient, park: Park, db: Database
) -> None:
    supplier, core, bank = park["enterprise"], park["core"], park["bank"]
    now = datetime.now(UTC)
    with db.unit_of_work() as s:
        payable = supplychain.submit_payable(
            s,
            supplychain.principal_for_org(s, supplier["officer"].org_id),
            core_org_id=core["officer"].org_id,
            amount_fen=10_000_000,
            maturity_date=(now + timedelta(days=90)).date(),
            contract_ref="HT-7",
            invoice_ref="INV-7",
        )
        cert = supplychain.confirm_payable(
            s, supplychain.principal_for_org(s, core["officer"].org_id), payable.id
        )
        cert_id = cert.id
    sign_in(app_client, supplier["officer"].key)
    page = app_client.get("/console/enterprise/certificates", headers=HTML)
    assert page.status_code == 200
    assert f'data-certificate="{cert_id}"' in page.text
    assert "¥100,000.00" in page.text
    token = page_csrf(app_client, "/console/enterprise/certificates")
    r = app_client.post(
        f"/console/enterprise/certificates/{cert_id}/finance",
        data={"bank_org_id": bank["officer"].org_id, "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 201, r.text
    assert "已向银行申请融资" in r.text

    banker = TestClient(app_client.app)
    sign_in(banker, bank["officer"].key)
    offers = banker.get("/console/bank/certificates", headers=HTML)
    assert offers.status_code == 200
    fin_id = re.findall(r'data-financing="([^"]+)"', offers.text)[0]
    bank_token = page_csrf(banker, "/console/bank/certificates")
    r = banker.post(
        f"/console/bank/financings/{fin_id}",
        data={"action": "quote", "annual_rate_percent": "abc", "csrf_token": bank_token},
        headers=HTML,
    )
    assert r.status_code == 422
    assert "字段 annual_rate_percent" in r.text
    r = banker.post(
        f"/console/bank/financings/{fin_id}",
        data={
            "action": "quote",
            "annual_rate_percent": "3.60",
            "day_count": "ACT/360",
            "csrf_token": bank_token,
        },
        headers=HTML,
    )
    assert r.status_code == 200
    assert "已报价 · 3.6" in r.text
    # Another bank sees nothing of this offer.
    other = TestClient(app_client.app)
    sign_in(other, park["other_bank"]["officer"].key)
    assert fin_id not in other.get("/console/bank/certificates", headers=HTML).text

    r = app_client.post(
        f"/console/enterprise/financings/{fin_id}/accept", data={"csrf_token": token}, headers=HTML
    )
    assert r.status_code == 200
    assert "已接受报价" in r.text
    with db.unit_of_work() as s:
        fin = supplychain.get_financing(
            s, supplychain.principal_for_org(s, bank["officer"].org_id), fin_id
        )
        assert fin.state == "accepted"
        assert fin.proceeds_fen is not None and fin.discount_fen is not None
        assert fin.proceeds_fen + fin.discount_fen == 10_000_000


def test_certificate_writes_in_the_console_take_their_gate_from_the_routes_permits(
    app_client: TestClient, park: Park
) -> None:
    """Viewers and the wrong kind of organisation are refused each write, as over the API
    (``supplychain.permits``), before anything is looked up."""
    writes = {
        "/console/enterprise/certificates/c-1/finance": "finance_request",
        "/console/enterprise/financings/f-1/accept": "finance_accept",
        "/console/bank/financings/f-1": "finance_quote",
        "/console/bank/certificates/c-1/recourse": "recourse",
    }
    callers = {
        "enterprise viewer": park["enterprise"]["viewer"],
        "bank viewer": park["bank"]["viewer"],
        "enterprise officer": park["enterprise"]["officer"],
        "bank officer": park["bank"]["officer"],
    }
    for name, user in callers.items():
        client = TestClient(app_client.app)
        sign_in(client, user.key)
        home = (
            "/console/bank/certificates" if "bank" in name else "/console/enterprise/certificates"
        )
        token = page_csrf(client, home)
        for path, write in writes.items():
            permit = permits.WRITES[write]
            r = client.post(path, data={"csrf_token": token}, headers=HTML)
            kind_ok = ("bank" in name) == ("/bank/" in path)
            if not kind_ok or "viewer" in name:
                assert r.status_code == 403, (name, path, r.status_code)
            else:
                # Admitted by the gate; the made-up id is then not found (or the form refused).
                assert r.status_code in (404, 409, 422), (name, path, r.status_code)
            assert permit.role.value == "officer"
