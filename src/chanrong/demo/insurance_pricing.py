"""Does the claims-fitted pricing model find the risk the simulator hid? (evaluation only)

On a simulated park, claims are drawn for two policy years from each machine's hidden
frequency and severity (``chanrong.simulate.claims``). The frequency × severity GLM is fitted
on year one; on year two it is measured — against the claims (AUC, Gini, calibration by
decile: ``insurance.pricing.validate``) and against the truth (Spearman of its expected loss
cost per running hour with the true one) — beside the hand-set quality index on the very same
machines, so the two can be compared in one run.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from chanrong.insurance.pricing import Exposure, GlmModel, Validation, fit, validate
from chanrong.insurance.quality import DeviceStats, device_index
from chanrong.simulate import ParkConfig, plan_park
from chanrong.simulate.claims import DeviceYear, SimulatedClaims, simulate_claims


def _r(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 4)


@dataclass(frozen=True, slots=True)
class PricingEvaluation:
    model: GlmModel
    train_rows: int
    train_claims: int
    model_validation: Validation
    handset_validation: Validation
    model_spearman: float  # expected loss cost per kh vs the true one, year two
    handset_spearman: float  # (100 − index) vs the true loss cost per kh, year two

    def to_json(self) -> dict[str, Any]:
        """The validation report stored with the model version."""
        return {
            "train": {"rows": self.train_rows, "claims": self.train_claims},
            "model": {
                **self.model_validation.to_json(),
                "spearman_truth": _r(self.model_spearman),
            },
            "handset": {
                **self.handset_validation.to_json(),
                "spearman_truth": _r(self.handset_spearman),
            },
        }


def simulated_book(
    enterprises: int = 60, seed: int = 7, start: date = date(2024, 1, 1)
) -> SimulatedClaims:
    """Two policy years of claims on a simulated park's machines."""
    plan = plan_park(
        ParkConfig(enterprises=enterprises, months=12, seed=seed, interval_minutes=120, start=start)
    )
    health = plan.truth.health.mean(axis=1)
    return simulate_claims(seed, plan.firms, health, start, years=2)


def exposures(sim: SimulatedClaims, year: int) -> list[tuple[Exposure, DeviceYear]]:
    """Each machine's exposure in ``year`` with its claims, beside its hidden truth."""
    counts: dict[str, int] = defaultdict(int)
    paid: dict[str, int] = defaultdict(int)
    for c in sim.claims:
        if c["policy"].endswith(f"-{year}"):
            counts[c["device_id"]] += 1
            paid[c["device_id"]] += int(Decimal(c["amount"]) * 100)
    return [
        (
            Exposure(
                e.device_id,
                e.running_hours,
                e.failures,
                e.downtime_hours,
                e.scheduled_hours,
                e.mean_load_ratio,
                e.age_years,
                e.rated_kw,
                counts[e.device_id],
                paid[e.device_id],
            ),
            e,
        )
        for e in sim.exposures
        if e.year == year
    ]


def handset_index(rows: Sequence[Exposure]) -> np.ndarray:
    """The hand-set quality index (0–100, higher is better) of each exposure."""
    return np.array(
        [
            float(
                device_index(
                    DeviceStats(
                        r.device_id,
                        Decimal(repr(r.running_hours)),
                        r.failures,
                        Decimal(repr(r.downtime_hours)),
                        Decimal(repr(r.scheduled_hours)),
                        Decimal(repr(r.mean_load_ratio)),
                    )
                ).index
            )
            for r in rows
        ]
    )


def evaluate(sim: SimulatedClaims) -> PricingEvaluation:
    """Fit on year one, measure both the model and the hand-set index on year two."""
    train = [x for x, _ in exposures(sim, 0)]
    test_pairs = exposures(sim, 1)
    test = [x for x, _ in test_pairs]
    truth = np.array([t.true_frequency_per_kh * t.true_severity_fen for _, t in test_pairs])
    kh = np.array([x.running_hours / 1000 for x in test])
    model = fit(train)
    rate = model.loss_cost_per_kh(test)
    expected = model.frequency_per_kh(test) * kh
    handset_risk = 100.0 - handset_index(test)
    return PricingEvaluation(
        model,
        len(train),
        sum(x.claims for x in train),
        validate(test, expected, rate * kh, expected),
        validate(test, handset_risk * kh),
        float(spearmanr(rate, truth).statistic),
        float(spearmanr(handset_risk, truth).statistic),
    )


METRICS = ("auc", "gini", "spearman_truth")


@dataclass(frozen=True, slots=True)
class SeedsSummary:
    """The evaluation over several simulated parks: each seed's row, and per metric the mean
    and the worst (lowest) seed of the model, the index and the model's gain over the index."""

    enterprises: int
    seeds: list[int]
    rows: list[dict[str, Any]]  # seed, train rows/claims, test claims, model/handset metrics

    def stat(self, who: str, metric: str, how: str) -> float:
        """``how`` is "mean" or "worst"; ``who`` "model", "handset" or "gain"."""
        if who == "gain":
            values = [r["model"][metric] - r["handset"][metric] for r in self.rows]
        else:
            values = [r[who][metric] for r in self.rows]
        return float(np.mean(values)) if how == "mean" else float(min(values))


def evaluate_seeds(enterprises: int, seeds: Sequence[int]) -> SeedsSummary:
    """``evaluate`` on one simulated park per seed (same size), for mean and worst figures."""
    rows = []
    for seed in seeds:
        ev = evaluate(simulated_book(enterprises, seed=seed))
        doc = ev.to_json()
        rows.append(
            {
                "seed": seed,
                "train_rows": ev.train_rows,
                "train_claims": ev.train_claims,
                "test_claims": ev.model_validation.claims,
                "model": {m: doc["model"][m] for m in METRICS},
                "handset": {m: doc["handset"][m] for m in METRICS},
            }
        )
    return SeedsSummary(enterprises, list(seeds), rows)
