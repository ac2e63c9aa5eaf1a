"""Training reads labelled profiles through ``OutcomeSource``: labels are point-in-time (an
enterprise that had defaulted is no longer observed; a default counts within the horizon
only), and profiles and labels meet on (enterprise, as-of) in the source's profile order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest

from chanrong.credit import service
from chanrong.credit.features import FEATURES
from chanrong.credit.outcomes import Label, OutcomeSource, labels_from_default_dates

D1, D2 = date(2025, 1, 1), date(2025, 7, 1)


def test_labels_are_point_in_time() -> None:
    firsts = [
        ("never", None),
        ("soon", date(2025, 3, 1)),  # 59 days after D1, before D2
        ("mid", date(2025, 10, 1)),  # 273 days after D1, 92 after D2
        ("late", date(2025, 12, 31)),  # 183 days after D2
    ]
    got = list(labels_from_default_dates(firsts, [D1, D2], horizon_days=180))
    assert got == [
        Label("never", D1, False),
        Label("soon", D1, True),
        Label("mid", D1, False),
        Label("late", D1, False),
        # "soon" had defaulted before D2: no applicant any more, not observed.
        Label("never", D2, False),
        Label("mid", D2, True),
        Label("late", D2, False),
    ]
    # The horizon is [D, D + horizon): the day itself counts, the day after the end does not.
    assert list(labels_from_default_dates([("x", D2)], [D2], horizon_days=1)) == [
        Label("x", D2, True)
    ]
    assert list(labels_from_default_dates([("x", date(2025, 7, 2))], [D2], horizon_days=1)) == [
        Label("x", D2, False)
    ]


@dataclass(frozen=True)
class InMemory:
    """An outcome source over fixed rows (as a platform source would serve its own)."""

    rows: pd.DataFrame
    outcomes: tuple[Label, ...]

    def profiles(self, dates: Sequence[date]) -> pd.DataFrame:
        return self.rows[self.rows["as_of"].isin(set(dates))].reset_index(drop=True)

    def labels(self, dates: Sequence[date], *, horizon_days: int) -> Iterable[Label]:
        return [lab for lab in self.outcomes if lab.as_of in set(dates)]


def _rows(*keys: tuple[str, date]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"enterprise": e, "as_of": d, **dict.fromkeys(FEATURES, float(i))}
            for i, (e, d) in enumerate(keys)
        ]
    )


def test_training_frames_join_profiles_and_labels_on_enterprise_and_date() -> None:
    source: OutcomeSource = InMemory(
        _rows(("b", D1), ("a", D1), ("gone", D1), ("a", D2), ("b", D2)),
        (
            Label("a", D1, True),
            Label("b", D1, False),
            Label("a", D2, False),
            Label("b", D2, True),
            Label("no-profile", D2, True),  # no profile that day: not trainable, left out
        ),
    )
    train, test = service.training_frames(
        source, train_dates=[D1], test_dates=[D2], horizon_days=180
    )
    assert list(zip(train["enterprise"], train["bad"], strict=True)) == [("b", 0), ("a", 1)]
    assert list(zip(test["enterprise"], test["bad"], strict=True)) == [("a", 0), ("b", 1)]
    assert train["utilisation"].tolist() == [0.0, 1.0]  # each label met its own profile


def test_a_source_missing_characteristics_is_refused() -> None:
    rows = _rows(("a", D1)).drop(columns=["dso_days"])
    source = InMemory(rows, (Label("a", D1, True),))
    with pytest.raises(ValueError, match="dso_days"):
        service.labelled(source, [D1], horizon_days=180)
