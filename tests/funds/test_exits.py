"""Exits (IPO, M&A, buy-back, write-off): proceeds become distributions and move the figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.builders import Park


def _post(c: TestClient, h: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = c.post(path, headers=h, json=body)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def test_an_ipo_exit_feeds_dpi_tvpi_irr_and_the_realised_multiple(
    app_client: TestClient, park: Park
) -> None:
    c, h = app_client, park["bank"]["officer"].headers
    guide = _post(c, h, "/funds", {"name": "引导基金", "kind": "guide_fund", "vintage": 2021})
    fund = guide["id"]
    _post(c, h, f"/funds/{fund}/flows", {"date": "2021-01-01", "amount_yuan": "-1000"})
    inv = _post(c, h, f"/funds/{fund}/investments",
                {"date": "2021-02-01", "company_name": "甲", "amount_yuan": "800"})  # fmt: skip
    lost = _post(c, h, f"/funds/{fund}/investments", {"date": "2021-03-01", "company_name": "乙"})
    _post(c, h, f"/funds/{fund}/navs", {"date": "2023-01-01", "nav_yuan": "200"})
    before = c.get(f"/funds/{fund}/performance", headers=h).json()
    assert (before["dpi"], before["tvpi"]) == ("0", "0.2")
    ipo = _post(c, h, f"/funds/investments/{inv['id']}/exits",
                {"kind": "ipo", "date": "2023-01-01", "proceeds_yuan": "1600"})  # fmt: skip
    assert ipo["flow_id"] is not None
    after = c.get(f"/funds/{fund}/performance", headers=h).json()
    # -1000 on 2021-01-01, +1600 and NAV 200 on 2023-01-01 (730 days): DPI 1.6, TVPI 1.8,
    # IRR = 1.8 ** (365 / 730) - 1 = √1.8 - 1.
    assert (after["dpi"], after["tvpi"]) == ("1.6", "1.8")
    assert abs(Decimal(after["irr"]) - (Decimal("1.8").sqrt() - 1)) < Decimal("1e-9")
    off = _post(c, h, f"/funds/investments/{lost['id']}/exits",
                {"kind": "writeoff", "date": "2022-01-01"})  # fmt: skip
    assert off["flow_id"] is None
    e = c.get(f"/funds/{fund}/evaluation", headers=h).json()
    assert e["realised"]["multiple"] == "2" and e["realised"]["exits"] == [ipo["id"]]
    assert e["realised"]["unknown_cost_investments"] == [lost["id"]]
    assert ipo["flow_id"] in e["performance_records"]
    # Kept in the fund: no distribution, the figures do not move.
    kept = _post(c, h, f"/funds/investments/{inv['id']}/exits",
                 {"kind": "buyback", "date": "2023-01-01", "proceeds_yuan": "1",
                  "distribute": False})  # fmt: skip
    assert kept["flow_id"] is None
    assert c.get(f"/funds/{fund}/performance", headers=h).json()["dpi"] == "1.6"


def test_exit_rules_and_who_may(app_client: TestClient, park: Park) -> None:
    c, h = app_client, park["bank"]["officer"].headers
    fund = _post(c, h, "/funds", {"name": "VC", "kind": "vc", "vintage": 2021})["id"]
    body = {"date": "2021-02-01", "company_name": "甲", "amount_yuan": "800"}
    inv = _post(c, h, f"/funds/{fund}/investments", body)["id"]
    path = f"/funds/investments/{inv}/exits"
    cases = [
        ({"kind": "sold", "date": "2022-01-01", "proceeds_yuan": "1"}, "kind"),
        ({"kind": "writeoff", "date": "2022-01-01", "proceeds_yuan": "5"}, "proceeds_yuan"),
        ({"kind": "ma", "date": "2022-01-01"}, "proceeds_yuan"),
        ({"kind": "ma", "date": "2020-01-01", "proceeds_yuan": "1"}, "date"),
    ]
    for body, field in cases:
        r = c.post(path, headers=h, json=body)
        assert r.status_code == 422 and r.json()["field"] == field, (body, r.text)
    ok = {"kind": "ma", "date": "2022-01-01", "proceeds_yuan": "10"}
    for other in (park["other_bank"]["officer"], park["analyst"]["officer"]):
        assert c.post(path, headers=other.headers, json=ok).status_code == 404
    assert c.post(path, headers=park["bank"]["viewer"].headers, json=ok).status_code == 403
    assert c.post(path, json=ok).status_code == 401
    _post(c, h, path, {"kind": "writeoff", "date": "2022-06-01"})
    assert c.post(path, headers=h, json=ok).status_code == 409
