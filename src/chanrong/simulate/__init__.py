"""The industrial-park simulator: realistic operating data with a known hidden truth.

Small parks in memory (``simulate_park``), parks of any size on disk (``write_park``),
telemetry as record batches (``iter_telemetry``), live over MQTT (``chanrong.simulate.stream``).
See docs/simulator.md for the model and docs/DEVELOPING.md for the output contract.
"""

from chanrong.simulate.config import PRESETS, FaultRates, ParkConfig, preset
from chanrong.simulate.service import (
    Park,
    TelemetryChunk,
    WriteSummary,
    estimate_points,
    iter_telemetry,
    plan_park,
    read_park,
    simulate_park,
    write_park,
)

__all__ = [
    "PRESETS",
    "FaultRates",
    "Park",
    "ParkConfig",
    "TelemetryChunk",
    "WriteSummary",
    "estimate_points",
    "iter_telemetry",
    "plan_park",
    "preset",
    "read_park",
    "simulate_park",
    "write_park",
]
