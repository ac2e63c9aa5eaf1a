"""The evaluation's pool on a day: open receivables and un-invoiced recent orders only."""

from __future__ import annotations

from datetime import date

from chanrong.demo.assets_evaluation import _ratio_series, pool_items


def test_pool_items_on_a_day() -> None:
    invoices = [
        {
            "invoice_id": "I1",
            "issue_date": date(2024, 1, 5),
            "due_date": date(2024, 2, 4),
            "amount_fen": 1000,
            "buyer_uscc": None,
            "buyer_name": "甲",
        },
        {
            "invoice_id": "I2",
            "issue_date": date(2024, 3, 5),
            "due_date": date(2024, 4, 4),
            "amount_fen": 500,
            "buyer_uscc": None,
            "buyer_name": "乙",
        },
    ]
    paid = {"I1": [(date(2024, 2, 1), 400), (date(2024, 3, 10), 600)]}
    orders = [
        {
            "order_id": "O1",
            "order_date": date(2024, 2, 20),
            "amount_fen": 700,
            "buyer_uscc": None,
            "buyer_name": "甲",
        },
        {
            "order_id": "O2",
            "order_date": date(2023, 10, 1),
            "amount_fen": 900,
            "buyer_uscc": None,
            "buyer_name": "甲",
        },
    ]
    items = pool_items(date(2024, 2, 29), invoices, paid, orders, {"O1": date(2024, 3, 5)})
    by = {i.key: i for i in items}
    assert by["receivable:I1"].value_fen == 600 and by["receivable:I1"].age_days == 25
    assert "receivable:I2" not in by  # not issued yet
    assert by["order:O1"].value_fen == 700  # invoiced only later
    assert "order:O2" not in by  # older than 90 days
    later = {
        i.key
        for i in pool_items(date(2024, 3, 31), invoices, paid, orders, {"O1": date(2024, 3, 5)})
    }
    assert later == {"receivable:I2"}  # I1 paid in full, O1 invoiced


def test_alert_rule_needs_the_months_in_a_row() -> None:
    from decimal import Decimal

    from chanrong.demo.assets_evaluation import Rule, _alert_on

    days = [date(2024, m, 28) for m in range(1, 6)]
    series = list(zip(days, [100, 70, 90, 70, 60], strict=True))
    assert _alert_on(series, 100, Rule(Decimal("0.8"), 1)) == days[1]
    assert _alert_on(series, 100, Rule(Decimal("0.8"), 2)) == days[4]
    assert _alert_on(series, 100, Rule(Decimal("0.5"), 1)) is None
    assert _alert_on(series, 0, Rule(Decimal("0.8"), 1)) is None  # nothing drawn, no alert


def test_trend_rule_smooths_and_removes_the_park_season() -> None:
    """The evaluation scores the platform's rule (``assets.trend``) over each firm's series."""
    from decimal import Decimal

    from chanrong.demo.assets_evaluation import ParkSeries, TrendRule, trend_alert_months

    def park(*series: list[int]) -> ParkSeries:
        ends = [date(2024, m, 28) for m in range(1, 9)]
        return ParkSeries(0, len(series), ends, 3, [({}, {"lendable": list(v)}) for v in series])

    # The pre-pool average of month-ends 0–2 is 100; the pool opens after month-end 2.
    falling = [90, 100, 110, 100, 60, 100, 60, 50]
    flat = [100] * 8
    one, two = TrendRule(Decimal("0.7"), 1), TrendRule(Decimal("0.7"), 2)
    # One month-end at 60 % alerts unsmoothed; averaged over two, only the lasting fall does.
    assert trend_alert_months(park(*[flat] * 5, falling), one) == [None] * 5 + [4]
    assert trend_alert_months(park(*[flat] * 5, falling), two) == [None] * 5 + [7]
    # The whole park fell as much at month-end 4 (a shutdown): divided by it, no alert there.
    season = [100, 100, 100, 100, 60, 100, 100, 100]
    assert trend_alert_months(park(*[season] * 5, falling), one)[-1] == 6
    unadjusted = TrendRule(Decimal("0.7"), 1, seasonal=False)
    assert trend_alert_months(park(*[season] * 5, falling), unadjusted) == [4] * 6
    # No pre-pool value means no ratio to fall from.
    assert trend_alert_months(park(*[flat] * 5, [0, 0, 0, 5, 0, 0, 0, 0]), one)[-1] is None
    assert _ratio_series([0, 0, 0, 5], 3, 1) == [1.0] * 4
