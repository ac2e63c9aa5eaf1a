"""Insurance claims with a known hidden truth, so a fitted pricing model can be checked.

Each production machine of the park has a hidden wear level (persistent), each firm a hidden
upkeep level taken from its simulated health (a firm in poor health maintains less). From
them come, per policy year, what an insurer can observe — running hours, failures, downtime,
load ratio, the machine's age — and the claims: their number is Poisson with rate
``true_frequency_per_kh`` × running thousand-hours, their size Gamma around
``true_severity_fen``. Age and the machine's rating move claims but not the hand-set quality
index, which is why a model fitted to claims can beat it.

Pure numpy; the output rows are what ``chanrong.telemetry`` intake takes as ``claims``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from chanrong.simulate.population import PRODUCTION_KINDS, Enterprise, rng_for

STREAM_CLAIMS = 11
CAUSES = ("breakdown", "electrical_fire", "overload_damage", "operator_error")


@dataclass(frozen=True, slots=True)
class DeviceYear:
    """One machine's policy year: what the insurer sees and (the last two) the hidden truth."""

    device_id: str
    uscc: str
    year: int  # 0, 1, … from the park's start
    kind: str
    rated_kw: float
    age_years: float
    running_hours: float
    failures: int
    downtime_hours: float
    scheduled_hours: float
    mean_load_ratio: float
    true_frequency_per_kh: float  # expected claims per 1,000 running hours
    true_severity_fen: float  # expected paid amount of one claim


@dataclass(frozen=True, slots=True)
class SimulatedClaims:
    exposures: list[DeviceYear]
    # Rows in the telemetry intake's ``claims`` shape, with the insured firm's USCC.
    claims: list[dict[str, str]]

    def claims_of(self, uscc: str) -> list[dict[str, str]]:
        """The claim rows of one insured firm, without the ``uscc`` column (intake rows)."""
        return [
            {k: v for k, v in c.items() if k != "uscc"} for c in self.claims if c["uscc"] == uscc
        ]


def policy_id(uscc: str, year: int) -> str:
    """The simulated policy that covers a firm's machines in one policy year."""
    return f"SIM-{uscc[-6:]}-{year}"


def simulate_claims(
    seed: int,
    firms: list[Enterprise],
    firm_health: np.ndarray,
    start: date,
    years: int = 2,
) -> SimulatedClaims:
    """Claims on every production machine of ``firms`` over ``years`` policy years.

    ``firm_health`` is each firm's mean simulated health in (0, 1) (the park's hidden truth).
    """
    exposures: list[DeviceYear] = []
    claims: list[dict[str, str]] = []
    for f, firm in enumerate(firms):
        rng = rng_for(seed, STREAM_CLAIMS, firm.index)
        upkeep = float(np.clip(firm_health[f], 0.01, 0.99))
        firm_effect = 1.2 * (0.6 - upkeep)  # poorly kept firms break down and claim more
        base_load = rng.uniform(0.55, 0.95)
        machines = [d for d in firm.devices if d.kind in PRODUCTION_KINDS]
        for dev in machines:
            wear = rng.normal(0.0, 0.6)
            load_habit = float(np.clip(base_load + rng.normal(0, 0.08), 0.3, 1.25))
            age0 = max(0.2, (start - dev.installed_on).days / 365.25) + rng.uniform(0, 8)
            for year in range(years):
                age = age0 + year
                scheduled = firm.shifts * 8 * (300 if firm.six_day_week else 250) * 1.0
                scheduled *= rng.uniform(0.85, 1.0)
                overload = max(0.0, load_habit - 0.85)
                log_freq = np.log(0.12) + wear + firm_effect + 0.09 * age + 3.0 * overload
                freq = float(np.exp(log_freq))  # claims per 1,000 running hours
                # Failures show the same wear and upkeep, seen through noise.
                fail_rate = float(np.exp(np.log(1.2) + 0.8 * wear + firm_effect))
                running = scheduled * rng.uniform(0.55, 0.85)
                failures = int(rng.poisson(fail_rate * running / 1000))
                downtime = float(sum(rng.gamma(2.0, 3.0, size=failures)))
                downtime = min(downtime, scheduled * 0.5)
                load_obs = float(np.clip(load_habit + rng.normal(0, 0.03), 0.0, 2.0))
                severity = 3_000_000.0 * (dev.rated_kw / 20.0) ** 0.5 * np.exp(1.5 * overload)
                exposures.append(
                    DeviceYear(
                        dev.device_id,
                        firm.uscc,
                        year,
                        dev.kind,
                        dev.rated_kw,
                        round(age, 2),
                        round(running, 1),
                        failures,
                        round(downtime, 1),
                        round(scheduled, 1),
                        round(load_obs, 3),
                        freq,
                        float(severity),
                    )
                )
                n = int(rng.poisson(freq * running / 1000))
                year_start = start + timedelta(days=365 * year)
                for k in range(n):
                    paid = int(rng.gamma(2.0, severity / 2.0))
                    paid = max(paid, 10_000)
                    cause = CAUSES[3] if overload == 0 and rng.random() < 0.3 else CAUSES[0]
                    if overload > 0 and rng.random() < 0.5:
                        cause = CAUSES[2]
                    if rng.random() < 0.05:
                        cause = CAUSES[1]
                    claims.append(
                        {
                            "uscc": firm.uscc,
                            "claim_id": f"C-{dev.device_id}-{year}-{k}",
                            "policy": policy_id(firm.uscc, year),
                            "device_id": dev.device_id,
                            "loss_date": (
                                year_start + timedelta(days=int(rng.integers(0, 365)))
                            ).isoformat(),
                            "cause": cause,
                            "amount": str(Decimal(paid) / 100),
                        }
                    )
    return SimulatedClaims(exposures, claims)
