"""Policy terms to the fen, and the safety rules on readings with a known story (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chanrong.core.ledger import trial_balance
from chanrong.insurance import safety, terms


@given(
    premium=st.integers(min_value=1, max_value=10**12),
    n=st.sampled_from([1, 2, 4, 12]),
    delta=st.integers(min_value=-(10**6), max_value=10**6),
)
def test_instalments_and_every_change_sum_to_the_fen(premium: int, n: int, delta: int) -> None:
    plan = terms.schedule(premium, date(2026, 1, 31), n)
    assert sum(i.amount_fen for i in plan) == premium
    assert max(i.amount_fen for i in plan) - min(i.amount_fen for i in plan) <= 1
    try:
        after = terms.spread(delta, plan)
    except ValueError:
        assert premium + delta < 0 or any(i.amount_fen + delta // n < 0 for i in plan)
        return
    assert sum(i.amount_fen for i in after) == premium + delta


def test_schedule_dates_clip_to_month_end_and_refuse_odd_counts() -> None:
    plan = terms.schedule(1200, date(2026, 1, 31), 12)
    assert plan[1].due_date == date(2026, 2, 28) and plan[11].due_date == date(2026, 12, 31)
    with pytest.raises(ValueError, match="instalments"):
        terms.schedule(1200, date(2026, 1, 1), 3)


def test_rerating_charges_only_the_unexpired_term_and_names_what_moved() -> None:
    r = terms.rerate(
        1_000_000,
        Decimal("1.00"),
        Decimal("1.25"),
        date(2026, 1, 1),
        date(2027, 1, 1),
        date(2026, 7, 2),
        {"band": "C", "index": "60"},
        {"band": "D", "index": "48", "pricing": "model v1"},
    )
    assert r.remaining_days == 183 and r.term_days == 365
    assert r.delta_fen == round(1_000_000 * 0.25 * 183 / 365)
    assert [x["factor"] for x in r.reasons] == ["band", "index", "pricing"]
    with pytest.raises(ValueError, match="as_of"):
        terms.rerate(1, Decimal(1), Decimal(1), date(2026, 1, 1), date(2027, 1, 1),
                     date(2027, 1, 1), {}, {})  # fmt: skip


def test_the_ledger_entries_balance() -> None:
    entries = [terms.written(5000), terms.adjusted(-1200), terms.claim_paid(800)]
    adj = terms.adjusted(300)
    assert terms.adjusted(0) is None and adj is not None
    debit, credit = trial_balance(p for e in [*entries, adj] if e for p in e.postings)
    assert debit == credit == 5000 + 1200 + 800 + 300


T0 = datetime(2026, 3, 1, tzinfo=UTC)


def _table(rows: list[tuple[str, str, datetime, float]]) -> pa.Table:
    return pa.table(
        {
            "device_id": [r[0] for r in rows],
            "metric": [r[1] for r in rows],
            "ts": pa.array([r[2] for r in rows], pa.timestamp("us", tz="UTC")),
            "value": [r[3] for r in rows],
        }
    )


def test_a_day_of_electricity_far_above_the_median_is_an_anomaly() -> None:
    rows, kwh = [], 0.0
    for h in range(24 * 14):
        kwh += 50.0
        if (h + 8) // 24 == 10:  # 11 March, Shanghai time: nine times the usual draw
            kwh += 400.0
        rows.append(("m1", "energy_kwh", T0 + timedelta(hours=h), kwh))
    found = safety.energy_anomalies(_table(rows), ["m1"])
    assert [a.code for a in found] == ["energy_anomaly"]
    assert found[0].evidence["day"] == "2026-03-11"
    assert safety.energy_anomalies(_table(rows[: 24 * 5]), ["m1"]) == []  # too little history


def test_environmental_sensors_alert_above_their_limits_only() -> None:
    rows = [
        ("gas-1", "gas_lel_pct", T0, 3.0),
        ("gas-1", "gas_lel_pct", T0 + timedelta(minutes=1), 14.0),
        ("smk-1", "smoke", T0, 0.0),
        ("t-1", "temperature_c", T0, 59.0),
    ]
    found = safety.environment_alerts(_table(rows))
    assert [(a.code, a.subject, a.evidence["peak"]) for a in found] == [("gas_leak", "gas-1", "14")]
    assert found[0].severity == "high"


def test_a_quiet_machine_raises_nothing() -> None:
    from chanrong.insurance.quality import DeviceStats

    hours = 24 * 14
    stamps = [T0 + timedelta(hours=h) for h in range(hours)]
    local = [(h + 8) % 24 for h in range(hours)]
    state = [2.0 if 9 <= lh < 18 else 1.0 for lh in local]
    rows = [("cnc", "run_state", s, v) for s, v in zip(stamps, state, strict=True)]
    rows += [
        ("cnc", "power_kw", s, 6.0 if v == 2 else 0.3) for s, v in zip(stamps, state, strict=True)
    ]
    stats = {"cnc": DeviceStats("cnc", Decimal(126), 0, Decimal(0), Decimal(336), Decimal("0.6"))}
    prof = safety.profile(stats, {"cnc": 10.0}, [], _table(rows), stamps[-1].timestamp() + 3600)
    assert (prof.score, prof.band, prof.alerts) == (0, "low", [])
    assert float(np.asarray(prof.devices[0].out_of_hours_share)) == 0.0
