"""Simulated claims: reproducible, intake-shaped, and driven by the hidden risk."""

from __future__ import annotations

from datetime import date

import numpy as np
from scipy.stats import spearmanr

from chanrong.demo.insurance_pricing import simulated_book
from chanrong.telemetry.domain import RECORD_SPECS, parse_record


def test_same_seed_same_claims_and_every_row_passes_intake() -> None:
    a, b = simulated_book(12, seed=5), simulated_book(12, seed=5)
    assert a.claims == b.claims and len(a.claims) > 20
    uscc = a.claims[0]["uscc"]
    for row in a.claims_of(uscc):
        rec = parse_record(RECORD_SPECS["claims"], row)
        assert rec["amount_fen"] > 0 and rec["loss_date"] >= date(2024, 1, 1)


def test_claim_counts_follow_the_hidden_frequency() -> None:
    sim = simulated_book(30, seed=9)
    year0 = [e for e in sim.exposures if e.year == 0]
    counts = {e.device_id: 0 for e in year0}
    for c in sim.claims:
        if c["policy"].endswith("-0"):
            counts[c["device_id"]] += 1
    expected = np.array([e.true_frequency_per_kh * e.running_hours / 1000 for e in year0])
    observed = np.array([counts[e.device_id] for e in year0])
    assert float(spearmanr(expected, observed).statistic) > 0.4
    # The totals agree within sampling error (Poisson: sd = sqrt(mean)).
    assert abs(observed.sum() - expected.sum()) < 4 * np.sqrt(expected.sum())
