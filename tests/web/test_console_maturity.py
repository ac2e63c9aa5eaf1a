"""After maturity in the console: a bank sets its exposure limit on a core enterprise, sees an
overdue certificate and turns back to the seller; the seller and the core enterprise see the
overdue certificate on their page; in zh-CN and en; denials for the wrong organisation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.supplychain.certificates import DayCount
from tests.builders import Park
from tests.web.console import HTML, page_csrf, sign_in


def _overdue_with_recourse(db: Database, park: Park) -> str:
    """The supplier's certificate, discounted with recourse, left unpaid: the bank's id."""
    then = utcnow() - timedelta(days=100)
    matured = shanghai_date(utcnow()) - timedelta(days=10)
    sup, core, bank = (park[k]["officer"].org_id for k in ("enterprise", "core", "bank"))
    with db.unit_of_work() as s:
        p = service.submit_payable(
            s,
            service.principal_for_org(s, sup),
            core_org_id=core,
            amount_fen=30_000_000,
            maturity_date=matured,
            contract_ref="HT",
            invoice_ref="WEB-OD",
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
            recourse=True,
            now=then,
        )
        done = service.accept_financing(s, service.principal_for_org(s, sup), fin.id, now=then)
        assert done.bank_certificate_id is not None
        service.mark_overdue(s, done.bank_certificate_id, day=matured)
        return done.bank_certificate_id


def test_limits_overdue_and_recourse_in_the_console(
    app_client: TestClient, park: Park, db: Database
) -> None:
    bank_cert = _overdue_with_recourse(db, park)
    banker = sign_in(TestClient(app_client.app), park["bank"]["officer"].key)
    page = banker.get("/console/bank/certificates", headers=HTML)
    assert page.status_code == 200
    assert "授信额度" in page.text and "逾期凭证" in page.text
    assert f'data-certificate="{bank_cert}"' in page.text
    token = page_csrf(banker, "/console/bank/certificates")
    core = park["core"]["officer"].org_id
    bad = banker.post(
        "/console/bank/exposure-limits",
        data={"core_org_id": core, "limit": "12.345", "csrf_token": token},
        headers=HTML,
    )
    assert bad.status_code == 422 and "字段 limit" in bad.text
    bad = banker.post(
        "/console/bank/exposure-limits",
        data={
            "core_org_id": park["enterprise"]["officer"].org_id,
            "limit": "1",
            "csrf_token": token,
        },
        headers=HTML,
    )
    assert bad.status_code == 422 and "字段 core_org_id" in bad.text
    ok = banker.post(
        "/console/bank/exposure-limits",
        data={"core_org_id": core, "limit": "1000000", "csrf_token": token},
        headers=HTML,
    )
    assert ok.status_code == 200 and "已设置授信额度" in ok.text
    # ¥1,000,000 limit, the bank holds the ¥300,000 overdue certificate: ¥700,000 left.
    assert "¥1,000,000.00" in ok.text and "¥700,000.00" in ok.text
    done = banker.post(
        f"/console/bank/certificates/{bank_cert}/recourse",
        data={"csrf_token": token},
        headers=HTML,
    )
    assert done.status_code == 200 and "已追索" in done.text
    again = banker.post(
        f"/console/bank/certificates/{bank_cert}/recourse",
        data={"csrf_token": token},
        headers=HTML,
    )
    assert again.status_code == 409

    # The seller holds the overdue claim again; the core enterprise sees what it owes.
    for who in ("enterprise", "core"):
        client = sign_in(TestClient(app_client.app), park[who]["viewer"].key)
        seen = client.get("/console/enterprise/certificates", headers=HTML)
        assert seen.status_code == 200
        assert "逾期凭证" in seen.text and "¥300,000.00" in seen.text
        assert "逾期" in seen.text
    en = sign_in(TestClient(app_client.app), park["core"]["viewer"].key)
    en.get("/console/lang", params={"to": "en", "next": "/console/enterprise/certificates"})
    page = en.get("/console/enterprise/certificates", headers=HTML)
    assert "Overdue certificates" in page.text and "Overdue since" in page.text
    eb = sign_in(TestClient(app_client.app), park["bank"]["viewer"].key)
    eb.get("/console/lang", params={"to": "en", "next": "/console/bank/certificates"})
    page = eb.get("/console/bank/certificates", headers=HTML)
    assert "Exposure limits per core enterprise" in page.text and "Headroom" in page.text
    # A viewer sees but has no forms; an enterprise cannot post to the bank's forms.
    assert "/console/bank/exposure-limits" not in page.text
    ent = sign_in(TestClient(app_client.app), park["enterprise"]["officer"].key)
    ent_token = page_csrf(ent, "/console/enterprise/certificates")
    denied = ent.post(
        "/console/bank/exposure-limits",
        data={"core_org_id": core, "limit": "1", "csrf_token": ent_token},
        headers=HTML,
    )
    assert denied.status_code == 403
    # An insurer's page still opens (it keeps no limits).
    ins = sign_in(TestClient(app_client.app), park["insurer"]["officer"].key)
    assert ins.get("/console/bank/certificates", headers=HTML).status_code == 200
