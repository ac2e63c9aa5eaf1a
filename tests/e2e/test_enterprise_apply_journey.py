"""Done-when: an SME applies for itself in Chromium: it picks a bank's product, reads the
consent applying grants, applies, sees the decision with the schedule and the reasons, accepts
the offer and then watches its loan: a customer payment into its collection account, posted
through the intake, repays it through the worker alone and the surplus is released to it."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import expect

from chanrong.core.clock import utcnow
from chanrong.lending import service as lending
from tests.builders import Park, build_park
from tests.credit.builders import add_profile, install_champion
from tests.e2e.conftest import Console, LiveServer
from tests.jobs.test_collections_worker import worker_pass
from tests.lending import builders as lb

pytestmark = pytest.mark.browser


@pytest.fixture
def park(live_server: LiveServer) -> Park:
    install_champion(live_server.settings)
    with live_server.db.unit_of_work() as session:
        park = build_park(session)
        add_profile(
            session,
            park["enterprise"]["officer"].org_id,
            as_of=utcnow().date() - timedelta(days=1),
        )
        lb.product(session, lb.principal(session, park["bank"]["officer"]), code="op-loan")
        return park


def test_sme_applies_accepts_and_sees_its_repayment_schedule(
    desktop: Console, park: Park, live_server: LiveServer
) -> None:
    ent, page = desktop, desktop.page
    ent.sign_in(park["enterprise"]["officer"].key)
    page.get_by_role("navigation", name="主导航").get_by_role(
        "link", name="申请、贷款与凭证"
    ).click()
    page.get_by_role("link", name="申请贷款").click()
    offer = page.locator("section[data-offer='op-loan']")
    expect(offer.get_by_role("heading", level=2)).to_contain_text("bank · 秒批经营贷")
    expect(offer.locator(".consent-terms")).to_contain_text("授信评估")
    expect(offer.locator(".consent-terms")).to_contain_text("365 天")
    expect(offer.locator(".consent-datasets")).to_contain_text("derived.profile")
    ent.assert_labelled()
    ent.shot("offers")

    offer.get_by_label("申请金额（¥）").fill("200000.00")
    offer.get_by_label("期限（月）").fill("6")
    offer.get_by_role("button", name="授权并申请").click()
    expect(page.locator("#consent-granted")).to_contain_text("已向 bank 授权")
    expect(page.locator("#app-status")).to_have_text("已批准")
    expect(page.locator("#app-limit")).to_contain_text("200,000.00")
    expect(page.locator("#offer-schedule tbody tr")).to_have_count(6)
    expect(page.locator("#reasons li").first).to_be_visible()
    ent.assert_labelled()
    ent.assert_fits_width()
    ent.shot("decision")

    page.get_by_role("button", name="接受报价").click()
    page.wait_for_url(re.compile(r".*/console/loans/[^/]+$"))
    expect(page.get_by_role("table").first).to_contain_text("还款中")
    expect(page.locator("#schedule tbody tr")).to_have_count(6)
    ent.shot("loan")

    expect(page.locator("#collection-account")).not_to_be_empty()
    expect(page.locator("#no-collections")).to_be_visible()

    # A customer pays into the loan's collection account through the intake (as an ERP
    # would post it); the worker alone repays the loan from it and releases the surplus.
    loan_id = page.url.rsplit("/", 1)[1]
    ent_key = park["enterprise"]["officer"]
    with live_server.db.unit_of_work() as s:
        view = lending.loan_view(s, lb.principal(s, park["bank"]["officer"]), loan_id)
        first = view.instalments[0]
        account = str(view.loan.collection_account)
    owed = first.principal_fen + first.interest_fen
    surplus = 2_500_000
    r = httpx.post(
        f"{live_server.url}/telemetry/orgs/{ent_key.org_id}/records/payments",
        json={
            "records": [
                {
                    "payment_id": "CUST-0001",
                    "invoice_id": "INV-1",
                    "paid_date": utcnow().date().isoformat(),
                    "amount": f"{(owed + surplus) / 100:.2f}",
                    "account": account,
                }
            ]
        },
        headers=ent_key.headers,
    )
    assert r.status_code == 201, r.text
    worker_pass(live_server.db, live_server.settings)
    page.reload()
    expect(page.locator("#collections tbody tr")).to_have_count(1)
    expect(page.locator("#collections")).to_contain_text("CUST-0001")
    expect(page.locator("#collected-applied")).to_contain_text(f"{owed / 100:,.2f}")
    expect(page.locator("#collected-released")).to_contain_text(f"{surplus / 100:,.2f}")
    ent.assert_labelled()
    ent.assert_fits_width()
    ent.shot("repaid")
