"""Champion scorecard and LightGBM challenger against toad and optbinning baselines.

Every data set in ``<shared>/credit`` (CSV / whitespace text / ARFF with a binary label), or the
files given with ``--data``, is cross-validated 5-fold with a fixed seed; the table shows mean
AUC, KS, expected calibration error and Brier score per model, all run in this process.

    .venv/bin/python benchmarks/credit_models.py            # every shared data set
    .venv/bin/python benchmarks/credit_models.py --quick    # smoke run: the small set, 3 folds
    .venv/bin/python benchmarks/credit_models.py --data my.csv --label target
"""

from __future__ import annotations

import argparse
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
from chanrong.credit.fitting import fit_boosted, fit_scorecard

SEED = 42
SUFFIXES = {".csv", ".arff", ".dat", ".txt", ".data"}
Fitter = Callable[[pd.DataFrame, np.ndarray], Callable[[pd.DataFrame], np.ndarray]]


def champion(x: pd.DataFrame, y: np.ndarray) -> Callable[[pd.DataFrame], np.ndarray]:
    table = fit_scorecard(x, y, seed=SEED)
    return table.pd


def challenger(x: pd.DataFrame, y: np.ndarray) -> Callable[[pd.DataFrame], np.ndarray]:
    model = fit_boosted(x, y, seed=SEED)
    return model.pd


def optbinning_default(x: pd.DataFrame, y: np.ndarray) -> Callable[[pd.DataFrame], np.ndarray]:
    from optbinning import BinningProcess, Scorecard

    cats = [str(c) for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    sc = Scorecard(
        binning_process=BinningProcess([str(c) for c in x.columns], categorical_variables=cats),
        estimator=LogisticRegression(max_iter=1000),
        scaling_method="min_max",
        scaling_method_params={"min": 300, "max": 850},
    )
    sc.fit(x, y)
    return lambda z: np.asarray(sc.predict_proba(z)[:, 1])


def toad_scorecard(x: pd.DataFrame, y: np.ndarray) -> Callable[[pd.DataFrame], np.ndarray]:
    import toad

    frame = x.copy()
    frame["__y"] = y
    combiner = toad.transform.Combiner()
    combiner.fit(frame, y="__y", method="chi", min_samples=0.05, empty_separate=True)
    woe = toad.transform.WOETransformer()
    binned = combiner.transform(frame.drop(columns="__y"))
    woe_x = woe.fit_transform(binned, y)
    card = toad.ScoreCard(combiner=combiner, transer=woe)
    card.fit(woe_x, y)
    return lambda z: np.asarray(card.predict_proba(z)[:, 1])


MODELS: dict[str, Fitter] = {
    "champion scorecard": champion,
    "challenger LightGBM": challenger,
    "optbinning Scorecard": optbinning_default,
    "toad ScoreCard": toad_scorecard,
}


def cross_validate(
    data: CreditDataset, folds: int, progress: Progress
) -> dict[str, dict[str, float]]:
    splitter = StratifiedKFold(folds, shuffle=True, random_state=SEED)
    results: dict[str, dict[str, list[float]]] = {m: {} for m in MODELS}
    task = progress.add_task(f"{data.name}", total=folds * len(MODELS))
    for tr, te in splitter.split(data.x, data.y):
        x_tr, x_te = data.x.iloc[tr].reset_index(drop=True), data.x.iloc[te].reset_index(drop=True)
        ytr, yte = data.y[tr], data.y[te]
        for name, fit in MODELS.items():
            progress.update(task, description=f"{data.name}: {name}")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pd_ = fit(x_tr, ytr)(x_te)
            row = results[name]
            for metric, value in (
                ("AUC", metrics.auc(yte, pd_)),
                ("KS", metrics.ks(yte, pd_)),
                ("ECE", metrics.ece(yte, pd_)),
                ("Brier", metrics.brier(yte, pd_)),
            ):
                row.setdefault(metric, []).append(value)
            progress.advance(task)
    return {m: {k: float(np.mean(v)) for k, v in r.items()} for m, r in results.items()}


def shared_files() -> list[Path]:
    folder = get_settings().shared_data_path("credit")
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smallest shared set, 3 folds")
    ap.add_argument("--data", nargs="*", type=Path, help="data files instead of the shared ones")
    ap.add_argument("--label", default=None, help="label column (default: detected)")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    console = Console()
    files = args.data or shared_files()
    folds = args.folds
    if args.quick:
        files = [min(files, key=lambda p: p.stat().st_size)]
        folds = 3
    table = Table(title=f"credit models, {folds}-fold CV, seed {SEED} (mean over folds)")
    for col in ("data set", "rows", "bad %", "model", "AUC", "KS", "ECE", "Brier"):
        table.add_column(col, justify="left" if col in ("data set", "model") else "right")
    floors: list[str] = []
    with Progress(console=console, transient=True) as progress:
        for path in files:
            data = load_dataset(path, label=args.label)
            res = cross_validate(data, folds, progress)
            for i, (model, r) in enumerate(res.items()):
                table.add_row(
                    data.name if i == 0 else "",
                    f"{len(data.y):,}" if i == 0 else "",
                    f"{100 * data.bad_rate:.1f}" if i == 0 else "",
                    model,
                    f"{r['AUC']:.4f}",
                    f"{r['KS']:.4f}",
                    f"{r['ECE']:.4f}",
                    f"{r['Brier']:.4f}",
                )
            table.add_section()
            champ = res["champion scorecard"]["AUC"]
            base = max(res["optbinning Scorecard"]["AUC"], res["toad ScoreCard"]["AUC"])
            verdict = "ok" if champ >= base else "BELOW"
            floors.append(
                f"{data.name}: champion AUC {champ:.4f} vs best baseline {base:.4f} → {verdict}; "
                f"challenger AUC {res['challenger LightGBM']['AUC']:.4f}"
            )
    console.print(table)
    for line in floors:
        console.print(line)


if __name__ == "__main__":
    main()
