"""``chanrong guarantee …`` against a real SQLite file: the simulated run and plain errors."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from chanrong.cli.main import app

runner = CliRunner()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_prints_losses_payouts_and_fees(var_dir: Path) -> None:
    _ok(["db", "upgrade"])
    out = _ok(["guarantee", "demo", "--loans", "16", "--months", "9", "--default-rate", "0.3"])
    assert out.count("losses by party") == 2
    assert "payout: guarantor → bank (代偿)" in out
    assert "payout: fund → guarantor" in out and "fees: reguarantee" in out
    assert "cash across every party's books: ¥0.00" in out
    # The schemes' figures are also in the database: the list command shows both.
    listing = _ok(["guarantee", "schemes"])
    assert len(re.findall(r"national-fund-|pingshan-pool-", listing)) == 2


def test_errors_name_the_field(var_dir: Path) -> None:
    _ok(["db", "upgrade"])
    r = runner.invoke(app, ["guarantee", "demo", "--default-rate", "1.5"])
    assert r.exit_code != 0 and "default_rate" in r.output
    r = runner.invoke(
        app, ["guarantee", "claim", "X", "--org", "nobody", "--user", "u", "--on", "2025-01-01"]
    )
    assert r.exit_code != 0 and "org" in r.output
    r = runner.invoke(app, ["guarantee", "book", "--org", "nobody", "--user", "u"])
    assert r.exit_code != 0 and "no organisation" in r.output


def test_a_claim_from_the_command_line(var_dir: Path) -> None:
    from datetime import date

    from chanrong.edge.commands import unit_of_work
    from chanrong.identity import service as identity
    from chanrong.lending import service as lending
    from tests.builders import add_org, fresh_uscc
    from tests.lending.builders import active_loan

    _ok(["db", "upgrade"])
    with unit_of_work() as s:
        ids = {
            "bank": add_org(s, "financial_institution", name="城商行"),
            "guar": add_org(s, "financial_institution", institution_type="guarantor", name="担保"),
            "gov": add_org(s, "analyst", analyst_type="government", name="区政府"),
            "ent": add_org(s, "enterprise", name="甲厂", uscc=fresh_uscc(), industry_code="C34"),
        }
        for org_id in ids.values():
            identity.create_user(s, org_id=org_id, username="o", roles=["officer"])
        bank = identity.system_principal(s, ids["bank"])
        loan = active_loan(s, bank, identity.system_principal(s, ids["ent"]), amount="100000.00")
        loan_id = loan.id
    _ok(
        [
            "guarantee",
            "scheme-create",
            "--org",
            "区政府",
            "--user",
            "o",
            "--preset",
            "pingshan-pool",
            "--code",
            "ps",
            "--from",
            "2025-01-01",
            "--to",
            "2027-12-31",
            "--sharer",
            f"pool={ids['gov']}",
        ]
    )
    out = _ok(
        [
            "guarantee",
            "request",
            "--org",
            "城商行",
            "--user",
            "o",
            "--loan",
            loan_id,
            "--guarantor",
            ids["guar"],
            "--scheme",
            "ps",
        ]
    )
    gid = out.split()[1]
    r = runner.invoke(app, ["guarantee", "accept", gid, "--org", "城商行", "--user", "o"])
    assert r.exit_code != 0 and "guarantor" in r.output
    assert "active" in _ok(["guarantee", "accept", gid, "--org", "担保", "--user", "o"])
    assert "¥84.93" in _ok(
        ["guarantee", "fees", gid, "--org", "担保", "--user", "o", "--through", "2025-02-10"]
    )
    with unit_of_work() as s:
        lending.close_books(s, identity.system_principal(s, ids["bank"]), as_of=date(2025, 6, 30))
    out = _ok(["guarantee", "claim", gid, "--org", "城商行", "--user", "o", "--on", "2025-06-30"])
    assert "guarantor pays ¥80,000.00" in out and "pool reimburses ¥169.86" in out
    claim_id = out.split()[1].rstrip(":")
    out = _ok(
        [
            "guarantee",
            "recover",
            claim_id,
            "--org",
            "担保",
            "--user",
            "o",
            "--amount",
            "10000.00",
            "--on",
            "2025-09-01",
        ]
    )
    assert out.strip() == "bank ¥2,000.00, guarantor ¥7,983.01, pool ¥16.99"
    assert "claimed" in _ok(["guarantee", "book", "--org", "担保", "--user", "o"])
