"""Training credit models from labelled outcomes: the champion scorecard and the LightGBM
challenger, fitted on one period, measured on the next, registered as candidates.

Outcomes come through ``outcomes.OutcomeSource`` (a simulated park's truth in the demo, the
platform's own loan outcomes later), never from where they are kept. Nothing on the decision
path imports this module (an import contract says so); the fitting code is imported only when
a model is fitted, so serving processes never load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit.features import FEATURES
from chanrong.credit.outcomes import Label, OutcomeSource
from chanrong.credit.products import model_registry
from chanrong.credit.registry import ModelEntry, frame_fingerprint

KEYS = ["enterprise", "as_of"]


def labelled(source: OutcomeSource, dates: Sequence[date], *, horizon_days: int) -> pd.DataFrame:
    """Each observed profile with its outcome: the profile columns and ``bad`` (1 = defaulted
    within the horizon), in the source's profile order; pairs without both are left out."""
    profiles = source.profiles(dates)
    labels = pd.DataFrame(
        list(source.labels(dates, horizon_days=horizon_days)), columns=list(Label._fields)
    )
    missing = [c for c in (*KEYS, *FEATURES) if c not in profiles.columns]
    if missing:
        raise ValueError(f"outcome source: profile rows lack {', '.join(missing)}")
    # An inner join keeps the left (profile) order: the same rows in the same order every run.
    out = profiles.merge(labels, on=KEYS, how="inner", validate="one_to_one")
    out["bad"] = out.pop("defaulted").astype(np.int8)
    return out.reset_index(drop=True)


def training_frames(
    source: OutcomeSource,
    *,
    train_dates: Sequence[date],
    test_dates: Sequence[date],
    horizon_days: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Labelled profiles of a training period and of the next (test) period."""
    frame = labelled(source, [*train_dates, *test_dates], horizon_days=horizon_days)
    train = frame[frame["as_of"].isin(set(train_dates))].reset_index(drop=True)
    test = frame[frame["as_of"].isin(set(test_dates))].reset_index(drop=True)
    return train, test


@dataclass(frozen=True)
class Trained:
    """What a training run registered: both models and their next-period AUC."""

    champion: ModelEntry
    challenger: ModelEntry
    train_rows: int
    test_rows: int
    champion_auc: float
    challenger_auc: float


def train_on_frames(
    settings: Settings,
    name: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    seed: int = 42,
    description: str = "",
) -> Trained:
    """Fit champion and challenger on ``train``, measure on ``test``, register both
    (as ``name`` and ``name-challenger``, candidates until promoted)."""
    from chanrong.credit.fitting import fit_boosted, fit_scorecard
    from chanrong.credit.metrics import auc

    cols = list(FEATURES)
    x, y = train[cols], train["bad"].to_numpy()
    xt, yt = test[cols], test["bad"].to_numpy()
    if len(set(y)) < 2:
        raise ValidationFailed(
            "train: the training period has no defaulters to learn from", field="train"
        )
    sc = fit_scorecard(x, y, seed=seed)
    gb = fit_boosted(x, y, seed=seed)
    sc_auc = auc(yt, sc.pd(xt)) if len(set(yt)) == 2 else float("nan")
    gb_auc = auc(yt, gb.pd(xt)) if len(set(yt)) == 2 else float("nan")
    reg = model_registry(settings)
    fp = frame_fingerprint(x, y)
    e1 = reg.register(
        name,
        sc,
        training_fingerprint=fp,
        metrics={"next_period_auc": sc_auc, "rows": len(y)},
        description=description,
    )
    e2 = reg.register(
        f"{name}-challenger",
        gb,
        training_fingerprint=fp,
        metrics={"next_period_auc": gb_auc, "rows": len(y)},
        description=description,
    )
    return Trained(e1, e2, len(y), len(yt), sc_auc, gb_auc)
