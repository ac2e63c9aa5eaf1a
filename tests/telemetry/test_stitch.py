"""The numpy coarsening and stitching give what the SQL templates give, row for row."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.telemetry import duck
from chanrong.telemetry.aggregates import AGG_SCHEMA, COARSEN_SQL, STITCH_SQL, WIDTHS
from chanrong.telemetry.stitch import coarsen_and_stitch

BASE_US = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp() * 1_000_000)
HOUR = WIDTHS["1h"]

_values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
_row = st.tuples(
    st.sampled_from(["m1", "m2", "Z-9", "设备甲"]),  # byte order differs from locale order
    st.sampled_from(["energy_kwh", "run_state", "power_kw"]),
    st.integers(min_value=0, max_value=24 * 3),  # hour of a three-day window
    st.integers(min_value=1, max_value=50),
    _values,
    _values,
    _values,
    st.floats(min_value=0, max_value=1e3, allow_nan=False),
    st.integers(min_value=0, max_value=5),
)


def _table(rows: list[tuple[str, str, int, int, float, float, float, float, int]]) -> pa.Table:
    # One row per series and hour (the store never holds two aggregates of one bucket).
    unique = {(r[0], r[1], r[2]): r for r in rows}
    out: dict[str, list[object]] = {name: [] for name in AGG_SCHEMA.names}
    for device, metric, hour, n, a, b, c, inc, k in unique.values():
        lo, hi = min(a, b, c), max(a, b, c)
        values = {
            "device_id": device,
            "metric": metric,
            "start": BASE_US + hour * HOUR,
            "n": n,
            "min": lo,
            "max": hi,
            "mean": (a + b + c) / 3,
            "first": a,
            "last": b,
            "increase": inc,
            "n_neg": k,
            "off": k,
            "idle": n - k if n > k else 0,
            "running": 1,
            "fault": 0,
        }
        for name, value in values.items():
            out[name].append(value)
    arrays = {name: pa.array(out[name]) for name in AGG_SCHEMA.names}
    arrays["start"] = pa.array(out["start"], pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    return pa.table(arrays).cast(AGG_SCHEMA)


def _sql(table: pa.Table, width: int) -> pa.Table:
    with duck.connection() as con:
        con.register("agg", table)
        sql = STITCH_SQL.format(rows=COARSEN_SQL.format(rows="SELECT * FROM agg", width=width))
        return con.sql(sql).to_arrow_table().cast(AGG_SCHEMA)


def _close(a: pa.Table, b: pa.Table) -> None:
    assert a.num_rows == b.num_rows
    for name in AGG_SCHEMA.names:
        left, right = a.column(name).to_pylist(), b.column(name).to_pylist()
        if pa.types.is_floating(AGG_SCHEMA.field(name).type):
            assert left == pytest.approx(right, rel=1e-9, abs=1e-6), name
        else:
            assert left == right, name


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(_row, min_size=1, max_size=60), width=st.sampled_from(["1h", "1d"]))
def test_numpy_equals_the_sql(rows: list[tuple], width: str) -> None:  # type: ignore[type-arg]
    table = _table(rows)
    _close(coarsen_and_stitch(table, WIDTHS[width]), _sql(table, WIDTHS[width]))


def test_a_counter_reset_between_buckets_counts_the_new_first_value() -> None:
    rows = [
        ("m1", "energy_kwh", 0, 4, 10.0, 20.0, 15.0, 10.0, 0),  # first 10, last 20
        ("m1", "energy_kwh", 1, 4, 30.0, 40.0, 35.0, 10.0, 0),  # rise 10 from 20 to 30
        ("m1", "energy_kwh", 2, 4, 5.0, 9.0, 7.0, 4.0, 0),  # reset: 5 counts, not -35
    ]
    out = coarsen_and_stitch(_table(rows), HOUR)
    assert out.column("increase").to_pylist() == [10.0, 20.0, 9.0]
    day = coarsen_and_stitch(_table(rows), WIDTHS["1d"])
    assert day.column("increase").to_pylist() == [10.0 + 20.0 + 9.0]
    assert day.column("n").to_pylist() == [12]
    assert day.column("first").to_pylist() == [10.0]
    assert day.column("last").to_pylist() == [9.0]


def test_rows_with_nulls_are_refused() -> None:
    table = _table([("m1", "power_kw", 0, 1, 1.0, 2.0, 1.5, 0.0, 0)])
    table = table.set_column(
        AGG_SCHEMA.get_field_index("mean"), "mean", pa.array([None], pa.float64())
    )
    with pytest.raises(ValueError, match="mean"):
        coarsen_and_stitch(table, HOUR)


def test_no_rows_give_the_empty_schema() -> None:
    assert coarsen_and_stitch(AGG_SCHEMA.empty_table(), HOUR).schema == AGG_SCHEMA
