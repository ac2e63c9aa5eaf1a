"""The platform's side of joint modelling: the use cases the federated routes call.

Only enterprises with a live consent grant for ``joint_modelling`` to the calling bank take
part: the PSI set, the rows of a new run and every scoring exchange are checked against the
grants at that moment, so a revoked grant removes the enterprise from the next run and refuses
its next score. Every training round and every scoring exchange is appended to the verifiable
log in the request's transaction. Flushes, never commits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.uscc import validate_uscc
from chanrong.federated.orm import JointModel, PlatformFeatures, TrainingRun
from chanrong.federated.protocol import (
    MAX_BATCH,
    PlatformLearner,
    ProtocolError,
    Standardiser,
    TrainingConfig,
    fingerprint,
    public_key_of,
    raising,
)
from chanrong.federated.psi import ServerAnswer, platform_answer
from chanrong.federated.secureboost import BoostConfig, PlatformBooster, apply_edges, bin_columns
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal

PURPOSE = governance.Purpose.JOINT_MODELLING.value
MAX_ROWS = 200_000


def _protocol(exc: ProtocolError) -> ValidationFailed:
    return ValidationFailed(str(exc), field=exc.field)


def require_bank(principal: Principal) -> None:
    """Joint modelling is for banks (the party that holds labels)."""
    if (
        principal.org_kind is not OrgKind.FINANCIAL_INSTITUTION
        or principal.institution_type is not InstitutionType.BANK
    ):
        raise Forbidden("joint modelling is for banks")


# --- the platform's features ------------------------------------------------------------------
def load_features(
    session: Session, principal: Principal, rows: Sequence[tuple[str, Mapping[str, float]]]
) -> int:
    """The operator loads (or replaces) enterprises' operating features; every row must name
    the same features and a USCC of a registered enterprise."""
    if not principal.is_operator:
        raise Forbidden("only the platform operator loads the platform's features")
    if not rows:
        raise ValidationFailed("rows: at least one", field="rows")
    names = sorted(rows[0][1])
    if not names:
        raise ValidationFailed("rows[0].values: at least one feature", field="rows[0].values")
    for i, (uscc, values) in enumerate(rows):
        if sorted(values) != names:
            raise ValidationFailed(f"rows[{i}].values: features {names}", field=f"rows[{i}].values")
        if any(not math.isfinite(v) for v in values.values()):
            raise ValidationFailed(f"rows[{i}].values: finite numbers", field=f"rows[{i}].values")
        code = validate_uscc(uscc, field=f"rows[{i}].uscc").code
        org = identity.find_enterprise_by_uscc(session, code)
        if org is None:
            raise ValidationFailed(f"rows[{i}].uscc: no enterprise {code}", field=f"rows[{i}].uscc")
        row = session.get(PlatformFeatures, code)
        if row is None:
            session.add(PlatformFeatures(uscc=code, enterprise_org_id=org.id, values=dict(values)))
        else:
            row.values = dict(values)
            row.loaded_at = utcnow()
    session.flush()
    return len(rows)


def _granted_owners(session: Session, principal: Principal, now: datetime) -> set[str]:
    return {
        g.owner_org_id
        for g in governance.list_grants(session, principal)
        if g.purpose == PURPOSE and governance.grant_status(g, now) == "live"
    }


def partners(session: Session, principal: Principal) -> list[dict[str, Any]]:
    """Enterprises that granted this bank ``joint_modelling`` (any status), with whether the
    platform holds their features."""
    require_bank(principal)
    now = utcnow()
    grants = [g for g in governance.list_grants(session, principal) if g.purpose == PURPOSE]
    names = identity.organisation_names(session, [g.owner_org_id for g in grants])
    held = {
        f.enterprise_org_id
        for f in session.scalars(
            select(PlatformFeatures).where(
                PlatformFeatures.enterprise_org_id.in_([g.owner_org_id for g in grants])
            )
        )
    }
    return [
        {
            "enterprise_org_id": g.owner_org_id,
            "name": names.get(g.owner_org_id, g.owner_org_id),
            "status": governance.grant_status(g, now),
            "valid_until": g.valid_until,
            "features_held": g.owner_org_id in held,
        }
        for g in grants
    ]


def eligible(session: Session, principal: Principal) -> dict[str, PlatformFeatures]:
    """The platform's features of the enterprises with a live ``joint_modelling`` grant to
    the bank, by USCC."""
    owners = _granted_owners(session, principal, utcnow())
    if not owners:
        return {}
    rows = session.scalars(
        select(PlatformFeatures).where(PlatformFeatures.enterprise_org_id.in_(owners))
    )
    return {r.uscc: r for r in rows}


# --- PSI ------------------------------------------------------------------------------------
def psi(session: Session, principal: Principal, request_b64: str) -> ServerAnswer:
    """Answer the bank's PSI request over the enterprises eligible for it."""
    require_bank(principal)
    return platform_answer(request_b64, sorted(eligible(session, principal)))


