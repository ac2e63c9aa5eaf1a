"""Cancellation (pro-rata refund, journalled) through the CLI and the API, and expiry by the
worker's ``insurance.policy_expiry`` job, once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.settings import Settings, get_settings
from chanrong.edge.commands import unit_of_work
from chanrong.insurance.repository import InsuranceRepository
from chanrong.insurance.terms import Account
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from tests.builders import Park
from tests.insurance.builders import grant_insurer, insured_fleet
from tests.insurance.test_cli_insurance import (
    INSURED,
    INSURER,
    _fails,
    _ok,
    insured_park,
    quote_and_bind,
)
from tests.insurance.test_premium_payments import _yuan, bind_last_year


def _balances(policy_id: str) -> dict[str, int]:
    with unit_of_work() as s:
        repo = InsuranceRepository(s)
        entries: dict[str, int] = {}
        for line in repo.journal(policy_id):
            entries[line.entry_id] = entries.get(line.entry_id, 0) + line.debit_fen
            entries[line.entry_id] -= line.credit_fen
        assert set(entries.values()) == {0}  # every entry balanced
        return {a.value: repo.balance(policy_id, a.value) for a in Account}


def _half_up(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), ROUND_HALF_UP))


def test_cancel_refunds_the_unearned_paid_premium(var_dir: Path) -> None:
    insured_park()
    pid = quote_and_bind({}, instalments=1)  # one instalment: the whole premium paid upfront
    with unit_of_work() as s:
        policy = InsuranceRepository(s).policy(pid)
        assert policy is not None
        premium, start, end = policy.premium_fen, policy.start, policy.end
    _ok(
        [
            "insurance",
            "pay",
            pid,
            *INSURER,
            *["--amount", _yuan(premium), "--paid-on", "2026-09-01", "--reference", "ALL"],
        ]
    )
    today = shanghai_date(utcnow())
    cancel = ["insurance", "cancel", pid, *INSURED]
    _fails([*cancel, "--reason", "sold the plant", "--on", "2026-09-02"], "on", "back-dated")
    _fails([*cancel, "--reason", "sold", "--on", "2028-01-01"], "on", "term")
    _fails([*cancel, "--reason", "  "], "reason")
    out = _ok([*cancel, "--reason", "sold the plant"])
    unearned = _half_up(Decimal(premium) * (end - today).days / (end - start).days)
    assert f"cancelled from {today}" in out and f"refund {'¥'}" in out
    b = _balances(pid)
    assert b["unearned_premium"] == 0
    assert -b["earned_premium"] == premium - unearned
    assert b["cash"] == premium - unearned  # paid in full, the unearned part refunded
    assert b["premium_receivable"] == 0
    # Cancelled: once; no premium, no claim after the cover ended; shown as such.
    _fails([*cancel, "--reason", "again"], "already cancelled")
    _fails(
        [
            "insurance",
            "pay",
            pid,
            *INSURER,
            *["--amount", "1", "--paid-on", str(today), "--reference", "LATE"],
        ],
        "cancelled",
    )
    claim = ["insurance", "claim", pid, *INSURER, "--claim-id", "C1", "--cause", "fire"]
    _fails([*claim, "--loss-date", str(today + timedelta(days=1)), "--amount", "5"], "loss_date")
    assert f"policy {pid}: cancelled, ended {today}" in _ok(["insurance", "show", pid, *INSURER])


def test_the_worker_expires_a_policy_at_the_end_of_its_term(var_dir: Path) -> None:
    insured_park()
    pid, amounts = bind_last_year()  # 2025-10-01 – 2026-10-01
    _ok(
        [
            "insurance",
            "pay",
            pid,
            *INSURER,
            *["--amount", _yuan(sum(amounts) - 100), "--paid-on", "2025-10-01", "--reference", "X"],
        ]
    )
    settings = get_settings()
    db = Database(settings.effective_database_url)
    try:
        jobs = catalog.load(settings)
        before = run_manually(db, settings, jobs, "insurance.policy_expiry", period="2026-09-29")
        assert [o.detail for o in before if o.subject != "*"] == ["0 policy(ies) expired"]
        out = run_manually(db, settings, jobs, "insurance.policy_expiry", period="2026-09-30")
        assert [o.detail for o in out if o.subject != "*"] == ["1 policy(ies) expired"]
        again = run_manually(db, settings, jobs, "insurance.policy_expiry", period="2026-10-01")
        assert [o.detail for o in again if o.subject != "*"] == ["0 policy(ies) expired"]
    finally:
        db.dispose()
    assert f"policy {pid}: expired, ended 2026-10-01" in _ok(["insurance", "show", pid, *INSURED])
    b = _balances(pid)
    # All of it earned; the one yuan never paid is still owed, nothing refunded.
    assert (b["unearned_premium"], -b["earned_premium"]) == (0, sum(amounts))
    assert (b["cash"], b["premium_receivable"]) == (sum(amounts) - 100, 100)
    _fails(["insurance", "cancel", pid, *INSURED, "--reason", "x", "--on", "2026-09-30"], "on")


def test_cancel_over_the_api(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    insured_fleet(db, settings, ent)
    grant_insurer(db, ent, insurer.org_id)
    today = shanghai_date(utcnow())
    q = app_client.post(
        "/insurance/quotes",
        json={"org_id": ent.org_id, "base_premium": "1000", "start": "2026-09-01"}
        | {"end": (today + timedelta(days=200)).isoformat()},
        headers=insurer.headers,
    ).json()
    r = app_client.post(
        f"/insurance/quotes/{q['id']}/bind", json={"instalments": 1}, headers=ent.headers
    )
    pid = r.json()["policy"]["id"]
    url = f"/insurance/policies/{pid}/cancel"
    body = {"on": today.isoformat(), "reason": "moved"}
    bad = app_client.post(url, json={**body, "on": "2026-09-01"}, headers=insurer.headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "on")
    other = park["other_enterprise"]["admin"].headers
    assert app_client.post(url, json=body, headers=other).status_code == 404
    ok = app_client.post(url, json=body, headers=insurer.headers)
    assert ok.status_code == 200, ok.text
    t = ok.json()
    # Nothing paid: the unearned part is simply no longer owed, the earned part still is.
    assert t["refund_fen"] == 0 and t["still_owed_fen"] == t["earned_fen"] > 0
    assert t["receivable_cancelled_fen"] == t["unearned_fen"] > 0
    assert app_client.post(url, json=body, headers=ent.headers).status_code == 409
    shown = app_client.get(f"/insurance/policies/{pid}", headers=ent.headers).json()
    assert (shown["policy"]["state"], shown["policy"]["ended_on"]) == ("cancelled", str(today))
    assert date.fromisoformat(shown["policy"]["ended_on"]) == today
