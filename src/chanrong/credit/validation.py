"""Validation report per model: AUC, KS, Gini, calibration, score distribution, PSI between
development and recent data, and characteristic analysis — one HTML file with inline SVG charts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from chanrong.credit import metrics
from chanrong.credit.domain import score_of_pd
from chanrong.credit.registry import Model
from chanrong.credit.scorecard import ScorecardTable

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Characteristic:
    name: str
    csi: float
    rows: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Validation:
    """Figures of one validation run (the HTML is rendered from these)."""

    model_ref: str
    dev: dict[str, float]
    recent: dict[str, float] | None
    psi: float | None
    calibration: list[tuple[float, float, int]]
    calibration_width: list[tuple[float, float, int]]
    characteristics: list[Characteristic]
    charts: dict[str, str]
    html: str = ""
    calibrated_by: str = ""  # how the model's PD was calibrated, as its fit recorded


def _scores(model: Model, x: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    pd_ = model.pd(x)
    if isinstance(model, ScorecardTable):
        return pd_, model.score(x)
    return pd_, np.array([score_of_pd(float(p)) for p in pd_])


def _measures(y: np.ndarray, pd_: np.ndarray) -> dict[str, float]:
    return {
        "rows": float(len(y)),
        "bad_rate": float(np.mean(y)),
        "AUC": metrics.auc(y, pd_),
        "Gini": metrics.gini(y, pd_),
        "KS": metrics.ks(y, pd_),
        # Both binnings: equal-count bins hide a miscalibrated tail of few rows, equal-width
        # bins a miscalibrated bulk in one narrow PD band.
        "ECE_count": metrics.ece(y, pd_, strategy="count"),
        "ECE_width": metrics.ece(y, pd_, strategy="width"),
        # What a perfectly calibrated model with these PDs would score on this many rows (the
        # benchmark's floor): an ECE near it is sampling, not miscalibration.
        "ECE_floor_count": metrics.ece_floor(pd_, strategy="count"),
        "ECE_floor_width": metrics.ece_floor(pd_, strategy="width"),
        "Brier": metrics.brier(y, pd_),
        "mean_PD": float(np.mean(pd_)),
    }


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _bins_of(
    model: Model, name: str, dev: pd.Series, recent: pd.Series
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    if isinstance(model, ScorecardTable):
        ch = next(c for c in model.characteristics if c.name == name)
        labels = [*ch.labels, "Missing"]
        return ch.bin_of(dev), ch.bin_of(recent), labels
    if not pd.api.types.is_numeric_dtype(dev):
        cats = sorted({str(v) for v in dev.dropna()})
        idx = {c: i for i, c in enumerate(cats)}

        def conv(s: pd.Series) -> np.ndarray:
            return np.array([idx.get(str(v), len(cats)) for v in s])

        return conv(dev), conv(recent), [*cats, "other/missing"]
    d = pd.to_numeric(dev, errors="coerce").to_numpy(dtype=float)
    r = pd.to_numeric(recent, errors="coerce").to_numpy(dtype=float)
    edges = (
        np.unique(np.nanquantile(d, np.linspace(0, 1, 6)[1:-1]))
        if np.isfinite(d).any()
        else np.array([])
    )
    n = len(edges) + 1

    def cut(v: np.ndarray) -> np.ndarray:
        return np.where(np.isnan(v), n, np.searchsorted(edges, v, side="right"))

    labels = [f"≤ {e:.4g}" for e in edges] + [
        f"> {edges[-1]:.4g}" if len(edges) else "all",
        "Missing",
    ]
    return cut(d), cut(r), labels


def characteristic_analysis(
    model: Model, dev: pd.DataFrame, recent: pd.DataFrame
) -> list[Characteristic]:
    """Per characteristic: share of rows per bin in development vs recent data, and its CSI."""
    out = []
    for name in model.features:
        bd, br, labels = _bins_of(model, name, dev[name], recent[name])
        k = len(labels)
        pd_dev = np.bincount(bd, minlength=k)[:k] / max(len(bd), 1)
        pd_rec = np.bincount(br, minlength=k)[:k] / max(len(br), 1)
        e, a = np.maximum(pd_dev, 1e-4), np.maximum(pd_rec, 1e-4)
        csi = float(np.sum((a - e) * np.log(a / e)))
        rows = [
            {"bin": labels[i], "dev": float(pd_dev[i]), "recent": float(pd_rec[i])}
            for i in range(k)
            if pd_dev[i] > 0 or pd_rec[i] > 0
        ]
        out.append(Characteristic(name=name, csi=csi, rows=rows))
    return sorted(out, key=lambda c: -c.csi)


def validate(
    model: Model,
    model_ref: str,
    dev_x: pd.DataFrame,
    dev_y: np.ndarray,
    recent_x: pd.DataFrame | None = None,
    recent_y: np.ndarray | None = None,
) -> Validation:
    """Measure a model on development data (and recent data when given) and draw the charts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    dev_y = np.asarray(dev_y).astype(int)
    dev_pd, dev_score = _scores(model, dev_x)
    dev_m = _measures(dev_y, dev_pd)
    rec_m = None
    psi = None
    rec_score = None
    if recent_x is not None:
        rec_pd, rec_score = _scores(model, recent_x)
        psi = metrics.psi(dev_score, rec_score)
        if recent_y is not None:
            rec_m = _measures(np.asarray(recent_y).astype(int), rec_pd)
    charts: dict[str, str] = {}

    fig, ax = plt.subplots(figsize=(4.2, 4))
    fpr, tpr, _ = roc_curve(dev_y, dev_pd)
    ax.plot(fpr, tpr, label=f"development AUC {dev_m['AUC']:.3f}")
    if recent_x is not None and recent_y is not None and rec_m is not None:
        f2, t2, _ = roc_curve(np.asarray(recent_y).astype(int), model.pd(recent_x))
        ax.plot(f2, t2, label=f"recent AUC {rec_m['AUC']:.3f}")
    ax.plot([0, 1], [0, 1], ls=":", c="grey")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC")
    ax.legend(loc="lower right", fontsize=8)
    charts["roc"] = _svg(fig)

    cal = metrics.calibration_table(dev_y, dev_pd, strategy="count")
    cal_width = metrics.calibration_table(dev_y, dev_pd, strategy="width")
    fig, ax = plt.subplots(figsize=(4.2, 4))
    ax.plot([c[0] for c in cal], [c[1] for c in cal], "o-", label="equal-count bins")
    ax.plot([c[0] for c in cal_width], [c[1] for c in cal_width], "s--", label="equal-width bins")
    top = max(max(c[0] for c in cal), max(c[1] for c in cal)) * 1.05 or 1.0
    ax.plot([0, top], [0, top], ls=":", c="grey", label="perfect")
    ax.set_xlabel("mean predicted PD")
    ax.set_ylabel("observed bad rate")
    ax.set_title(f"Calibration (ECE {dev_m['ECE_count']:.4f} / {dev_m['ECE_width']:.4f})")
    ax.legend(fontsize=8)
    charts["calibration"] = _svg(fig)

    fig, ax = plt.subplots(figsize=(6, 3.6))
    bins = [float(b) for b in np.histogram_bin_edges(dev_score, bins=30)]
    ax.hist(dev_score[dev_y == 0], bins=bins, alpha=0.55, density=True, label="development good")
    ax.hist(dev_score[dev_y == 1], bins=bins, alpha=0.55, density=True, label="development bad")
    if rec_score is not None:
        ax.hist(rec_score, bins=bins, density=True, histtype="step", lw=2, label="recent (all)")
    ax.set_xlabel("score (higher = safer)")
    ax.set_title("Score distribution" + (f" — PSI {psi:.3f}" if psi is not None else ""))
    ax.legend(fontsize=8)
    charts["scores"] = _svg(fig)

    chars = characteristic_analysis(model, dev_x, recent_x if recent_x is not None else dev_x)
    calibrated_by = str(model.meta.get("calibration", ""))
    v = Validation(
        model_ref, dev_m, rec_m, psi, cal, cal_width, chars, charts, calibrated_by=calibrated_by
    )
    v.html = render(v)
    return v


def render(v: Validation) -> str:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    tpl = env.get_template("validation.html.j2")
    return tpl.render(
        v=v,
        charts={k: Markup(s) for k, s in v.charts.items()},  # noqa: S704 — our own SVG
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
    )
