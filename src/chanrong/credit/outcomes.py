"""Training labels from known outcomes: did the enterprise default within a horizon after D?

Point-in-time: a profile as of D is labelled by what happened in [D, D + horizon); enterprises
that had already defaulted before D are dropped (they are not applicants any more).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd


def label_profiles(
    profiles: pd.DataFrame, defaults: pd.DataFrame, *, horizon_days: int
) -> pd.DataFrame:
    """``profiles`` (uscc, as_of, …) joined with ``defaults`` (uscc, default_date?) → + ``bad``."""
    dd = defaults[["uscc", "default_date"]].copy()
    dd["default_date"] = pd.to_datetime(dd["default_date"]).dt.date
    out = profiles.merge(dd, on="uscc", how="left")
    as_of = out["as_of"]
    when = out["default_date"]
    known = when.notna()
    before = known & np.array(
        [w < a if k else False for w, a, k in zip(when, as_of, known, strict=True)]
    )
    within = known & np.array(
        [
            (a <= w < a + timedelta(days=horizon_days)) if k else False
            for w, a, k in zip(when, as_of, known, strict=True)
        ]
    )
    out = out.loc[~before].copy()
    out["bad"] = within[~before].astype(np.int8)
    return out.drop(columns=["default_date"]).reset_index(drop=True)


def month_starts(first: date, count: int) -> list[date]:
    """``count`` first-of-month dates starting at ``first`` (which must be a first)."""
    out, y, m = [], first.year, first.month
    for _ in range(count):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
