"""Credit outcomes of a simulated park: an ``OutcomeSource`` over a park's directory.

Profiles come from the park's files in the import contract (docs/DEVELOPING.md), as the
platform would have computed them; labels from the simulator's hidden truth
(``truth/enterprises.parquet``: which firm defaulted, and when) — which only a simulation has,
and which is why this lives in the demo and not in ``credit``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from chanrong.credit import features
from chanrong.credit.service import Label, labels_from_default_dates

TRUTH = Path("truth") / "enterprises.parquet"


@dataclass(frozen=True)
class ParkOutcomes:
    """A simulated park as an outcome source; enterprises are keyed by USCC."""

    park_dir: Path

    def profiles(self, dates: Sequence[date]) -> pd.DataFrame:
        """Every firm's profile on each date it was in the park (Ibis on DuckDB)."""
        frame = features.compute_profiles(features.duckdb_park(self.park_dir), list(dates))
        return frame.rename(columns={"uscc": "enterprise"})

    def labels(self, dates: Sequence[date], *, horizon_days: int) -> Iterator[Label]:
        """Did each firm still performing on a date default within the horizon after it."""
        truth = pd.read_parquet(self.park_dir / TRUTH, columns=["uscc", "default_date"])
        when = pd.to_datetime(truth["default_date"]).dt.date
        firsts = [
            (str(uscc), None if pd.isna(d) else d)
            for uscc, d in zip(truth["uscc"], when, strict=True)
        ]
        return labels_from_default_dates(firsts, dates, horizon_days=horizon_days)
