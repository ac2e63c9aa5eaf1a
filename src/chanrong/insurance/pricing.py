"""Claims-calibrated pricing: a frequency × severity GLM with exposure (pure: numpy, sklearn).

Frequency is a Poisson GLM with a log link and log(running thousand-hours) as the offset —
fitted as sklearn does it, on claims per thousand-hours weighted by the thousand-hours, which
is the same likelihood. Severity is a Gamma GLM with a log link on the mean paid amount of
the machines that claimed, weighted by their number of claims. The expected loss cost per
thousand running hours is their product; the premium multiplier is that cost relative to the
book's average, capped so one year's claims cannot move a price without bound.

The model is kept as JSON (feature names, means, scales, coefficients): never pickled. With no
claims, pricing falls back to the hand-set quality index (``quality.py``), the prior.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import GammaRegressor, PoissonRegressor
from sklearn.metrics import roc_auc_score

FEATURES = ("log_failure_rate", "downtime_share", "overload", "age_years", "log_rated_kw")
FORMAT = "chanrong.insurance.glm/1"
MIN_CLAIMS = 20  # fewer claims than this and the fit is not trusted: the prior prices
MULTIPLIER_BOUNDS = (Decimal("0.60"), Decimal("2.50"))


@dataclass(frozen=True, slots=True)
class Exposure:
    """One machine over one period: what it did and what was claimed on it."""

    device_id: str
    running_hours: float
    failures: int
    downtime_hours: float
    scheduled_hours: float
    mean_load_ratio: float
    age_years: float | None
    rated_kw: float | None
    claims: int = 0
    paid_fen: int = 0


def features(e: Exposure, *, default_age: float = 5.0, default_kw: float = 15.0) -> list[float]:
    """The model's inputs for one exposure (an unknown age or rating takes the default)."""
    kh = max(e.running_hours / 1000, 0.1)
    down = e.downtime_hours / e.scheduled_hours if e.scheduled_hours > 0 else 0.0
    return [
        math.log1p(e.failures / kh),
        min(max(down, 0.0), 1.0),
        max(0.0, e.mean_load_ratio - 0.85),
        e.age_years if e.age_years is not None else default_age,
        math.log(max(e.rated_kw if e.rated_kw else default_kw, 0.1)),
    ]