# --- training -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OpenedRun:
    run: TrainingRun
    accepted: list[str]


def open_run(
    session: Session,
    principal: Principal,
    *,
    name: str,
    usccs: Sequence[str],
    public_key: str,
    config: TrainingConfig | BoostConfig,
) -> OpenedRun:
    """Open a run over the bank's aligned ids; ids without a live grant (or features) are
    excluded and the bank is told which remain, in its order."""
    require_bank(principal)
    if not 1 <= len(usccs) <= MAX_ROWS:
        raise ValidationFailed(f"ids: 1 to {MAX_ROWS}", field="ids")
    if len(set(usccs)) != len(usccs):
        raise ValidationFailed("ids: each enterprise once", field="ids")
    if isinstance(config, TrainingConfig) and not 1 <= config.batch_size <= MAX_BATCH:
        raise ValidationFailed(f"config.batch_size: 1 to {MAX_BATCH}", field="config.batch_size")
    try:
        public_key_of(public_key)
    except ProtocolError as exc:
        raise _protocol(exc) from None
    granted = eligible(session, principal)
    accepted = [u for u in usccs if u in granted]
    if len(accepted) < 2:
        raise Conflict("ids: fewer than two enterprises may take part", field="ids")
    features = sorted(granted[accepted[0]].values)
    x = np.asarray([[granted[u].values[f] for f in features] for u in accepted], dtype=float)
    std = Standardiser.fit(x)
    boost = None
    if isinstance(config, BoostConfig):
        _, edges = bin_columns(x, config.bins)
        boost = {
            "edges": [[float(v) for v in e] for e in edges],
            "lookups": [],
            "packed": None,
            "tree": 0,
        }
    run = TrainingRun(
        bank_org_id=principal.org_id,
        name=name,
        kind="boost" if boost is not None else "logistic",
        boost=boost,
        status="training",
        usccs=accepted,
        excluded=len(usccs) - len(accepted),
        features=features,
        means=list(std.means),
        scales=list(std.scales),
        weights=[0.0] * len(features),
        pending=None,
        public_key=public_key,
        config=asdict(config),
        rounds=0,
    )
    session.add(run)
    session.flush()
    governance.append_log(
        session,
        kind="federated.run_opened",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:federated-run:{run.id}",
        payload={
            "run": run.id,
            "rows": len(accepted),
            "excluded": run.excluded,
            "features": features,
            "purpose": PURPOSE,
        },
    )
    return OpenedRun(run, accepted)


def _run(session: Session, principal: Principal, run_id: str) -> TrainingRun:
    require_bank(principal)
    run = session.get(TrainingRun, run_id)
    if run is None or run.bank_org_id != principal.org_id:
        raise NotFound(f"no federated run {run_id}")
    return run


def _learner(session: Session, run: TrainingRun) -> PlatformLearner:
    rows = {
        r.uscc: r
        for r in session.scalars(
            select(PlatformFeatures).where(PlatformFeatures.uscc.in_(run.usccs))
        )
    }
    missing = [u for u in run.usccs if u not in rows]
    if missing:
        raise Conflict(f"run: features of {len(missing)} enterprises are no longer held")
    x = np.asarray([[rows[u].values[f] for f in run.features] for u in run.usccs], dtype=float)
    std = Standardiser(tuple(run.means), tuple(run.scales))
    cfg = run.config
    learner = PlatformLearner(std.apply(x), cfg["learning_rate"], cfg["l2"])
    learner.weights = np.asarray(run.weights, dtype=float)
    if run.pending is not None:
        learner.pending = {
            "rows": run.pending["rows"],
            "masks": [int(m) for m in run.pending["masks"]],
        }
    return learner


