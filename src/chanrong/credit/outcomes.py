"""What credit models learn from: did an enterprise default within a horizon after a date?

Training (``training``) reads outcomes through ``OutcomeSource`` and never from where they are
kept: a simulated park's hidden truth (``chanrong.demo.park_outcomes``), or the platform's own
loan outcomes (its default events joined to the profiles its decisions read).

Point-in-time: an enterprise observed on date D is described by its profile as it stood on D
(built only from what was known before D) and labelled by what happened in [D, D + horizon);
an enterprise that had already defaulted before D is not observed (it is no applicant any more).
Pure: pandas and the standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import NamedTuple, Protocol

import pandas as pd


class Label(NamedTuple):
    """One observation's outcome: ``enterprise`` (the source's key for it: a USCC on a park, an
    organisation id on the platform), the as-of date, and whether it defaulted within the
    horizon after that date."""

    enterprise: str
    as_of: date
    defaulted: bool


class OutcomeSource(Protocol):
    """Where labelled profiles come from. Both methods speak of the same (enterprise, as-of)
    pairs; training joins them on exactly that pair, so a source decides what a pair means —
    for the platform, (applicant, application date) and the profile its decision read."""

    def profiles(self, dates: Sequence[date]) -> pd.DataFrame:
        """Profile rows: columns ``enterprise``, ``as_of`` and the characteristics
        (``features.FEATURES``), one row per enterprise with a profile on each date, each built
        only from what was known before its date."""
        ...

    def labels(self, dates: Sequence[date], *, horizon_days: int) -> Iterable[Label]:
        """The outcome of every enterprise observed on each date (none for one that had
        defaulted before it)."""
        ...


def labels_from_default_dates(
    defaults: Iterable[tuple[str, date | None]], dates: Sequence[date], *, horizon_days: int
) -> Iterator[Label]:
    """Labels from each enterprise's first default date (None: never defaulted), for every date:
    defaulted when the default falls in [date, date + horizon); skipped when it fell before."""
    horizon = timedelta(days=horizon_days)
    firsts = list(defaults)
    for d in dates:
        for enterprise, when in firsts:
            if when is not None and when < d:
                continue
            yield Label(enterprise, d, when is not None and when < d + horizon)


def month_starts(first: date, count: int) -> list[date]:
    """``count`` first-of-month dates starting at ``first`` (which must be a first)."""
    out, y, m = [], first.year, first.month
    for _ in range(count):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
