"""The daily warning: machines, orders and the borrower's own payables in one score."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from chanrong.lending.business_days import (
    BusinessDays,
    Payable,
    business_days,
    orders_change,
    orders_window,
    payables_late,
    payments_made,
    receivables_late,
)
from chanrong.lending.daily_warning import (
    WARNING_FEATURES,
    WarningConfig,
    detect_warning,
    first_warning,
    judge,
)
from chanrong.lending.monitoring import AlertKind, monthly_days_late
from chanrong.lending.telemetry_days import DailySeries
from tests.lending.test_telemetry_detectors import START, series, slump, steady


def _orders(days: int, daily_fen: float, *, drop_from: int | None = None) -> list[tuple[date, int]]:
    """An order every other day of ``daily_fen`` × 2, halved from ``drop_from`` on."""
    out = []
    for i in range(0, days, 2):
        amount = 2 * daily_fen * (0.5 if drop_from is not None and i >= drop_from else 1.0)
        out.append((START + timedelta(days=i), int(amount)))
    return out


def _payables(days: int, *, late: int, late_from: int | None = None) -> list[Payable]:
    """An invoice due every 10 days, paid ``late`` days late (20 more from ``late_from``)."""
    out = []
    for i in range(30, days, 10):
        due = START + timedelta(days=i)
        delay = late + (20 if late_from is not None and i >= late_from else 0)
        out.append(Payable(due, 100_000, ((due + timedelta(days=delay), 100_000),)))
    return out


def test_receivables_are_read_like_payables_and_apart_from_them() -> None:
    # Its customers pay it 5 days late, then 25 from day 400; it pays its suppliers on time.
    n = 520
    own, theirs = _payables(n, late=0), _payables(n, late=5, late_from=400)
    b = business_days(START, n, [], own, theirs)
    rise, level = receivables_late(b, 300, n)
    as_payables = payables_late(business_days(START, n, [], theirs), 300, n)
    np.testing.assert_array_equal(rise, as_payables[0])
    np.testing.assert_array_equal(level, as_payables[1])
    assert level[375 - 300] == pytest.approx(5.0) and level[-1] > 15.0 and rise[-1] > 5.0
    own_rise, own_level = payables_late(b, 300, n)
    assert np.nanmax(own_level) == 0.0 and np.nanmax(np.abs(own_rise)) == 0.0
    # A firm without receivables on the platform has no such series: no evidence either way.
    none = business_days(START, n, [], own)
    assert np.isnan(receivables_late(none, 300, n)[1]).all()


def test_a_payable_is_settled_when_its_payments_cover_it_and_late_counts_open_days() -> None:
    due = START + timedelta(days=100)
    split = Payable(due, 1000, ((due + timedelta(days=40), 400), (due + timedelta(days=5), 600)))
    assert split.settled_on() == due + timedelta(days=40)
    assert Payable(due, 1000, ((due, 999),)).settled_on() is None
    b = business_days(START, 200, [], [Payable(due, 1000), Payable(due, 1000, ((due, 1000),))])
    rise, level = payables_late(b, 120, 121)
    # One open 20 days past due, one paid on the day: 10 days late on average, as known then.
    assert level[0] == pytest.approx(10.0) and np.isnan(rise[0])  # no year before to compare
    # The monthly series counts each payment made, by the month it was paid.
    points = monthly_days_late(payments_made([split]))
    paid_months = [date(d.year, d.month, 1) for d in (due + timedelta(5), due + timedelta(40))]
    assert [(p.period, p.value) for p in points] == [(paid_months[0], 5.0), (paid_months[1], 40.0)]


def test_orders_are_read_against_the_firms_own_usual_level() -> None:
    days = 500
    b = business_days(START, days, _orders(days, 10_000, drop_from=400), [])
    now, usual = orders_window(b, 0, days)
    change = orders_change(now, usual)
    assert np.isnan(change[:150]).all()  # no year of history yet
    assert change[390] == pytest.approx(0.0, abs=0.05)
    assert change[499] == pytest.approx(np.log(0.5), abs=0.05)  # half the orders
    # Orders outside the days laid out are not counted (they cannot be judged there).
    assert business_days(START, 10, [(START - timedelta(days=1), 5)], []).orders_fen.sum() == 0


def weak_firm() -> tuple[DailySeries, BusinessDays]:
    """A firm going down: its machines slump from 2025-01-06 (running hours down 40 %), its
    orders halve and its supplier invoices slip 20 days from 2024-12-01. (Down 40 %, not 25:
    the weights fitted on loans lean on the idle share, which this synthetic series does not
    carry, so the machines must say more on their own.)"""
    values = steady()
    slump(values, date(2025, 1, 6), 97, hours=0.6, util=0.96, epu=1.08)
    s = series(values)
    turn = s.index(date(2024, 12, 1))
    return s, business_days(
        START,
        s.days,
        _orders(s.days, 10_000, drop_from=turn),
        _payables(s.days, late=5, late_from=turn),
    )


def test_the_score_needs_the_machines_and_alerts_when_it_holds() -> None:
    s, weak = weak_firm()
    n = s.days
    fine = business_days(START, n, _orders(n, 10_000), _payables(n, late=5))
    j_weak = judge(s, weak, s.index(date(2025, 2, 1)), s.index(date(2025, 2, 21)), WarningConfig())
    j_fine = judge(s, fine, s.index(date(2025, 2, 1)), s.index(date(2025, 2, 21)), WarningConfig())
    assert j_weak.features.shape[1] == len(WARNING_FEATURES)
    # Same machines; orders halving and payables slipping 20 days raise the score.
    assert np.nanmean(j_weak.score) > np.nanmean(j_fine.score) + 1.0
    # Days on which the machines are not judged (no baseline yet) are not judged at all,
    # whatever the orders and payables say.
    early = judge(s, weak, 0, 30, WarningConfig())
    assert np.isnan(early.score).all() and np.isnan(early.features).all()
    cfg = WarningConfig()
    day = first_warning(s, weak, start=date(2024, 9, 1), end=date(2025, 4, 13), config=cfg)
    assert day is not None and date(2025, 1, 6) < day < date(2025, 4, 13)
    found = detect_warning(s, weak, as_of=day, config=cfg)
    assert found is not None and found.kind is AlertKind.DAILY_WARNING
    assert detect_warning(s, weak, as_of=day - timedelta(days=1), config=cfg) is None
    ev = found.evidence
    assert ev["triggered"][-1] == day.isoformat() and len(ev["triggered"]) >= cfg.persistence_days
    assert {x["signal"] for x in ev["signals"]} >= {"orders", "payables_late", "running_hours"}
    assert found.message("en").startswith("Warning score past its threshold")
    # A steady firm with steady business is never warned.
    calm = series(steady())
    assert first_warning(calm, fine, start=date(2024, 9, 1), end=date(2025, 4, 13)) is None


def test_business_days_must_line_up_with_the_machines() -> None:
    s = series(steady())
    with pytest.raises(ValueError, match="business"):
        judge(s, business_days(START + timedelta(days=1), s.days, [], []), 0, 10, WarningConfig())
    assert isinstance(s, DailySeries)


def test_a_monthly_finding_is_a_warning_only_when_the_daily_score_agrees() -> None:
    from chanrong.lending.daily_warning import agrees
    from chanrong.lending.monitoring import Detection, Severity
    from chanrong.lending.watch import _gated

    cfg = WarningConfig(monthly_gate=1.0)
    assert not agrees(0.99, cfg) and agrees(1.0, cfg)
    assert agrees(None, cfg)  # machines not judged that day: the score has no say
    assert agrees(None, WarningConfig(monthly_gate=None))
    drop = Detection(AlertKind.OUTPUT_DROP, Severity.HIGH, {"drop": "55%"}, {"type": "line"})
    silent = Detection(AlertKind.DATA_SILENT, Severity.MEDIUM, {"days": "12"}, {"type": "gap"})
    kept = _gated([drop, silent], 2.5, cfg)
    assert [d.severity for d in kept] == [Severity.HIGH, Severity.MEDIUM]
    noted = _gated([drop, silent], 0.2, cfg)
    # Kept as a low-severity note saying why, never dropped; data silence stands alone.
    assert [(d.kind, d.severity) for d in noted] == [
        (AlertKind.OUTPUT_DROP, Severity.LOW),
        (AlertKind.DATA_SILENT, Severity.MEDIUM),
    ]
    assert noted[0].evidence["gated"] == {"daily_score": 0.2, "monthly_gate": 1.0, "was": "high"}
    assert noted[0].evidence["type"] == "line"
