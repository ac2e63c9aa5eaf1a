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
