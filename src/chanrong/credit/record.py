"""A decision's inputs as recorded: ``DecisionInputs`` ↔ the JSON stored with the application.

The stored form is hashed (its SHA-256 goes to the verifiable log with the decision) and read
back by the replay, so it is written in one canonical shape and read in every shape ever
written:

- shape 2 (``"record": 2``): the inputs with the model's PD and reasons, and — only when an
  approved challenger shadow-scored them — ``shadow`` (its model version and PD; a record
  without a shadow is written exactly as before it existed); likewise ``joint`` only when the
  product's model is a joint (federated) one: the parts used, or the part that was missing;
- shape 1 (no ``"record"`` key; decisions made before the inputs were one typed value): the
  same keys without ``pd`` and ``reasons`` — the replay scores them again, as it always did.

Both keep the flat keys of shape 1 (``as_of``, ``product``, ``features``, ``last_default_on``…),
so a reader of one finds the other's facts where it expects them. Pure: no framework imports.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from chanrong.credit.domain import (
    DecisionInputs,
    JointUse,
    ModelVersion,
    ProfileEvidence,
    ShadowScore,
    product_from_dict,
)

SHAPE = 2


def to_record(inputs: DecisionInputs) -> dict[str, Any]:
    """The JSON-ready form of the inputs (always the current shape)."""
    p = inputs.profile
    record: dict[str, Any] = {
        "record": SHAPE,
        "as_of": inputs.as_of.isoformat(),
        "product": inputs.product.as_dict(),
        "carbon_grade": inputs.carbon_grade,
        "has_live_grant": inputs.has_live_grant,
        "grant_refusal": inputs.grant_refusal,
        "profile_id": p.id if p else None,
        "profile_as_of": p.as_of.isoformat() if p else None,
        "features": dict(p.features) if p else None,
        "quality": str(inputs.quality) if inputs.quality is not None else None,
        "last_default_on": inputs.last_default_on.isoformat() if inputs.last_default_on else None,
        "evidence": {
            "revenue_12m_fen": p.revenue_12m_fen if p else 0,
            "open_orders_fen": p.open_orders_fen if p else 0,
            "receivables_fen": p.receivables_fen if p else 0,
        },
        "requested_fen": inputs.requested_fen,
        "model_ref": inputs.model.ref if inputs.model else None,
        "model_manifest_sha256": inputs.model.manifest_sha256 if inputs.model else None,
        "pd": inputs.pd,
        "reasons": [[code, weight] for code, weight in inputs.reasons],
    }
    if inputs.shadow is not None:
        record["shadow"] = {
            "model_ref": inputs.shadow.model.ref,
            "model_manifest_sha256": inputs.shadow.model.manifest_sha256,
            "pd": inputs.shadow.pd,
        }
    if inputs.joint is not None:
        record["joint"] = asdict(inputs.joint)
    return record


def from_record(data: Mapping[str, Any]) -> DecisionInputs:
    """Read recorded inputs of any shape back (``ValueError`` for a shape never written)."""
    shape = data.get("record", 1)
    if shape not in (1, SHAPE):
        raise ValueError(f"unknown decision record shape {shape!r}")
    features = data["features"]
    evidence = data["evidence"]
    profile = (
        ProfileEvidence(
            id=str(data["profile_id"]),
            as_of=date.fromisoformat(data["profile_as_of"]),
            features=dict(features),
            revenue_12m_fen=int(evidence["revenue_12m_fen"]),
            open_orders_fen=int(evidence["open_orders_fen"]),
            receivables_fen=int(evidence["receivables_fen"]),
        )
        if features is not None
        else None
    )
    model_ref = data["model_ref"]
    pd_ = data.get("pd")
    # Products recorded before they declared a maximum evidence age decided on any profile:
    # read back without the limit, so those decisions replay as they were made.
    product_data = dict(data["product"])
    product_data.setdefault("max_evidence_age_days", None)
    shadow = data.get("shadow")
    joint = data.get("joint")
    return DecisionInputs(
        as_of=date.fromisoformat(data["as_of"]),
        product=product_from_dict(product_data),
        requested_fen=int(data["requested_fen"]) if data.get("requested_fen") is not None else None,
        has_live_grant=bool(data["has_live_grant"]),
        grant_refusal=data.get("grant_refusal"),
        quality=Decimal(data["quality"]) if data["quality"] is not None else None,
        last_default_on=date.fromisoformat(data["last_default_on"])
        if data["last_default_on"]
        else None,
        profile=profile,
        carbon_grade=int(data["carbon_grade"]) if data.get("carbon_grade") is not None else None,
        model=ModelVersion(str(model_ref), str(data["model_manifest_sha256"]))
        if model_ref
        else None,
        pd=float(pd_) if pd_ is not None else None,
        reasons=tuple((str(code), float(weight)) for code, weight in data.get("reasons", ())),
        shadow=ShadowScore(
            ModelVersion(str(shadow["model_ref"]), str(shadow["model_manifest_sha256"])),
            float(shadow["pd"]),
        )
        if shadow
        else None,
        joint=JointUse(**joint) if joint else None,
    )


def record_sha256(record: Mapping[str, Any]) -> str:
    """The SHA-256 of a record in canonical JSON (sorted keys, no spaces) — what the log holds."""
    blob = json.dumps(
        record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
