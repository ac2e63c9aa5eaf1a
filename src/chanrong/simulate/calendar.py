"""The park's calendar: months, the reading grid, Spring Festival and public holidays.

Months follow the Asia/Shanghai calendar (China has no daylight saving, so local time is
UTC+8 all year); readings sit on a fixed grid from local midnight and are stored in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

# Chinese New Year (春节, first day of the first lunar month). Data, not a formula: the
# lunar calendar needs astronomical tables, and these dates are published well ahead.
SPRING_FESTIVAL: dict[int, date] = {
    2000: date(2000, 2, 5),
    2001: date(2001, 1, 24),
    2002: date(2002, 2, 12),
    2003: date(2003, 2, 1),
    2004: date(2004, 1, 22),
    2005: date(2005, 2, 9),
    2006: date(2006, 1, 29),
    2007: date(2007, 2, 18),
    2008: date(2008, 2, 7),
    2009: date(2009, 1, 26),
    2010: date(2010, 2, 14),
    2011: date(2011, 2, 3),
    2012: date(2012, 1, 23),
    2013: date(2013, 2, 10),
    2014: date(2014, 1, 31),
    2015: date(2015, 2, 19),
    2016: date(2016, 2, 8),
    2017: date(2017, 1, 28),
    2018: date(2018, 2, 16),
    2019: date(2019, 2, 5),
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
    2031: date(2031, 1, 23),
    2032: date(2032, 2, 11),
    2033: date(2033, 1, 31),
    2034: date(2034, 2, 19),
    2035: date(2035, 2, 8),
}

# Fixed-date public holidays most factories stop for (month, day). Golden Week is only
# partly observed by manufacturers, so only its first three days are taken as closed.
PUBLIC_HOLIDAYS = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))

LOCAL_OFFSET = timedelta(hours=8)
_EPOCH = date(1970, 1, 1)


def spring_festival(year: int) -> date:
    """Chinese New Year's day of ``year``; an approximation (Feb 1) outside the table."""
    return SPRING_FESTIVAL.get(year, date(year, 2, 1))


def month_starts(start: date, months: int) -> list[date]:
    """The first day of each simulated month."""
    out = []
    y, m = start.year, start.month
    for _ in range(months):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def next_month(d: date) -> date:
    return date(d.year + 1, 1, 1) if d.month == 12 else date(d.year, d.month + 1, 1)


def local_midnight_utc(d: date) -> datetime:
    """The UTC instant of local (Asia/Shanghai) midnight starting day ``d``."""
    return datetime(d.year, d.month, d.day, tzinfo=UTC) - LOCAL_OFFSET


@dataclass(frozen=True, slots=True)
class MonthGrid:
    """The reading grid of one month: one entry per reading slot."""

    month: date
    days: int
    per_day: int
    interval_minutes: int
    ts_us: np.ndarray  # int64 microseconds since the epoch, UTC
    day: np.ndarray  # int32 day of month index (0-based) of each slot
    minute: np.ndarray  # int32 local minute of day of each slot
    weekday: np.ndarray  # int8 per day, Monday = 0
    day_ordinal: np.ndarray  # int32 per day: days since 1970-01-01
    public_holiday: np.ndarray  # bool per day

    @property
    def slots(self) -> int:
        return self.days * self.per_day


def month_grid(month: date, interval_minutes: int) -> MonthGrid:
    """Build the reading grid for the month starting ``month``."""
    days = (next_month(month) - month).days
    per_day = 1440 // interval_minutes
    slots = days * per_day
    first_us = int(local_midnight_utc(month).timestamp()) * 1_000_000
    k = np.arange(slots, dtype=np.int64)
    ts_us = first_us + k * (interval_minutes * 60_000_000)
    day = (k // per_day).astype(np.int32)
    minute = ((k % per_day) * interval_minutes).astype(np.int32)
    first_ordinal = (month - _EPOCH).days
    day_ordinal = np.arange(first_ordinal, first_ordinal + days, dtype=np.int32)
    # 1970-01-01 was a Thursday (weekday 3).
    weekday = ((day_ordinal + 3) % 7).astype(np.int8)
    holiday = np.zeros(days, dtype=bool)
    for m, d in PUBLIC_HOLIDAYS:
        if m == month.month and d <= days:
            holiday[d - 1] = True
    return MonthGrid(
        month=month,
        days=days,
        per_day=per_day,
        interval_minutes=interval_minutes,
        ts_us=ts_us,
        day=day,
        minute=minute,
        weekday=weekday,
        day_ordinal=day_ordinal,
        public_holiday=holiday,
    )


def date_ordinal(d: date) -> int:
    """Days since 1970-01-01 (the Arrow date32 value)."""
    return (d - _EPOCH).days


def ordinal_date(n: int) -> date:
    return _EPOCH + timedelta(days=int(n))
