"""``chanrong carbon report`` and ``chanrong insurance report``: the demo commands that
``chanrong.cli.main`` attaches to the carbon and insurance groups, run on the tiny park."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # Rich would otherwise wrap the table's cells


def test_carbon_report_tables_and_charts_the_grades(tmp_path: Path) -> None:
    png = tmp_path / "grades.png"
    result = runner.invoke(app, ["carbon", "report", "--preset", "tiny", "--chart", str(png)])
    assert result.exit_code == 0, result.output
    assert "carbon grades" in result.output
    assert "grade 5" in result.output
    assert f"chart: {png}" in result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_insurance_report_compares_the_index_with_true_failures() -> None:
    result = runner.invoke(app, ["insurance", "report", "--preset", "tiny"])
    assert result.exit_code == 0, result.output
    for tercile in ("fewest", "middle", "most"):
        assert tercile in result.output
    assert "Spearman(index, failures)" in result.output


def test_an_unknown_preset_is_a_plain_error() -> None:
    result = runner.invoke(app, ["carbon", "report", "--preset", "huge"])
    assert result.exit_code == 2
    assert "preset" in result.output and "huge" in result.output
    assert "Traceback" not in result.output


def test_insurance_pricing_compares_the_fitted_glm_with_the_handset_index() -> None:
    result = runner.invoke(app, ["insurance", "pricing", "--enterprises", "30"])
    assert result.exit_code == 0, result.output
    assert "claims-fitted GLM" in result.output and "hand-set index" in result.output
    assert "Spearman vs truth" in result.output
    bad = runner.invoke(app, ["insurance", "pricing", "--enterprises", "2"])
    assert bad.exit_code == 2 and "enterprises" in bad.output
