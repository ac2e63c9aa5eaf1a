"""`chanrong demo` end to end on a fresh var directory, with the real broker."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings


@pytest.mark.slow
def test_demo_builds_the_park_and_tells_every_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mqtt_port: int
) -> None:
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CHANRONG_MQTT_PORT", str(mqtt_port))
    monkeypatch.delenv("CHANRONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["demo", "--no-serve"])
    finally:
        get_settings.cache_clear()
    out = result.output
    assert result.exit_code == 0, out
    assert "park loaded: 30 enterprises" in out
    # The credit story: a promoted champion, a profile per firm, every firm decided.
    assert "champion sme-operating@1 promoted" in out
    assert "30 profiles as of" in out
    assert "applies for every park firm" in out
    healthy = re.search(r"│ healthy\s+│\s+(\d+) │\s+(\d+) │\s+(\d+) │\s+(\d+) │", out)
    assert healthy, out
    assert int(healthy[2]) > 0  # approvals among the healthy firms
    assert "AUC of the decisions' PD against default within 180 days" in out
    assert "top reasons against (refer / decline): " in out
    assert "knock-out: no_profile" not in out and "knock-out: low_data_quality" not in out
    assert re.search(r"\d+ consent grants", out)
    assert out.count("firms graded") == 6
    assert "lock sent, device acknowledged; contract locked" in out
    assert "unlock sent, device acknowledged; contract active" in out
    assert "premium ¥" in out
    assert "quote priced by model v1" in out
    assert "alert notice(s) delivered to the enterprise and its insurer" in out
    assert "已向 3 个持有人兑付 ¥1,000,000.00" in out
    assert "before the loan went delinquent" in out
    assert "2024 — 321 financing events" in out
    # Supply-chain finance at maturity: some buyers default, the guarantor pays (代偿).
    assert "供应链金融 at maturity" in out
    assert re.search(r"[1-9] of 3 buyers did not pay ¥[\d,.]+ at maturity", out), out
    assert "invariant violations: 0" in out
    assert re.search(r"保付: \d+ sellers guaranteed ¥[\d,.]+", out), out
    # Guarantees (the demo's own guarantor acts) and data assets are told on the same park.
    assert "保付 guaranteed trade" in out and "(20 units short on receipt)" in out
    assert "the guarantor paid ¥93,990.00, recovered ¥31,330.00" in out
    assert "escrow released ¥24,100.00 by a second officer; trade journal balanced" in out
    assert "融资担保 guarantees" in out
    assert "payout: guarantor → bank (代偿)" in out
    assert "cash across every party's books: ¥0.00 (always 0)" in out
    assets = re.search(r"(\d+) data resources registered, (\d+) valued .* (\d+) asset pools", out)
    assert assets, out
    assert int(assets[1]) > 0 and int(assets[2]) > 0 and int(assets[3]) > 0
    assert "one pool secures a lending credit line: drawn ¥" in out
    assert re.search(r"\d+ open receivables joined the pools from intake", out), out
    # The capital side: a fund watches park firms under consent and meets a firm's need.
    funds = re.search(
        r"基金 funds.*: (\d+) portfolio companies watched under consent \((\d+) refused", out
    )
    assert funds, out
    assert int(funds[1]) >= 3 and int(funds[2]) == 1
    assert "equity need posted: best match 湖州产业基金管理" in out
    assert "guide fund evaluated: 返投" in out and "杠杆 5×" in out
    # Joint modelling: trained with the platform without moving data, approved, and an
    # application decided by the joint model with reasons from both parts.
    assert "trained joint-demo@1 on 18 of 30 park firms aligned by PSI" in out
    assert re.search(r"validated on 12 held out \(AUC [\d.]+\); the bank's admin made it", out)
    assert "admin made it champion" in out
    assert re.search(r"decided by the joint model: (approve|refer|decline), PD 0\.\d+", out), out
    assert "reasons: the bank's" in out or "reasons: the platform's" in out
    for role in (
        "fund_manager",
        "operator",
        "bank",
        "insurer",
        "lessor",
        "guarantor",
        "analyst",
        "core enterprise",
    ):
        assert role in out
    assert out.count("crk_") >= 10
    assert "/console/sign-in" in out
