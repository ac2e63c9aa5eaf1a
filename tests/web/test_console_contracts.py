"""Trade contracts in the console: flags shown, the seller issues a statement, the buyer
confirms and disputes lines; the wrong party is refused; zh-CN and en."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park
from tests.web.console import HTML, page_csrf, sign_in


def seed_contract(session: Session, park: Park) -> tuple[str, list[str]]:
    """The enterprise sells castings to the core on 90-day terms (flagged) and issues a
    two-line November statement: (contract id, line ids)."""
    seller = service.principal_for_org(session, park["enterprise"]["officer"].org_id)
    contract = service.create_contract(
        session,
        seller,
        counterparty_org_id=park["core"]["officer"].org_id,
        we_are="seller",
        reference="HT-2026-07",
        goods="铸件 castings",
        quantity=1000,
        unit_price_fen=12_050,
        delivery_terms="FCA seller's works",
        payment_days=90,
    )
    st = service.issue_statement(
        session,
        seller,
        contract.id,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        lines=[
            service.LineIn("GRN-1101", "lot 1", 6_025_000),
            service.LineIn("GRN-1115", "lot 2", 6_025_000),
        ],
    )
    return contract.id, [x.id for x in st.lines]


def test_reconciliation_in_the_console(app_client: TestClient, park: Park, db: Database) -> None:
    with db.unit_of_work() as s:
        contract_id, (first, second) = seed_contract(s, park)
    seller = sign_in(TestClient(app_client.app), park["enterprise"]["officer"].key)
    page = seller.get("/console/enterprise/contracts", headers=HTML)
    assert page.status_code == 200
    assert f'data-contract="{contract_id}"' in page.text
    assert 'data-flag="sme_payment_over_60_days"' in page.text and "超过 60 天" in page.text
    assert f'data-line="{first}"' in page.text
    # The seller sees no confirm buttons; it may issue a statement.
    assert f"/console/enterprise/statement-lines/{first}" not in page.text
    token = page_csrf(seller, "/console/enterprise/contracts")
    bad = seller.post(
        f"/console/enterprise/contracts/{contract_id}/statements",
        data={
            "period_start": "2026-12-01",
            "period_end": "nope",
            "reference": "G",
            "description": "d",
            "amount": "1",
            "csrf_token": token,
        },
        headers=HTML,
    )
    assert bad.status_code == 422 and "字段 period_end" in bad.text
    ok = seller.post(
        f"/console/enterprise/contracts/{contract_id}/statements",
        data={
            "period_start": "2026-12-01",
            "period_end": "2026-12-31",
            "reference": "GRN-1201",
            "description": "lot 3",
            "amount": "60250.00",
            "csrf_token": token,
        },
        headers=HTML,
    )
    assert ok.status_code == 201 and "已出具对账单" in ok.text and "GRN-1201" in ok.text
    denied = seller.post(
        f"/console/enterprise/statement-lines/{first}",
        data={"action": "confirm", "csrf_token": token},
        headers=HTML,
    )
    assert denied.status_code == 403

    buyer = sign_in(TestClient(app_client.app), park["core"]["officer"].key)
    btoken = page_csrf(buyer, "/console/enterprise/contracts")
    r = buyer.post(
        f"/console/enterprise/statement-lines/{first}",
        data={"action": "confirm", "csrf_token": btoken},
        headers=HTML,
    )
    assert r.status_code == 200 and "已处理对账行" in r.text
    r = buyer.post(
        f"/console/enterprise/statement-lines/{second}",
        data={"action": "dispute", "reason": "", "csrf_token": btoken},
        headers=HTML,
    )
    assert r.status_code == 422 and "字段 reason" in r.text
    r = buyer.post(
        f"/console/enterprise/statement-lines/{second}",
        data={"action": "dispute", "reason": "短少 20 件", "csrf_token": btoken},
        headers=HTML,
    )
    assert r.status_code == 200 and "有异议 · 短少 20 件" in r.text
    states: list[Any] = re.findall(r'class="state">([^<]+)<', r.text)
    assert "有异议" in states
    # The December statement (one line) confirmed: the buyer records its payment.
    december = re.findall(r'data-line="([^"]+)"', r.text)
    pending = [x for x in december if x not in (first, second)]
    r = buyer.post(
        f"/console/enterprise/statement-lines/{pending[0]}",
        data={"action": "confirm", "csrf_token": btoken},
        headers=HTML,
    )
    assert r.status_code == 200 and "应付日 2027-03-31" in r.text
    paid_url = re.findall(r'action="(/console/enterprise/statements/[^"]+/paid)"', r.text)
    assert len(paid_url) == 1
    r = seller.post(paid_url[0], data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 403
    r = buyer.post(paid_url[0], data={"csrf_token": btoken}, headers=HTML)
    assert r.status_code == 200 and "已登记付款" in r.text and "已付款" in r.text
    outsider = sign_in(TestClient(app_client.app), park["other_enterprise"]["officer"].key)
    assert contract_id not in outsider.get("/console/enterprise/contracts", headers=HTML).text
    bank = sign_in(TestClient(app_client.app), park["bank"]["officer"].key)
    assert bank.get("/console/enterprise/contracts", headers=HTML).status_code == 403
    en = sign_in(TestClient(app_client.app), park["core"]["viewer"].key)
    en.get("/console/lang", params={"to": "en", "next": "/console/enterprise/contracts"})
    page = en.get("/console/enterprise/contracts", headers=HTML)
    assert "Trade contracts and reconciliation" in page.text and "disputed" in page.text
    assert "later than 60 days" in page.text