@dataclass(frozen=True, slots=True)
class GlmModel:
    """Fitted frequency and severity coefficients on standardised features."""

    means: tuple[float, ...]
    scales: tuple[float, ...]
    freq_intercept: float
    freq_coef: tuple[float, ...]
    sev_intercept: float
    sev_coef: tuple[float, ...]
    book_loss_cost_per_kh: float  # the average the multiplier is relative to (fen / kh)
    default_age: float
    default_kw: float

    def _x(self, rows: Sequence[Exposure]) -> npt.NDArray[np.float64]:
        x = np.array(
            [features(r, default_age=self.default_age, default_kw=self.default_kw) for r in rows],
            dtype=np.float64,
        ).reshape(len(rows), len(FEATURES))
        out: npt.NDArray[np.float64] = (x - np.array(self.means)) / np.array(self.scales)
        return out

    def frequency_per_kh(self, rows: Sequence[Exposure]) -> npt.NDArray[np.float64]:
        """Expected claims per 1,000 running hours."""
        out: npt.NDArray[np.float64] = np.exp(
            self.freq_intercept + self._x(rows) @ np.array(self.freq_coef)
        )
        return out

    def severity_fen(self, rows: Sequence[Exposure]) -> npt.NDArray[np.float64]:
        """Expected paid amount of one claim (fen)."""
        out: npt.NDArray[np.float64] = np.exp(
            self.sev_intercept + self._x(rows) @ np.array(self.sev_coef)
        )
        return out

    def loss_cost_per_kh(self, rows: Sequence[Exposure]) -> npt.NDArray[np.float64]:
        """Expected paid fen per 1,000 running hours: frequency × severity."""
        out: npt.NDArray[np.float64] = self.frequency_per_kh(rows) * self.severity_fen(rows)
        return out

    def multiplier(self, row: Exposure) -> Decimal:
        """The premium multiplier of one machine: its loss cost over the book's, bounded."""
        ratio = float(self.loss_cost_per_kh([row])[0]) / self.book_loss_cost_per_kh
        m = Decimal(repr(ratio)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return min(max(m, MULTIPLIER_BOUNDS[0]), MULTIPLIER_BOUNDS[1])

    def to_json(self) -> dict[str, Any]:
        """The model as plain JSON (what the registry stores)."""
        return {
            "format": FORMAT,
            "features": list(FEATURES),
            "means": list(self.means),
            "scales": list(self.scales),
            "frequency": {"link": "log", "family": "poisson", "offset": "log(running_kh)",
                          "intercept": self.freq_intercept, "coef": list(self.freq_coef)},
            "severity": {"link": "log", "family": "gamma",
                         "intercept": self.sev_intercept, "coef": list(self.sev_coef)},
            "book_loss_cost_per_kh": self.book_loss_cost_per_kh,
            "default_age": self.default_age,
            "default_kw": self.default_kw,
        }  # fmt: skip

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> GlmModel:
        """Read a model written by ``to_json``; refuses another format or feature list."""
        if doc.get("format") != FORMAT or tuple(doc.get("features", ())) != FEATURES:
            raise ValueError(f"not a {FORMAT} model with features {FEATURES}")
        return cls(
            tuple(doc["means"]),
            tuple(doc["scales"]),
            float(doc["frequency"]["intercept"]),
            tuple(doc["frequency"]["coef"]),
            float(doc["severity"]["intercept"]),
            tuple(doc["severity"]["coef"]),
            float(doc["book_loss_cost_per_kh"]),
            float(doc["default_age"]),
            float(doc["default_kw"]),
        )


class NotEnoughClaims(ValueError):
    """Too few claims to fit: the hand-set prior keeps pricing."""


def fit(rows: Sequence[Exposure], *, alpha: float = 1e-3) -> GlmModel:
    """Fit frequency (Poisson, exposure offset) and severity (Gamma) GLMs to ``rows``."""
    claims = sum(r.claims for r in rows)
    if claims < MIN_CLAIMS:
        raise NotEnoughClaims(f"{claims} claims; at least {MIN_CLAIMS} are needed to fit")
    ages = [r.age_years for r in rows if r.age_years is not None]
    kws = [r.rated_kw for r in rows if r.rated_kw]
    default_age = float(np.median(ages)) if ages else 5.0
    default_kw = float(np.median(kws)) if kws else 15.0
    raw = np.array(
        [features(r, default_age=default_age, default_kw=default_kw) for r in rows],
        dtype=np.float64,
    )
    means, scales = raw.mean(axis=0), raw.std(axis=0)
    scales[scales == 0] = 1.0
    x = (raw - means) / scales
    kh = np.array([max(r.running_hours / 1000, 1e-3) for r in rows])
    n = np.array([r.claims for r in rows], dtype=np.float64)
    freq = PoissonRegressor(alpha=alpha, max_iter=1000).fit(x, n / kh, sample_weight=kh)
    claimed = n > 0
    mean_paid = np.array([r.paid_fen for r in rows], dtype=np.float64)[claimed] / n[claimed]
    sev = GammaRegressor(alpha=alpha, max_iter=1000).fit(
        x[claimed], mean_paid, sample_weight=n[claimed]
    )
    model = GlmModel(
        tuple(float(v) for v in means),
        tuple(float(v) for v in scales),
        float(freq.intercept_),
        tuple(float(v) for v in freq.coef_),
        float(sev.intercept_),
        tuple(float(v) for v in sev.coef_),
        1.0,
        default_age,
        default_kw,
    )
    cost = model.loss_cost_per_kh(rows)
    book = float(np.average(cost, weights=kh))
    return GlmModel(
        model.means,
        model.scales,
        model.freq_intercept,
        model.freq_coef,
        model.sev_intercept,
        model.sev_coef,
        book,
        default_age,
        default_kw,
    )


# ---------------------------------------------------------------------------------------------
# Validation: how well a risk score orders and sizes what was claimed.


def normalized_gini(actual: npt.ArrayLike, predicted: npt.ArrayLike) -> float:
    """Gini of the loss curve ordered by ``predicted``, over the best possible ordering."""
    a = np.asarray(actual, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)

    def _g(order_by: npt.NDArray[np.float64]) -> float:
        idx = np.lexsort((np.arange(len(a)), -order_by))
        cum = np.cumsum(a[idx]) / a.sum()
        return float(cum.sum() / len(a) - (len(a) + 1) / (2 * len(a)))

    if a.sum() <= 0:
        return float("nan")
    best = _g(a)
    if best == 0:  # every row lost the same: no order to find
        return float("nan")
    return _g(p) / best


@dataclass(frozen=True, slots=True)
class Validation:
    """How a score did on held-out claims."""

    rows: int
    claims: int
    auc: float  # any claim vs none
    gini: float  # normalised Gini on paid amounts
    deciles: list[dict[str, float]]  # predicted vs observed claims per decile of the score

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "claims": self.claims,
            # Undefined (all or no rows claimed) is stored as null: JSON has no NaN.
            "auc": None if math.isnan(self.auc) else round(self.auc, 4),
            "gini": None if math.isnan(self.gini) else round(self.gini, 4),
            "deciles": self.deciles,
        }


def validate(
    rows: Sequence[Exposure],
    risk: npt.ArrayLike,
    loss_risk: npt.ArrayLike | None = None,
    expected_claims: npt.ArrayLike | None = None,
) -> Validation:
    """AUC (any claim) and calibration by decile of the claim score ``risk``, and normalised
    Gini of paid amounts ordered by ``loss_risk`` (``risk`` when not given), on ``rows``.

    ``expected_claims`` (the model's predicted number of claims per row) fills the deciles'
    predicted column; a score without a scale (the hand-set index) leaves it out.
    """
    r = np.asarray(risk, dtype=np.float64)
    lr = r if loss_risk is None else np.asarray(loss_risk, dtype=np.float64)
    n = np.array([x.claims for x in rows], dtype=np.float64)
    paid = np.array([x.paid_fen for x in rows], dtype=np.float64)
    has = (n > 0).astype(int)
    auc = float(roc_auc_score(has, r)) if 0 < has.sum() < len(has) else float("nan")
    deciles: list[dict[str, float]] = []
    order = np.argsort(r, kind="stable")
    exp = None if expected_claims is None else np.asarray(expected_claims, dtype=np.float64)
    for d, idx in enumerate(np.array_split(order, 10)):
        if len(idx) == 0:
            continue
        row: dict[str, float] = {
            "decile": d + 1,
            "rows": len(idx),
            "observed_claims": float(n[idx].sum()),
        }
        if exp is not None:
            row["predicted_claims"] = round(float(exp[idx].sum()), 2)
        deciles.append(row)
    return Validation(len(rows), int(n.sum()), auc, normalized_gini(paid, lr), deciles)
