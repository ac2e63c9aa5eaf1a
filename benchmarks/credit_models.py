"""Champion scorecard and LightGBM challenger against the libraries' default pipelines.

Every data set in ``<shared>/credit`` (CSV / whitespace text / ARFF with a binary label), or the
files given with ``--data``, is cross-validated stratified 5-fold with a fixed seed — the same
folds for every model, all run in this process. Baselines are what a user gets from each library
as documented, with its defaults (toad ChiMerge, toad decision-tree binning, optbinning's
``Scorecard``, ``LGBMClassifier(n_estimators=300, learning_rate=0.05)``); a tuned variant is a
separately named row (toad with a 5 % minimum bin; the challenger with its tree settings found
by a random search inside each training fold, ``fitting.fit_boosted_tuned``; the champion with
Venn–Abers PD on small training sets, a measured variant). Per model: mean
AUC (positive class = bad) and its spread over folds, KS, ECE over equal-count and equal-width
bins (the mean over test folds, as the floors read it, and over the pooled out-of-fold
predictions of every row), Brier score and the median fit time over folds (wall and CPU
seconds; the fit-time floors compare CPU seconds). A second table sets each ECE beside its
sampling floor (``metrics.ece_floor``): the mean ECE of outcomes drawn from the model's own PDs,
``FLOOR_DRAWS`` times, on the same rows — what a perfectly calibrated model with that PD
distribution would score, per test fold (mean over folds) and pooled over every row.

    .venv/bin/python benchmarks/credit_models.py            # every shared data set
    .venv/bin/python benchmarks/credit_models.py --quick    # smoke run: the small set, 3 folds
    .venv/bin/python benchmarks/credit_models.py --data my.csv --label target
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from chanrong.core.settings import get_settings
from chanrong.credit import metrics
from chanrong.credit.datasets import CreditDataset, load_dataset
from chanrong.credit.fitting import (
    fit_boosted,
    fit_boosted_tuned,
    fit_scorecard,
    fit_woe_scorecard,
)

SEED = 42
SUFFIXES = {".csv", ".arff", ".dat", ".txt", ".data"}
# A set with fewer rows than this is "small": the calibration floor is looser there.
LARGE_ROWS = 2000
Predictor = Callable[[pd.DataFrame], np.ndarray]
Fitter = Callable[[pd.DataFrame, np.ndarray], Predictor]

CHAMPION, CHALLENGER = "champion scorecard", "challenger LightGBM"
TOAD_CHI, TOAD_DT, OPTB = (
    "toad chi (default)",
    "toad dt (default)",
    "optbinning Scorecard (default)",
)
LGBM = "LightGBM (default)"
TOAD_CHI_TUNED = "toad chi, 5 % min bin (tuned)"
WOE = "WoE scorecard (earlier champion)"
TUNED = "challenger, tuned (nested random search)"
CHAMPION_VA = "champion, Venn–Abers PD below 2,000 rows (variant)"
FLOOR_DRAWS = 200
LIBRARY_SCORECARDS = (TOAD_CHI, TOAD_DT, OPTB)


def champion(x: pd.DataFrame, y: np.ndarray) -> Predictor:
    return fit_scorecard(x, y, seed=SEED).pd


def champion_venn_abers(x: pd.DataFrame, y: np.ndarray) -> Predictor:
    return fit_scorecard(x, y, seed=SEED, calibration="venn-abers").pd


def woe_scorecard(x: pd.DataFrame, y: np.ndarray) -> Predictor:
    return fit_woe_scorecard(x, y, seed=SEED).pd


def challenger(x: pd.DataFrame, y: np.ndarray) -> Predictor:
    return fit_boosted(x, y, seed=SEED).pd


def challenger_tuned(x: pd.DataFrame, y: np.ndarray) -> Predictor:
    return fit_boosted_tuned(x, y, seed=SEED).pd


def optbinning_default(x: pd.DataFrame, y: np.ndarray) -> Predictor:
    from optbinning import BinningProcess, Scorecard

    cats = [str(c) for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    sc = Scorecard(
        binning_process=BinningProcess([str(c) for c in x.columns], categorical_variables=cats),
        estimator=LogisticRegression(),
    )
    sc.fit(x, y)
    return lambda z: np.asarray(sc.predict_proba(z)[:, 1])


def _toad(method: str, **combine: float | bool) -> Fitter:
    """toad's documented pipeline: Combiner → WOETransformer → ScoreCard, defaults unless given."""

    def fit(x: pd.DataFrame, y: np.ndarray) -> Predictor:
        import toad

        frame = x.copy()
        frame["__y"] = y
        combiner = toad.transform.Combiner()
        combiner.fit(frame, y="__y", method=method, **combine)
        woe = toad.transform.WOETransformer()
        woe_x = woe.fit_transform(combiner.transform(frame.drop(columns="__y")), y)
        card = toad.ScoreCard(combiner=combiner, transer=woe)
        card.fit(woe_x, y)
        return lambda z: np.asarray(card.predict_proba(z)[:, 1])

    return fit