def _training(session: Session, principal: Principal, run_id: str) -> TrainingRun:
    run = _run(session, principal, run_id)
    if run.status != "training":
        raise Conflict(f"run: {run.id} is {run.status}", field="run")
    return run


def forward(
    session: Session, principal: Principal, run_id: str, rows: Sequence[int]
) -> list[float]:
    """Step 2: the platform's partial scores of the batch."""
    run = _training(session, principal, run_id)
    try:
        return _learner(session, run).forward(rows)
    except ProtocolError as exc:
        raise _protocol(exc) from None


def gradient(
    session: Session,
    principal: Principal,
    run_id: str,
    rows: Sequence[int],
    residuals: Sequence[str],
) -> list[str]:
    """Step 4: masked encrypted gradient sums; the masks stay with the run."""
    run = _training(session, principal, run_id)
    learner = _learner(session, run)
    try:
        out = learner.masked_gradient(public_key_of(run.public_key), rows, residuals)
    except ProtocolError as exc:
        raise _protocol(exc) from None
    assert learner.pending is not None
    run.pending = {
        "rows": learner.pending["rows"],
        "masks": [str(m) for m in learner.pending["masks"]],
    }
    session.flush()
    return out


def update(
    session: Session, principal: Principal, run_id: str, masked_sums: Sequence[str]
) -> tuple[int, int]:
    """Step 6: unmask and step; the round becomes a leaf of the verifiable log. Returns the
    round number and the leaf's index."""
    run = _training(session, principal, run_id)
    learner = _learner(session, run)
    try:
        grad = learner.apply(masked_sums)
    except ProtocolError as exc:
        raise _protocol(exc) from None
    run.weights = [float(w) for w in learner.weights]
    run.pending = None
    run.rounds += 1
    ref = governance.append_log(
        session,
        kind="federated.round",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:federated-run:{run.id}",
        payload={
            "run": run.id,
            "round": run.rounds,
            # Fingerprints, not values: the log shows the round happened and what it produced.
            "gradient_sha256": fingerprint([round(float(g), 12) for g in grad]),
            "weights_sha256": fingerprint(run.weights),
        },
    )
    session.flush()
    return run.rounds, ref.index


def finish(
    session: Session,
    principal: Principal,
    run_id: str,
    *,
    bank_features: Sequence[str],
    bank_fingerprint: str,
    metrics: Mapping[str, float],
) -> JointModel:
    """Close the run and register the joint model (a ``candidate``) with both parties'
    feature lists and fingerprints; the platform's part is stored, the bank's only named."""
    run = _training(session, principal, run_id)
    if run.pending is not None:
        raise Conflict("run: a round is still in flight", field="run")
    if len(bank_fingerprint) != 64:
        raise ValidationFailed("bank_fingerprint: a SHA-256 in hex", field="bank_fingerprint")
    part: dict[str, Any] = (
        {"features": run.features, "edges": run.boost["edges"], "lookups": run.boost["lookups"]}
        if run.boost is not None
        else {
            "features": run.features,
            "means": run.means,
            "scales": run.scales,
            "weights": run.weights,
        }
    )
    version = 1 + (
        session.scalar(select(func.max(JointModel.version)).where(JointModel.name == run.name)) or 0
    )
    platform_fingerprint = fingerprint(part)
    manifest: dict[str, Any] = {
        "name": run.name,
        "version": version,
        "kind": "federated-boost" if run.boost is not None else "federated-logistic",
        "format": "chanrong-federated-model/1",
        "run": run.id,
        "bank_org_id": run.bank_org_id,
        "bank": {"features": list(bank_features), "fingerprint": bank_fingerprint},
        "platform": {**part, "fingerprint": platform_fingerprint},
        "training": {
            "rows": len(run.usccs),
            "excluded": run.excluded,
            "rounds": run.rounds,
            "config": run.config,
        },
        "metrics": dict(metrics),
    }
    model = JointModel(
        name=run.name,
        version=version,
        bank_org_id=run.bank_org_id,
        run_id=run.id,
        state="candidate",
        manifest=manifest,
        manifest_sha256=fingerprint(manifest),
    )
    session.add(model)
    run.status = "finished"
    run.finished_at = utcnow()
    session.flush()
    governance.append_log(
        session,
        kind="federated.model_registered",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:federated-model:{run.name}@{version}",
        payload={
            "model": f"{run.name}@{version}",
            "manifest_sha256": model.manifest_sha256,
            "bank_fingerprint": bank_fingerprint,
            "platform_fingerprint": platform_fingerprint,
        },
    )
    return model


