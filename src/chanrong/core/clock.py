"""Time: always timezone-aware, stored in UTC, shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from chanrong.core.errors import ValidationFailed

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    """Something that tells the time; services take one so tests can fix it."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock (UTC)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, at: datetime) -> None:
        self._at = ensure_aware(at)

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta

    def set(self, at: datetime) -> None:
        self._at = ensure_aware(at)


def utcnow() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)


def ensure_aware(value: datetime) -> datetime:
    """Reject naive datetimes rather than guess their zone; convert aware ones to UTC."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


def to_shanghai(value: datetime) -> datetime:
    """The same instant as Beijing time, for display."""
    return ensure_aware(value).astimezone(SHANGHAI)


def shanghai_date(value: datetime) -> date:
    """The calendar day in Beijing on which an instant falls (business days are local)."""
    return to_shanghai(value).date()


def utc_midnight(d: date) -> datetime:
    """The instant ``d`` begins in UTC: the bound of a day range over UTC-stamped data (the
    telemetry store partitions and reads by UTC day)."""
    return datetime.combine(d, time(0), tzinfo=UTC)


def month_start(d: date, shift: int = 0) -> date:
    """The first day of ``d``'s month, moved by ``shift`` months (negative: earlier)."""
    y, m = divmod(d.year * 12 + d.month - 1 + shift, 12)
    return date(y, m + 1, 1)


def month_bounds(first: date, *, field: str = "period") -> tuple[date, date]:
    """[first, first of the next month) for a month given by its first day."""
    if first.day != 1:
        raise ValidationFailed(f"{field}: give the month as YYYY-MM", field=field)
    return first, month_start(first, 1)


def parse_month(value: str, *, field: str = "period") -> date:
    """``YYYY-MM`` as the month's first day, or a ``ValidationFailed`` naming the field."""
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError:
        raise ValidationFailed(f"{field}: give the month as YYYY-MM", field=field) from None
