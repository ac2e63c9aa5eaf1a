"""Aggregated series of telemetry: the shape of a bucket's aggregate and the SQL that makes,
coarsens and stitches them. Templates and an Arrow schema only: no files, no connection.

A bucket (15 minutes, an hour, a UTC day) of one device's metric holds ``n`` readings, their
``min``, ``max``, ``mean``, ``first`` and ``last``, what a counter added *inside* the bucket
(``increase``: the sum of rises between consecutive readings, a drop read as a reset to zero),
how many readings were negative (``n_neg``, for data quality) and, for ``run_state``, how many
found the machine off, idle, running or in fault (0 / 1 / 2 / 3; zero for other metrics).

Every column composes: coarser buckets are computed from finer ones (``COARSEN_SQL``) with the
rise between one bucket's ``last`` and the next one's ``first`` added in, and a read stitches
consecutive buckets the same way (``STITCH_SQL``), so a series read from stored aggregates
equals one aggregated from the raw points of the same window (floats up to summation order).
"""

# Templates only: callers fill {points}/{rows} with their own SQL and bind every user value;
# {width} is an integer number of microseconds from WIDTHS below.

from __future__ import annotations

import pyarrow as pa

ROLLUP_DIR = "_rollups"

# Bucket widths in microseconds, by the name readers ask for.
WIDTHS: dict[str, int] = {"15m": 900_000_000, "1h": 3_600_000_000, "1d": 86_400_000_000}
# Rollup files kept per folded month, by width: the name prefix of each.
PREFIX: dict[str, str] = {"15m": "quarter", "1h": "hour", "1d": "day"}

AGG_SCHEMA = pa.schema(
    [
        ("device_id", pa.string()),
        ("metric", pa.string()),
        ("start", pa.timestamp("us", tz="UTC")),
        ("n", pa.int64()),
        ("min", pa.float64()),
        ("max", pa.float64()),
        ("mean", pa.float64()),
        ("first", pa.float64()),
        ("last", pa.float64()),
        ("increase", pa.float64()),
        ("n_neg", pa.int64()),
        ("off", pa.int64()),
        ("idle", pa.int64()),
        ("running", pa.int64()),
        ("fault", pa.int64()),
    ]
)
COLUMNS = ", ".join(AGG_SCHEMA.names)


# Raw points (device_id, metric, ts, value) → one row per series and bucket.
BUCKET_SQL = """
    WITH p AS ({points}),
    b AS (SELECT *, make_timestamptz(epoch_us(ts) // {width} * {width}) AS start FROM p),
    d AS (
      SELECT *, value - lag(value) OVER (PARTITION BY device_id, metric, start ORDER BY ts) AS diff
      FROM b
    )
    SELECT device_id, metric, start, count(*) AS n, min(value) AS min, max(value) AS max,
           avg(value) AS mean, arg_min(value, ts) AS first, arg_max(value, ts) AS last,
           coalesce(sum(CASE WHEN diff >= 0 THEN diff WHEN diff < 0 THEN value END), 0)
             AS increase,
           count(*) FILTER (WHERE value < 0) AS n_neg,
           count(*) FILTER (WHERE metric = 'run_state' AND value = 0) AS off,
           count(*) FILTER (WHERE metric = 'run_state' AND value = 1) AS idle,
           count(*) FILTER (WHERE metric = 'run_state' AND value = 2) AS running,
           count(*) FILTER (WHERE metric = 'run_state' AND value = 3) AS fault
    FROM d GROUP BY device_id, metric, start
"""

# Aggregate rows ({rows}, AGG_SCHEMA) → rows of a coarser (or the same) width; rows of one
# series in the same bucket are merged, the rise between consecutive ones added to increase.
COARSEN_SQL = """
    WITH r AS ({rows}),
    b AS (
      SELECT * REPLACE (make_timestamptz(epoch_us(start) // {width} * {width}) AS start),
             start AS sub
      FROM r
    ),
    s AS (
      SELECT *, lag(last) OVER (PARTITION BY device_id, metric, start ORDER BY sub) AS prev_last
      FROM b
    )
    SELECT device_id, metric, start, sum(n)::BIGINT AS n, min(min) AS min, max(max) AS max,
           sum(mean * n) / sum(n) AS mean, arg_min(first, sub) AS first,
           arg_max(last, sub) AS last,
           sum(increase + CASE WHEN prev_last IS NULL THEN 0
                               WHEN first - prev_last >= 0 THEN first - prev_last
                               ELSE first END) AS increase,
           sum(n_neg)::BIGINT AS n_neg, sum(off)::BIGINT AS off, sum(idle)::BIGINT AS idle,
           sum(running)::BIGINT AS running, sum(fault)::BIGINT AS fault
    FROM s GROUP BY device_id, metric, start
"""

# Rows of a read, in order: each bucket's increase gains the rise from the bucket before it
# in the same series, so ``increase`` counts every consecutive pair of readings in the window.
STITCH_SQL = """
    WITH r AS ({rows}),
    s AS (
      SELECT *, lag(last) OVER (PARTITION BY device_id, metric ORDER BY start) AS prev_last
      FROM r
    )
    SELECT device_id, metric, start, n, min, max, mean, first, last,
           increase + CASE WHEN prev_last IS NULL THEN 0
                           WHEN first - prev_last >= 0 THEN first - prev_last
                           ELSE first END AS increase,
           n_neg, off, idle, running, fault
    FROM s ORDER BY device_id, metric, start
"""