# --- models and scoring ------------------------------------------------------------------------
def joint_model(session: Session, principal: Principal, ref: str) -> JointModel:
    """The bank's joint model ``name@version``, its manifest re-checked against its print."""
    require_bank(principal)
    name, _, version = ref.partition("@")
    if not name or not version.isdigit():
        raise ValidationFailed("model: name@version", field="model")
    model = session.scalar(
        select(JointModel).where(JointModel.name == name, JointModel.version == int(version))
    )
    if model is None or model.bank_org_id != principal.org_id:
        raise NotFound(f"model: no joint model {ref}", field="model")
    if fingerprint(model.manifest) != model.manifest_sha256:
        raise Conflict(f"model: {ref} no longer matches its fingerprint", field="model")
    return model


def partial_of(part: Mapping[str, Any], values: Mapping[str, float]) -> float | list[bool]:
    """The platform's part of a joint model applied to one enterprise's features: its partial
    score (logistic) or, for trees, which way it goes at each platform split — never values."""
    if sorted(values) != sorted(part["features"]):
        raise Conflict("uscc: the enterprise's features no longer match the model", field="uscc")
    x = np.asarray([[values[f] for f in part["features"]]], dtype=float)
    if "lookups" in part:
        bins = apply_edges(x, part["edges"])[0]
        return [bool(bins[f] <= b) for f, b in part["lookups"]]
    z = Standardiser(tuple(part["means"]), tuple(part["scales"])).apply(x)
    return float((z @ np.asarray(part["weights"]))[0])


def reasons_of(part: Mapping[str, Any], values: Mapping[str, float]) -> list[str]:
    """The names of the platform's features that raised the enterprise's partial score most
    (positive w_j·z_j, largest first, ``protocol.REASON_FEATURES`` at most): names only — no
    value, contribution or weight leaves the platform. Trees name none (their splits'
    contributions are not known to either side)."""
    if "lookups" in part or sorted(values) != sorted(part["features"]):
        return []
    x = np.asarray([[values[f] for f in part["features"]]], dtype=float)
    z = Standardiser(tuple(part["means"]), tuple(part["scales"])).apply(x)[0]
    contributions = (z * np.asarray(part["weights"])).tolist()
    return [name for name, _ in raising(part["features"], contributions)]


def score(
    session: Session, principal: Principal, ref: str, uscc: str
) -> tuple[float | list[bool], JointModel, int, list[str]]:
    """The platform's partial score of one enterprise under a joint model, and the names of
    its features that raised it most (``reasons_of``): needs a live grant now. Logged (as a
    leaf the enterprise can read) with both parties' fingerprints and the names disclosed.
    A retired model scores nothing."""
    model = joint_model(session, principal, ref)
    if model.state == "retired":
        raise Conflict(f"model: {ref} is retired", field="model")
    code = validate_uscc(uscc).code
    granted = eligible(session, principal)
    if code not in granted:
        raise Forbidden(f"uscc: {code} has no live joint_modelling grant to this bank")
    part = model.manifest["platform"]
    partial = partial_of(part, granted[code].values)
    reasons = reasons_of(part, granted[code].values)
    ref_ = governance.append_log(
        session,
        kind="federated.score",
        actor_org_id=principal.org_id,
        subject=f"{granted[code].enterprise_org_id}:federated-score",
        payload={
            "model": f"{model.name}@{model.version}",
            "bank_org_id": principal.org_id,
            "manifest_sha256": model.manifest_sha256,
            "bank_fingerprint": model.manifest["bank"]["fingerprint"],
            "platform_fingerprint": part["fingerprint"],
            "purpose": PURPOSE,
            "reasons": reasons,
        },
    )
    return partial, model, ref_.index, reasons


