"""Daily series kept beside the raw points: one file per firm and finished month.

When ``TelemetryStore.compact_months`` folds a month into its file it also writes that month's
daily aggregates (per device, metric and UTC day: n, min, max, mean, first, last, increase) to
``<root>/_rollups/org=<org>/month=YYYY-MM/daily-<stem>.parquet``, ``<stem>`` naming the month
file they were computed from. A read of daily aggregates uses a month's rollup only while that
file is still the month's only data (no later compaction, no late day files); any other month
is aggregated from its raw points, so a rollup can be stale on disk but is never read stale.

Within a month a counter's ``increase`` is computed from that month's readings alone; the rise
between the last reading before a month and its first one is added back when months are
stitched (``STITCH_SQL``), from the stored ``first`` and ``last``, so the result equals an
aggregate over the raw points of the whole window.
"""

# Templates only: the store fills {points}/{rows} with its own SQL and binds every user value.

from __future__ import annotations

ROLLUP_DIR = "_rollups"

# Per device, metric and day of ``points``; the lag runs within a month (see STITCH_SQL).
MONTHLY_DAILY_SQL = """
    WITH p AS ({points}),
    d AS (
      SELECT *, value - lag(value) OVER w AS diff, CAST(ts AS DATE) AS day
      FROM p WINDOW w AS (PARTITION BY device_id, metric, date_trunc('month', ts) ORDER BY ts)
    )
    SELECT device_id, metric, day, count(*) AS n, min(value) AS min, max(value) AS max,
           avg(value) AS mean, arg_min(value, ts) AS first, arg_max(value, ts) AS last,
           coalesce(sum(CASE WHEN diff >= 0 THEN diff WHEN diff < 0 THEN value END), 0)
             AS increase
    FROM d GROUP BY ALL
"""

# Month-wise daily rows stitched: each series' first day of a month gets the rise from the
# last reading of the day before it (a drop being a reset, as within a month).
STITCH_SQL = """
    WITH r AS ({rows}),
    s AS (
      SELECT *, lag(last) OVER w AS prev_last, lag(day) OVER w AS prev_day
      FROM r WINDOW w AS (PARTITION BY device_id, metric ORDER BY day)
    )
    SELECT device_id, metric, day, n, min, max, mean, first, last,
           increase + CASE
             WHEN prev_day IS NULL OR date_trunc('month', prev_day) = date_trunc('month', day)
               THEN 0
             WHEN first - prev_last >= 0 THEN first - prev_last
             ELSE first END AS increase
    FROM s ORDER BY device_id, metric, day
"""
