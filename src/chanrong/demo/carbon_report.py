"""Carbon codes of a simulated (or exported) park from its energy and enterprise tables.

Works on the simulator's Arrow contract (``enterprises``, ``energy``), so the park's grades can
be reported and charted without loading it into the platform first.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from chanrong.carbon.domain import EnergyUse
from chanrong.carbon.park import Assessment, PeriodInput, assess_period


@dataclass(frozen=True, slots=True)
class MonthGrades:
    month: date
    assessments: list[Assessment]

    @property
    def counts(self) -> dict[int, int]:
        c = Counter(a.code.grade for a in self.assessments)
        return {g: c.get(g, 0) for g in range(1, 6)}


def _dec(x: float | None) -> Decimal:
    return Decimal(repr(float(x))) if x is not None else Decimal(0)


def assess_tables(enterprises: pa.Table, energy: pa.Table) -> list[MonthGrades]:
    """Each month's codes for every enterprise with energy bills and output that month."""
    ent = {r["uscc"]: r for r in enterprises.to_pylist()}
    by_month: dict[date, list[PeriodInput]] = {}
    for r in energy.to_pylist():
        e = ent.get(r["uscc"])
        if e is None:
            continue
        use = EnergyUse(
            electricity_kwh=_dec(r["electricity_kwh"]),
            gas_m3=_dec(r["gas_m3"]),
            coal_t=_dec(r["coal_t"]),
            steam_t=_dec(r["steam_t"]),
        )
        by_month.setdefault(r["month"], []).append(
            PeriodInput(
                r["uscc"],
                e["industry_code"],
                e["region_code"],
                use,
                int(r["output_value_fen"] or 0),
            )
        )
    return [
        MonthGrades(m, assess_period(rows, year=m.year)) for m, rows in sorted(by_month.items())
    ]


def chart(months: list[MonthGrades], out: Path) -> Path:
    """A stacked bar chart of how many firms hold each grade, month by month (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4), dpi=110)
    labels = [m.month.strftime("%Y-%m") for m in months]
    bottom = [0] * len(months)
    colours = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"]
    for g in range(1, 6):
        vals = [m.counts[g] for m in months]
        ax.bar(labels, vals, bottom=bottom, color=colours[g - 1], label=f"grade {g}")
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_ylabel("enterprises")
    ax.set_title("Carbon-efficiency grades of the simulated park (1 = most efficient)")
    ax.legend(ncol=5, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    ax.tick_params(axis="x", rotation=45, labelsize=7)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
