"""Builders for market test data: CSV text, Excel bytes, and the compiled report data set."""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from chanrong.market import service

DATA = Path(str(resources.files("chanrong.market").joinpath("data", "reports")))

EVENT_HEADER = ["date", "company", "round", "amount", "investors", "province", "city"]


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(header)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def load_report_data(session: Session) -> None:
    """Import the data set compiled from the sector reports (see data/compile.py)."""
    service.load_report_data(session)
