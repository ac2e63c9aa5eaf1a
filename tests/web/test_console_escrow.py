"""The agent bank's escrow page (资金托管): the money held for orders, a release approved by
one officer once the buyer received the whole order and executed by another (the approver's
own release refused on the page), a disputed escrow split; zh-CN and en; who may act."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park
from tests.supplychain.trade_builders import contract
from tests.web.console import HTML, page_csrf, sign_in

URL = "/console/bank/escrows"


def seed_escrows(db: Database, park: Park) -> tuple[str, str, str]:
    """Three escrows with the park's bank as agent: ¥10,000 for an order received in full,
    ¥3,000 for one not yet received, ¥1,000 disputed by the buyer. Returns their ids."""
    with db.unit_of_work() as s:
        c = contract(s, park, unit_price_fen=10_000, reference="HT-ESCROW")
        buyer = service.principal_for_org(s, c.buyer_org_id)
        seller = service.principal_for_org(s, c.seller_org_id)
        bank = park["bank"]["admin"].org_id
        ids = []
        for ref, qty, amount in (("PO-E1", 100, 1_000_000), ("PO-E2", 30, 300_000)):
            order = service.place_order(
                s, buyer, c.id, reference=ref, quantity=qty, ordered_on=date(2026, 11, 1)
            )
            ids.append(
                service.deposit_escrow(s, buyer, order.id, agent_org_id=bank, amount_fen=amount).id
            )
            if ref == "PO-E1":
                d = service.record_shipment(
                    s,
                    seller,
                    order.id,
                    reference="DN-E1",
                    quantity=qty,
                    shipped_on=date(2026, 11, 5),
                )
                service.record_receipt(
                    s,
                    buyer,
                    d.id,
                    received_quantity=qty,
                    received_on=date(2026, 11, 6),
                    receipt_reference="GRN-E1",
                )
        order = service.place_order(
            s, buyer, c.id, reference="PO-E3", quantity=10, ordered_on=date(2026, 11, 1)
        )
        disputed = service.deposit_escrow(s, buyer, order.id, agent_org_id=bank, amount_fen=100_000)
        service.dispute_escrow(s, buyer, disputed.id, reason="castings cracked")
        return ids[0], ids[1], disputed.id


def _row(html: str, escrow_id: str) -> str:
    m = re.search(rf'<tr data-escrow="{escrow_id}">(.*?)</tr>', html, re.S)
    assert m, f"no row for {escrow_id}"
    return m.group(1)


def test_the_bank_approves_another_officer_releases_and_a_dispute_is_split(
    app_client: TestClient, park: Park, db: Database
) -> None:
    received, awaiting, disputed = seed_escrows(db, park)
    officer = sign_in(TestClient(app_client.app), park["bank"]["officer"].key)
    page = officer.get(URL, headers=HTML)
    assert page.status_code == 200
    assert 'id="kpi-es-held">¥14,000.00' in page.text
    assert "买方已全部收货" in _row(page.text, received)
    assert f"/console/bank/escrows/{received}/approve" in page.text
    # Not received yet: no approval offered (and refused if posted anyway).
    assert "待买方收货" in _row(page.text, awaiting)
    assert f"/console/bank/escrows/{awaiting}/approve" not in page.text
    assert "castings cracked" in _row(page.text, disputed)
    token = page_csrf(officer, URL)
    r = officer.post(f"{URL}/{awaiting}/approve", data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 409 and "字段 order_id" in r.text

    r = officer.post(f"{URL}/{received}/approve", data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 200 and "已审批放款" in r.text
    assert 'id="kpi-es-approved">¥10,000.00' in r.text
    assert "须由另一名经办人执行" in _row(r.text, received)
    # Four eyes: the approver's own release is refused; the bank's viewer may not act.
    r = officer.post(f"{URL}/{received}/release", data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 403
    viewer = sign_in(TestClient(app_client.app), park["bank"]["viewer"].key)
    vtoken = page_csrf(viewer, URL)
    assert "/release" not in viewer.get(URL, headers=HTML).text
    r = viewer.post(f"{URL}/{received}/release", data={"csrf_token": vtoken}, headers=HTML)
    assert r.status_code == 403
    other = sign_in(TestClient(app_client.app), park["bank"]["admin"].key)
    otoken = page_csrf(other, URL)
    r = other.post(f"{URL}/{received}/release", data={"csrf_token": otoken}, headers=HTML)
    assert r.status_code == 200 and "已放款" in r.text
    assert 'id="kpi-es-released">¥10,000.00' in r.text

    # The dispute: a bad amount names the field; a split of 600 / 400 is approved.
    resolve = f"{URL}/{disputed}/resolve"
    r = officer.post(
        resolve, data={"to_seller": "1000.01", "note": "", "csrf_token": token}, headers=HTML
    )
    assert r.status_code == 422 and "字段 to_seller" in r.text
    r = officer.post(
        resolve,
        data={"to_seller": "600", "note": "40% off for cracks", "csrf_token": token},
        headers=HTML,
    )
    assert r.status_code == 200 and "已审批争议分配" in r.text
    assert "退买方 ¥400.00" in _row(r.text, disputed)
    with db.unit_of_work() as s:
        assert service.trade_violations(s) == []

    # In English; other institutions see none of it; an enterprise is not admitted.
    en = other.get(f"{URL}?lang=en", headers=HTML)
    assert en.status_code == 200
    assert "Escrow" in en.text and "approved, to release" in en.text and "released" in en.text
    stranger = sign_in(TestClient(app_client.app), park["other_bank"]["officer"].key)
    assert "data-escrow=" not in stranger.get(URL, headers=HTML).text
    ent = sign_in(TestClient(app_client.app), park["core"]["officer"].key)
    assert ent.get(URL, headers=HTML).status_code == 403