def runs_of(session: Session, principal: Principal) -> Sequence[TrainingRun]:
    """The bank's runs, newest first."""
    require_bank(principal)
    return session.scalars(
        select(TrainingRun)
        .where(TrainingRun.bank_org_id == principal.org_id)
        .order_by(TrainingRun.created_at.desc())
    ).all()


def models_of(session: Session, principal: Principal) -> Sequence[JointModel]:
    """The bank's joint models by name and version."""
    require_bank(principal)
    return session.scalars(
        select(JointModel)
        .where(JointModel.bank_org_id == principal.org_id)
        .order_by(JointModel.name, JointModel.version)
    ).all()


# --- trees (SecureBoost style) ------------------------------------------------------------------
def _booster(session: Session, run: TrainingRun) -> PlatformBooster:
    if run.boost is None:
        raise Conflict(f"run: {run.id} trains a logistic regression", field="run")
    rows = {
        r.uscc: r
        for r in session.scalars(
            select(PlatformFeatures).where(PlatformFeatures.uscc.in_(run.usccs))
        )
    }
    if len(rows) != len(run.usccs):
        raise Conflict("run: features of some enterprises are no longer held")
    x = np.asarray([[rows[u].values[f] for f in run.features] for u in run.usccs], dtype=float)
    booster = PlatformBooster(apply_edges(x, run.boost["edges"]))
    booster.lookups = [tuple(v) for v in run.boost["lookups"]]  # type: ignore[misc]
    if run.boost["packed"] is not None:
        booster.receive(public_key_of(run.public_key), run.boost["packed"])
    return booster


def boost_packed(
    session: Session, principal: Principal, run_id: str, packed: Sequence[str]
) -> tuple[int, int]:
    """A tree starts: the bank's packed gradient ciphertexts (checked, kept with the run).
    The tree is a leaf of the verifiable log. Returns the tree number and the leaf's index."""
    run = _training(session, principal, run_id)
    booster = _booster(session, run)
    try:
        booster.receive(public_key_of(run.public_key), packed)
    except ProtocolError as exc:
        raise _protocol(exc) from None
    tree = int(run.boost["tree"]) + 1 if run.boost else 1
    run.boost = {**(run.boost or {}), "packed": list(packed), "tree": tree}
    run.rounds = tree
    ref = governance.append_log(
        session,
        kind="federated.round",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:federated-run:{run.id}",
        payload={
            "run": run.id,
            "round": tree,
            "kind": "tree",
            "packed_sha256": fingerprint(list(packed)),
        },
    )
    session.flush()
    return tree, ref.index


def boost_histograms(
    session: Session, principal: Principal, run_id: str, rows: Sequence[int], nbins: int
) -> list[list[str | None]]:
    """Encrypted per-bin sums of a node's rows for each platform feature."""
    run = _training(session, principal, run_id)
    booster = _booster(session, run)
    if not booster.packed:
        raise Conflict("run: send the tree's packed ciphertexts first", field="run")
    if nbins != int(run.config["bins"]):
        raise ValidationFailed("bins: the run's number of bins", field="bins")
    try:
        return booster.histograms(rows, nbins)
    except ProtocolError as exc:
        raise _protocol(exc) from None


def boost_split(
    session: Session,
    principal: Principal,
    run_id: str,
    rows: Sequence[int],
    feature: int,
    bin_: int,
) -> tuple[int, list[int]]:
    """The platform keeps (feature, bin) as a split and says which of the node's rows go left."""
    run = _training(session, principal, run_id)
    booster = _booster(session, run)
    if not 0 <= bin_ < int(run.config["bins"]):
        raise ValidationFailed("split: bin out of range", field="split")
    if any(not 0 <= r < len(run.usccs) for r in rows):
        raise ValidationFailed("rows: positions within the run", field="rows")
    try:
        split_id, left = booster.split(rows, feature, bin_)
    except ProtocolError as exc:
        raise _protocol(exc) from None
    assert run.boost is not None
    run.boost = {**run.boost, "lookups": [list(v) for v in booster.lookups]}
    session.flush()
    return split_id, left
