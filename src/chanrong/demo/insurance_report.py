"""Does the equipment quality index separate the devices that fail more? (simulated park)

Computes every machine's index from the park's run-state and power telemetry and compares it
with the simulator's hidden truth of failures (``maintenance`` rows of kind ``failure``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from chanrong.insurance.fleet import stats_by_device
from chanrong.insurance.quality import device_index

MACHINES = ("cnc", "injection_moulder", "sewing_machine", "compressor", "press")


@dataclass(frozen=True, slots=True)
class Separation:
    devices: int
    spearman: float  # index vs true failures (negative = separates)
    auc: float  # index ranking devices with above-median true failures (1 = perfect)
    by_tercile: list[tuple[str, float, float]]  # (tercile, mean true failures, mean index)


def device_indices(devices: pa.Table, telemetry: pa.Table) -> dict[str, Decimal]:
    """Index of every machine from the park's telemetry."""
    rated = {r["device_id"]: r["rated_kw"] for r in devices.to_pylist() if r["kind"] in MACHINES}
    return {d: device_index(s).index for d, s in stats_by_device(telemetry, rated).items()}


def separation(indices: dict[str, Decimal], maintenance: pa.Table) -> Separation:
    """How well the index ranks devices by the failures the simulator actually injected."""
    rows = maintenance.filter(pc.equal(maintenance.column("kind"), "failure"))
    failures = Counter(rows.column("device_id").to_pylist())
    ids = sorted(indices)
    idx = np.array([float(indices[d]) for d in ids])
    fails = np.array([failures.get(d, 0) for d in ids], dtype=float)
    rho = float(spearmanr(idx, fails).statistic)
    high = fails > np.median(fails)
    auc = float(roc_auc_score(high, -idx)) if 0 < high.sum() < len(high) else float("nan")
    order = np.argsort(fails, kind="stable")
    terciles = []
    for name, part in zip(("fewest", "middle", "most"), np.array_split(order, 3), strict=True):
        terciles.append((name, float(fails[part].mean()), float(idx[part].mean())))
    return Separation(len(ids), rho, auc, terciles)
