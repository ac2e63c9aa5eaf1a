"""Spreadsheet limits: each bomb is refused before its work is done, naming the limit."""

from __future__ import annotations

import io
import zipfile

import pytest

from chanrong.core.errors import PayloadTooLarge, ValidationFailed
from chanrong.core.sheets import SheetLimits, csv_rows, xlsx_rows


def _xlsx(cells: list[tuple[int, int, object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row, col, value in cells:
        ws.cell(row=row, column=col, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_padding(xlsx: bytes, size: int) -> bytes:
    """The workbook plus one entry of ``size`` zero bytes (a few kB once deflated)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/padding.bin", b"\0" * size, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_an_ordinary_workbook_reads_as_rows() -> None:
    data = _xlsx([(1, 1, "a"), (1, 2, "b"), (2, 1, 1), (2, 2, "x")])
    assert list(xlsx_rows(data)) == [["a", "b"], [1, "x"]]


def test_a_zip_bomb_is_refused_from_the_archive_directory() -> None:
    limits = SheetLimits(max_unzipped_bytes=1024 * 1024)
    bomb = _with_padding(_xlsx([(1, 1, "a")]), 2 * 1024 * 1024)
    assert len(bomb) < 64 * 1024
    with pytest.raises(PayloadTooLarge) as caught:
        list(xlsx_rows(bomb, limits=limits))
    assert caught.value.extra == {"limit": "max_unzipped_bytes", "max": 1024 * 1024}
    assert caught.value.status == 413


def test_a_cell_on_the_last_row_is_refused_by_the_row_limit() -> None:
    # One cell at row 1,048,576: the reader would yield a million empty rows.
    data = _xlsx([(1, 1, "h"), (1_048_576, 1, "x")])
    assert len(data) < 16 * 1024
    with pytest.raises(PayloadTooLarge) as caught:
        list(xlsx_rows(data, limits=SheetLimits(max_rows=1000)))
    assert caught.value.extra["limit"] == "max_rows"


def test_cells_in_the_last_column_count_against_the_cell_limit() -> None:
    data = _xlsx([(r, 16_384, "x") for r in range(1, 20)])
    with pytest.raises(PayloadTooLarge) as caught:
        list(xlsx_rows(data, limits=SheetLimits(max_cells=100_000)))
    assert caught.value.extra["limit"] == "max_cells"


def test_a_long_xlsx_cell_is_refused() -> None:
    data = _xlsx([(1, 1, "h"), (2, 1, "x" * 5000)])
    with pytest.raises(PayloadTooLarge) as caught:
        list(xlsx_rows(data, limits=SheetLimits(max_field_chars=4096)))
    assert caught.value.extra["limit"] == "max_field_chars"
    assert "row 2 column 1" in caught.value.detail


def test_not_a_zip_is_422_naming_the_file() -> None:
    with pytest.raises(ValidationFailed) as caught:
        list(xlsx_rows(b"not a workbook"))
    assert caught.value.field == "file"
    assert caught.value.status == 422


def test_csv_rows_and_the_128_kib_field() -> None:
    assert list(csv_rows("a,b\n1,2\n")) == [["a", "b"], ["1", "2"]]
    with pytest.raises(PayloadTooLarge) as caught:
        list(csv_rows("a,b\n" + "x" * (128 * 1024 + 1) + ",2\n"))
    assert caught.value.extra["limit"] == "max_field_chars"
    assert caught.value.field == "file"
    with pytest.raises(PayloadTooLarge) as rows:
        list(csv_rows("a\n" * 11, SheetLimits(max_rows=10)))
    assert rows.value.extra == {"limit": "max_rows", "max": 10}


def test_formulas_are_neutralised_on_export() -> None:
    from chanrong.core.sheets import safe_cell, write_csv

    assert safe_cell('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    assert [safe_cell(v) for v in ("+1", "-cmd", "@SUM(A1)", "\t=1", "甲", 5)] == [
        "'+1",
        "'-cmd",
        "'@SUM(A1)",
        "'\t=1",
        "甲",
        5,
    ]
    out = io.StringIO()
    write_csv(out, ["row", "reason"], [(2, "=HYPERLINK(1)"), (3, "fine")])
    assert out.getvalue().splitlines() == ["row,reason", "2,'=HYPERLINK(1)", "3,fine"]
