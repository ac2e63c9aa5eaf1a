"""``chanrong import``: CSV and Excel with a column-mapping template and row-level errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow.compute as pc
import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from chanrong.cli.main import app
from chanrong.core.settings import get_settings
from chanrong.simulate import ParkConfig, read_park, write_park
from chanrong.storage.database import Database
from chanrong.telemetry import service
from chanrong.telemetry.orm import Invoice, Order
from chanrong.telemetry.repository import TelemetryRepository
from chanrong.telemetry.store import TelemetryStore
from tests.telemetry.builders import assert_batch_shape, recorded_batches
from tests.telemetry.conftest import Plant

runner = CliRunner()


@pytest.fixture
def cli_env(plant: Plant, monkeypatch: pytest.MonkeyPatch) -> Iterator[Plant]:
    for key, value in plant.env(0).items():
        if key.startswith("CHANRONG_"):
            monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield plant
    get_settings.cache_clear()


MAPPING = """
kind: invoices
sheet: 发票
header_row: 2
columns:
  invoice_id: 发票号码
  order_id: 订单号
  buyer_name: 购买方名称
  buyer_uscc: 购买方税号
  issue_date: 开票日期
  due_date: 到期日
  amount: 价税合计
"""


def _workbook(path: Path, rows: list[list[object]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "发票"
    ws.append(["2026年3月 销项发票"])  # a title row above the header, as exported by tax software
    ws.append(
        ["发票号码", "订单号", "购买方名称", "购买方税号", "开票日期", "到期日", "价税合计", "备注"]
    )
    for row in rows:
        ws.append(row)
    wb.save(path)


def _invoices(plant: Plant) -> list[Invoice]:
    db = Database(plant.db_url)
    try:
        with db.unit_of_work() as session:
            return list(TelemetryRepository(session).records("invoices", plant.org_id))
    finally:
        db.dispose()


def test_excel_import_reports_bad_rows_and_imports_nothing(cli_env: Plant, tmp_path: Path) -> None:
    mapping = tmp_path / "invoices.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    xlsx = tmp_path / "invoices.xlsx"
    _workbook(
        xlsx,
        [
            ["INV-1", "SO-1", "宁波精工", None, date(2026, 3, 1), date(2026, 4, 1), 1130.0, ""],
            ["INV-2", "SO-2", "", None, date(2026, 3, 2), date(2026, 4, 2), 500, ""],
            [None, None, None, None, None, None, None, None],  # blank rows are skipped
            ["INV-3", "SO-3", "杭州机电", "91330100X", date(2026, 3, 3), date(2026, 4, 3), 10, ""],
            ["INV-4", "SO-4", "杭州机电", None, "2026/03/04", date(2026, 4, 4), -5, ""],
            ["INV-5", "SO-5", "杭州机电", None, "下周", date(2026, 4, 4), "abc", ""],
        ],
    )
    errors_csv = tmp_path / "errors.csv"
    result = runner.invoke(
        app,
        [
            "import",
            str(xlsx),
            "--kind",
            "invoices",
            "--org",
            cli_env.uscc,
            "--mapping",
            str(mapping),
            "--errors-csv",
            str(errors_csv),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "nothing imported" in result.output
    lines = errors_csv.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "row,column,reason"
    assert [tuple(line.split(",")[:2]) for line in lines[1:]] == [
        ("4", "buyer_name"),
        ("6", "buyer_uscc"),
        ("7", "amount"),
        ("8", "issue_date"),
    ]
    assert _invoices(cli_env) == []

    # Fixed file: every row goes in, money exact to the fen.
    _workbook(
        xlsx,
        [
            ["INV-1", "SO-1", "宁波精工", None, date(2026, 3, 1), date(2026, 4, 1), 1130.1, ""],
            [
                "INV-2",
                "SO-2",
                "宝钢",
                "91310000631696382C",
                "2026/03/02",
                "20260402",
                "98,000.05",
                "",
            ],
        ],
    )
    result = runner.invoke(
        app,
        [
            "import",
            str(xlsx),
            "--kind",
            "invoices",
            "--org",
            cli_env.org_id,
            "--mapping",
            str(mapping),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "imported 2 invoices" in result.output
    got = {(i.invoice_id, i.amount_fen, i.due_date) for i in _invoices(cli_env)}
    assert got == {("INV-1", 113010, date(2026, 4, 1)), ("INV-2", 9800005, date(2026, 4, 2))}
    # Both files went through the ingestion door: the refused one is kept with its reasons.
    refused, taken = (assert_batch_shape(b) for b in recorded_batches(cli_env))
    assert (refused["source"], refused["kind"], refused["filename"]) == (
        "file",
        "invoices",
        "invoices.xlsx",
    )
    assert refused["status"] == "rejected"
    assert refused["rejected_by_reason"] == {
        "amount": 1,
        "buyer_name": 1,
        "buyer_uscc": 1,
        "issue_date": 1,
        "refused_with_batch": 1,  # INV-1, refused with the others
    }
    assert (taken["status"], taken["rows_accepted"]) == ("accepted", 2)


def test_gbk_csv_with_default_mapping(cli_env: Plant, tmp_path: Path) -> None:
    csv = tmp_path / "orders.csv"
    csv.write_bytes(
        "order_id,buyer_name,order_date,amount\nSO-9,温州鞋业,2026-03-01,88.80\n".encode("gbk")
    )
    result = runner.invoke(app, ["import", str(csv), "--kind", "orders", "--org", cli_env.uscc])
    assert result.exit_code == 0, result.output
    db = Database(cli_env.db_url)
    with db.unit_of_work() as session:
        [order] = TelemetryRepository(session).records("orders", cli_env.org_id)
        assert isinstance(order, Order)
        assert (order.buyer_name, order.amount_fen, order.source) == ("温州鞋业", 8880, "file")
    db.dispose()


def test_template_and_unusable_inputs(cli_env: Plant, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import-template", "energy_bills"])
    assert result.exit_code == 0
    assert "kind: energy_bills" in result.output
    assert "electricity_kwh: electricity_kwh  # quantity" in result.output
    assert "cost: cost  # money (yuan, 2 decimals)" in result.output
    result = runner.invoke(app, ["import-template", "rockets"])
    assert result.exit_code == 2
    assert "kind:" in result.output

    csv = tmp_path / "orders.csv"
    csv.write_text("订单号,金额\nSO-1,1\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(csv), "--kind", "orders", "--org", cli_env.org_id])
    assert result.exit_code == 2
    assert "columns: 'order_id' not found in the header row" in result.output
    result = runner.invoke(app, ["import", str(csv), "--kind", "orders", "--org", "nobody"])
    assert result.exit_code == 2
    bad_map = tmp_path / "m.yaml"
    bad_map.write_text("columns:\n  colour: 颜色\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "import",
            str(csv),
            "--kind",
            "orders",
            "--org",
            cli_env.org_id,
            "--mapping",
            str(bad_map),
        ],
    )
    assert result.exit_code == 2
    assert "'colour' is not a field of orders" in result.output


def test_quality_from_the_command_line(cli_env: Plant) -> None:
    from tests.telemetry.builders import points

    values = [5.0] * 96
    values[10] = -3.0  # impossible power
    TelemetryStore(cli_env.telemetry_dir).write(cli_env.org_id, points("cnc-1", "power_kw", values))
    result = runner.invoke(
        app, ["quality", "run", "--org", cli_env.uscc, "--from", "2026-03-02", "--to", "2026-03-02"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-03-02" in result.output
    assert "out_of_range 1/96" in result.output
    result = runner.invoke(app, ["quality", "show", "--org", cli_env.org_id, "--scope", "device"])
    assert result.exit_code == 0, result.output
    assert "cnc-1" in result.output
    assert "█" in result.output
    result = runner.invoke(app, ["quality", "run", "--org", cli_env.uscc, "--day", "2026-02-30"])
    assert result.exit_code == 2
    assert "day: '2026-02-30' is not a date" in result.output
    store = TelemetryStore(cli_env.telemetry_dir)
    store.write(cli_env.org_id, points("cnc-1", "power_kw", values[:10]))  # sent again
    result = runner.invoke(app, ["telemetry", "compact", "--org", cli_env.uscc])
    assert result.exit_code == 0, result.output
    assert "106 rows → 96 distinct points" in result.output
    store.write(cli_env.org_id, points("cnc-1", "power_kw", values[:5]))
    result = runner.invoke(
        app, ["quality", "run", "--org", cli_env.uscc, "--day", "2026-03-02", "--compact"]
    )
    assert result.exit_code == 0, result.output
    assert "duplicate 5/101" in result.output  # scored before the merge
    assert store.physical_rows(cli_env.org_id) == 96
    assert store.organisations() == [cli_env.org_id]
    result = runner.invoke(app, ["quality", "run", "--org", "all", "--day", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "scored 1 days of 1 enterprises" in result.output
    compact = ["telemetry", "compact", "--org", cli_env.uscc, "--months-before"]
    result = runner.invoke(app, [*compact, "2026-04-31"])
    assert result.exit_code == 2 and "months_before" in result.output
    result = runner.invoke(app, [*compact, "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "folded 1 months: 1 files, 96 rows → 96 distinct points" in result.output
    assert store.days(cli_env.org_id) == [] and store.count(cli_env.org_id) == 96


def test_load_a_simulated_park(cli_env: Plant, tmp_path: Path) -> None:
    config = ParkConfig(enterprises=3, months=1, interval_minutes=120, seed=5).validated()
    write_park(config, tmp_path / "park")
    result = runner.invoke(app, ["telemetry", "load-park", str(tmp_path / "park")])
    assert result.exit_code == 0, result.output
    assert "3 enterprises are not on the platform" in result.output
    for _ in range(2):  # loading twice changes nothing
        result = runner.invoke(
            app, ["telemetry", "load-park", str(tmp_path / "park"), "--create-orgs"]
        )
        assert result.exit_code == 0, result.output
    park = read_park(tmp_path / "park")
    db = Database(cli_env.db_url)
    store = TelemetryStore(cli_env.telemetry_dir)
    with db.unit_of_work() as session:
        for uscc in park.enterprises.column("uscc").to_pylist():
            org_id = service.org_for_uscc(session, uscc)
            assert org_id is not None
            tel = park.telemetry.filter(pc.equal(park.telemetry.column("uscc"), uscc))
            distinct = len(
                {
                    (d, m, t)
                    for d, m, t in zip(
                        tel.column("device_id").to_pylist(),
                        tel.column("metric").to_pylist(),
                        tel.column("ts").to_pylist(),
                        strict=True,
                    )
                }
            )
            assert store.count(org_id) == distinct
            repo = TelemetryRepository(session)
            assert len(repo.devices(org_id)) == len(
                [u for u in park.devices.column("uscc").to_pylist() if u == uscc]
            )
            orders = park.orders.filter(pc.equal(park.orders.column("seller_uscc"), uscc))
            got = repo.records("orders", org_id)
            assert sorted(o.amount_fen for o in got) == sorted(
                orders.column("amount_fen").to_pylist()
            )
            # The demo's loader goes through the same doors: each load, a batch per dataset.
            batches = [assert_batch_shape(b) for b in repo.batches(org_id)]
            assert {b["source"] for b in batches} == {"file"}
            telemetry = [b for b in batches if b["kind"] == "telemetry"]
            assert len(telemetry) == 2  # loaded twice
            assert {b["rows_accepted"] for b in telemetry} == {tel.num_rows}
    db.dispose()
