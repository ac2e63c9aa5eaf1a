"""Early-warning detectors on hand-made series: seasonal dips pass, real drops alert."""

from __future__ import annotations

from datetime import date

from chanrong.lending.monitoring import (
    AlertKind,
    BorrowerSeries,
    MonitoringConfig,
    Order,
    Point,
    Severity,
    detect,
    seasonal_index,
)


def months(n: int, start: date = date(2023, 1, 1)) -> list[date]:
    out = []
    y, m = start.year, start.month
    for _ in range(n):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def seasonal(n: int, level: float = 1000.0) -> list[Point]:
    # February (Spring Festival) runs at 40 % of a normal month.
    return [Point(p, level * (0.4 if p.month == 2 else 1.0)) for p in months(n)]


def test_spring_festival_dip_is_not_an_alarm() -> None:
    pts = seasonal(26)  # ends February 2025
    assert pts[-1].period == date(2025, 2, 1)
    assert seasonal_index(pts[:-2])[2] < 0.5
    found = detect(BorrowerSeries(output=pts), as_of=date(2025, 2, 28))
    assert found == []


def test_output_drop_against_own_baseline() -> None:
    pts = seasonal(24)
    pts += [Point(date(2025, 1, 1), 450.0), Point(date(2025, 2, 1), 180.0)]
    found = detect(BorrowerSeries(output=pts), as_of=date(2025, 2, 28))
    assert [d.kind for d in found] == [AlertKind.OUTPUT_DROP]
    d = found[0]
    assert d.severity is Severity.HIGH
    assert d.evidence["drop"] == 0.55
    last = d.evidence["series"][-1]
    assert last == {"period": "2025-02", "value": 180.0, "baseline": 400.0}


def test_moderate_drop_is_medium_and_small_drop_is_nothing() -> None:
    base = seasonal(24)
    medium = [*base, Point(date(2025, 1, 1), 650.0), Point(date(2025, 2, 1), 260.0)]
    small = [*base, Point(date(2025, 1, 1), 900.0), Point(date(2025, 2, 1), 360.0)]
    got = detect(BorrowerSeries(output=medium), as_of=date(2025, 2, 28))
    assert [(d.kind, d.severity) for d in got] == [(AlertKind.OUTPUT_DROP, Severity.MEDIUM)]
    assert detect(BorrowerSeries(output=small), as_of=date(2025, 2, 28)) == []


def test_detectors_never_look_ahead() -> None:
    pts = [*seasonal(24), Point(date(2025, 1, 1), 100.0), Point(date(2025, 2, 1), 40.0)]
    assert detect(BorrowerSeries(output=pts), as_of=date(2024, 12, 31)) == []


def test_energy_collapse() -> None:
    pts = [Point(p, 50_000.0) for p in months(12)]
    pts += [Point(date(2024, 1, 1), 12_000.0), Point(date(2024, 2, 1), 9_000.0)]
    found = detect(BorrowerSeries(energy=pts), as_of=date(2024, 2, 29))
    assert [(d.kind, d.severity) for d in found] == [(AlertKind.ENERGY_COLLAPSE, Severity.HIGH)]


def test_core_customer_lost() -> None:
    orders = []
    for p in months(10):
        orders.append(Order(p, "宝钢", 800_000))
        orders.append(Order(p, "small", 100_000))
    for p in months(2, date(2023, 11, 1)):
        orders.append(Order(p, "small", 100_000))
    found = detect(BorrowerSeries(orders=orders), as_of=date(2023, 12, 31))
    assert [d.kind for d in found] == [AlertKind.CORE_CUSTOMER_LOST]
    assert found[0].evidence["buyer"] == "宝钢"
    assert found[0].evidence["series"][-1] == {"period": "2023-12", "value": 0.0}
    # Still ordering: no alert.
    steady = [o for o in orders] + [Order(date(2023, 12, 1), "宝钢", 1)]
    assert detect(BorrowerSeries(orders=steady), as_of=date(2023, 12, 31)) == []


def test_payment_delays_rising() -> None:
    pts = [Point(p, 5.0) for p in months(12)]
    pts += [
        Point(p, v) for p, v in zip(months(3, date(2024, 1, 1)), [20.0, 30.0, 45.0], strict=True)
    ]
    found = detect(BorrowerSeries(payment_delay_days=pts), as_of=date(2024, 3, 31))
    assert [(d.kind, d.severity) for d in found] == [
        (AlertKind.PAYMENT_DELAYS_RISING, Severity.MEDIUM)
    ]


def test_silence() -> None:
    cfg = MonitoringConfig()
    quiet = BorrowerSeries(last_seen=date(2025, 3, 1))
    assert detect(quiet, as_of=date(2025, 3, 5), config=cfg) == []
    got = detect(quiet, as_of=date(2025, 3, 20), config=cfg)
    assert [(d.kind, d.severity) for d in got] == [(AlertKind.DATA_SILENT, Severity.MEDIUM)]
    got = detect(quiet, as_of=date(2025, 5, 1), config=cfg)
    assert got[0].severity is Severity.HIGH
