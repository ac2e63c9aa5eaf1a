"""The enterprise applies for itself in the console: the offers with the consent each needs,
applying (consent granted in the same step) to a decision with schedule and reasons, accepting
the offer into a loan whose schedule it then sees; a viewer sees offers but cannot apply."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from chanrong.core.clock import utcnow
from chanrong.core.settings import Settings
from chanrong.governance import service as governance
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Park
from tests.credit.builders import add_profile, install_champion
from tests.lending import builders as lb
from tests.web.console import HTML, csrf_of, page_csrf, sign_in


def _ready(db: Database, settings: Settings, park: Park) -> None:
    install_champion(settings)
    with db.unit_of_work() as s:
        add_profile(
            s, park["enterprise"]["officer"].org_id, as_of=utcnow().date() - timedelta(days=1)
        )
        lb.product(s, lb.principal(s, park["bank"]["officer"]), code="op-loan")


def test_enterprise_applies_sees_schedule_and_accepts_in_the_console(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    _ready(db, settings, park)
    ent, bank = park["enterprise"]["officer"], park["bank"]["officer"]
    sign_in(app_client, ent.key)
    page = app_client.get("/console/enterprise/apply", headers=HTML)
    assert page.status_code == 200
    assert f'data-bank="{bank.org_id}"' in page.text
    assert "derived.profile" in page.text and "授信评估" in page.text and "365" in page.text
    r = app_client.post(
        "/console/enterprise/apply",
        data={
            "bank_org_id": bank.org_id,
            "product_code": "op-loan",
            "requested_amount": "",
            "term_months": "12",
            "csrf_token": csrf_of(page.text),
        },
        headers=HTML,
    )
    assert r.status_code == 422 and "requested_amount" in r.text
    r = app_client.post(
        "/console/enterprise/apply",
        data={
            "bank_org_id": bank.org_id,
            "product_code": "op-loan",
            "requested_amount": "200000.00",
            "term_months": "6",
            "csrf_token": csrf_of(page.text),
        },
        headers=HTML,
    )
    assert r.status_code == 201, r.text
    assert 'id="consent-granted"' in r.text
    assert "已批准" in r.text or "approved" in r.text
    rows = re.findall(r"<tr><td class=\"num\">\d+</td>", r.text.split('id="offer-schedule"')[1])
    assert len(rows) == 6
    with db.unit_of_work() as s:
        (grant,) = governance.list_grants(s, lb.principal(s, ent))
        assert grant.grantee_org_id == bank.org_id
    action = re.search(r'action="(/console/enterprise/applications/[^"]+/accept)"', r.text)
    assert action
    accepted = app_client.post(
        action.group(1),
        data={"term_months": "6", "csrf_token": csrf_of(r.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    loan = app_client.get(accepted.headers["location"], headers=HTML)
    assert loan.status_code == 200
    assert "还款中" in loan.text and 'id="schedule"' in loan.text
    assert 'id="collection-account"' in loan.text and 'id="no-collections"' in loan.text
    # A customer payment into the collection account: the enterprise's page shows what it
    # repaid and the surplus released to it.
    loan_id = accepted.headers["location"].rsplit("/", 1)[1]
    with db.unit_of_work() as s:
        view = lending.loan_view(s, lb.principal(s, bank), loan_id)
        first = view.instalments[0]
        got = lending.collect_payment(
            s,
            borrower_org_id=ent.org_id,
            account=str(view.loan.collection_account),
            payment_ref="payment:PAY-1",
            amount_fen=first.principal_fen + first.interest_fen + 1_000_000,
            paid_on=utcnow().date(),
        )
        assert got.outcome == "collected" and got.collection is not None
        applied, released = got.collection.applied_fen, got.collection.released_fen
    assert released == 1_000_000 and applied == first.principal_fen + first.interest_fen
    loan = app_client.get(accepted.headers["location"], headers=HTML)
    assert 'id="collections"' in loan.text and "collect:payment:PAY-1" in loan.text
    assert re.search(r'id="collected-applied">¥?' + re.escape(f"{applied / 100:,.2f}"), loan.text)
    assert re.search(r'id="collected-released">¥?10,000\.00', loan.text)
    # Accepted once: the application page offers no second acceptance.
    app_id = action.group(1).split("/")[-2]
    detail = app_client.get(f"/console/applications/{app_id}", headers=HTML)
    assert 'id="accept-offer"' not in detail.text


def test_a_viewer_sees_the_offers_but_cannot_apply(
    app_client: TestClient, park: Park, db: Database, settings: Settings
) -> None:
    _ready(db, settings, park)
    sign_in(app_client, park["enterprise"]["viewer"].key)
    page = app_client.get("/console/enterprise/apply", headers=HTML)
    assert page.status_code == 200
    assert "derived.profile" in page.text and 'action="/console/enterprise/apply"' not in page.text
    r = app_client.post(
        "/console/enterprise/apply",
        data={
            "bank_org_id": park["bank"]["officer"].org_id,
            "product_code": "op-loan",
            "requested_amount": "200000.00",
            "csrf_token": page_csrf(app_client, "/console/enterprise/apply"),
        },
        headers=HTML,
    )
    assert r.status_code == 403
