"""A joint model's life after training, on the platform's side: validation on the bank's
held-out labels (computed the federated way) and approval along the credit registry's states.

Validation. The bank holds the labels, so the bank computes AUC and KS; the platform's share
is the same allowed aggregate as in training — its partial score (or its trees' directions)
for each held-out enterprise with a live ``joint_modelling`` grant — in one logged exchange
(``validation_scores``). The platform refuses ids the run trained on (a held-out set is
disjoint from the training rows by construction, checked where the training rows are known)
and remembers the exchange's size and the SHA-256 of its ids; the bank's report
(``record_validation``) must name that exchange and its row count. The figures themselves
are the bank's: a party that lies about its own labels is outside the semi-honest model
(docs/federated.md says what that allows).

Approval. ``candidate`` → ``approved`` → ``champion`` (the previous champion of the same name
becomes ``retired``), or ``retired`` from any state but ``retired`` — the credit registry's
transitions (``credit.registry.Approval``). Credit's promotion is one explicit, logged act
with no second approver, so this is too; but approving or crowning needs the bank's
*admin* (officers train and validate), and leaving ``candidate`` needs a validation report.
Every move is a leaf of the verifiable log (``federated.model_state``).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, ValidationFailed
from chanrong.core.uscc import validate_uscc
from chanrong.federated.orm import JointModel, TrainingRun
from chanrong.federated.service import PURPOSE, eligible, joint_model, partial_of
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal, Role

STATES = ("candidate", "approved", "champion", "retired")
# The credit registry's transitions (credit.registry.ModelRegistry.check_transition).
ALLOWED = {
    "candidate": {"approved", "retired"},
    "approved": {"champion", "retired"},
    "champion": {"retired"},
    "retired": set(),
}
MAX_HELD_OUT = 50_000
# Below this a held-out AUC says little; the report is refused rather than shown.
MIN_VALIDATION_ROWS = 10


def _candidate(model: JointModel, ref: str) -> None:
    # Validation belongs to the candidate: what was approved on is not re-written afterwards.
    if model.state != "candidate":
        raise Conflict(
            f"model: {ref} is {model.state}; a model is validated while a candidate",
            field="model",
        )


def ids_sha256(usccs: Sequence[str]) -> str:
    """SHA-256 of a set of USCCs (sorted, newline-joined): both parties compute it alike."""
    return hashlib.sha256("\n".join(sorted(usccs)).encode()).hexdigest()


def validation_scores(
    session: Session, principal: Principal, ref: str, usccs: Sequence[str]
) -> tuple[list[float | list[bool] | None], int]:
    """The platform's parts for a held-out set: per id its partial score (trees: directions),
    or None without a live grant (the bank leaves it out and the report counts it). Ids the
    run trained on are refused. One log leaf for the exchange; returns the parts and its index."""
    model = joint_model(session, principal, ref)
    _candidate(model, ref)
    if not 1 <= len(usccs) <= MAX_HELD_OUT:
        raise ValidationFailed(f"ids: 1 to {MAX_HELD_OUT}", field="ids")
    codes = [validate_uscc(u, field=f"ids[{i}]").code for i, u in enumerate(usccs)]
    if len(set(codes)) != len(codes):
        raise ValidationFailed("ids: each enterprise once", field="ids")
    run = session.get(TrainingRun, model.run_id)
    trained = set(run.usccs) if run is not None else set()
    overlap = sum(1 for c in codes if c in trained)
    if overlap:
        raise ValidationFailed(
            f"ids: {overlap} of them were training rows of {ref}; a held-out set excludes them",
            field="ids",
        )
    granted = eligible(session, principal)
    part = model.manifest["platform"]
    parts: list[float | list[bool] | None] = [
        partial_of(part, granted[c].values) if c in granted else None for c in codes
    ]
    scored = [c for c, p in zip(codes, parts, strict=True) if p is not None]
    leaf = governance.append_log(
        session,
        kind="federated.validation_scores",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:federated-model:{ref}",
        payload={
            "model": ref,
            "asked": len(codes),
            "scored": len(scored),
            "ids_sha256": ids_sha256(scored),
            "purpose": PURPOSE,
        },
    )
    # A new exchange starts a new validation: an earlier report no longer stands for it.
    model.validation = {
        "exchange": {"leaf": leaf.index, "scored": len(scored), "ids_sha256": ids_sha256(scored)}
    }
    session.flush()
    return parts, leaf.index


def record_validation(
    session: Session, principal: Principal, ref: str, report: Mapping[str, Any]
) -> JointModel:
    """Keep the bank's validation report of a model: ``exchange`` (the leaf of its held-out
    scoring exchange), ``rows`` (scored and labelled), ``bads``, ``auc``, ``ks``. Logged."""
    model = joint_model(session, principal, ref)
    _candidate(model, ref)
    exchange = (model.validation or {}).get("exchange")
    if exchange is None:
        raise Conflict(
            "exchange: no held-out scoring exchange for this model yet", field="exchange"
        )
    if report.get("exchange") != exchange["leaf"]:
        raise ValidationFailed(
            f"exchange: the newest held-out exchange of {ref} is leaf {exchange['leaf']}",
            field="exchange",
        )
    rows, bads = int(report["rows"]), int(report["bads"])
    if rows != exchange["scored"]:
        raise ValidationFailed(
            f"rows: the exchange scored {exchange['scored']} enterprises", field="rows"
        )
    if rows < MIN_VALIDATION_ROWS:
        raise ValidationFailed(f"rows: at least {MIN_VALIDATION_ROWS}", field="rows")
    if not 0 < bads < rows:
        raise ValidationFailed("bads: both defaulters and non-defaulters are needed", field="bads")
    for key in ("auc", "ks"):
        value = float(report[key])
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise ValidationFailed(f"{key}: a number from 0 to 1", field=key)
    done = {
        "exchange": exchange,
        "rows": rows,
        "bads": bads,
        "auc": float(report["auc"]),
        "ks": float(report["ks"]),
        "by": principal.user_id,
        "at": utcnow().isoformat(),
        "computed_by": "bank",
    }
    model.validation = done
    governance.append_log(
        session,
        kind="federated.validated",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:federated-model:{ref}",
        payload={
            "model": ref,
            "manifest_sha256": model.manifest_sha256,
            **{k: done[k] for k in ("rows", "bads", "auc", "ks")},
            "exchange_leaf": exchange["leaf"],
        },
    )
    session.flush()
    return model


def set_state(session: Session, principal: Principal, ref: str, to: str) -> JointModel:
    """Move a joint model along candidate → approved → champion (or to retired); the bank's
    admin approves and crowns, and only a validated model leaves ``candidate``. Logged."""
    model = joint_model(session, principal, ref)
    if to not in STATES:
        raise ValidationFailed("to: approved, champion or retired", field="to")
    if to in ("approved", "champion") and not principal.has_role(Role.ADMIN):
        raise Forbidden("approving a joint model is for the bank's admin")
    if to not in ALLOWED[model.state]:
        raise Conflict(f"state: {ref} is {model.state}; cannot become {to}", field="state")
    report = model.validation or {}
    if to == "approved" and "auc" not in report:
        raise Conflict(f"state: {ref} has no validation report yet", field="state")
    now = utcnow()
    retired: list[str] = []
    if to == "champion":
        for other in session.scalars(
            select(JointModel).where(
                JointModel.name == model.name,
                JointModel.bank_org_id == model.bank_org_id,
                JointModel.state == "champion",
            )
        ):
            other.state, other.state_by, other.state_at = "retired", principal.user_id, now
            retired.append(f"{other.name}@{other.version}")
    model.state, model.state_by, model.state_at = to, principal.user_id, now
    governance.append_log(
        session,
        kind="federated.model_state",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:federated-model:{ref}",
        payload={
            "model": ref,
            "state": to,
            "manifest_sha256": model.manifest_sha256,
            "validation": {k: report[k] for k in ("rows", "auc", "ks") if k in report},
            "retired": retired,
        },
    )
    session.flush()
    return model
