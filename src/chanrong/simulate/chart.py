"""The chart in docs/simulator.md: a healthy and a deteriorating firm, month by month.

Run ``python -m chanrong.simulate.chart --out docs/img/simulator-firms.png``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from chanrong.simulate.config import FaultRates, ParkConfig
from chanrong.simulate.service import ParkPlan, iter_firm_months, plan_park, simulate_park

CHART_PARK = ParkConfig(
    enterprises=80, months=24, interval_minutes=240, seed=7, faults=FaultRates.none()
)


def _pick_firms(cfg: ParkConfig) -> tuple[int, int]:
    """A steady firm and one that defaults late in the span, both paying on-platform suppliers."""
    plan = plan_park(cfg)
    payers = {f.customer_index for f in plan.firms} | {
        c for f in plan.firms for c in f.secondary_customers
    }
    truth = plan.truth
    months = cfg.months
    late_defaults = [
        f.index
        for f in plan.firms
        if truth.defaulted[f.index]
        and truth.default_month[f.index] >= months // 2
        and f.index in payers
        and not f.is_core
    ]
    steady = [
        f.index
        for f in plan.firms
        if not truth.deteriorating[f.index]
        and not truth.defaulted[f.index]
        and f.index in payers
        and not f.is_core
    ]
    if not late_defaults or not steady:
        raise ValueError("the chart park has no suitable pair of firms; change its seed")
    steady.sort(key=lambda i: abs(float(truth.health[i].mean()) - 0.7))
    return steady[0], late_defaults[0]


def firm_series(cfg: ParkConfig, firm: int) -> pd.DataFrame:
    """Monthly health, utilisation, output, electricity, orders and payment delay of one firm."""
    plan = plan_park(cfg)
    park = simulate_park(cfg, keep_telemetry=False)
    f = plan.firms[firm]
    one = ParkPlan(cfg, [f], plan.truth, plan.grids)
    util = [fm.clean.totals.running_share for fm in iter_firm_months(one)]
    months = [g.month for g in plan.grids]
    energy = park.energy.to_pandas()
    energy = energy[energy.uscc == f.uscc].set_index("month")
    orders = park.orders.to_pandas()
    orders = orders[orders.seller_uscc == f.uscc]
    orders["month"] = orders.order_date.map(lambda d: date(d.year, d.month, 1))
    pay = park.payments.to_pandas().merge(
        park.invoices.to_pandas()[["invoice_id", "due_date"]], on="invoice_id"
    )
    pay = pay[pay.payer_uscc == f.uscc]
    pay["delay"] = [(p - d).days for p, d in zip(pay.paid_date, pay.due_date, strict=True)]
    pay["month"] = pay.paid_date.map(lambda d: date(d.year, d.month, 1))
    return pd.DataFrame(
        {
            "health": plan.truth.health[firm],
            "utilisation": util,
            "output_wan": [energy.output_value_fen.get(m, np.nan) / 1e6 for m in months],
            "electricity_mwh": [energy.electricity_kwh.get(m, np.nan) / 1e3 for m in months],
            "orders_wan": [orders[orders.month == m].amount_fen.sum() / 1e6 for m in months],
            "payment_delay_days": [pay[pay.month == m].delay.mean() for m in months],
        },
        index=pd.to_datetime(months),
    )


def render_chart(out: Path, cfg: ParkConfig = CHART_PARK) -> Path:
    """Draw the two firms side by side on shared monthly axes and save a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steady, failing = _pick_firms(cfg)
    plan = plan_park(cfg)
    a, b = firm_series(cfg, steady), firm_series(cfg, failing)
    m = int(plan.truth.default_month[failing])
    default_at = pd.Timestamp(plan.grids[m].month) + pd.Timedelta(
        days=int(plan.truth.default_day[failing]) - 1
    )
    panels = [
        ("health", "hidden health (truth)"),
        ("utilisation", "utilisation (share of shift time running)"),
        ("output_wan", "output value (10k yuan / month)"),
        ("electricity_mwh", "electricity (MWh / month)"),
        ("orders_wan", "orders received (10k yuan / month)"),
        ("payment_delay_days", "days paid after due (as payer)"),
    ]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 13), sharex=True)
    for ax, (col, title) in zip(axes, panels, strict=True):
        ax.plot(a.index, a[col], marker="o", ms=3, color="#2f7d32", label="steady firm")
        ax.plot(b.index, b[col], marker="o", ms=3, color="#c62828", label="deteriorating firm")
        ax.axvline(default_at, color="#c62828", ls="--", lw=1)
        ax.set_title(title, fontsize=10, loc="left")
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower left", fontsize=9)
    axes[0].annotate(
        "default",
        xy=(default_at, 0.9),
        xycoords=("data", "axes fraction"),
        color="#c62828",
        fontsize=9,
        ha="right",
    )
    fig.suptitle(
        f"Simulated park (seed {cfg.seed}): a steady firm and one that defaults\n"
        "Spring Festival dips in Feb 2024 and Jan/Feb 2025",
        fontsize=11,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, metadata={"Software": None})
    plt.close(fig)
    return out


def main(
    out: Annotated[Path, typer.Option(help="PNG to write")] = Path("docs/img/simulator-firms.png"),
) -> None:
    """Render the chart of a healthy and a deteriorating firm."""
    path = render_chart(out)
    typer.echo(f"wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    typer.run(main)
