"""Concurrent certificate requests over HTTP, through the group committer on SQLite.

Many requests arrive at once on the event loop; on an SQLite file their use cases are run by
the database's one writer thread, several per transaction, each in its own savepoint. Racing
requests for the same certificate: exactly one wins, the others get 409; a request with a bad
field gets its own 422 naming the field; nothing else in its batch is affected. Afterwards
every tree keeps its invariants (the leaves still add up to the payable, to the fen; no
certificate consumed twice) and the journal balances. On PostgreSQL the same requests run in
their own units of work (row locks), and the same must hold.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chanrong.api.app import create_app
from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.settings import Settings
from chanrong.storage.database import Database
from chanrong.supplychain import service
from chanrong.supplychain.orm import Certificate
from tests.builders import Park

PARTS = 8
RACED = 6  # parts raced for; the others get a request with a bad field
FACE_YUAN = 800_000  # split into eight certificates of 100,000.00


async def _race(app: Any, park: Park) -> tuple[str, list[dict[str, Any]], list[httpx.Response]]:
    sup, core, t2, bank = park["enterprise"], park["core"], park["other_enterprise"], park["bank"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        maturity = shanghai_date(utcnow()) + timedelta(days=90)
        r = await c.post(
            "/supplychain/payables",
            json={
                "core_org_id": core["admin"].org_id,
                "amount": f"{FACE_YUAN}.00",
                "maturity_date": maturity.isoformat(),
                "contract_ref": "HT-GC",
                "invoice_ref": "FP-GC-1",
            },
            headers=sup["officer"].headers,
        )
        assert r.status_code == 201, r.text
        pid = r.json()["id"]
        r = await c.post(f"/supplychain/payables/{pid}/confirm", headers=core["officer"].headers)
        assert r.status_code == 201, r.text
        root = r.json()["certificate"]
        r = await c.post(
            f"/supplychain/certificates/{root['id']}/split",
            json={"parts": [f"{FACE_YUAN // PARTS}.00"] * (PARTS - 1)},
            headers=sup["officer"].headers,
        )
        assert r.status_code == 201, r.text
        parts = r.json()
        assert len(parts) == PARTS

        # Four requests race for each of the first parts at once: split, transfer, financing
        # request and a second transfer. The last parts get a split whose parts exceed the
        # face: refused inside the use case, in the same batches as the races.
        calls = []
        for part in parts[:RACED]:
            url = f"/supplychain/certificates/{part['id']}"
            calls += [
                c.post(f"{url}/split", json={"parts": ["1.00"]}, headers=sup["officer"].headers),
                c.post(
                    f"{url}/transfer",
                    json={"to_org_id": t2["admin"].org_id},
                    headers=sup["officer"].headers,
                ),
                c.post(
                    f"{url}/financing-requests",
                    json={"bank_org_id": bank["admin"].org_id},
                    headers=sup["officer"].headers,
                ),
                c.post(
                    f"{url}/transfer",
                    json={"to_org_id": t2["admin"].org_id},
                    headers=sup["officer"].headers,
                ),
            ]
        for part in parts[RACED:]:
            calls.append(
                c.post(
                    f"/supplychain/certificates/{part['id']}/split",
                    json={"parts": [f"{FACE_YUAN // PARTS}.01"]},
                    headers=sup["officer"].headers,
                )
            )
        answers = await asyncio.gather(*calls)
    return pid, parts, list(answers)


def test_concurrent_requests_conserve_money_and_spend_each_certificate_once(
    settings: Settings, db: Database, park: Park
) -> None:
    # Every request of the race admitted at once (the default admits 16, then queues briefly).
    app = create_app(settings.model_copy(update={"api_concurrency": 64}), db)
    pid, parts, answers = asyncio.run(_race(app, park))

    for i in range(RACED):
        racing = answers[i * 4 : i * 4 + 4]
        codes = Counter(r.status_code for r in racing)
        # A financing request does not consume the certificate: it may succeed beside the
        # one consuming action (split or transfer) that won; every other consumer lost.
        consumed = [r for j, r in enumerate(racing) if j != 2 and r.status_code == 201]
        assert len(consumed) == 1, [r.text for r in racing]
        assert codes[201] + codes[409] == 4, [r.text for r in racing]
        for r in racing:
            if r.status_code == 409:
                assert r.headers["content-type"] == "application/problem+json"
    for bad in answers[RACED * 4 :]:
        # Refused on its own, naming the field, whatever its batch did.
        assert bad.status_code == 422, bad.text
        assert bad.json()["field"] == "parts"

    with db.unit_of_work() as s:
        assert service.tree_violations(s, pid) == []
        assert service.journal_violations(s) == []
        # No certificate was consumed twice: each raced part has the children of one action
        # (two for a split, one for a transfer); the refused splits left theirs untouched.
        for i, part in enumerate(parts):
            origins = s.scalars(
                select(Certificate.origin).where(Certificate.parent_id == part["id"])
            ).all()
            assert origins in ([], ["split", "split"], ["transfer"]), origins
            assert (origins == []) == (i >= RACED), (i, origins)
        # The money is conserved to the fen: the outstanding leaves add up to the payable.
        live = s.scalar(
            select(func.sum(Certificate.face_fen)).where(
                Certificate.payable_id == pid, Certificate.state == "live"
            )
        )
        assert live == FACE_YUAN * 100
    writer = service.committer_for(db)
    if db.dialect == "sqlite":
        # The requests really went through the committer, several to a transaction.
        assert writer is not None
        assert writer.calls >= RACED * 4 + (PARTS - RACED) + 3
        assert writer.batches < writer.calls
    else:
        assert writer is None


def test_group_commit_can_be_turned_off_for_an_app(
    settings: Settings, db: Database, park: Park
) -> None:
    # The benchmark's per-op rows: every request in its own unit of work, none through the
    # committer, with the same answers.
    app = create_app(settings, db)
    app.state.scf_group_commit = False
    sup, core = park["enterprise"], park["core"]
    with TestClient(app) as c:
        r = c.post(
            "/supplychain/payables",
            json={
                "core_org_id": core["admin"].org_id,
                "amount": "10.00",
                "maturity_date": (shanghai_date(utcnow()) + timedelta(days=30)).isoformat(),
                "contract_ref": "HT-OFF",
                "invoice_ref": "FP-OFF",
            },
            headers=sup["officer"].headers,
        )
        assert r.status_code == 201, r.text
        r = c.post(
            f"/supplychain/payables/{r.json()['id']}/confirm", headers=core["officer"].headers
        )
        assert r.status_code == 201, r.text
    writer = service.committer_for(db)
    assert writer is None or writer.calls == 0
