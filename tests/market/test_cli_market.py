"""``chanrong market`` against a real SQLite file, as an operator would run it."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from tests.market.builders import DATA, EVENT_HEADER, csv_bytes

runner = CliRunner()


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CHANRONG_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CHANRONG_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _run(args: list[str], code: int = 0) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    return result.output


def test_import_report_classify_and_match_from_the_command_line(
    var_dir: Path, tmp_path: Path
) -> None:
    _run(["db", "upgrade"])
    for dataset, name in [
        ("investors", "investors.csv"),
        ("events", "events_2019.csv"),
        ("listings", "star_2019.csv"),
    ]:
        out = _run(["market", "import", dataset, str(DATA / name)])
        assert "imported" in out
    assert "752 rows, 752 new" in out or "16 rows, 16 new" in out

    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(EVENT_HEADER, [["2024-01-01", "甲", "Q轮", "很多钱", "", "上海", ""]])
    )
    errors = tmp_path / "errors.csv"
    out = _run(["market", "import", "events", str(bad), "--errors-out", str(errors)], code=2)
    assert "nothing was imported" in out
    with errors.open(encoding="utf-8") as f:
        assert [(r["row"], r["column"]) for r in csv.DictReader(f)] == [
            ("2", "round"),
            ("2", "amount"),
        ]

    out_dir = tmp_path / "reports"
    out = _run(["market", "report", "--year", "2019", "--out", str(out_dir)])
    assert "752 起，涉及 678 家企业" in out
    assert "深创投" in out
    html = (out_dir / "market-report-2019.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 8
    assert "1,194.40 亿元" in html
    assert (out_dir / "market-report-2019.pdf").read_bytes().startswith(b"%PDF")

    out = _run(["market", "classify", "工业防火墙与工控安全"])
    assert "安全 (security)" in out and "method=rules" in out
    out = _run(["market", "match", "--stage", "early", "--province", "北京"])
    assert "matching investors" in out and "同阶段" in out
    out = _run(["market", "override", "no-such-id", "--field", "security"], code=2)
    assert "no market company no-such-id" in out
    out = _run(["market", "match", "--stage", "seedling"], code=2)
    assert "stage" in out
    out = _run(["market", "template", "listings"])
    assert out.strip().endswith(
        "stock_code,company,exchange,board,listing_date,ipo_proceeds,market_value,province,"
        "city,description,field,tags"
    )
