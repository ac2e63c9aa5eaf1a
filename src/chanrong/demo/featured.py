"""Which firms of the simulated park the demo features, chosen from the park's own tables."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Featured:
    core: str
    tier1: str
    tier2: tuple[str, str]
    sewing: str
    sewing_device: str
    deteriorating: str | None


def pick(enterprises: pa.Table, devices: pa.Table, truth: pa.Table) -> Featured:
    """A core enterprise with a tier-1 and two tier-2 suppliers in its tree, a firm with a
    sewing machine to lease, and (if the park has one) a firm on a deteriorating path."""
    firms = enterprises.to_pylist()
    cores = [f for f in firms if f["is_core"]]
    if not cores:
        raise LookupError("the park has no core enterprise")

    def tree(core: str, tier: int) -> list[str]:
        return [f["uscc"] for f in firms if f["core_uscc"] == core and f["tier"] == tier]

    core = max(cores, key=lambda c: (len(tree(c["uscc"], 2)), len(tree(c["uscc"], 1))))["uscc"]
    t1 = tree(core, 1)
    t2 = tree(core, 2)
    others = [f["uscc"] for f in firms if not f["is_core"]]
    tier1 = t1[0] if t1 else others[0]
    rest = [u for u in t2 + others if u != tier1]
    sewing_rows = [d for d in devices.to_pylist() if d["kind"] == "sewing_machine"]
    if not sewing_rows:
        raise LookupError("the park has no sewing machine to lease")
    sewing = sewing_rows[0]
    bad = [r["uscc"] for r in truth.to_pylist() if r["deteriorating"] and r["uscc"] != core]
    return Featured(
        core=core,
        tier1=tier1,
        tier2=(rest[0], rest[1]),
        sewing=sewing["uscc"],
        sewing_device=sewing["device_id"],
        deteriorating=bad[0] if bad else None,
    )
