"""``chanrong loans`` against a real SQLite file, as a bank officer and a borrower would run it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chanrong.cli.main import app

runner = CliRunner()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _last(out: str) -> str:
    return out.strip().splitlines()[-1]


def test_loan_lifecycle_from_the_command_line(var_dir: Path) -> None:
    _ok(["db", "upgrade"])
    bank = _last(
        _ok(
            [
                "org",
                "create",
                "--name",
                "城商行",
                "--kind",
                "financial_institution",
                "--institution-type",
                "bank",
            ]
        )
    )
    ent = _last(
        _ok(
            [
                "org",
                "create",
                "--name",
                "宝钢",
                "--kind",
                "enterprise",
                "--uscc",
                "91310000631696382C",
            ]
        )
    )
    _ok(["user", "create", "--org", bank, "--username", "li", "--roles", "officer"])
    _ok(["user", "create", "--org", ent, "--username", "cfo", "--roles", "officer"])
    as_bank = ["--org", "城商行", "--user", "li"]
    as_ent = ["--org", "91310000631696382C", "--user", "cfo"]
    product = _last(
        _ok(
            [
                "loans",
                "product-create",
                *as_bank,
                "--code",
                "EP",
                "--name",
                "等额本金贷",
                "--method",
                "equal_principal",
                "--rate",
                "3.65",
            ]
        )
    )
    out = _ok(
        [
            "loans",
            "quote",
            *as_ent,
            "--product",
            product,
            "--amount",
            "10000",
            "--term",
            "3",
            "--start",
            "2025-01-10",
        ]
    )
    # The hand-checked 等额本金 table: 3,364.33 / 3,352.00 / 3,343.67.
    for total in ("¥3,364.33", "¥3,352.00", "¥3,343.67"):
        assert total in out
    loan = _last(
        _ok(
            [
                "loans",
                "book",
                *as_bank,
                "--product",
                product,
                "--borrower",
                ent,
                "--amount",
                "10000",
                "--term",
                "3",
                "--purpose",
                "equipment",
            ]
        )
    )
    _ok(["loans", "accept", *as_ent, loan])
    _ok(["loans", "disburse", *as_bank, loan, "--on", "2025-01-10"])
    # Without the borrower's monitoring grant the bank's watch is refused, and the borrower
    # sees the refused attempt, made from the command line, in its own list.
    r = runner.invoke(app, ["loans", "monitor", *as_bank, loan, "--as-of", "2025-02-10"])
    assert r.exit_code == 2 and "Traceback" not in r.output, r.output
    out = _ok(["consent", "denied", "--as-org", ent, "--as-user", "cfo"])
    assert "城商行" in out and "post_loan_monitoring" in out
    assert "cli: chanrong.lending.cli.monitor" in "".join(out.split()).replace("cli:", "cli: "), out
    out = _ok(["loans", "close", *as_bank, "--since", "2025-01-11", "--as-of", "2025-02-10"])
    assert "yes" in out
    _ok(
        [
            "loans",
            "repay",
            *as_bank,
            loan,
            "--amount",
            "3364.33",
            "--on",
            "2025-02-10",
            "--reference",
            "t1",
        ]
    )
    out = _ok(["loans", "show", *as_ent, loan])
    assert "¥6,666.67" in out  # principal outstanding after the first instalment
    assert "closed" not in out.splitlines()[0]
    out = _ok(["loans", "payoff", *as_bank, loan, "--on", "2025-02-20"])
    # 6,666.67 × 10 days ÷ 10⁴ = 6.67
    assert "¥6.67" in out and "¥6,673.34" in out


def test_cli_errors_are_plain_and_name_the_field(var_dir: Path) -> None:
    _ok(["db", "upgrade"])
    bank = _last(
        _ok(
            [
                "org",
                "create",
                "--name",
                "B",
                "--kind",
                "financial_institution",
                "--institution-type",
                "bank",
            ]
        )
    )
    _ok(["user", "create", "--org", bank, "--username", "v", "--roles", "viewer"])
    _ok(["user", "create", "--org", bank, "--username", "o", "--roles", "officer"])
    r = runner.invoke(
        app,
        [
            "loans",
            "product-create",
            "--org",
            "B",
            "--user",
            "v",
            "--code",
            "X",
            "--name",
            "x",
            "--method",
            "equal_principal",
            "--rate",
            "4",
        ],
    )
    assert r.exit_code == 2 and "officer" in r.output
    r = runner.invoke(
        app,
        [
            "loans",
            "product-create",
            "--org",
            "B",
            "--user",
            "o",
            "--code",
            "X",
            "--name",
            "x",
            "--method",
            "balloon",
            "--rate",
            "4",
        ],
    )
    assert r.exit_code == 2 and "method" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["loans", "list", "--org", "nobody", "--user", "o"])
    assert r.exit_code == 2 and "org" in r.output
    r = runner.invoke(app, ["loans", "close", "--org", "B", "--user", "o", "--as-of", "2025-13-01"])
    assert r.exit_code == 2 and "as_of" in r.output
