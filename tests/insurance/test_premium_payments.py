"""Premiums paid against the schedule through the CLI and the API, the worker's lapse rule, and
the books after it (real SQLite file, real job runner)."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chanrong.core.settings import Settings, get_settings
from chanrong.edge.commands import unit_of_work
from chanrong.insurance.repository import InsuranceRepository
from chanrong.insurance.terms import Account
from chanrong.jobs import catalog
from chanrong.jobs.runner import run_manually
from chanrong.storage.database import Database
from tests.builders import Park
from tests.insurance.builders import grant_insurer, insured_fleet
from tests.insurance.test_cli_insurance import INSURED, INSURER, _fails, _ok, insured_park

runner = CliRunner()


def bind_last_year() -> tuple[str, list[int]]:
    """A policy 2025-10-01 – 2026-10-01 in four instalments: its id and the amounts."""
    out = _ok(
        [
            *["insurance", "quote", *INSURER, "--enterprise", "甲厂", "--base-premium", "20000"],
            *["--start", "2025-10-01", "--end", "2026-10-01"],
        ]
    )
    m = re.search(r"quote (\S+):", out)
    assert m, out
    out = _ok(["insurance", "bind", m.group(1), *INSURED, "--instalments", "4"])
    m = re.search(r"policy (\S+) bound", out)
    assert m, out
    with unit_of_work() as s:
        amounts = [i.amount_fen for i in InsuranceRepository(s).instalments(m.group(1))]
    return m.group(1), amounts


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def test_paid_late_missed_and_the_lapse(var_dir: Path) -> None:
    insured_park()
    pid, amounts = bind_last_year()
    pay = ["insurance", "pay", pid, *INSURER]
    _ok([*pay, "--amount", _yuan(amounts[0]), "--paid-on", "2025-10-01", "--reference", "T1"])
    # The same transfer twice is a conflict, not a second payment; bad input names the field.
    _fails([*pay, "--amount", "1", "--paid-on", "2025-10-02", "--reference", "T1"], "T1")
    _fails([*pay, "--amount", "0", "--paid-on", "2025-10-02", "--reference", "T9"], "amount")
    _fails([*pay, "--amount", "1", "--paid-on", "2099-01-01", "--reference", "T9"], "paid_on")
    _fails([*pay, "--amount", "1", "--paid-on", "01/10", "--reference", "T9"], "paid_on")
    too_much = _yuan(sum(amounts[1:]) + 1)
    _fails([*pay, "--amount", too_much, "--paid-on", "2025-10-02", "--reference", "T9"], "amount")
    # Only the insurer that wrote the policy records its premiums.
    by_insured = ["insurance", "pay", pid, *INSURED, "--amount", "1", "--paid-on", "2025-10-02"]
    _fails([*by_insured, "--reference", "T9"], "insurer")
    _ok([*pay, "--amount", _yuan(amounts[1]), "--paid-on", "2026-01-20", "--reference", "T2"])

    shown = _ok(["insurance", "show", pid, *INSURER, "--as-of", "2026-04-15"])
    states = re.findall(r"│ (paid|late|overdue|missed|open)\s+│", shown)
    assert states == ["paid", "late", "overdue", "open"], shown

    settings = get_settings()
    db = Database(settings.effective_database_url)
    try:
        jobs = catalog.load(settings)
        # On 05-01 the third instalment is still within its grace: nothing lapses.
        run_manually(db, settings, jobs, "insurance.premium_lapse", period="2026-04-30")
        with unit_of_work() as s:
            p = InsuranceRepository(s).policy(pid)
            assert p is not None and p.state == "bound"
        out = run_manually(db, settings, jobs, "insurance.premium_lapse", period="2026-05-01")
        assert [o.detail for o in out if o.subject != "*"] == ["1 policy(ies) lapsed"]
        again = run_manually(db, settings, jobs, "insurance.premium_lapse", period="2026-05-02")
        assert [o.detail for o in again if o.subject != "*"] == ["0 policy(ies) lapsed"]
    finally:
        db.dispose()

    shown = _ok(["insurance", "show", pid, *INSURED, "--as-of", "2026-05-02"])
    assert f"policy {pid}: lapsed, ended 2026-05-02" in shown
    assert "premium_lapsed" in shown and "missed" in shown
    # Once lapsed no premium is due; the books: every entry balanced, the unearned premium
    # released, what the insured owes for the days it was covered still owed.
    _fails([*pay, "--amount", "1", "--paid-on", "2026-05-03", "--reference", "T3"], "lapsed")
    with unit_of_work() as s:
        repo = InsuranceRepository(s)
        lines = repo.journal(pid)
        entries: dict[str, int] = {}
        for line in lines:
            entries[line.entry_id] = (
                entries.get(line.entry_id, 0) + line.debit_fen - line.credit_fen
            )
        assert set(entries.values()) == {0}
        premium = sum(amounts)
        covered_days = (date(2026, 5, 2) - date(2025, 10, 1)).days
        earned = int((Decimal(premium) * covered_days / 365).quantize(Decimal(1), ROUND_HALF_UP))
        assert repo.balance(pid, Account.UNEARNED_PREMIUM.value) == 0
        assert -repo.balance(pid, Account.EARNED_PREMIUM.value) == earned
        assert repo.balance(pid, Account.CASH.value) == amounts[0] + amounts[1]
        assert repo.balance(pid, Account.PREMIUM_RECEIVABLE.value) == (
            earned - amounts[0] - amounts[1]
        )


def test_premiums_over_the_api(
    app_client: TestClient, db: Database, settings: Settings, park: Park
) -> None:
    ent, insurer = park["enterprise"]["admin"], park["insurer"]["officer"]
    insured_fleet(db, settings, ent)
    grant_insurer(db, ent, insurer.org_id)
    q = app_client.post(
        "/insurance/quotes",
        json={"org_id": ent.org_id, "base_premium": "1000", "start": "2025-10-01"}
        | {"end": "2026-10-01"},
        headers=insurer.headers,
    ).json()
    r = app_client.post(
        f"/insurance/quotes/{q['id']}/bind", json={"instalments": 2}, headers=ent.headers
    )
    pid = r.json()["policy"]["id"]
    first = r.json()["schedule"][0]["amount_fen"]
    url = f"/insurance/policies/{pid}/premiums"
    body = {"amount": str(Decimal(first) / 100), "paid_on": "2025-10-03", "reference": "B1"}
    bad = app_client.post(url, json={**body, "amount": "-1"}, headers=insurer.headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "amount")
    assert app_client.post(url, json=body, headers=ent.headers).status_code == 403
    assert app_client.post(url, json=body, headers=insurer.headers).status_code == 201
    assert app_client.post(url, json=body, headers=insurer.headers).status_code == 409
    got = app_client.get(url, params={"as_of": "2026-04-15"}, headers=ent.headers)
    assert [(x["state"], x["paid_fen"]) for x in got.json()] == [("late", first), ("overdue", 0)]
    other = park["other_enterprise"]["admin"].headers
    assert app_client.get(url, params={"as_of": "2026-04-15"}, headers=other).status_code == 404
