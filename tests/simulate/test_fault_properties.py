"""Property: whatever the rates and seed, the fault records account exactly for the rows."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.simulate import FaultRates, ParkConfig, plan_park
from chanrong.simulate.faults import FAULT_RECORD_KINDS, KIND_INDEX, inject_faults
from chanrong.simulate.service import iter_firm_months

PLAN = plan_park(ParkConfig(enterprises=3, months=1, interval_minutes=240, seed=2))
CLEAN = [fm.clean for fm in iter_firm_months(PLAN)]
rate = st.floats(min_value=0.0, max_value=0.15)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    firm=st.integers(min_value=0, max_value=2),
    rates=st.builds(
        FaultRates,
        gap=rate,
        duplicate=rate,
        out_of_range=rate,
        unit_mixup=rate,
        clock_skew=rate,
        late_arrival=rate,
    ),
)
def test_records_account_for_every_row(seed: int, firm: int, rates: FaultRates) -> None:
    clean = CLEAN[firm]
    out = inject_faults(seed, firm, 0, clean, rates)
    f = out.faults
    points = {k: int(f.points[f.kind == i].sum()) for i, k in enumerate(FAULT_RECORD_KINDS)}
    assert out.ts_us.size == clean.points - points["gap"] + points["duplicate"]
    # Late rows are exactly the recorded ones, and they come last.
    late = out.late_delay_us > 0
    assert int(late.sum()) == points["late_arrival"]
    if late.any():
        assert late[int(np.argmax(late)) :].all()
    # On-time rows keep (series, time) order apart from skew, which never reorders a series.
    on_time = ~late
    s, t = out.series[on_time], out.ts_us[on_time]
    same_series = s[1:] == s[:-1]
    assert (np.diff(s) >= 0).all()
    assert (np.diff(t)[same_series] >= 0).all()
    # No reading is hit twice: point faults never coincide.
    single = np.isin(f.kind, [KIND_INDEX[k] for k in ("duplicate", "out_of_range", "late_arrival")])
    keys = set(zip(f.device[single], f.metric[single], f.start_us[single], strict=True))
    assert len(keys) == int(single.sum())
    # Realised shares stay near the asked rates (within what overlap-skipping can remove).
    for kind in ("duplicate", "out_of_range", "late_arrival"):
        assert points[kind] <= getattr(rates, kind) * clean.points * 1.5 + 30
