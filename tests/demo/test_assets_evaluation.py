"""The evaluation's pool on a day: open receivables and un-invoiced recent orders only."""

from __future__ import annotations

from datetime import date

from chanrong.demo.assets_evaluation import pool_items


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
    from decimal import Decimal

    from chanrong.demo.assets_evaluation import TrendRule, _ratio_series, _trend_alert

    # Pre-pool average of month-ends 0–2 is 100; the pool opens after month-end 2 (start 3).
    values = [90, 100, 110, 100, 60, 100, 60, 50]
    one = _ratio_series(values, 3, 1)
    two = _ratio_series(values, 3, 2)
    assert one[4] == 0.6 and two[4] == 0.8 and two[7] == 0.55
    flat = [1.0] * len(values)
    # One month-end at 60 % alerts unsmoothed; averaged over two, only the lasting fall does.
    assert _trend_alert(one, flat, TrendRule(Decimal("0.7"), 1), 3) == 4
    assert _trend_alert(two, flat, TrendRule(Decimal("0.7"), 2), 3) == 7
    # The whole park fell as much at month-end 4 (a shutdown): divided by it, no alert there.
    season = [1.0, 1.0, 1.0, 1.0, 0.6, 1.0, 1.0, 1.0]
    assert _trend_alert(one, season, TrendRule(Decimal("0.7"), 1), 3) == 6
    assert _trend_alert(one, season, TrendRule(Decimal("0.7"), 1, seasonal=False), 3) == 4
    # Nothing before the pool opened counts, and no pre-pool value means no ratio to fall.
    assert _trend_alert(one, flat, TrendRule(Decimal("0.95"), 1), 3) == 4
    assert _ratio_series([0, 0, 0, 5], 3, 1) == [1.0] * 4
