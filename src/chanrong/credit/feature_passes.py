"""Profiles of a large park in passes of a bounded number of firms: memory bounded by the pass.

The equipment quality index orders each machine's days (a window over every device of the
park); at 5,000 firms that operator alone needed more than a gigabyte and the run peaked at
2.6× its memory at 1,000 firms (benchmarks/RESULTS.md, 2026-12-07). Here the device-keyed
inputs (devices, readings, daily rollups, per-day stats) are cut to one pass's firms while
everything a firm's profile reads of other firms stays whole: the industry benchmark of
carbon efficiency pools every firm's bills, and payment punctuality reads the invoices the
firm's buyers received. Each pass keeps only its own firms' rows, so a profile equals the one
computed over the whole park (tests/credit/test_feature_passes.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date

import ibis.expr.types as ir
import pandas as pd

from chanrong.credit.features import ParkTables, compute_profiles

# What the platform's park-wide profile runs take at a time: at 1,000 firms × 1 year the
# engine peaked under 1 GB (benchmarks/RESULTS.md), and a park that size is one pass.
FIRMS_PER_PASS = 1000


def compute_profiles_in_passes(
    t: ParkTables, dates: Sequence[date], *, firms_per_pass: int
) -> pd.DataFrame:
    """``compute_profiles`` over the park ``firms_per_pass`` firms at a time (same frame)."""
    if firms_per_pass < 1:
        raise ValueError("firms_per_pass: at least 1")
    usccs = sorted(str(u) for u in t.enterprises.select("uscc").to_pyarrow().column(0).to_pylist())
    if len(usccs) <= firms_per_pass:
        return compute_profiles(t, dates)
    frames = []
    for i in range(0, len(usccs), firms_per_pass):
        firms = usccs[i : i + firms_per_pass]
        frame = compute_profiles(_cut(t, firms), dates)
        frames.append(frame[frame["uscc"].isin(firms)])
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["as_of", "uscc"]).reset_index(drop=True)


def _cut(t: ParkTables, firms: list[str]) -> ParkTables:
    """The park with its device-keyed tables cut to ``firms``' devices."""
    devices = t.devices.filter(t.devices.uscc.isin(firms))
    ids = devices.select("device_id")

    def only(table: ir.Table | None) -> ir.Table | None:
        return None if table is None else table.semi_join(ids, "device_id")

    telemetry = only(t.telemetry)
    assert telemetry is not None
    return dataclasses.replace(
        t,
        devices=devices,
        telemetry=telemetry,
        telemetry_daily=only(t.telemetry_daily),
        equipment_daily=only(t.equipment_daily),
    )
