"""``chanrong insurance …`` against a real SQLite file: the insurer quotes, the insured binds,
the insurer pays a claim and reads alerts under consent; bad input names the field."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from chanrong.edge.commands import unit_of_work
from chanrong.identity import service as identity
from chanrong.insurance import notices, risk
from chanrong.storage.database import Database
from chanrong.telemetry import service as telemetry
from tests.builders import Member, add_org
from tests.insurance.builders import PROFILE_DAY, grant_insurer, insured_fleet

runner = CliRunner()
INSURER = ["--org", "平安保险", "--user", "o"]
INSURED = ["--org", "甲厂", "--user", "o"]


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _fails(args: list[str], *words: str) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    for w in words:
        assert w in result.output, result.output
    return result.output


def insured_park() -> dict[str, str]:
    """An insurer 平安保险 and an enterprise 甲厂 with two machines' readings, under consent,
    its safety profile computed; each with a user ``o`` (officer)."""
    _ok(["db", "upgrade"])
    settings = get_settings()
    with unit_of_work() as s:
        insurer = add_org(s, "financial_institution", institution_type="insurer", name="平安保险")
        ent = add_org(s, "enterprise", name="甲厂")
        members = {}
        for org_id in (insurer, ent):
            u = identity.create_user(s, org_id=org_id, username="o", roles=["officer", "admin"])
            _, key = identity.create_api_key(s, user_id=u.id, name="t")
            members[org_id] = Member(org_id, u.id, key)
    db = Database(settings.effective_database_url)
    try:
        insured_fleet(db, settings, members[ent])
        grant_insurer(db, members[ent], insurer)
        with db.unit_of_work() as s:
            risk.compute_profile(s, telemetry.open_store(settings), ent, PROFILE_DAY)
            notices.queue(s, ent, notices.day_alerts(s, ent, PROFILE_DAY))
            notices.deliver(s, ent)
    finally:
        db.dispose()
    return {"insurer": insurer, "ent": ent}


def quote_and_bind(ids: dict[str, str], instalments: int = 4) -> str:
    """Quote 甲厂 for a year from 2026-09-01 and bind it; the policy id."""
    out = _ok(
        [
            "insurance",
            "quote",
            *INSURER,
            "--enterprise",
            "甲厂",
            "--base-premium",
            "20000.00",
            "--start",
            "2026-09-01",
            "--end",
            "2027-09-01",
        ]
    )
    m = re.search(r"quote (\S+): premium ¥", out)
    assert m, out
    out = _ok(["insurance", "bind", m.group(1), *INSURED, "--instalments", str(instalments)])
    m = re.search(r"policy (\S+) bound", out)
    assert m, out
    return m.group(1)


def test_quote_bind_claim_alerts_and_errors_name_the_field(var_dir: Path) -> None:
    ids = insured_park()
    quote = [
        "insurance",
        "quote",
        *INSURER,
        "--enterprise",
        "甲厂",
        "--start",
        "2026-09-01",
        "--end",
        "2027-09-01",
    ]
    # Bad input: each an error naming the field, nothing written.
    _fails([*quote, "--base-premium", "lots"], "base_premium")
    _fails([*quote, "--base-premium", "-5"], "base_premium", "positive")
    bad_day = [*quote, "--base-premium", "1"]
    bad_day[bad_day.index("2026-09-01")] = "Sept"
    _fails(bad_day, "start", "not a date")
    _fails([*quote, "--base-premium", "1", "--enterprise", "乙厂"], "enterprise", "乙厂")
    _fails(["insurance", "policies", "--org", "nobody", "--user", "o"], "org")
    # Only an insurer quotes.
    _fails([*quote[:2], *INSURED, *quote[4:], "--base-premium", "1"], "insurer")
    assert "─" in _ok(["insurance", "quotes", *INSURER])

    pid = quote_and_bind(ids)
    listed = _ok(["insurance", "policies", *INSURED])
    assert pid in listed and "bound" in listed
    shown = _ok(["insurance", "show", pid, *INSURER])
    assert f"policy {pid}: bound, 2026-09-01–2027-09-01" in shown
    assert "2026-12-01" in shown and "premium_written" in shown

    claim = ["insurance", "claim", pid, *INSURER, "--claim-id", "CL-9", "--cause", "breakdown"]
    _fails([*claim, "--loss-date", "2025-01-01", "--amount", "100"], "loss_date")
    _fails([*claim, "--loss-date", "2026-10-01", "--amount", "0"], "amount")
    _fails([*claim[:3], *INSURED, *claim[5:], "--loss-date", "2026-10-01", "--amount", "1"])
    out = _ok([*claim, "--loss-date", "2026-10-01", "--amount", "1234.50", "--device", "cnc-bad"])
    assert "claim CL-9 paid: ¥1,234.50" in out
    assert "CL-9" in _ok(["insurance", "claims", pid, *INSURED])

    # The insurer reads the insured's alerts under its grant; the insured its own.
    theirs = _ok(["insurance", "alerts", *INSURER, "--enterprise", "甲厂"])
    assert "fault_burst" in theirs and "cnc-bad" in theirs
    assert "fault_burst" in _ok(["insurance", "alerts", *INSURED])
    assert date(2026, 9, 21).isoformat() in theirs
    # Pushed to the insured with what to check (the insurer held no policy yet: not told).
    inbox = _ok(["insurance", "inbox", *INSURED, "--lang", "en"])
    assert "fault_burst" in inbox and "repair before resuming" in inbox
    assert "fault_burst" not in _ok(["insurance", "inbox", *INSURER])
