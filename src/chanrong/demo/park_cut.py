"""A simulated park as seen on one day: everything observable up to an instant, and the whole
hidden truth (which firms go on to default, and when).

The simulator's histories are not prefix-stable (a longer run draws a different park), so to
know what happens to the demo's firms *after* the day they apply, the demo simulates past the
day and hands the platform only what had happened before it — as a real park would look. The
truth stays whole: it is what the demo measures its live decisions against, never an input.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from chanrong.core.clock import month_start

SHANGHAI = ZoneInfo("Asia/Shanghai")

# Business tables and the column that says when a record came to be. An energy bill exists
# once its month is over, so bills are kept for months that ended before the cut.
DATED = {
    "orders.parquet": "order_date",
    "invoices.parquet": "issue_date",
    "payments.parquet": "paid_date",
    "cloud_usage.parquet": "day",
}
WHOLE = ("enterprises.parquet", "devices.parquet", "park.json")


def cut_instant(day: date) -> datetime:
    """The first instant of ``day`` on the Shanghai calendar, in UTC."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def _before(table: pa.Table, column: str, bound: object) -> pa.Table:
    return table.filter(
        pc.less(table.column(column), pa.scalar(bound, table.schema.field(column).type))
    )


def cut_park(full: Path, out: Path, day: date) -> None:
    """Write to ``out`` the park in ``full`` as observable at the start of ``day`` (Shanghai):
    telemetry stamped before it, orders, invoices, payments and cloud usage dated before it,
    energy bills of the months that ended before it, maintenance begun before it; the
    enterprises, devices and the whole truth (``truth/``) as they are. ``out`` is replaced."""
    if out.exists():
        shutil.rmtree(out)
    partial = out.with_name(f".{out.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    for name in WHOLE:
        shutil.copy2(full / name, partial / name)
    shutil.copytree(full / "truth", partial / "truth")
    for name, column in DATED.items():
        pq.write_table(_before(pq.read_table(full / name), column, day), partial / name)
    this_month = month_start(day)
    pq.write_table(
        _before(pq.read_table(full / "energy.parquet"), "month", this_month),
        partial / "energy.parquet",
    )
    instant = cut_instant(day)
    maint = pq.read_table(full / "maintenance.parquet")
    pq.write_table(_before(maint, "start", instant), partial / "maintenance.parquet")
    last = f"{instant.astimezone(SHANGHAI):%Y-%m}"
    for firm in sorted((full / "telemetry").iterdir()):
        for month in sorted(firm.iterdir()):
            label = month.name.removeprefix("month=")
            if label > last:
                continue
            target = partial / "telemetry" / firm.name / month.name
            target.mkdir(parents=True)
            for part in sorted(month.glob("*.parquet")):
                if label < last:
                    shutil.copy2(part, target / part.name)
                else:
                    pq.write_table(_before(pq.read_table(part), "ts", instant), target / part.name)
    partial.rename(out)
