"""The nightly quality run scores a whole UTC day: the store's partitions are UTC days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chanrong.jobs.registry import Cadence, parse_period, registered
from chanrong.telemetry.tasks import DAILY_QUALITY


@given(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    )
)
def test_quality_run_scores_a_day_that_has_ended(now: datetime) -> None:
    job = registered()[DAILY_QUALITY]
    fired = job.last_firing(now)
    assert fired is not None
    day = parse_period(Cadence.DAILY, job.period_of(fired))
    utc_day_end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    assert fired.astimezone(UTC) >= utc_day_end
    # …and not a day late: the day scored is the last UTC day wholly before the firing.
    assert fired.astimezone(UTC) < utc_day_end + timedelta(days=1)
