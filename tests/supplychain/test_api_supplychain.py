"""Supply-chain finance over HTTP on SQLite and PostgreSQL: the flow, and every route's denials.

Only the holder acts, only the core enterprise confirms and settles, only the bank the
certificate was offered to quotes; everyone else gets 403 (they may see it) or 404 (they may
not). Money travels as yuan strings; bad input is a 422 naming the field.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park, add_member, add_org


def _today() -> date:
    return shanghai_date(utcnow())


def _payable(client: TestClient, park: Park, **over: Any) -> Any:
    body = {
        "core_org_id": park["core"]["admin"].org_id,
        "amount": "1000000.00",
        "maturity_date": (_today() + timedelta(days=90)).isoformat(),
        "contract_ref": "HT-2026-01",
        "invoice_ref": f"FP-{over.pop('n', 1)}",
    }
    body.update(over)
    return client.post(
        "/supplychain/payables", json=body, headers=park["enterprise"]["officer"].headers
    )


def _problem(r: Any, status: int, field: str | None = None) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert r.json()["field"] == field, r.json()


def test_flow_and_denials(app_client: TestClient, park: Park, db: Database) -> None:
    c = app_client
    sup, core, t2 = park["enterprise"], park["core"], park["other_enterprise"]
    bank, other_bank, insurer = park["bank"], park["other_bank"], park["insurer"]
    outsider_org = add_and_member(db, "enterprise")
    other_core = add_and_member(db, "enterprise", is_core=True)

    # -- submit: enterprise officers only; the field is named on bad input --------------
    _problem(c.post("/supplychain/payables", json={}, headers=sup["viewer"].headers), 403)
    _problem(c.post("/supplychain/payables", json={}, headers=bank["officer"].headers), 403)
    _problem(_payable(c, park, amount="12.345"), 422, "amount")
    _problem(_payable(c, park, amount="-5"), 422, "amount")
    _problem(_payable(c, park, core_org_id=t2["admin"].org_id), 422, "core_org_id")
    _problem(_payable(c, park, maturity_date=_today().isoformat()), 422, "maturity_date")
    _problem(_payable(c, park, invoice_ref=""), 422, "invoice_ref")
    r = _payable(c, park)
    assert r.status_code == 201, r.text
    payable = r.json()
    assert payable["amount"] == "1000000.00"
    assert payable["state"] == "submitted"
    assert payable["identifier"].startswith("88.608.8889/SCF.")
    _problem(_payable(c, park), 409, "invoice_ref")
    pid = payable["id"]

    # -- who sees the payable ---------------------------------------------------------
    for who in (t2["officer"], bank["officer"], outsider_org):
        _problem(c.get(f"/supplychain/payables/{pid}", headers=who.headers), 404)
        assert c.get("/supplychain/payables", headers=who.headers).json() == []
    assert c.get(f"/supplychain/payables/{pid}", headers=core["viewer"].headers).status_code == 200

    # -- confirm: only the core enterprise that owes it, as officer ----------------------
    url = f"/supplychain/payables/{pid}/confirm"
    _problem(c.post(url, headers=sup["officer"].headers), 403)  # not a core enterprise
    _problem(c.post(url, headers=core["viewer"].headers), 403)
    _problem(c.post(url, headers=other_core.headers), 404)  # another core: not its payable
    _problem(c.post(url, headers=bank["officer"].headers), 403)
    r = c.post(url, headers=core["officer"].headers)
    assert r.status_code == 201, r.text
    root = r.json()["certificate"]
    assert (root["holder_org_id"], root["face_value"]) == (sup["officer"].org_id, "1000000.00")
    _problem(c.post(url, headers=core["officer"].headers), 409)
    _problem(
        c.post(
            f"/supplychain/payables/{pid}/reject",
            json={"reason": "late"},
            headers=core["officer"].headers,
        ),
        409,
    )

    # -- split: only the holder's officers ---------------------------------------------
    url = f"/supplychain/certificates/{root['id']}/split"
    body = {"parts": ["350000.00", "250000.00"]}
    _problem(c.post(url, json=body, headers=core["officer"].headers), 403)  # sees, not holder
    _problem(c.post(url, json=body, headers=outsider_org.headers), 404)
    _problem(c.post(url, json=body, headers=bank["officer"].headers), 403)
    _problem(c.post(url, json=body, headers=sup["viewer"].headers), 403)
    _problem(c.post(url, json={"parts": ["0.00"]}, headers=sup["officer"].headers), 422, "parts.0")
    _problem(
        c.post(url, json={"parts": ["999999.99", "1.02"]}, headers=sup["officer"].headers),
        422,
        "parts",
    )
    idem = {**sup["officer"].headers, "Idempotency-Key": "split-1"}
    r = c.post(url, json=body, headers=idem)
    assert r.status_code == 201, r.text
    parts = r.json()
    assert [p["face_value"] for p in parts] == ["350000.00", "250000.00", "400000.00"]
    again = c.post(url, json=body, headers=idem)  # a retried request is answered, not redone
    assert again.json() == parts
    assert again.headers["Idempotent-Replayed"] == "true"
    _problem(c.post(url, json=body, headers=sup["officer"].headers), 409)  # used once

    # -- transfer ------------------------------------------------------------------------
    url = f"/supplychain/certificates/{parts[0]['id']}/transfer"
    _problem(
        c.post(url, json={"to_org_id": bank["admin"].org_id}, headers=sup["officer"].headers),
        422,
        "to_org_id",
    )
    _problem(
        c.post(url, json={"to_org_id": t2["admin"].org_id}, headers=t2["officer"].headers), 404
    )
    r = c.post(url, json={"to_org_id": t2["admin"].org_id}, headers=sup["officer"].headers)
    assert r.status_code == 201, r.text
    mine = r.json()
    assert (mine["holder_org_id"], mine["origin"]) == (t2["admin"].org_id, "transfer")
    _problem(
        c.post(url, json={"to_org_id": t2["admin"].org_id}, headers=sup["officer"].headers), 409
    )
    held = c.get("/supplychain/certificates?state=live", headers=t2["viewer"].headers).json()
    assert [h["id"] for h in held] == [mine["id"]]
    for who in (outsider_org, bank["viewer"], core["viewer"]):  # the core owes, it holds nothing
        assert c.get("/supplychain/certificates", headers=who.headers).json() == []

    # -- lineage: the tier-2 sees its path from the root, not its siblings' ----------------
    lin = c.get(f"/supplychain/certificates/{mine['id']}/lineage", headers=t2["viewer"].headers)
    assert lin.status_code == 200, lin.text
    tree = lin.json()["tree"]
    assert tree["certificate"]["id"] == root["id"]
    assert [n["certificate"]["id"] for n in tree["children"]] == [parts[0]["id"]]
    assert all(e["log_index"] is not None for e in lin.json()["events"])
    _problem(
        c.get(f"/supplychain/certificates/{parts[1]['id']}", headers=t2["viewer"].headers), 404
    )
    for who in (outsider_org, bank["officer"]):
        _problem(c.get(f"/supplychain/certificates/{mine['id']}/lineage", headers=who.headers), 404)
    whole = c.get(f"/supplychain/payables/{pid}/tree", headers=core["viewer"].headers).json()
    assert len(whole["tree"]["children"]) == 3
    _problem(c.get(f"/supplychain/payables/{pid}/tree", headers=outsider_org.headers), 404)

    # -- finance: request (holder) → quote (that bank) → accept (holder) ------------------
    url = f"/supplychain/certificates/{mine['id']}/financing-requests"
    _problem(
        c.post(url, json={"bank_org_id": insurer["admin"].org_id}, headers=t2["officer"].headers),
        422,
        "bank_org_id",
    )
    _problem(
        c.post(url, json={"bank_org_id": bank["admin"].org_id}, headers=sup["officer"].headers), 404
    )  # passed on: no longer its business
    r = c.post(url, json={"bank_org_id": bank["admin"].org_id}, headers=t2["officer"].headers)
    assert r.status_code == 201, r.text
    fid = r.json()["id"]
    assert r.json()["state"] == "requested"
    # The bank now sees the certificate it was offered; the other bank does not.
    assert (
        c.get(f"/supplychain/certificates/{mine['id']}", headers=bank["viewer"].headers).status_code
        == 200
    )
    _problem(
        c.get(f"/supplychain/certificates/{mine['id']}", headers=other_bank["viewer"].headers), 404
    )
    _problem(
        c.get(f"/supplychain/financing-requests/{fid}", headers=other_bank["viewer"].headers), 404
    )
    assert (
        c.get("/supplychain/financing-requests", headers=other_bank["viewer"].headers).json() == []
    )
    accept = f"/supplychain/financing-requests/{fid}/accept"
    _problem(c.post(accept, headers=t2["officer"].headers), 409)  # nothing quoted yet
    quote = f"/supplychain/financing-requests/{fid}/quote"
    good = {"annual_rate_percent": "3.65", "day_count": "ACT/360"}
    _problem(c.post(quote, json=good, headers=other_bank["officer"].headers), 404)
    # an insurer quotes no financing: not its business (403 before any lookup)
    _problem(c.post(quote, json=good, headers=insurer["officer"].headers), 403)
    _problem(c.post(quote, json=good, headers=bank["viewer"].headers), 403)
    _problem(c.post(quote, json=good, headers=t2["officer"].headers), 403)
    _problem(
        c.post(quote, json={"annual_rate_percent": "0"}, headers=bank["officer"].headers),
        422,
        "annual_rate_percent",
    )
    _problem(
        c.post(
            quote,
            json={"annual_rate_percent": "3", "day_count": "30/360"},
            headers=bank["officer"].headers,
        ),
        422,
        "day_count",
    )
    r = c.post(quote, json=good, headers=bank["officer"].headers)
    assert r.status_code == 200, r.text
    q = r.json()
    assert (q["state"], q["days"], q["discount"]) == ("quoted", 90, "3193.75")
    assert q["proceeds"] == "346806.25"
    _problem(
        c.post(
            f"/supplychain/financing-requests/{fid}/decline", headers=other_bank["officer"].headers
        ),
        404,
    )
    _problem(c.post(accept, headers=bank["officer"].headers), 403)
    _problem(c.post(accept, headers=sup["officer"].headers), 404)
    r = c.post(accept, headers=t2["officer"].headers)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "accepted"
    bank_cert = r.json()["bank_certificate_id"]
    got = c.get(f"/supplychain/certificates/{bank_cert}", headers=bank["viewer"].headers).json()
    assert (got["holder_org_id"], got["origin"]) == (bank["admin"].org_id, "financing")
    _problem(c.post(accept, headers=t2["officer"].headers), 409)

    # -- settle: only the core enterprise, only at maturity ----------------------------
    settle = f"/supplychain/payables/{pid}/settle"
    _problem(c.post(settle, headers=sup["officer"].headers), 403)
    _problem(c.post(settle, headers=other_core.headers), 404)
    _problem(c.post(settle, headers=core["officer"].headers), 409)  # not yet mature
    _problem(c.get(f"/supplychain/payables/{pid}/settlements", headers=outsider_org.headers), 404)
    with db.unit_of_work() as s:
        assert service.tree_violations(s, pid) == []


def test_settlement_at_maturity_pays_every_holder(
    app_client: TestClient, park: Park, db: Database
) -> None:
    from datetime import datetime

    sup, core, bank = park["enterprise"], park["core"], park["bank"]
    # Issued ten days ago, maturing today: built through the service with yesterday's clock.
    then = utcnow() - timedelta(days=10)
    with db.unit_of_work() as s:
        p = service.submit_payable(
            s,
            service.principal_for_org(s, sup["admin"].org_id),
            core_org_id=core["admin"].org_id,
            amount_fen=50_000_00,
            maturity_date=_today(),
            contract_ref="HT",
            invoice_ref="M-1",
            now=then,
        )
        root = service.confirm_payable(
            s, service.principal_for_org(s, core["admin"].org_id), p.id, now=then
        )
        fin = service.request_financing(
            s,
            service.principal_for_org(s, sup["admin"].org_id),
            root.id,
            bank_org_id=bank["admin"].org_id,
            now=then,
        )
        pid, fid = p.id, fin.id
    assert isinstance(then, datetime)
    # Matured: the bank can no longer quote, the holder can no longer act.
    r = app_client.post(
        f"/supplychain/financing-requests/{fid}/quote",
        json={"annual_rate_percent": "4"},
        headers=bank["officer"].headers,
    )
    _problem(r, 409)
    r = app_client.post(
        f"/supplychain/certificates/{root.id}/split",
        json={"parts": ["1.00"]},
        headers=sup["officer"].headers,
    )
    _problem(r, 409)
    r = app_client.post(f"/supplychain/payables/{pid}/settle", headers=core["officer"].headers)
    assert r.status_code == 200, r.text
    assert [(s["payee_org_id"], s["amount"]) for s in r.json()] == [
        (sup["admin"].org_id, "50000.00")
    ]
    _problem(
        app_client.post(f"/supplychain/payables/{pid}/settle", headers=core["officer"].headers),
        409,
    )
    mine = app_client.get(
        f"/supplychain/payables/{pid}/settlements", headers=sup["viewer"].headers
    ).json()
    assert [m["amount"] for m in mine] == ["50000.00"]
    assert (
        app_client.get(f"/supplychain/payables/{pid}", headers=sup["viewer"].headers).json()[
            "state"
        ]
        == "settled"
    )


def add_and_member(db: Database, kind: str, **kw: Any) -> Any:
    with db.unit_of_work() as s:
        org = add_org(s, kind, **kw)
        return add_member(s, org, "officer")


def test_reject_and_decline(app_client: TestClient, park: Park) -> None:
    c = app_client
    sup, core, bank = park["enterprise"], park["core"], park["bank"]
    pid = _payable(c, park, n=7).json()["id"]
    url = f"/supplychain/payables/{pid}/reject"
    _problem(c.post(url, json={"reason": "x"}, headers=sup["officer"].headers), 403)
    _problem(c.post(url, json={}, headers=core["officer"].headers), 422, "reason")
    r = c.post(url, json={"reason": "goods returned"}, headers=core["officer"].headers)
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["reject_reason"]) == ("rejected", "goods returned")
    _problem(c.post(f"/supplychain/payables/{pid}/confirm", headers=core["officer"].headers), 409)
    _problem(c.get(f"/supplychain/payables/{pid}/tree", headers=core["officer"].headers), 409)

    pid = _payable(c, park, n=8).json()["id"]
    root = c.post(f"/supplychain/payables/{pid}/confirm", headers=core["officer"].headers).json()
    cid = root["certificate"]["id"]
    r = c.post(
        f"/supplychain/certificates/{cid}/financing-requests",
        json={"bank_org_id": bank["admin"].org_id},
        headers=sup["officer"].headers,
    )
    fid = r.json()["id"]
    _problem(  # one open request per bank and certificate
        c.post(
            f"/supplychain/certificates/{cid}/financing-requests",
            json={"bank_org_id": bank["admin"].org_id},
            headers=sup["officer"].headers,
        ),
        409,
        "bank_org_id",
    )
    inbox = c.get("/supplychain/financing-requests?state=requested", headers=bank["viewer"].headers)
    assert [f["id"] for f in inbox.json()] == [fid]
    # What the bank prices: the core enterprise's credit, the face value, the maturity.
    first = inbox.json()[0]
    assert (first["core_org_id"], first["face_value"]) == (core["admin"].org_id, "1000000.00")
    assert first["certificate_identifier"] == root["certificate"]["identifier"]
    assert first["maturity_date"] == root["certificate"]["maturity_date"]
    r = c.post(f"/supplychain/financing-requests/{fid}/decline", headers=bank["officer"].headers)
    assert r.status_code == 200 and r.json()["state"] == "declined"
    _problem(
        c.post(f"/supplychain/financing-requests/{fid}/accept", headers=sup["officer"].headers), 409
    )
    got = c.get(f"/supplychain/certificates/{cid}", headers=sup["viewer"].headers).json()
    assert got["state"] == "live"  # declined financing leaves the certificate with its holder


def test_refused_actions_write_nothing(app_client: TestClient, park: Park, db: Database) -> None:
    from sqlalchemy import func, select

    from chanrong.governance import service as governance
    from chanrong.supplychain.orm import Certificate, CertificateEvent

    c = app_client
    sup, core = park["enterprise"], park["core"]
    pid = _payable(c, park, n=9).json()["id"]
    cid = c.post(f"/supplychain/payables/{pid}/confirm", headers=core["officer"].headers).json()[
        "certificate"
    ]["id"]

    def counts() -> tuple[int, int, int]:
        with db.unit_of_work() as s:
            certs = s.scalar(select(func.count()).select_from(Certificate)) or 0
            events = s.scalar(select(func.count()).select_from(CertificateEvent)) or 0
            return certs, events, governance.current_root(s).size

    before = counts()
    refused = [
        c.post(
            f"/supplychain/certificates/{cid}/split",
            json={"parts": ["2000000.00"]},
            headers=sup["officer"].headers,
        ),
        c.post(
            f"/supplychain/certificates/{cid}/transfer",
            json={"to_org_id": park["bank"]["admin"].org_id},
            headers=sup["officer"].headers,
        ),
        c.post(
            f"/supplychain/certificates/{cid}/split",
            json={"parts": ["1.00"]},
            headers=core["officer"].headers,
        ),
        c.post(f"/supplychain/payables/{pid}/settle", headers=core["officer"].headers),
    ]
    assert [r.status_code for r in refused] == [422, 422, 403, 409]
    assert counts() == before


def test_resolve_a_handle(app_client: TestClient, park: Park) -> None:
    c = app_client
    sup, core = park["enterprise"], park["core"]
    pid = _payable(c, park, n=11).json()["id"]
    cert = c.post(f"/supplychain/payables/{pid}/confirm", headers=core["officer"].headers).json()[
        "certificate"
    ]
    got = c.get(
        "/supplychain/handles", params={"handle": cert["identifier"]}, headers=sup["viewer"].headers
    )
    assert got.status_code == 200 and got.json()["id"] == cert["id"]
    _problem(
        c.get(
            "/supplychain/handles",
            params={"handle": cert["identifier"]},
            headers=park["other_enterprise"]["viewer"].headers,
        ),
        404,
    )
    _problem(
        c.get(
            "/supplychain/handles",
            params={"handle": cert["identifier"] + ".1"},
            headers=sup["viewer"].headers,
        ),
        404,
    )
    _problem(
        c.get(
            "/supplychain/handles", params={"handle": "not-a-handle"}, headers=sup["viewer"].headers
        ),
        422,
        "handle",
    )
