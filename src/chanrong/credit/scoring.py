"""Scoring rows with a stored model of either kind: PD and the reasons against each row.

One place that knows both kinds of model, for the decision (one row, no pandas on the
scorecard's path) and for anything that scores many rows (a shadow model, monitoring).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from chanrong.credit.boosting import BoostedModel
from chanrong.credit.reasons import Reason, boosted_reasons, scorecard_reasons
from chanrong.credit.registry import Model
from chanrong.credit.scorecard import Columns, ScorecardTable, one_row


def score_rows(
    model: Model, x: pd.DataFrame | Columns, *, top: int = 4
) -> tuple[np.ndarray, list[list[Reason]]]:
    """PD per row and the reasons against each row, for either kind of model."""
    if isinstance(model, ScorecardTable):
        bd = model.breakdown(x)
        return model.calibration.pd(bd.score), scorecard_reasons(model, x, top=top, breakdown=bd)
    assert isinstance(model, BoostedModel)
    frame = x if isinstance(x, pd.DataFrame) else pd.DataFrame(dict(x))
    return model.pd(frame), boosted_reasons(model, frame, top=top)


def score_one(
    model: Model, features: Mapping[str, float | None], *, top: int = 4
) -> tuple[float, list[Reason]]:
    """PD and reasons of one profile's characteristics (a missing one scores as missing)."""
    pds, reasons = score_rows(model, one_row(features, list(model.features)), top=top)
    return float(pds[0]), reasons[0]


def pd_one(model: Model, features: Mapping[str, float | None]) -> float:
    """The PD alone of one profile (no reasons): what a shadow model is asked on every
    decision, so the booster is handed a plain array rather than a frame."""
    if isinstance(model, ScorecardTable):
        bd = model.breakdown(one_row(features, list(model.features)))
        return float(model.calibration.pd(bd.score)[0])
    assert isinstance(model, BoostedModel)
    row = np.empty((1, len(model.features)), dtype=float)
    for i, name in enumerate(model.features):
        value = features.get(name)
        if name in model.categories:
            codes = model.categories[name]
            row[0, i] = float(codes.index(str(value))) if str(value) in codes else np.nan
        else:
            row[0, i] = np.nan if value is None else float(value)
    # One thread: for one row, OpenMP's start-up across threads costs far more than the trees.
    raw = np.asarray(model.booster.predict(row, raw_score=True, num_threads=1), dtype=float)
    return float(model.calibration.pd(raw)[0])
