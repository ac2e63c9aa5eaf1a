from __future__ import annotations

from decimal import Decimal

import pytest

from chanrong.insurance.quality import (
    DeviceStats,
    PremiumTable,
    device_index,
    enterprise_risk,
    premium_fen,
)

D = Decimal


def _stats(dev: str, failures: int, down: str = "0", load: str = "0.7") -> DeviceStats:
    return DeviceStats(dev, D(2000), failures, D(down), D(4000), D(load))


def test_hand_computed_index() -> None:
    # 4 failures in 2,000 h = 2 per 1,000 h → −24; 10% downtime → −6; load 0.95 → −8.
    q = device_index(_stats("d1", 4, down="400", load="0.95"))
    assert q.index == D("62.00")
    assert q.band == "C"
    assert q.failure_rate_per_kh == D("2.00")


def test_more_failures_never_score_better() -> None:
    scores = [device_index(_stats("d", n)).index for n in range(0, 12)]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == D("100.00")
    assert scores[-1] < scores[0]


def test_bands_multipliers_and_enterprise_rollup() -> None:
    t = PremiumTable()
    assert [t.band(D(x)) for x in (90, 85, 70, 55, 40, 10)] == ["A", "A", "B", "C", "D", "E"]
    good = device_index(_stats("good", 0))
    bad = device_index(_stats("bad", 10, down="2000", load="1.2"))
    risk = enterprise_risk([good, bad], [D(3000), D(1000)])
    assert risk.index == ((good.index * 3 + bad.index) / 4).quantize(D("0.01"))
    assert risk.worst_devices[0] == "bad"
    assert premium_fen(100_000, risk.multiplier) == int(100_000 * risk.multiplier)
    with pytest.raises(ValueError, match="at least one device"):
        enterprise_risk([], [])
