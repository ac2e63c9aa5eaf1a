"""A decision's recorded inputs: written in one shape, read back in every shape ever written,
and deciding again from them gives the decision that was made.

``data/decisions_v1.json`` holds applications decided by the code before the inputs were one
typed value (record shape 1: no ``record`` key, no PD or reasons), with what was decided, by the
synthetic champion scorecard of ``chanrong.demo.credit_workload`` as it was fitted then
(stored beside it as ``data/decisions_v1_scorecard.json``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chanrong.credit.decisions import scored
from chanrong.credit.domain import (
    DEFAULT_PRODUCT,
    DecisionInputs,
    ModelVersion,
    ProfileEvidence,
    decide,
)
from chanrong.credit.record import SHAPE, from_record, record_sha256, to_record
from tests.credit.builders import GOOD, decisions_v1_scorecard

V1 = json.loads((Path(__file__).parent / "data" / "decisions_v1.json").read_text("utf-8"))

INPUTS = DecisionInputs(
    as_of=date(2025, 6, 2),
    product=DEFAULT_PRODUCT,
    requested_fen=300_000_000,
    has_live_grant=True,
    grant_refusal=None,
    quality=Decimal("0.9900"),
    last_default_on=date(2023, 5, 1),
    profile=ProfileEvidence("p1", date(2025, 6, 1), dict(GOOD), 2_000_000_000, 1, 2),
    carbon_grade=2,
    model=ModelVersion("sme-operating@3", "a" * 64),
    pd=0.0123456789,
    reasons=(("SC_dso_days", 12.3456), ("SC_utilisation", 1.5)),
)


def test_inputs_round_trip_through_their_record() -> None:
    record = to_record(INPUTS)
    assert record["record"] == SHAPE
    # The record is JSON (stored in a JSON column) and reads back to the same value.
    again = json.loads(json.dumps(record))
    assert from_record(again) == INPUTS
    assert record_sha256(again) == record_sha256(record)
    bare = replace(INPUTS, profile=None, quality=None, model=None, pd=None, reasons=())
    assert from_record(json.loads(json.dumps(to_record(bare)))) == bare


def test_an_unknown_record_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape 3"):
        from_record({**to_record(INPUTS), "record": 3})


@pytest.mark.parametrize("case", V1, ids=lambda c: f"{c['outcome']}-{c['grade']}-{c['knockouts']}")
def test_decisions_recorded_in_shape_1_are_decided_again_the_same(case: dict[str, Any]) -> None:
    recorded = from_record(case["inputs"])
    assert recorded.pd is None and recorded.reasons == ()  # shape 1 kept only the facts
    inputs, reasons = scored(recorded, decisions_v1_scorecard())
    d = decide(inputs)
    assert d.outcome.value == case["outcome"]
    assert [k.value for k in d.knockouts] == case["knockouts"]
    assert d.grade == case["grade"]
    assert (repr(d.score) if d.score is not None else None) == case["score"]
    assert (repr(d.pd) if d.pd is not None else None) == case["pd"]
    assert d.limit_fen == case["limit_fen"]
    assert (str(d.rate_pct) if d.rate_pct is not None else None) == case["rate_pct"]
    assert (inputs.carbon_grade, d.green_adjust_bp) == (
        case["carbon_grade"],
        case["green_adjust_bp"],
    )
    if not d.knockouts:
        assert [r.as_dict() for r in reasons] == case["reasons"]


def test_the_shape_1_cases_cover_what_a_decision_does() -> None:
    """So the test above can fail on each rule: knock-outs, grades, green pricing, the cap."""
    outcomes = {(c["outcome"], tuple(c["knockouts"])) for c in V1}
    assert {("approve", ()), ("refer", ()), ("decline", ())} <= outcomes
    assert {("decline", ("no_live_grant",)), ("decline", ("recent_default",))} <= outcomes
    assert {("decline", ("low_data_quality",))} <= outcomes
    assert {c["green_adjust_bp"] for c in V1} >= {0, -15, 20}
    assert any(c["limit_fen"] == c["inputs"]["requested_fen"] for c in V1 if c["limit_fen"])
    assert any(
        c["inputs"]["features"] and c["inputs"]["features"]["utilisation"] is None for c in V1
    )
