"""The guarantor's and the government body's console pages, in Chinese and English."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from chanrong.core.money import fen_to_yuan
from chanrong.guarantee import service as guarantee
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Park, add_member, add_org
from tests.lending.builders import active_loan, principal
from tests.web.console import HTML, csrf_of, sign_in


def _requested(db: Database, park: Park) -> tuple[str, str, str]:
    """A Pingshan scheme and a ¥100,000 loan the bank asked a new guarantor to guarantee."""
    with db.unit_of_work() as s:
        org = add_org(s, "financial_institution", institution_type="guarantor", name="坪山担保")
        officer = add_member(s, org, "officer")
        gov = principal(s, park["analyst"]["officer"])
        guarantee.create_scheme(
            s,
            gov,
            preset="pingshan-pool",
            code="ps",
            starts_on=date(2025, 1, 1),
            ends_on=date(2027, 12, 31),
            sharer_orgs={"pool": gov.org_id},
        )
        bank = principal(s, park["bank"]["officer"])
        loan = active_loan(s, bank, principal(s, park["enterprise"]["officer"]), amount="100000.00")
        g = guarantee.request_guarantee(
            s, bank, loan_id=loan.id, guarantor_org_id=org, scheme_code="ps"
        )
        return officer.key, g.id, loan.id


def test_guarantor_accepts_sees_the_claim_and_records_a_recovery(
    app_client: TestClient, db: Database, park: Park
) -> None:
    key, gid, _ = _requested(db, park)
    c = sign_in(app_client, key)
    r = c.get("/console/guarantor/book", headers=HTML)
    assert (
        r.status_code == 200 and "待承保" in r.text and 'href="/console/guarantor/claims"' in r.text
    )
    r = c.post(
        f"/console/guarantor/guarantees/{gid}/accept",
        data={"csrf_token": csrf_of(r.text)},
        headers=HTML,
    )
    assert r.status_code == 200 and "已承保" in r.text and "在保" in r.text
    with db.unit_of_work() as s:
        bank = principal(s, park["bank"]["officer"])
        guarantee.collect_fees(s, gid, date(2025, 2, 10))
        lending.close_books(s, bank, as_of=date(2025, 6, 30))
        claim = guarantee.file_claim(s, bank, gid, on=date(2025, 6, 30))
    r = c.get("/console/guarantor/claims", headers=HTML)
    assert r.status_code == 200
    assert 'data-figure="compensation">¥80,000.00<' in r.text
    assert 'data-figure="sharer-pool">¥169.86<' in r.text and "受担保费倍数上限限制" in r.text
    assert f'href="/console/log/{claim.payout_log_index}"' in r.text
    # The guarantor may open (and verify) its own 代偿 entry in the verifiable log.
    assert c.get(f"/console/log/{claim.payout_log_index}", headers=HTML).status_code == 200
    # A bad amount re-renders the page naming the field, nothing recorded.
    r = c.post(
        f"/console/guarantor/claims/{claim.id}/recoveries",
        data={"csrf_token": csrf_of(r.text), "amount": "abc", "received_on": "2025-09-01"},
        headers=HTML,
    )
    assert r.status_code == 422 and "amount" in r.text
    r = c.post(
        f"/console/guarantor/claims/{claim.id}/recoveries",
        data={"csrf_token": csrf_of(r.text), "amount": "10000.00", "received_on": "2025-09-01"},
        headers=HTML,
    )
    assert r.status_code == 200 and "pool ¥16.99" in r.text and "guarantor ¥7,983.01" in r.text
    r = c.get("/console/guarantor/schemes", headers=HTML)
    assert "代偿率已超过熔断线" in r.text and 'data-figure="loss-rate">100.00%<' in r.text
    # The borrower's size is unknown to the platform: the partner test is not met.
    assert 'data-figure="partner">不符合<' in r.text
    c.get("/console/lang", params={"to": "en", "next": "/console/guarantor/schemes"})
    r = c.get("/console/guarantor/schemes", headers=HTML)
    assert "The loss rate is past the breaker" in r.text and "Risk-sharing schemes" in r.text


def test_pages_refuse_other_kinds(app_client: TestClient, park: Park) -> None:
    sign_in(app_client, park["enterprise"]["officer"].key)
    for path in (
        "/console/guarantor/book",
        "/console/analyst/programmes",
        "/console/analyst/pilot",
    ):
        assert app_client.get(path, headers=HTML).status_code == 403, path


def test_government_programme_pages_and_pilot(
    app_client: TestClient, db: Database, park: Park
) -> None:
    with db.unit_of_work() as s:
        bank = principal(s, park["bank"]["officer"])
        loan = active_loan(s, bank, principal(s, park["enterprise"]["officer"]), amount="100000.00")
        first = lending.loan_view(s, bank, loan.id).instalments[0]
        lending.repay(
            s,
            bank,
            loan.id,
            amount=fen_to_yuan(first.principal_fen + first.interest_fen),
            paid_on=first.due,
            reference="r1",
        )
    c = sign_in(app_client, park["analyst"]["officer"].key)
    r = c.get("/console/analyst/programmes", headers=HTML)
    assert r.status_code == 200 and 'id="new-programme"' in r.text
    form = {
        "csrf_token": csrf_of(r.text),
        "name": "制造业贴息",
        "mode": "share",
        "value": "0.5",
        "budget": "1000.00",
        "starts_on": "2025-01-01",
        "ends_on": "2025-12-31",
        "industries": "C",
        "regions": "",
    }
    r = c.post("/console/analyst/programmes", data={**form, "budget": "-1"}, headers=HTML)
    assert r.status_code == 422 and "budget" in r.text
    r = c.post("/console/analyst/programmes", data=form, headers=HTML)
    assert r.status_code == 200 and "制造业贴息" in r.text
    with db.unit_of_work() as s:
        [prog] = guarantee.list_programmes(s, principal(s, park["analyst"]["officer"]))
    r = c.get(f"/console/analyst/programmes/{prog.id}", headers=HTML)
    r = c.post(
        f"/console/analyst/programmes/{prog.id}/pay",
        data={"csrf_token": csrf_of(r.text), "period": "2025-02"},
        headers=HTML,
    )
    # 31 days of 3.65 % on ¥100,000 = ¥310.00 interest paid in February; half is ¥155.00.
    assert (
        r.status_code == 200
        and 'id="kpi-spent">¥155.00<' in r.text
        and 'id="subsidy-months"' in r.text
    )
    r = c.get("/console/analyst/pilot", headers=HTML)
    assert (
        r.status_code == 200
        and 'id="kpi-loans">1<' in r.text
        and 'id="kpi-subsidy">¥155.00<' in r.text
    )
    # A research institute sees no programme and no pilot figures.
    research = sign_in(TestClient(app_client.app), _research_key(db))
    assert research.get("/console/analyst/pilot", headers=HTML).status_code == 403
    r = research.get("/console/analyst/programmes", headers=HTML)
    assert r.status_code == 200 and "制造业贴息" not in r.text


def _research_key(db: Database) -> str:
    with db.unit_of_work() as s:
        org = add_org(s, "analyst", analyst_type="research")
        return add_member(s, org, "officer").key
