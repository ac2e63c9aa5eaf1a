"""The console's forms for 供需对接: an enterprise officer posts a financing need, a bank
officer a mandate; each then sees the other in its matches. A bad field is named and the
form keeps what was typed; a viewer has no form and cannot post."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.builders import Park
from tests.web.console import HTML, csrf_of, sign_in


def test_need_and_mandate_posted_from_the_console_match(app_client: TestClient, park: Park) -> None:
    ent = sign_in(TestClient(app_client.app), park["enterprise"]["officer"].key)
    page = ent.get("/console/enterprise/needs", headers=HTML)
    assert page.status_code == 200 and 'id="new-need"' in page.text and "发布融资需求" in page.text
    # A bad amount is a 4xx naming the field, and what was typed stays in the form.
    bad = ent.post(
        "/console/enterprise/needs",
        data={"instrument": "equity", "amount": "五百万", "stage": "a",
              "use_of_funds": "新产线", "csrf_token": csrf_of(page.text)},
        headers=HTML,
    )  # fmt: skip
    assert bad.status_code == 422 and "amount" in bad.text and "新产线</textarea>" in bad.text
    ok = ent.post(
        "/console/enterprise/needs",
        data={"instrument": "equity", "amount": "5000000", "stage": "a",
              "use_of_funds": "新产线", "csrf_token": csrf_of(page.text)},
        headers=HTML,
    )  # fmt: skip
    assert ok.status_code == 200 and "已发布" in ok.text and "data-need=" in ok.text
    [need_id] = re.findall(r'<section data-need="([^"]+)"', ok.text)
    assert "股权融资 · ¥5,000,000.00 · A" in ok.text

    bank = sign_in(TestClient(app_client.app), park["bank"]["officer"].key)
    page = bank.get("/console/mandates", headers=HTML)
    assert 'id="new-mandate"' in page.text
    bad = bank.post(
        "/console/mandates",
        data={"name": "智能制造", "instruments": ["equity"], "sectors": "C99X",
              "csrf_token": csrf_of(page.text)},
        headers=HTML,
    )  # fmt: skip
    assert bad.status_code == 422 and "sectors" in bad.text and 'value="C99X"' in bad.text
    ok = bank.post(
        "/console/mandates",
        data={"name": "智能制造 A 轮", "instruments": ["equity"], "sectors": "C34",
              "stages": ["a", "b"], "regions": "330000", "ticket_min": "1000000",
              "ticket_max": "10000000", "csrf_token": csrf_of(page.text)},
        headers=HTML,
    )  # fmt: skip
    assert ok.status_code == 200 and "已发布" in ok.text
    assert f'data-need="{need_id}"' in ok.text and ">100<" in ok.text
    page = ent.get("/console/enterprise/needs?lang=en", headers=HTML)
    assert "Post a financing need" in page.text and "智能制造 A 轮" in page.text

    # A viewer sees no form and cannot post.
    viewer = sign_in(TestClient(app_client.app), park["enterprise"]["viewer"].key)
    page = viewer.get("/console/enterprise/needs", headers=HTML)
    assert 'id="new-need"' not in page.text
    r = viewer.post(
        "/console/enterprise/needs",
        data={"instrument": "loan", "amount": "1", "use_of_funds": "x",
              "csrf_token": csrf_of(page.text)},
        headers=HTML,
    )  # fmt: skip
    assert r.status_code == 403
    page = ent.get("/console/enterprise/needs", headers=HTML)
    assert re.findall(r'<section data-need="([^"]+)"', page.text) == [need_id]
