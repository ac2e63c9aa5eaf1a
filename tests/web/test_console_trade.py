"""Trade inside a contract and 保付 in the console: the buyer records a goods-received note,
the seller invoices and makes a statement from its invoices (evidence beside each line), asks
a guarantor; the guarantor accepts on its page, pays when called; zh-CN and en; denials."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.telemetry import service as telemetry
from tests.builders import Park
from tests.supplychain.trade_builders import add_guarantor, contract, production_counter
from tests.web.console import HTML, page_csrf, sign_in


def seed_shipped(session: Session, settings: Settings, park: Park) -> tuple[str, str]:
    """A contract, an order of 500, and a shipment of 500 whose counters made 520 on
    2025-09-03: (contract id, delivery id)."""
    c = contract(session, park, payment_days=30, reference="HT-CONSOLE")
    seller = service.principal_for_org(session, c.seller_org_id)
    buyer = service.principal_for_org(session, c.buyer_org_id)
    production_counter(
        session, settings, c.seller_org_id, device="press-1", day=date(2025, 9, 3), made=520
    )
    order = service.place_order(
        session, buyer, c.id, reference="PO-77", quantity=500, ordered_on=date(2025, 9, 1)
    )
    d = service.record_shipment(
        session,
        seller,
        order.id,
        reference="DN-77",
        quantity=500,
        shipped_on=date(2025, 9, 4),
        devices=["press-1"],
        produced_from=date(2025, 9, 3),
        produced_to=date(2025, 9, 3),
        store=telemetry.open_store(settings),
    )
    return c.id, d.id


def test_orders_evidence_and_a_payment_guarantee_in_the_console(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    with db.unit_of_work() as s:
        add_guarantor(s, park)
        contract_id, delivery_id = seed_shipped(s, settings, park)
    url = "/console/enterprise/contracts"
    buyer = sign_in(TestClient(app_client.app), park["core"]["officer"].key)
    page = buyer.get(url, headers=HTML)
    assert page.status_code == 200
    assert f'data-delivery="{delivery_id}"' in page.text and "生产计数 +520（press-1）" in page.text
    btoken = page_csrf(buyer, url)
    receipt = f"/console/enterprise/deliveries/{delivery_id}/receipt"
    r = buyer.post(
        receipt,
        data={
            "received_quantity": "many",
            "received_on": "2025-09-05",
            "receipt_reference": "GRN-77",
            "csrf_token": btoken,
        },
        headers=HTML,
    )
    assert r.status_code == 422 and "字段 received_quantity" in r.text
    r = buyer.post(
        receipt,
        data={
            "received_quantity": "500",
            "received_on": "2025-09-05",
            "receipt_reference": "GRN-77",
            "csrf_token": btoken,
        },
        headers=HTML,
    )
    assert r.status_code == 200 and "已登记收货" in r.text

    seller = sign_in(TestClient(app_client.app), park["enterprise"]["officer"].key)
    token = page_csrf(seller, url)
    assert (
        seller.post(
            receipt,
            data={
                "received_quantity": "1",
                "received_on": "2025-09-05",
                "receipt_reference": "X",
                "csrf_token": token,
            },
            headers=HTML,
        ).status_code
        == 403
    )
    r = seller.post(
        f"/console/enterprise/deliveries/{delivery_id}/invoice",
        data={"number": "INV-77", "issued_on": "2025-09-06", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 201 and "INV-77" in r.text
    r = seller.post(
        f"/console/enterprise/contracts/{contract_id}/statements/from-invoices",
        data={"period_start": "2025-09-01", "period_end": "2025-09-30", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 201 and "已按发票生成对账单" in r.text
    [line] = re.findall(r'data-evidence="([^"]+)"', r.text)
    assert "收货单 GRN-77: 500/500" in r.text

    # The buyer confirms with the evidence beside the line, then the seller asks a guarantor.
    r = buyer.post(
        f"/console/enterprise/statement-lines/{line}",
        data={"action": "confirm", "csrf_token": btoken},
        headers=HTML,
    )
    assert r.status_code == 200
    [ask] = re.findall(r'action="(/console/enterprise/statements/[^"]+/guarantee)"', r.text)
    viewer = sign_in(TestClient(app_client.app), park["enterprise"]["viewer"].key)
    vtoken = page_csrf(viewer, url)
    assert (
        viewer.post(
            ask,
            data={"guarantor_org_id": park["guarantor"]["admin"].org_id, "csrf_token": vtoken},
            headers=HTML,
        ).status_code
        == 403
    )
    r = seller.post(
        ask,
        data={"guarantor_org_id": park["insurer"]["admin"].org_id, "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 422 and "字段 guarantor_org_id" in r.text
    r = seller.post(
        ask,
        data={"guarantor_org_id": park["guarantor"]["admin"].org_id, "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 201 and "已提交保付申请" in r.text and "待承保" in r.text

    guarantor = sign_in(TestClient(app_client.app), park["guarantor"]["officer"].key)
    gpage = guarantor.get("/console/guarantor/trade", headers=HTML)
    assert gpage.status_code == 200 and "保付业务" in gpage.text
    [gid] = re.findall(r'data-payment-guarantee="([^"]+)"', gpage.text)
    gtoken = page_csrf(guarantor, "/console/guarantor/trade")
    accept = f"/console/guarantor/trade/{gid}/accept"
    r = guarantor.post(accept, data={"fee_rate_percent": "abc", "csrf_token": gtoken}, headers=HTML)
    assert r.status_code == 422 and "字段 fee_rate_percent" in r.text
    r = guarantor.post(accept, data={"fee_rate_percent": "0.5", "csrf_token": gtoken}, headers=HTML)
    assert r.status_code == 200 and "已承保" in r.text and "¥301.25" in r.text  # 0.5 % of 60,250
    # Unpaid after 2025-10-30: the seller calls; the guarantor pays out over 3 instalments.
    r = seller.get(url, headers=HTML)
    [call] = re.findall(r'action="(/console/enterprise/payment-guarantees/[^"]+/call)"', r.text)
    r = seller.post(call, data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 200 and "已要求代偿" in r.text
    r = guarantor.post(
        f"/console/guarantor/trade/{gid}/pay-out",
        data={"instalments": "3", "csrf_token": gtoken},
        headers=HTML,
    )
    assert r.status_code == 200 and "已代偿" in r.text and "¥20,083.33" in r.text
    r = guarantor.post(
        f"/console/guarantor/trade/{gid}/watch", data={"csrf_token": gtoken}, headers=HTML
    )
    # Paid out with the recourse claim open: the buyer is still watched (no grant here).
    assert r.status_code == 200 and "未读取买方数据：no_grant" in r.text
    # The buyer repays part of the recourse from its contracts page.
    r = buyer.get(url, headers=HTML)
    [repay] = re.findall(r'action="(/console/enterprise/recourse-claims/[^"]+/repay)"', r.text)
    r = buyer.post(repay, data={"amount": "20000.00", "csrf_token": btoken}, headers=HTML)
    assert r.status_code == 200 and "已登记追偿还款" in r.text and "¥40,250.00" in r.text
    # Others: a bank sees no guaranteed trade of this guarantor; an enterprise is refused.
    bank = sign_in(TestClient(app_client.app), park["bank"]["officer"].key)
    assert gid not in bank.get("/console/guarantor/trade", headers=HTML).text
    assert seller.get("/console/guarantor/trade", headers=HTML).status_code == 403
    gviewer = sign_in(TestClient(app_client.app), park["guarantor"]["viewer"].key)
    assert (
        gviewer.post(
            accept,
            data={
                "fee_rate_percent": "1",
                "csrf_token": page_csrf(gviewer, "/console/guarantor/trade"),
            },
            headers=HTML,
        ).status_code
        == 403
    )
    # The buyer orders again from the page; the seller ships it with its counters as evidence.
    orders = f"/console/enterprise/contracts/{contract_id}/orders"
    r = buyer.post(
        orders,
        data={
            "reference": "PO-78",
            "quantity": "0",
            "ordered_on": "2025-10-01",
            "csrf_token": btoken,
        },
        headers=HTML,
    )
    assert r.status_code == 422 and "字段 quantity" in r.text
    r = buyer.post(
        orders,
        data={
            "reference": "PO-78",
            "quantity": "100",
            "ordered_on": "2025-10-01",
            "csrf_token": btoken,
        },
        headers=HTML,
    )
    assert r.status_code == 201 and "已下订单" in r.text
    assert (
        seller.post(
            orders,
            data={
                "reference": "X",
                "quantity": "1",
                "ordered_on": "2025-10-01",
                "csrf_token": token,
            },
            headers=HTML,
        ).status_code
        == 403
    )
    r = seller.get(url, headers=HTML)
    [ship] = re.findall(r'action="(/console/enterprise/orders/[^"]+/deliveries)"', r.text)
    r = seller.post(
        ship,
        data={
            "reference": "DN-78",
            "quantity": "100",
            "shipped_on": "2025-10-02",
            "device": "press-1",
            "produced_from": "2025-09-03",
            "produced_to": "2025-09-03",
            "csrf_token": token,
        },
        headers=HTML,
    )
    assert r.status_code == 201 and "已登记发货" in r.text
    row = re.search(r"DN-78 · 2025-10-02(?:(?!</tr>).)*</tr>", r.text, re.S)
    assert row is not None and "生产计数 +520（press-1）" in row.group(0)
    # English.
    gviewer.get("/console/lang", params={"to": "en", "next": "/console/guarantor/trade"})
    en = gviewer.get("/console/guarantor/trade", headers=HTML)
    assert "Guaranteed trade" in en.text and "paid out; recourse running" in en.text
    viewer.get("/console/lang", params={"to": "en", "next": url})
    en = viewer.get(url, headers=HTML)
    assert "Orders and deliveries" in en.text and "production counters +520 (press-1)" in en.text
    assert "Payment guarantee (保付)" in en.text