def lightgbm_default(x: pd.DataFrame, y: np.ndarray) -> Predictor:
    import lightgbm as lgb

    cats = {
        str(c): sorted({str(v) for v in x[c].dropna()})
        for c in x.columns
        if not pd.api.types.is_numeric_dtype(x[c])
    }

    def frame(z: pd.DataFrame) -> pd.DataFrame:
        # LightGBM refuses some characters in names; categories keep the training codes.
        out = pd.DataFrame(index=range(len(z)))
        for i, c in enumerate(z.columns):
            col = z[c].reset_index(drop=True)
            out[f"f{i}"] = (
                pd.Categorical(col.astype("string"), categories=cats[str(c)])
                if str(c) in cats
                else pd.to_numeric(col, errors="coerce")
            )
        return out

    # One thread, as the challenger: the same footing for the fit-time comparison.
    model = lgb.LGBMClassifier(n_estimators=300, learning_rate=0.05, n_jobs=1, verbose=-1)
    model.fit(frame(x), y)
    return lambda z: np.asarray(model.predict_proba(frame(z)))[:, 1]


MODELS: dict[str, Fitter] = {
    CHAMPION: champion,
    CHALLENGER: challenger,
    TOAD_CHI: _toad("chi"),
    TOAD_DT: _toad("dt"),
    OPTB: optbinning_default,
    LGBM: lightgbm_default,
    TOAD_CHI_TUNED: _toad("chi", min_samples=0.05, empty_separate=True),
    WOE: woe_scorecard,
    TUNED: challenger_tuned,
    CHAMPION_VA: champion_venn_abers,
}


