"""Replaying a recorded decision: its stored inputs read back, scored again with the same model
version and decided again, against what was recorded and logged."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit.decisions import scored
from chanrong.credit.domain import (
    Outcome,
    decide,
)
from chanrong.credit.orm import Application
from chanrong.credit.products import load_model, model_registry
from chanrong.credit.record import from_record, record_sha256
from chanrong.credit.registry import Model
from chanrong.credit.reviews import get_application
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal


@dataclass(frozen=True)
class Replay:
    """Whether a decision is reproduced from its recorded inputs, and what differs if not."""

    matches: bool
    inputs_intact: bool
    logged: bool
    differences: list[str]


def replay(session: Session, principal: Principal, settings: Settings, app_id: str) -> Replay:
    """Read a decision's recorded inputs back, score them again with the recorded model version
    and decide again; compare with what was decided (and logged)."""
    app = get_application(session, principal, app_id)
    diffs: list[str] = []
    inputs_ok = record_sha256(app.inputs) == app.inputs_sha256
    if not inputs_ok:
        diffs.append("inputs no longer match their SHA-256")
    entry = governance.get_log_entry(session, principal, app.log_index)
    payload = json.loads(entry.data).get("payload", {})
    logged = (
        payload.get("inputs_sha256") == app.inputs_sha256
        and payload.get("application_id") == app.id
    )
    if not logged:
        diffs.append("log entry does not carry this application's inputs hash")
    try:
        recorded = from_record(app.inputs)
    except (KeyError, TypeError, ValueError, ArithmeticError, ValidationFailed) as exc:
        diffs.append(f"inputs cannot be read back ({exc})")
        return Replay(matches=False, inputs_intact=inputs_ok, logged=logged, differences=diffs)
    model: Model | None = None
    if app.model_ref and recorded.joint is None:
        entry_m, model = load_model(model_registry(settings), app.model_ref)
        if entry_m.manifest_sha256 != app.model_manifest_sha256:
            diffs.append("model manifest changed since the decision")
    # Score again from the facts alone: the recorded PD and reasons are checked, not trusted.
    # A joint model's PD is not scored again: that is a new exchange with the platform under
    # consent; the recorded PD and parts are decided on again as they were.
    again = (
        recorded
        if recorded.joint is not None
        else scored(replace(recorded, pd=None, reasons=()), model)[0]
    )
    if recorded.pd is not None and (again.pd, again.reasons) != (recorded.pd, recorded.reasons):
        # Only records that carry the model's answer (shape 2); shape 1 is checked below.
        diffs.append("the model's PD or reasons differ from the recorded ones")
    d = decide(again)
    if d.outcome.value != app.outcome:
        diffs.append(f"outcome {d.outcome.value} != {app.outcome}")
    if (repr(d.pd) if d.pd is not None else None) != app.pd:
        diffs.append(f"pd {d.pd!r} != {app.pd}")
    if d.grade != app.grade:
        diffs.append(f"grade {d.grade} != {app.grade}")
    if (
        app.outcome != Outcome.DECLINE.value
        and d.limit_fen != app.limit_fen
        and app.officer_id is None
    ):
        diffs.append(f"limit {d.limit_fen} != {app.limit_fen}")
    if app.review_inputs is not None:
        # An officer's approval decided again on refreshed evidence: the limit and rate the
        # application carries are that decision's, checked the same way.
        diffs += _replay_review(app, settings)
    elif d.rate_pct != (Decimal(str(app.rate_pct)) if app.rate_pct is not None else None):
        diffs.append(f"rate {d.rate_pct} != {app.rate_pct}")
    return Replay(matches=not diffs, inputs_intact=inputs_ok, logged=logged, differences=diffs)


def _replay_review(app: Application, settings: Settings) -> list[str]:
    """What differs when the review's recorded inputs are scored and decided again."""
    assert app.review_inputs is not None
    if record_sha256(app.review_inputs) != app.review_inputs_sha256:
        return ["review inputs no longer match their SHA-256"]
    try:
        recorded = from_record(app.review_inputs)
    except (KeyError, TypeError, ValueError, ArithmeticError, ValidationFailed) as exc:
        return [f"review inputs cannot be read back ({exc})"]
    model: Model | None = None
    if recorded.joint is not None:
        again = recorded  # a joint model's PD is decided on as recorded (see ``replay``)
    else:
        if recorded.model is not None:
            _, model = load_model(model_registry(settings), recorded.model.ref)
        again, _ = scored(replace(recorded, pd=None, reasons=()), model)
    diffs = []
    if (again.pd, again.reasons) != (recorded.pd, recorded.reasons):
        diffs.append("the review's PD or reasons differ from the recorded ones")
    d = decide(again)
    if d.limit_fen != app.limit_fen:
        diffs.append(f"review limit {d.limit_fen} != {app.limit_fen}")
    if d.rate_pct != (Decimal(str(app.rate_pct)) if app.rate_pct is not None else None):
        diffs.append(f"review rate {d.rate_pct} != {app.rate_pct}")
    return diffs
