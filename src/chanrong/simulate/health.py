"""The hidden truth: each firm's monthly health, who deteriorates, who defaults and when.

Health is a number in (0, 1): a persistent AR(1) process around a firm-specific level,
moved by its industry's cycle and by rare shocks. Deteriorating firms see their level slide
from a random month on; a firm defaults some weeks after its health first falls below
``DEFAULT_THRESHOLD``. Utilisation is health seen through noise (a firm-specific offset, the
industry cycle and monthly noise), so it carries the signal without giving it away.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chanrong.simulate.population import STREAM_CYCLE, STREAM_HEALTH, Enterprise, rng_for

DEFAULT_THRESHOLD = 0.22
PERSISTENCE = 0.75
SHOCK_PROBABILITY = 0.012  # per firm-month
# Month-of-year effect on utilisation: year-end rush, spring slack (the Spring Festival
# shutdown itself is in the calendar, not here).
SEASON = (0.0, -0.03, 0.0, 0.0, 0.01, 0.01, -0.01, -0.01, 0.02, 0.0, 0.03, 0.04)


@dataclass(frozen=True, slots=True)
class HealthTruth:
    """Per firm (rows) and month (columns) health and utilisation, plus default labels."""

    health: np.ndarray  # float64 (n, months)
    utilisation: np.ndarray  # float64 (n, months): expected share of working time running
    deteriorating: np.ndarray  # bool (n,)
    defaulted: np.ndarray  # bool (n,)
    default_month: np.ndarray  # int64 (n,), -1 when none
    default_day: np.ndarray  # int64 (n,) day of month (1-28), 0 when none

    def in_default(self, firm: int, month: int) -> bool:
        """Whether the firm had defaulted by the start of ``month``."""
        m = int(self.default_month[firm])
        return m >= 0 and month > m


def industry_cycles(seed: int, divisions: set[str], months: int) -> dict[str, np.ndarray]:
    """A slow AR(1) business cycle per industry division, shared by its firms."""
    out = {}
    for d in sorted(divisions):
        rng = rng_for(seed, STREAM_CYCLE, int(d))
        c = np.zeros(months)
        prev = rng.normal(0.0, 0.04)
        for t in range(months):
            prev = 0.85 * prev + rng.normal(0.0, 0.025)
            c[t] = prev
        out[d] = c
    return out


def simulate_health(
    seed: int,
    firms: list[Enterprise],
    months: int,
    first_month: int,
    deteriorating_share: float,
) -> HealthTruth:
    """Draw every firm's health path; ``first_month`` is the calendar month (1-12) of month 0."""
    n = len(firms)
    cycles = industry_cycles(seed, {f.division for f in firms}, months)
    health = np.zeros((n, months))
    util = np.zeros((n, months))
    deteriorating = np.zeros(n, dtype=bool)
    defaulted = np.zeros(n, dtype=bool)
    default_month = np.full(n, -1, dtype=np.int64)
    default_day = np.zeros(n, dtype=np.int64)
    season = np.array([SEASON[(first_month - 1 + t) % 12] for t in range(months)])
    for f in firms:
        rng = rng_for(seed, STREAM_HEALTH, f.index)
        level = rng.uniform(0.55, 0.88) + (0.05 if f.is_core else 0.0)
        det = bool(rng.random() < deteriorating_share) and not f.is_core
        onset = int(rng.integers(-8, max(1, int(months * 0.55)) + 1))
        slide = rng.uniform(0.03, 0.07)
        offset = rng.normal(0.0, 0.09)
        lag = int(rng.integers(0, 3))
        day = int(rng.integers(1, 29))
        noise = rng.normal(0.0, 0.04, months)
        unoise = rng.normal(0.0, 0.05, months)
        shocks = (rng.random(months) < SHOCK_PROBABILITY) * rng.uniform(0.15, 0.35, months)
        cyc = cycles[f.division]
        dev = rng.normal(0.0, 0.05)
        crossed = -1
        for t in range(months):
            mu = level - (slide * max(0, t - onset) if det else 0.0)
            dev = PERSISTENCE * dev + noise[t] - shocks[t]
            h = mu + dev + 0.6 * cyc[t]
            if crossed >= 0 and t > crossed + lag:
                # After a default the business winds down: health only sinks.
                h = min(h, health[f.index, t - 1] * 0.8)
            h = float(np.clip(h, 0.02, 0.98))
            health[f.index, t] = h
            if crossed < 0 and h < DEFAULT_THRESHOLD:
                crossed = t
        deteriorating[f.index] = det
        if crossed >= 0 and crossed + lag < months:
            defaulted[f.index] = True
            default_month[f.index] = crossed + lag
            default_day[f.index] = day
        u = 0.32 + 0.55 * health[f.index] + offset + 0.5 * cyc + season + unoise
        if defaulted[f.index]:
            after = np.arange(months) > default_month[f.index]
            u = np.where(after, u * 0.35, u)
        util[f.index] = np.clip(u, 0.03, 0.95)
    return HealthTruth(health, util, deteriorating, defaulted, default_month, default_day)
