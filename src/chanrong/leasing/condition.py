"""A leased device's condition from its own telemetry, for its residual value (pure).

What the device itself reports decides the condition, not a number a party types in:

- running hours: the ``runtime_h`` counter's increase (resets and gaps are not counted, as in
  billing); without that counter, the time ``run_state`` spent running;
- faults: entries into ``run_state`` 3 (fault) and the hours spent there, per 1,000 running
  hours;
- load: the share of running ``power_kw`` samples at 90 % or more of the highest power the
  device reported, i.e. how much of its life it spent near full load.

Each is a penalty on a condition score that starts at 1 (capped so that no single one can
take more than its share); a quantity the device never reported is unknown and costs nothing,
and the contract page says which are unknown. The score is the ``condition`` of
``billing.residual_value_fen``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from chanrong.leasing.billing import Reading, usage_from_counter

RUN_RUNNING, RUN_FAULT = 2, 3
MAX_SAMPLE_GAP = timedelta(hours=2)  # a longer silence is not counted as time in a state

# Points (share of value) lost: per fault per 1,000 running hours, per unit of fault-time share,
# per unit of high-load share; and the most each may take.
PER_FAULT_PER_KH = Decimal("0.02")
FAULT_CAP = Decimal("0.40")
PER_FAULT_TIME_SHARE = Decimal("1.0")
FAULT_TIME_CAP = Decimal("0.20")
PER_HIGH_LOAD_SHARE = Decimal("0.25")
LOAD_CAP = Decimal("0.20")
HIGH_LOAD_FROM = Decimal("0.9")


@dataclass(frozen=True, slots=True)
class Condition:
    running_hours: Decimal | None
    faults: int | None
    fault_hours: Decimal | None
    high_load_share: Decimal | None
    fault_penalty: Decimal
    fault_time_penalty: Decimal
    load_penalty: Decimal
    score: Decimal  # 0–1

    @property
    def unknown(self) -> list[str]:
        """The quantities the device never reported (they cost nothing)."""
        return [
            name
            for name, v in (
                ("running_hours", self.running_hours),
                ("faults", self.faults),
                ("high_load_share", self.high_load_share),
            )
            if v is None
        ]


def _hours(d: timedelta) -> Decimal:
    return Decimal(int(d.total_seconds())) / Decimal(3600)


def _time_in_states(run_state: Sequence[Reading]) -> tuple[Decimal, Decimal, int]:
    """Running hours, fault hours and fault entries from ``run_state`` samples."""
    ordered = sorted(run_state, key=lambda r: r.ts)
    running = fault = Decimal(0)
    entries = 0
    previous: Reading | None = None
    for r in ordered:
        if int(r.value) == RUN_FAULT and (previous is None or int(previous.value) != RUN_FAULT):
            entries += 1
        if previous is not None and r.ts - previous.ts <= MAX_SAMPLE_GAP:
            if int(previous.value) == RUN_RUNNING:
                running += _hours(r.ts - previous.ts)
            elif int(previous.value) == RUN_FAULT:
                fault += _hours(r.ts - previous.ts)
        previous = r
    return running, fault, entries


def assess(
    *, runtime: Sequence[Reading], run_state: Sequence[Reading], power: Sequence[Reading]
) -> Condition:
    """The device's condition from its runtime counter, run states and power samples."""
    state_running, fault_hours, entries = _time_in_states(run_state)
    running: Decimal | None
    if runtime:
        running = usage_from_counter(
            runtime, max_gap=MAX_SAMPLE_GAP, max_rate_per_hour=Decimal("1.05")
        ).billable
    elif run_state:
        running = state_running
    else:
        running = None
    faults = entries if run_state else None
    fault_h = fault_hours if run_state else None

    fault_penalty = fault_time_penalty = Decimal(0)
    if faults is not None and running:
        per_kh = Decimal(faults) * 1000 / running
        fault_penalty = min(FAULT_CAP, per_kh * PER_FAULT_PER_KH)
    if fault_h is not None and running is not None and running + fault_h > 0:
        fault_time_penalty = min(
            FAULT_TIME_CAP, fault_h / (running + fault_h) * PER_FAULT_TIME_SHARE
        )

    loaded = [r.value for r in power if r.value > 0]
    high_load: Decimal | None = None
    load_penalty = Decimal(0)
    if loaded:
        peak = max(loaded)
        high = sum(1 for v in loaded if v >= peak * HIGH_LOAD_FROM)
        high_load = Decimal(high) / Decimal(len(loaded))
        load_penalty = min(LOAD_CAP, high_load * PER_HIGH_LOAD_SHARE)

    score = max(Decimal(0), Decimal(1) - fault_penalty - fault_time_penalty - load_penalty)
    q = Decimal("0.0001")
    return Condition(
        running_hours=None if running is None else running.quantize(Decimal("0.01")),
        faults=faults,
        fault_hours=None if fault_h is None else fault_h.quantize(Decimal("0.01")),
        high_load_share=None if high_load is None else high_load.quantize(q),
        fault_penalty=fault_penalty.quantize(q),
        fault_time_penalty=fault_time_penalty.quantize(q),
        load_penalty=load_penalty.quantize(q),
        score=score.quantize(q),
    )
