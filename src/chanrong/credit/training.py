"""Training credit models from labelled outcomes: the champion scorecard and the LightGBM
challenger, fitted on one period, measured on the next, registered as candidates.

Outcomes come through ``outcomes.OutcomeSource`` (a simulated park's truth in the demo, the
platform's own loan outcomes later), never from where they are kept. Nothing on the decision
path imports this module (an import contract says so); the fitting code is imported only when
a model is fitted, so serving processes never load it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit.domain import score_of_pd
from chanrong.credit.features import FEATURES
from chanrong.credit.outcomes import Label, OutcomeSource
from chanrong.credit.platform_outcomes import PlatformCounts, PlatformOutcomes
from chanrong.credit.products import model_registry
from chanrong.credit.registry import ModelEntry, frame_fingerprint
from chanrong.credit.stability import development_distribution

SOURCES = ("platform", "simulated-park")

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
    source: str = "simulated-park",
    counts: Mapping[str, int] | None = None,
) -> Trained:
    """Fit champion and challenger on ``train``, measure on ``test``, register both
    (as ``name`` and ``name-challenger``, candidates until promoted).

    Each manifest records ``source`` (what the outcomes were: ``platform`` or
    ``simulated-park``), the rows and defaulters of both periods (with any ``counts`` the
    source adds) and the development distribution of the score and of every characteristic
    on the training rows, which monitoring compares live applications with."""
    from chanrong.credit.fitting import fit_boosted, fit_scorecard
    from chanrong.credit.metrics import auc

    if source not in SOURCES:
        raise ValidationFailed(f"source: one of {', '.join(SOURCES)}", field="source")
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
    n: dict[str, int] = {
        "train_rows": len(y),
        "train_bads": int(y.sum()),
        "test_rows": len(yt),
        "test_bads": int(yt.sum()),
        **(counts or {}),
    }
    characteristics = {c: x[c].to_numpy(dtype=float) for c in cols}
    entries = []
    for model_name, model, model_auc in ((name, sc, sc_auc), (f"{name}-challenger", gb, gb_auc)):
        scores = np.array([score_of_pd(float(p)) for p in model.pd(x)])
        entries.append(
            reg.register(
                model_name,
                model,
                training_fingerprint=fp,
                metrics={"next_period_auc": model_auc, "rows": len(y)},
                description=description,
                source=source,
                counts=n,
                development=development_distribution(scores, characteristics),
            )
        )
    return Trained(entries[0], entries[1], len(y), len(yt), sc_auc, gb_auc)


@dataclass(frozen=True)
class PlatformTraining:
    """A training run on the platform's own outcomes: what was registered and what was found."""

    trained: Trained
    counts: PlatformCounts
    train_until: date  # the last application date of the training period


def train_from_platform(
    session: Session,
    settings: Settings,
    booked: Mapping[str, str],
    *,
    today: date,
    horizon_days: int = 365,
    name: str = "sme-operating",
    min_outcomes: int = 100,
    min_bads: int = 10,
    test_share: float = 0.3,
    seed: int = 42,
) -> PlatformTraining:
    """Train champion and challenger on the platform's booked decisions and their defaults
    (``PlatformOutcomes``): the earlier applications train, the later ones (about
    ``test_share`` of them, whole days) measure; refused, naming the counts, when there are
    fewer than ``min_outcomes`` labelled outcomes or ``min_bads`` defaulters."""
    if not 1 <= horizon_days <= 3660:
        raise ValidationFailed("horizon: 1 to 3660 days", field="horizon")
    source = PlatformOutcomes(session, booked, today=today)
    frame = labelled(source, source.dates(), horizon_days=horizon_days)
    c = source.counts
    found = (
        f"{c.booked} booked decisions, {c.observed} with a recorded profile, "
        f"{c.censored} younger than {horizon_days} days without a default (censored), "
        f"{len(frame)} labelled outcomes of which {c.bads} defaulted"
    )
    if len(frame) < min_outcomes or c.bads < min_bads:
        raise ValidationFailed(
            f"source: too few outcomes to train on — {found}; "
            f"need at least {min_outcomes} outcomes and {min_bads} defaulters",
            field="source",
        )
    frame = frame.sort_values("as_of", kind="stable").reset_index(drop=True)
    # Out of time: the test period starts on the day of the first row past the cut, so one
    # day's applications are never split between the periods.
    cut_day = frame["as_of"].iloc[min(len(frame) - 1, int(len(frame) * (1 - test_share)))]
    train = frame[frame["as_of"] < cut_day].reset_index(drop=True)
    test = frame[frame["as_of"] >= cut_day].reset_index(drop=True)
    if train.empty or int(train["bad"].sum()) == 0:
        raise ValidationFailed(
            f"source: no defaulter before {cut_day.isoformat()} to learn from — {found}",
            field="source",
        )
    trained = train_on_frames(
        settings,
        name,
        train,
        test,
        seed=seed,
        description=f"platform outcomes as of {today.isoformat()}, horizon {horizon_days} days",
        source="platform",
        counts={
            "booked": c.booked,
            "censored": c.censored,
            "outcomes": len(frame),
            "bads": c.bads,
            "horizon_days": horizon_days,
        },
    )
    return PlatformTraining(trained, c, train["as_of"].max())
