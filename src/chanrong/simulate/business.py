"""Business records: orders, invoices, payments (with delays) and daily cloud usage.

Orders lead production by a month (a firm's order book fills before its machines run), so
they follow next month's utilisation. Payment delays follow the *payer's* health: a firm in
trouble pays its suppliers later, splits payments, and after defaulting mostly stops paying.
Off-platform buyers pay on their own habits, only slightly worse when the seller is weak
(it chases its debtors less). Each seller's records come from its own random stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from chanrong.simulate.calendar import MonthGrid, date_ordinal
from chanrong.simulate.health import HealthTruth
from chanrong.simulate.population import (
    STREAM_BUSINESS,
    STREAM_CLOUD,
    STREAM_PARK,
    Enterprise,
    rng_for,
)
from chanrong.simulate.telemetry import working_slots

ORDERS_PER_MONTH = {"micro": 3.0, "small": 6.0, "medium": 10.0}
_OFF_CITIES = ("上海", "宁波", "南京", "无锡", "合肥", "广州", "武汉", "青岛")
_OFF_BRANDS = "远东星海天龙华润长城东方中联国泰金桥"
_OFF_TRADES = ("汽车", "电器", "贸易", "商贸", "实业", "科技", "控股", "供应链")


def off_platform_buyers(seed: int, count: int = 40) -> list[str]:
    """Names of customers that are not on the platform (the same list for the whole park)."""
    rng = rng_for(seed, STREAM_PARK, 1)
    names: list[str] = []
    while len(names) < count:
        city = _OFF_CITIES[int(rng.integers(0, len(_OFF_CITIES)))]
        brand = "".join(_OFF_BRANDS[int(j)] for j in rng.integers(0, len(_OFF_BRANDS), 2))
        trade = _OFF_TRADES[int(rng.integers(0, len(_OFF_TRADES)))]
        name = f"{city}{brand}{trade}有限公司"
        if name not in names:
            names.append(name)
    return names


@dataclass
class BusinessRecords:
    """Column lists for the business tables; dates are date32 ordinals, money integer fen."""

    orders: dict[str, list] = field(
        default_factory=lambda: {
            k: []
            for k in (
                "order_id",
                "seller_uscc",
                "buyer_uscc",
                "buyer_name",
                "order_date",
                "amount_fen",
            )
        }
    )
    invoices: dict[str, list] = field(
        default_factory=lambda: {
            k: []
            for k in (
                "invoice_id",
                "order_id",
                "seller_uscc",
                "buyer_uscc",
                "buyer_name",
                "issue_date",
                "due_date",
                "amount_fen",
            )
        }
    )
    payments: dict[str, list] = field(
        default_factory=lambda: {
            k: []
            for k in (
                "payment_id",
                "invoice_id",
                "payer_uscc",
                "payee_uscc",
                "paid_date",
                "amount_fen",
            )
        }
    )


def expected_output_fen(
    firms: Sequence[Enterprise], truth: HealthTruth, grids: Sequence[MonthGrid]
) -> np.ndarray:
    """(n, months) expected monthly output value: capacity × working hours × utilisation."""
    out = np.zeros(truth.utilisation.shape)
    for f in firms:
        cap = f.capacity_value_fen_per_hour
        for m, g in enumerate(grids):
            hours = float(working_slots(f, g).sum()) * g.interval_minutes / 60.0
            out[f.index, m] = cap * hours * truth.utilisation[f.index, m]
    return out


def _month_of(ordinal: int, month_ordinals: np.ndarray) -> int:
    return int(np.searchsorted(month_ordinals, ordinal, side="right") - 1)


def generate_business(
    seed: int,
    firms: Sequence[Enterprise],
    truth: HealthTruth,
    grids: Sequence[MonthGrid],
    expected: np.ndarray,
) -> BusinessRecords:
    """Orders, invoices and payments of every seller, in seller order then date order."""
    rec = BusinessRecords()
    months = len(grids)
    month_ord = np.array([date_ordinal(g.month) for g in grids])
    end_ord = int(month_ord[-1] + grids[-1].days - 1)
    buyers_off = off_platform_buyers(seed)
    # Each off-platform buyer has its own payment habit (days late on average) and terms.
    habit_rng = rng_for(seed, STREAM_PARK, 2)
    off_habit = habit_rng.gamma(1.5, 4.0, len(buyers_off))
    off_terms = habit_rng.choice([30, 60], len(buyers_off))
    for f in firms:
        rng = rng_for(seed, STREAM_BUSINESS, f.index)
        rate = 25.0 if f.is_core else ORDERS_PER_MONTH[f.size]
        on_platform = [f.customer_index, *f.secondary_customers] if f.customer_index >= 0 else []
        n_inv = 0
        for m in range(months):
            demand = expected[f.index, min(m + 1, months - 1)] * rng.lognormal(0.0, 0.15)
            n = 1 + int(rng.poisson(rate * (0.4 if truth.in_default(f.index, m) else 1.0)))
            shares = rng.dirichlet(np.ones(n) * 2.0)
            days = np.sort(rng.integers(0, grids[m].days, n))
            pick = rng.random(n)
            for k in range(n):
                amount = max(100_00, round(demand * shares[k] / 100.0) * 100)
                order_id = f"SO-{f.uscc}-{grids[m].month:%Y%m}-{k + 1:04d}"
                if on_platform and pick[k] < 0.62:
                    buyer = on_platform[0]
                elif len(on_platform) > 1 and pick[k] < 0.77:
                    buyer = on_platform[1 + int(rng.integers(0, len(on_platform) - 1))]
                else:
                    buyer = -1
                off = int(rng.integers(0, len(buyers_off)))
                buyer_uscc = firms[buyer].uscc if buyer >= 0 else None
                buyer_name = firms[buyer].name if buyer >= 0 else buyers_off[off]
                order_date = int(month_ord[m] + days[k])
                o = rec.orders
                o["order_id"].append(order_id)
                o["seller_uscc"].append(f.uscc)
                o["buyer_uscc"].append(buyer_uscc)
                o["buyer_name"].append(buyer_name)
                o["order_date"].append(order_date)
                o["amount_fen"].append(amount)
                issue = order_date + int(rng.integers(3, 26))
                if issue > end_ord:
                    continue
                terms = (90 if firms[buyer].is_core else 60) if buyer >= 0 else int(off_terms[off])
                due = issue + terms
                n_inv += 1
                invoice_id = f"INV-{f.uscc}-{n_inv:06d}"
                i = rec.invoices
                i["invoice_id"].append(invoice_id)
                i["order_id"].append(order_id)
                i["seller_uscc"].append(f.uscc)
                i["buyer_uscc"].append(buyer_uscc)
                i["buyer_name"].append(buyer_name)
                i["issue_date"].append(issue)
                i["due_date"].append(due)
                i["amount_fen"].append(amount)
                due_m = min(months - 1, _month_of(due, month_ord))
                parts = _payment_plan(rng, f, buyer, firms, truth, due_m, float(off_habit[off]))
                paid_so_far = 0
                for j, (delay, share) in enumerate(parts):
                    paid = due + round(delay)
                    if paid > end_ord:
                        break
                    value = amount - paid_so_far if share >= 1.0 else int(amount * share)
                    paid_so_far += value
                    p = rec.payments
                    p["payment_id"].append(f"PAY-{f.uscc}-{n_inv:06d}-{j + 1}")
                    p["invoice_id"].append(invoice_id)
                    p["payer_uscc"].append(buyer_uscc)
                    p["payee_uscc"].append(f.uscc)
                    p["paid_date"].append(max(issue, paid))
                    p["amount_fen"].append(value)
    return rec


def _payment_plan(
    rng: np.random.Generator,
    seller: Enterprise,
    buyer: int,
    firms: Sequence[Enterprise],
    truth: HealthTruth,
    due_month: int,
    off_habit: float,
) -> list[tuple[float, float]]:
    """(days after due, cumulative share paid ≥ 1.0 for the last) for one invoice."""
    if buyer < 0:
        weak = 25.0 * max(0.0, 0.5 - float(truth.health[seller.index, due_month]))
        delay = max(-5.0, off_habit + weak + rng.normal(0.0, 6.0))
        return [(delay, 1.0)]
    h = float(truth.health[buyer, due_month])
    if truth.default_month[buyer] >= 0 and due_month >= truth.default_month[buyer]:
        # A defaulted payer mostly stops paying; now and then a creditor recovers half, late.
        if rng.random() < 0.8:
            return []
        return [(float(rng.uniform(60, 180)), 0.5)]
    habit = firms[buyer].payment_habit_days
    stress = 90.0 * max(0.0, 0.6 - h) ** 1.5
    delay = max(
        -5.0, habit * rng.gamma(2.0, 0.5) + stress * rng.lognormal(0.0, 0.5) + rng.normal(0.0, 5.0)
    )
    if h < 0.45 and rng.random() < 0.35:
        first = float(rng.uniform(0.4, 0.7))
        return [(delay, first), (delay + float(rng.uniform(20, 60)), 1.0)]
    return [(delay, 1.0)]


def generate_cloud_usage(
    seed: int, firms: Sequence[Enterprise], truth: HealthTruth, grids: Sequence[MonthGrid]
) -> dict[str, list]:
    """Daily platform usage per firm: compute hours, API calls and storage follow activity."""
    cols: dict[str, list] = {
        k: [] for k in ("uscc", "day", "compute_hours", "api_calls", "storage_gb")
    }
    for f in firms:
        rng = rng_for(seed, STREAM_CLOUD, f.index)
        n_dev = len(f.devices)
        storage = n_dev * rng.uniform(1.0, 3.0)
        for m, g in enumerate(grids):
            u = float(truth.utilisation[f.index, m])
            work = working_slots(f, g).reshape(g.days, g.per_day).any(axis=1)
            base = np.where(work, 1.0, 0.3) * (0.3 + u)
            compute = np.round(n_dev * 0.25 * base * rng.lognormal(0.0, 0.1, g.days), 3)
            calls = np.round(n_dev * 400.0 * base * rng.lognormal(0.0, 0.08, g.days))
            growth = calls * 2e-5 * rng.uniform(0.8, 1.2, g.days)
            stored = np.round(storage + np.cumsum(growth), 3)
            storage = float(stored[-1])
            first = date_ordinal(g.month)
            cols["uscc"].extend([f.uscc] * g.days)
            cols["day"].extend(range(first, first + g.days))
            cols["compute_hours"].extend(compute.tolist())
            cols["api_calls"].extend(calls.tolist())
            cols["storage_gb"].extend(stored.tolist())
    return cols