def cross_validate(
    data: CreditDataset, folds: int, progress: Progress, models: dict[str, Fitter]
) -> tuple[dict[str, dict[str, list[float]]], dict[str, np.ndarray]]:
    """Per model and measure, one value per fold (the same folds for every model), and per
    model its out-of-fold PD of every row."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    results: dict[str, dict[str, list[float]]] = {m: {} for m in models}
    oof = {m: np.full(len(data.y), np.nan) for m in models}
    failures: dict[str, str] = {}
    task = progress.add_task(f"{data.name}", total=folds * len(models))
    for tr, te in splitter.split(data.x, data.y):
        x_tr, x_te = data.x.iloc[tr].reset_index(drop=True), data.x.iloc[te].reset_index(drop=True)
        ytr, yte = data.y[tr], data.y[te]
        for name, fit in models.items():
            progress.update(task, description=f"{data.name}: {name}")
            row = results[name]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                started, cpu = time.perf_counter(), time.process_time()
                try:
                    predict = fit(x_tr, ytr)
                except (KeyboardInterrupt, SystemExit):
                    raise
                except BaseException as exc:  # toad's Rust ChiMerge panics (not an Exception)
                    # A library pipeline that fails on a data set is reported, not dropped.
                    failures.setdefault(name, f"{type(exc).__name__}: {exc}")
                    for metric in (
                        "AUC",
                        "KS",
                        "ECE count",
                        "ECE width",
                        "ECE floor count",
                        "ECE floor width",
                        "Brier",
                        "fit s",
                        "fit cpu s",
                    ):
                        row.setdefault(metric, []).append(float("nan"))
                    progress.advance(task)
                    continue
                seconds = time.perf_counter() - started
                # CPU seconds of this process (every thread): on a shared, loaded machine wall
                # time measures the neighbours as much as the model.
                cpu_seconds = time.process_time() - cpu
                pd_ = predict(x_te)
            oof[name][te] = pd_
            for metric, value in (
                ("AUC", metrics.auc(yte, pd_)),
                ("KS", metrics.ks(yte, pd_)),
                ("ECE count", metrics.ece(yte, pd_, strategy="count")),
                ("ECE width", metrics.ece(yte, pd_, strategy="width")),
                ("ECE floor count", metrics.ece_floor(pd_, draws=FLOOR_DRAWS, seed=SEED)),
                (
                    "ECE floor width",
                    metrics.ece_floor(pd_, strategy="width", draws=FLOOR_DRAWS, seed=SEED),
                ),
                ("Brier", metrics.brier(yte, pd_)),
                ("fit s", seconds),
                ("fit cpu s", cpu_seconds),
            ):
                row.setdefault(metric, []).append(value)
            progress.advance(task)
    for name, why in failures.items():
        progress.console.print(f"{data.name}: {name} failed ({why})")
    return results, oof


def floors(
    name: str, rows: int, res: dict[str, dict[str, float]], spread: dict[str, float]
) -> list[str]:
    """The issue's floors for one data set, each with its verdict; a floor whose rows were not
    run (``--models``) is left out."""
    out: list[str] = []

    def check(what: str, ok: bool, detail: str) -> None:
        out.append(f"{name}: {what} {detail} → {'ok' if ok else 'MISSED'}")

    def ran(model: str) -> bool:
        return model in res and bool(np.isfinite(res[model]["AUC"]))

    large = rows >= LARGE_ROWS
    limit = 0.02 if large else 0.05
    libraries = [m for m in LIBRARY_SCORECARDS if ran(m)]
    if ran(CHAMPION) and libraries:
        champ = res[CHAMPION]
        best_name = max(libraries, key=lambda m: res[m]["AUC"])
        best = res[best_name]["AUC"]
        check(
            "champion AUC",
            champ["AUC"] >= best,
            f"{champ['AUC']:.4f} vs best library scorecard {best:.4f} ({best_name})",
        )
        if large:
            margin = champ["AUC"] - best
            check("champion margin", margin >= 0.02, f"{margin:+.4f} (≥ +0.02)")
    for model in (CHAMPION, CHALLENGER, TUNED, CHAMPION_VA):
        if not ran(model):
            continue
        r = res[model]
        worst = max(r["ECE count"], r["ECE width"])
        pooled = max(r["ECE oof count"], r["ECE oof width"])
        floor = max(r["ECE floor count"], r["ECE floor width"])
        pooled_floor = max(r["ECE oof floor count"], r["ECE oof floor width"])
        # The floor is the issue's: the mean over test folds. The pooled figure and the
        # sampling floors are printed beside it, not in its place.
        check(
            f"{model} ECE",
            worst < limit,
            f"count/width max {worst:.4f} (< {limit}; a calibrated model's {floor:.4f}); "
            f"pooled out-of-fold {pooled:.4f} (a calibrated model's {pooled_floor:.4f})",
        )
    if ran(LGBM):
        base = res[LGBM]
        for model in (CHALLENGER, TUNED):
            if not ran(model):
                continue
            r = res[model]
            check(
                f"{model} AUC",
                r["AUC"] >= base["AUC"],
                f"{r['AUC']:.4f} vs LightGBM default {base['AUC']:.4f} "
                f"({r['AUC'] - base['AUC']:+.4f}, its fold sd {spread[LGBM]:.4f})",
            )
            if large:
                check(f"{model} ≥ 0.96", r["AUC"] >= 0.96, f"{r['AUC']:.4f}")
    for model, base_name in ((CHAMPION, OPTB), (CHALLENGER, LGBM), (TUNED, LGBM)):
        if ran(model) and ran(base_name):
            ratio = res[model]["fit cpu s"] / max(res[base_name]["fit cpu s"], 1e-9)
            check(f"{model} fit CPU time", ratio <= 3.0, f"{ratio:.1f}× {base_name} (≤ 3×)")
    return out


# The calibration table's columns: its heading → the summary's key.
CALIBRATION_COLUMNS = {
    "fold ECE count": "ECE count",
    "floor": "ECE floor count",
    "fold ECE width": "ECE width",
    "floor ": "ECE floor width",
    "pooled ECE count": "ECE oof count",
    "pooled floor": "ECE oof floor count",
    "pooled ECE width": "ECE oof width",
    "pooled floor ": "ECE oof floor width",
}
# Fit times are summarised by the median over folds: one fold slowed by a neighbour on the
# shared machine should not move the cost ratio.
MEDIAN = ("fit s", "fit cpu s")


def summarise(
    data: CreditDataset, folds_res: dict[str, dict[str, list[float]]], oof: dict[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    """Per model: the mean over folds of each measure (the median of the fit times), and the
    ECEs of the pooled out-of-fold PDs with their sampling floors."""
    res = {
        m: {k: float(np.median(v) if k in MEDIAN else np.mean(v)) for k, v in r.items()}
        for m, r in folds_res.items()
    }
    for m, pd_ in oof.items():
        whole = bool(np.isfinite(pd_).all())
        for how in ("count", "width"):
            res[m][f"ECE oof {how}"] = (
                metrics.ece(data.y, pd_, strategy=how) if whole else float("nan")
            )
            res[m][f"ECE oof floor {how}"] = (
                metrics.ece_floor(pd_, strategy=how, draws=FLOOR_DRAWS, seed=SEED)
                if whole
                else float("nan")
            )
    return res


def shared_files() -> list[Path]:
    folder = get_settings().shared_data_path("credit")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smallest shared set, 3 folds")
    ap.add_argument("--data", nargs="*", type=Path, help="data files instead of the shared ones")
    ap.add_argument("--label", default=None, help="label column (default: detected)")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--models", nargs="*", choices=list(MODELS), help="a subset of the rows")
    args = ap.parse_args()
    console = Console(width=200)  # the whole table, also when the output is a file
    files = args.data or shared_files()
    folds = args.folds
    if args.quick:
        files = [min(files, key=lambda p: p.stat().st_size)]
        folds = 3
    models = {m: MODELS[m] for m in args.models} if args.models else MODELS
    table = Table(
        title=f"credit models, stratified {folds}-fold CV, seed {SEED} "
        "(mean over folds; fit times the median over folds)"
    )
    columns = ("data set", "rows", "bad %", "model", "AUC", "± sd", "KS")
    eces = ("ECE count", "ECE width", "ECE oof count", "ECE oof width")
    for col in (*columns, *eces, "Brier", "fit s", "fit cpu s"):
        table.add_column(col, justify="left" if col in ("data set", "model") else "right")
    noise = Table(
        title="ECE beside a perfectly calibrated model's (outcomes drawn from the model's own "
        f"PDs, {FLOOR_DRAWS} draws): per test fold (mean over folds) and pooled out-of-fold"
    )
    for col in ("data set", "model", *CALIBRATION_COLUMNS):
        noise.add_column(col, justify="left" if col in ("data set", "model") else "right")
    verdicts: list[str] = []
    with Progress(console=console, transient=True) as progress:
        for path in files:
            data = load_dataset(path, label=args.label)
            folds_res, oof = cross_validate(data, folds, progress, models)
            res = summarise(data, folds_res, oof)
            spread = {m: float(np.std(r["AUC"])) for m, r in folds_res.items()}
            for i, (model, r) in enumerate(res.items()):
                table.add_row(
                    data.name if i == 0 else "",
                    f"{len(data.y):,}" if i == 0 else "",
                    f"{100 * data.bad_rate:.1f}" if i == 0 else "",
                    model,
                    f"{r['AUC']:.4f}",
                    f"{float(np.std(folds_res[model]['AUC'])):.4f}",
                    f"{r['KS']:.4f}",
                    *(f"{r[e]:.4f}" for e in eces),
                    f"{r['Brier']:.4f}",
                    f"{r['fit s']:.2f}",
                    f"{r['fit cpu s']:.2f}",
                )
                noise.add_row(
                    data.name if i == 0 else "",
                    model,
                    *(f"{r[key]:.4f}" for key in CALIBRATION_COLUMNS.values()),
                )
            table.add_section()
            noise.add_section()
            verdicts += floors(data.name, len(data.y), res, spread)
    console.print(table)
    console.print(noise)
    for line in verdicts:
        console.print(line)


if __name__ == "__main__":
    main()
