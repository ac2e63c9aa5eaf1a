"""``chanrong funds evaluate`` against a real SQLite file: figures printed, report written,
another organisation told the fund does not exist."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from chanrong.cli.main import app

runner = CliRunner()


def test_evaluate_prints_the_figures_and_writes_the_report(var_dir: Path) -> None:
    from chanrong.edge.commands import unit_of_work
    from chanrong.funds import service
    from tests.builders import add_org

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    with unit_of_work() as s:
        manager = add_org(s, "financial_institution", institution_type="fund_manager")
        other = add_org(s, "financial_institution", institution_type="fund_manager")
        guide = service.create_fund(s, manager, name="引导", kind="guide_fund", vintage=2020)
        sub = service.create_fund(s, manager, name="子", kind="sub_fund", vintage=2021)
        service.set_terms(s, manager, guide.id, service.TermsInput(
            region_code="330500", required_reinvest_ratio=Decimal("1.5")))  # fmt: skip
        service.set_terms(s, manager, sub.id, service.TermsInput(
            parent_fund_id=guide.id, guide_contribution_fen=100_00))  # fmt: skip
        service.add_commitment(s, manager, sub.id, lp="社会资本", amount_fen=400_00, close_id=None)
        service.add_investment(s, manager, sub.id, service.InvestmentInput(
            on=date(2021, 5, 1), company_name="甲", amount_fen=120_00,
            region_code="330502"))  # fmt: skip
        ids = (guide.id, manager, other)
    out = var_dir / "reports"
    result = runner.invoke(app, ["funds", "evaluate", ids[0], "--org", ids[1], "--year", "2021",
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "leverage" in result.output and "4.00" in result.output  # 400 / 100
    assert "1.20 not met" in result.output  # 120 / 100 against 1.5
    assert (out / f"evaluation-{ids[0]}-2021.pdf").read_bytes().startswith(b"%PDF")
    assert "政府引导基金" in (out / f"evaluation-{ids[0]}-2021.html").read_text(encoding="utf-8")
    refused = runner.invoke(app, ["funds", "evaluate", ids[0], "--org", ids[2], "--year", "2021"])
    assert refused.exit_code != 0 and "no fund" in refused.output
