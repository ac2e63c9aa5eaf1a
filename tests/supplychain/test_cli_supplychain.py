"""``chanrong scf`` against a real SQLite file, as an operator would run it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from chanrong.cli.main import app

runner = CliRunner()


def test_story_prints_the_settled_tree_and_check_passes(var_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["scf", "story", "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "¥1,000,000.00" in out
    for line in ("¥400,000.00", "¥350,000.00", "¥250,000.00"):
        assert line in out
    assert "Nanxun Castings" in out and "Deqing Fasteners" in out
    assert "Huzhou Sci-Tech Bank" in out
    assert "3.65% ACT/360 90d, discount ¥3,193.75 on " in out
    assert out.count("✓ paid") == 3
    assert "[settled]" in out
    assert "settled ¥1,000,000.00 to 3 holders" in out
    # Running it again tells a second story with the same organisations.
    assert runner.invoke(app, ["scf", "story"]).exit_code == 0
    result = runner.invoke(app, ["scf", "check"])
    assert result.exit_code == 0, result.output
    assert "2 certificate trees hold every invariant" in result.output


def test_tree_of_an_unknown_payable_is_a_plain_error(var_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["scf", "story"]).exit_code == 0
    result = runner.invoke(app, ["scf", "tree", "--payable", "nope", "--as-org", "nope"])
    assert result.exit_code == 2
    assert "organisation nope not found" in result.output
    assert "Traceback" not in result.output


def test_from_invoices_names_the_bad_field(var_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = runner.invoke(
        app,
        ["org", "create", "--name", "S", "--kind", "enterprise", "--uscc", "91310000631696382C"],
    )
    supplier = out.output.strip().splitlines()[-1]
    result = runner.invoke(
        app, ["scf", "from-invoices", "--supplier", supplier, "--core", supplier]
    )
    assert result.exit_code == 2
    assert "core_org_id: not a core enterprise" in result.output
    core = (
        runner.invoke(
            app,
            [
                "org",
                "create",
                "--name",
                "C",
                "--kind",
                "enterprise",
                "--core",
                "--uscc",
                "9144030071526726XG",
            ],
        )
        .output.strip()
        .splitlines()[-1]
    )
    result = runner.invoke(app, ["scf", "from-invoices", "--supplier", supplier, "--core", core])
    assert result.exit_code == 0, result.output
    assert "0 payables submitted" in result.output


def _org(*args: str) -> str:
    out = runner.invoke(app, ["org", "create", *args])
    assert out.exit_code == 0, out.output
    return out.output.strip().splitlines()[-1]


def test_limits_overdue_and_recourse_commands(var_dir: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    core = _org("--name", "C", "--kind", "enterprise", "--core", "--uscc", "9144030071526726XG")
    bank = _org("--name", "B", "--kind", "financial_institution", "--institution-type", "bank")
    bad = runner.invoke(app, ["scf", "limit", "--bank", bank, "--core", bank, "--amount", "1"])
    assert bad.exit_code == 2 and "core_org_id: not a core enterprise" in bad.output
    bad = runner.invoke(app, ["scf", "limit", "--bank", bank, "--core", core, "--amount", "1.234"])
    assert bad.exit_code == 2 and "amount: at most two decimal places" in bad.output
    bad = runner.invoke(app, ["scf", "limit", "--bank", core, "--core", core, "--amount", "1"])
    assert bad.exit_code != 0 and "exposure limits are set by banks" in bad.output
    ok = runner.invoke(app, ["scf", "limit", "--bank", bank, "--core", core, "--amount", "5000000"])
    assert ok.exit_code == 0, ok.output
    assert "headroom ¥5,000,000.00" in ok.output
    listed = runner.invoke(app, ["scf", "limits", "--bank", bank])
    assert listed.exit_code == 0 and "¥5,000,000.00" in listed.output and "C" in listed.output
    none = runner.invoke(app, ["scf", "overdue", "--as-org", core])
    assert none.exit_code == 0 and "0 overdue certificates" in none.output
    missing = runner.invoke(app, ["scf", "recourse", "--certificate", "nope", "--bank", bank])
    assert missing.exit_code != 0 and "certificate nope not found" in missing.output


def test_contract_commands(var_dir: Path) -> None:
    from datetime import date

    from chanrong.core.settings import get_settings
    from chanrong.storage.database import Database
    from chanrong.supplychain import service

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    core = _org("--name", "C", "--kind", "enterprise", "--core", "--uscc", "9144030071526726XG")
    sup = _org("--name", "S", "--kind", "enterprise", "--uscc", "91310000631696382C")
    db = Database(get_settings().effective_database_url)
    try:
        with db.unit_of_work() as s:
            seller = service.principal_for_org(s, sup)
            c = service.create_contract(
                s,
                seller,
                counterparty_org_id=core,
                we_are="seller",
                reference="HT-CLI",
                goods="bolts",
                quantity=10,
                unit_price_fen=100,
                delivery_terms="EXW",
                payment_days=75,
                pay_when_paid=True,
            )
            st = service.issue_statement(
                s,
                seller,
                c.id,
                period_start=date(2026, 11, 1),
                period_end=date(2026, 11, 30),
                lines=[service.LineIn("GRN-1", "lot", 1000)],
            )
            line_id, st_id = st.lines[0].id, st.statement.id
    finally:
        db.dispose()
    out = runner.invoke(app, ["scf", "contracts", "--as-org", core])
    assert out.exit_code == 0, out.output
    assert "HT-CLI" in out.output and "sme_payment_over_60_days" in out.output
    wrong = runner.invoke(app, ["scf", "answer-line", "--line", line_id, "--as-org", sup])
    assert wrong.exit_code != 0 and "only the buyer" in wrong.output
    done = runner.invoke(
        app, ["scf", "answer-line", "--line", line_id, "--as-org", core, "--dispute", "short"]
    )
    assert done.exit_code == 0 and "disputed" in done.output
    shown = runner.invoke(app, ["scf", "statement", "--id", st_id, "--as-org", sup])
    assert shown.exit_code == 0 and "disputed · short" in shown.output
