"""Health drives business behaviour: utilisation and payment delays separate the firms that
later default from those that do not, without any one column giving it away."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from scipy.stats import mannwhitneyu
from sklearn.metrics import roc_auc_score

from chanrong.simulate import Park
from tests.simulate.conftest import RiskPark


def _truth(park: Park) -> pd.DataFrame:
    return park.truth_enterprises.to_pandas().set_index("uscc")


def test_enough_firms_default_for_the_statistics(risk_park: RiskPark) -> None:
    truth = _truth(risk_park.park)
    assert truth.defaulted.sum() >= 8
    # Defaults are dated inside the simulated span.
    dates = truth.default_date.dropna()
    assert dates.min() >= date(2024, 1, 1) and dates.max() <= date(2024, 12, 31)


def test_utilisation_is_lower_before_default(risk_park: RiskPark) -> None:
    truth = _truth(risk_park.park)
    u = pd.Series(risk_park.noon_running).rename_axis(["uscc", "month"]).reset_index(name="running")
    u["month"] = pd.to_datetime(u.month)
    # The three months before the default month, or the last three months for survivors.
    default_month = (
        pd.to_datetime(u.uscc.map(truth.default_date)).dt.to_period("M").dt.to_timestamp()
    )
    ref = default_month.fillna(pd.Timestamp("2025-01-01"))
    window = u[(u.month < ref) & (u.month >= ref - pd.offsets.MonthBegin(3))]
    per_firm = window.groupby("uscc").running.mean()
    defaulted = truth.defaulted.reindex(per_firm.index)
    stat = mannwhitneyu(per_firm[defaulted], per_firm[~defaulted], alternative="less")
    assert stat.pvalue < 0.001
    assert per_firm[defaulted].mean() < 0.75 * per_firm[~defaulted].mean()
    # Informative, but not a perfect separator on its own.
    assert 0.75 < roc_auc_score(defaulted, -per_firm) < 0.99


def test_payment_delays_grow_before_default(risk_park: RiskPark) -> None:
    park = risk_park.park
    truth = _truth(park)
    pay = park.payments.to_pandas().merge(
        park.invoices.to_pandas()[["invoice_id", "due_date"]], on="invoice_id"
    )
    pay = pay[pay.payer_uscc.notna()]
    pay["delay"] = (pd.to_datetime(pay.paid_date) - pd.to_datetime(pay.due_date)).dt.days
    default_date = pd.to_datetime(pay.payer_uscc.map(truth.default_date))
    before = pay[default_date.isna() | (pd.to_datetime(pay.paid_date) < default_date)]
    per_payer = before.groupby("payer_uscc").delay.mean()
    defaulted = truth.defaulted.reindex(per_payer.index)
    assert defaulted.sum() >= 5
    stat = mannwhitneyu(per_payer[defaulted], per_payer[~defaulted], alternative="greater")
    assert stat.pvalue < 0.01
    assert 0.7 < roc_auc_score(defaulted, per_payer) < 0.99
    # Healthy payers are late too, sometimes: delays are a habit as well as a symptom.
    assert (per_payer[~defaulted] > 10).any()


def test_defaulted_payers_mostly_stop_paying(risk_park: RiskPark) -> None:
    park = risk_park.park
    truth = _truth(park)
    inv = park.invoices.to_pandas()
    inv = inv[inv.buyer_uscc.notna()]
    inv["default_date"] = inv.buyer_uscc.map(truth.default_date)
    after = inv[inv.default_date.notna() & (inv.due_date >= inv.default_date)]
    paid = set(park.payments["invoice_id"].to_pylist())
    assert len(after) > 0
    assert after.invoice_id.isin(paid).mean() < 0.4


def test_money_is_integer_fen_and_payments_never_exceed_invoices(risk_park: RiskPark) -> None:
    park = risk_park.park
    for table, column in (
        (park.orders, "amount_fen"),
        (park.invoices, "amount_fen"),
        (park.payments, "amount_fen"),
    ):
        assert str(table.schema.field(column).type) == "int64"
        assert pc.min(table[column]).as_py() > 0
    inv = park.invoices.to_pandas().set_index("invoice_id")
    paid = park.payments.to_pandas().groupby("invoice_id").amount_fen.sum()
    assert (paid <= inv.amount_fen.reindex(paid.index)).all()
    assert (inv.due_date > inv.issue_date).all()
    pay = park.payments.to_pandas().merge(
        inv[["issue_date"]], left_on="invoice_id", right_index=True
    )
    assert (pay.paid_date >= pay.issue_date).all()
    orders = park.orders.to_pandas().set_index("order_id")
    assert inv.order_id.isin(orders.index).all()


def test_orders_and_output_fall_with_health(risk_park: RiskPark) -> None:
    park = risk_park.park
    truth = _truth(park)
    orders = park.orders.to_pandas()
    orders["month"] = pd.to_datetime(orders.order_date).dt.to_period("M")
    order_book = orders.groupby(["seller_uscc", "month"]).amount_fen.sum().unstack(fill_value=0)
    energy = park.energy.to_pandas()
    energy["month"] = pd.to_datetime(energy.month).dt.to_period("M")
    output = energy.pivot(index="uscc", columns="month", values="output_value_fen")
    survivors = truth.index[~truth.defaulted]
    first = output.columns[:3]

    def relative_change(table: pd.DataFrame, uscc: str, months: list[pd.Period]) -> float:
        # The firm's change from the first quarter, against the survivors' over the same months
        # (so the season and the Spring Festival cancel out).
        own = table.loc[uscc, months].mean() / table.loc[uscc, first].mean()
        peers = (
            table.loc[survivors, months].mean(axis=1) / table.loc[survivors, first].mean(axis=1)
        ).median()
        return float(own / peers)

    output_changes, order_changes = [], []
    for uscc in truth.index[truth.defaulted]:
        m = pd.Timestamp(truth.default_date[uscc]).to_period("M")
        window = [m - 3, m - 2, m - 1]
        if window[0] <= first[-1]:
            continue
        output_changes.append(relative_change(output, uscc, window))
        order_changes.append(relative_change(order_book, uscc, window))
    assert len(output_changes) >= 3
    # Many were already sliding in the first quarter, so the fall since then is moderate.
    assert np.median(output_changes) < 0.9
    assert np.median(order_changes) < 0.9
    assert np.mean(np.array(output_changes) < 1.0) >= 0.7


def test_cloud_usage_is_daily_and_declines_after_default(risk_park: RiskPark) -> None:
    park = risk_park.park
    truth = _truth(park)
    cloud = park.cloud_usage.to_pandas()
    assert cloud.groupby("uscc").day.nunique().eq(366).all()  # 2024 is a leap year
    assert (cloud.groupby("uscc").storage_gb.apply(lambda s: s.is_monotonic_increasing)).all()
    uscc = truth.index[truth.defaulted & (pd.to_datetime(truth.default_date) < "2024-09-01")][0]
    firm = cloud[cloud.uscc == uscc].set_index("day")
    dd = truth.default_date[uscc]
    assert (
        firm.loc[firm.index > dd, "compute_hours"].mean()
        < firm.loc[firm.index < dd, "compute_hours"].mean()
    )
