"""Credit use cases: profiles, model training on a park, instant decisions, officer review.

Services flush, never commit. Every decision goes to the verifiable log with a hash of its
inputs and the exact model version, so it can be replayed and checked later.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from chanrong.carbon import service as carbon
from chanrong.core.clock import utcnow
from chanrong.core.errors import (
    Conflict,
    ConsentRequired,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from chanrong.core.ids import new_id
from chanrong.core.settings import Settings
from chanrong.credit import features as feats
from chanrong.credit.boosting import BoostedModel
from chanrong.credit.domain import (
    DEFAULT_PRODUCT,
    CreditProduct,
    Decision,
    Evidence,
    KnockOut,
    Outcome,
    decide,
    product_from_dict,
)
from chanrong.credit.orm import Application, DefaultEvent, ProfileSnapshot
from chanrong.credit.reasons import Reason, boosted_reasons, feature_label, scorecard_reasons
from chanrong.credit.registry import Model, ModelEntry, ModelRegistry
from chanrong.credit.repository import CreditRepository
from chanrong.credit.scorecard import Columns, ScorecardTable, one_row
from chanrong.governance import service as governance
from chanrong.governance.service import Purpose
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.storage.statements import AnyRow

PROFILE_DATASET = "derived.profile"
STATUS = {Outcome.APPROVE: "approved", Outcome.DECLINE: "declined", Outcome.REFER: "referred"}


# --- configuration ----------------------------------------------------------------------------


@functools.cache
def _models_root(var_dir: Path) -> Path:
    # Resolved once per configured directory: every decision asks for the registry.
    return (var_dir / "models").resolve()


@functools.cache
def _registry_at(root: Path) -> ModelRegistry:
    return ModelRegistry(root)


def model_registry(settings: Settings) -> ModelRegistry:
    """The registry under ``<var_dir>/models`` (one instance per directory and process)."""
    return _registry_at(_models_root(settings.var_dir))


_products_read: dict[Path, tuple[tuple[int, int], dict[str, CreditProduct]]] = {}


def products(settings: Settings) -> dict[str, CreditProduct]:
    """Products as data: ``<var_dir>/credit_products.json`` if present, else the default."""
    path = settings.var_dir / "credit_products.json"
    try:
        st = path.stat()
    except FileNotFoundError:
        return {DEFAULT_PRODUCT.code: DEFAULT_PRODUCT}
    # Every decision reads its product: parse the file again only when it changed.
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _products_read.get(path)
    if cached is None or cached[0] != stamp:
        raw = json.loads(path.read_text("utf-8"))
        cached = _products_read[path] = (stamp, {p.code: p for p in map(product_from_dict, raw)})
    return dict(cached[1])


def product(settings: Settings, code: str) -> CreditProduct:
    found = products(settings).get(code)
    if found is None:
        raise ValidationFailed(f"product_code: no product {code!r}", field="product_code")
    return found


_model_cache: dict[tuple[str, str, str], tuple[tuple[int, ...], Model]] = {}


def load_model(registry: ModelRegistry, ref: str) -> tuple[ModelEntry, Model]:
    """Load (and verify) a model; re-verified whenever any of its files changes on disk."""
    entry = registry.entry(ref)
    folder = registry.root / entry.name / str(entry.version)
    try:
        with os.scandir(folder) as files:
            stat = sorted((f.name, f.stat()) for f in files)
        stamp = tuple(n for _, st in stat for n in (st.st_mtime_ns, st.st_size))
    except FileNotFoundError:
        stamp = ()
    key = (str(registry.root), entry.ref, entry.manifest_sha256)
    cached = _model_cache.get(key)
    if cached is not None and cached[0] == stamp and stamp:
        return entry, cached[1]
    model = registry.load(entry.ref)
    _model_cache[key] = (stamp, model)
    return entry, model


# --- profiles ---------------------------------------------------------------------------------


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def record_profile(
    session: Session,
    *,
    org_id: str,
    as_of: date,
    features: Mapping[str, Any],
    revenue_12m_fen: int,
    open_orders_fen: int,
    receivables_fen: int,
    last_default_on: date | None = None,
    source: str = "",
) -> ProfileSnapshot:
    """Store one profile snapshot (trusted callers: the profile builder, tests, the demo)."""
    org = identity.find_organisation(session, org_id)
    if org is None or org.kind != OrgKind.ENTERPRISE.value:
        raise NotFound(f"enterprise {org_id} not found", field="org_id")
    unknown = set(features) - set(feats.FEATURES)
    if unknown:
        raise ValidationFailed(f"features: unknown {sorted(unknown)}", field="features")
    snap = ProfileSnapshot(
        org_id=org_id,
        as_of=as_of,
        features={k: _clean(features.get(k)) for k in feats.FEATURES},
        revenue_12m_fen=int(revenue_12m_fen),
        open_orders_fen=int(open_orders_fen),
        receivables_fen=int(receivables_fen),
        last_default_on=last_default_on,
        source=source[:200],
    )
    CreditRepository(session).add(snap)
    return snap


def record_default(
    session: Session, *, org_id: str, occurred_on: date, source: str, reference: str
) -> bool:
    """Put a default on an enterprise's record (trusted callers: lending, when a loan turns
    non-performing; an import of reported defaults). Recording the same (source, reference,
    day) twice is a no-op; returns whether anything was added."""
    org = identity.find_organisation(session, org_id)
    if org is None or org.kind != OrgKind.ENTERPRISE.value:
        raise NotFound(f"enterprise {org_id} not found", field="org_id")
    if not source or len(source) > 32:
        raise ValidationFailed("source: 1 to 32 characters", field="source")
    if not reference or len(reference) > 200:
        raise ValidationFailed("reference: 1 to 200 characters", field="reference")
    return CreditRepository(session).add_default(
        DefaultEvent(
            id=new_id(), org_id=org_id, occurred_on=occurred_on, source=source, reference=reference
        )
    )


def _last_default(evidence: AnyRow) -> date | None:
    """The later of the profile's reported default and any default recorded by the as-of date."""
    found = [d for d in (evidence.last_default_on, evidence.recorded_default_on) if d]
    return max(found) if found else None


def build_profiles_from_park(
    session: Session,
    park_dir: Path,
    as_of: date,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[ProfileSnapshot]:
    """Compute every enterprise's profile from a park's Parquet (DuckDB) and store those
    whose USCC belongs to a registered organisation."""
    frame = feats.compute_profiles(feats.duckdb_park(park_dir), [as_of])
    out = []
    for i, row in enumerate(frame.itertuples(index=False)):
        org = identity.find_enterprise_by_uscc(session, str(row.uscc))
        if org is not None:
            values = row._asdict()
            out.append(
                record_profile(
                    session,
                    org_id=org.id,
                    as_of=as_of,
                    features={k: values[k] for k in feats.FEATURES},
                    revenue_12m_fen=int(values["revenue_12m_fen"]),
                    open_orders_fen=int(values["open_orders_fen"]),
                    receivables_fen=int(values["receivables_fen"]),
                    source=f"park:{park_dir.name}",
                )
            )
        if on_progress:
            on_progress(i + 1, len(frame))
    return out


def latest_profile(session: Session, org_id: str) -> ProfileSnapshot:
    """The newest profile; callers have passed the policy check (``enterprise_read``)."""
    snap = CreditRepository(session).latest_profile(org_id)
    if snap is None:
        raise NotFound(f"no profile for enterprise {org_id} yet")
    return snap


def profile_view(snap: ProfileSnapshot, locale: str) -> list[dict[str, Any]]:
    """Each characteristic with its display name, for people to read."""
    return [
        {"feature": k, "label": feature_label(k, locale), "value": snap.features.get(k)}
        for k in feats.FEATURES
    ]


# --- scoring ----------------------------------------------------------------------------------


def score_rows(
    model: Model, x: pd.DataFrame | Columns, *, top: int = 4
) -> tuple[np.ndarray, list[list[Reason]]]:
    """PD per row and the reasons against each row, for either kind of model."""
    if isinstance(model, ScorecardTable):
        bd = model.breakdown(x)
        return model.calibration.pd(bd.score), scorecard_reasons(model, x, top=top, breakdown=bd)
    assert isinstance(model, BoostedModel)
    frame = x if isinstance(x, pd.DataFrame) else pd.DataFrame(dict(x))
    return model.pd(frame), boosted_reasons(model, frame, top=top)


def _sha(obj: Any) -> str:
    blob = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Scored:
    decision: Decision
    reasons: list[Reason]


def _evaluate(prod: CreditProduct, inputs: Mapping[str, Any], model: Model | None) -> Scored:
    """The decision from logged inputs alone (used both to decide and to replay)."""
    quality = inputs["quality"]
    ev = Evidence(
        has_live_grant=bool(inputs["has_live_grant"]),
        quality=Decimal(quality) if quality is not None else None,
        last_default_on=date.fromisoformat(inputs["last_default_on"])
        if inputs["last_default_on"]
        else None,
        revenue_12m_fen=int(inputs["evidence"]["revenue_12m_fen"]),
        open_orders_fen=int(inputs["evidence"]["open_orders_fen"]),
        receivables_fen=int(inputs["evidence"]["receivables_fen"]),
    )
    as_of = date.fromisoformat(inputs["as_of"])
    pd_value: float | None = None
    reasons: list[Reason] = []
    from chanrong.credit.domain import knockouts as rules

    if model is not None and inputs["features"] is not None and not rules(prod, ev, as_of):
        pds, rs = score_rows(model, one_row(inputs["features"], list(model.features)))
        pd_value, reasons = float(pds[0]), rs[0]
    decision = decide(prod, ev, pd_=pd_value, as_of=as_of)
    green = prod.green_adjust_bp(inputs.get("carbon_grade"))
    if green and decision.rate_pct is not None:
        decision = replace(
            decision,
            rate_pct=(decision.rate_pct + Decimal(green) / 100).quantize(Decimal("0.01")),
            notes=(*decision.notes, f"green_pricing:{green}bp"),
        )
    requested = inputs.get("requested_fen")
    if requested is not None and decision.limit_fen > int(requested):
        decision = Decision(
            decision.outcome,
            decision.knockouts,
            decision.grade,
            decision.score,
            decision.pd,
            int(requested),
            decision.rate_pct,
            decision.notes,
        )
    return Scored(decision, reasons)


def _carbon_grade(
    session: Session, principal: Principal, org_id: str, batch: governance.LogBatch
) -> int | None:
    """The enterprise's latest carbon-efficiency grade, when the bank may read it (green
    pricing); without a grant covering it the rate simply gets no green adjustment."""
    try:
        governance.authorize_read(
            session,
            principal,
            owner_org_id=org_id,
            dataset="derived.carbon",
            purpose=Purpose.CREDIT_ASSESSMENT,
            batch=batch,
        )
    except ConsentRequired:
        return None
    return carbon.latest_grade(session, org_id)


def green_adjustment(app: Application) -> tuple[int | None, int]:
    """(carbon grade, basis points) the decision's rate was adjusted by, from its inputs."""
    grade = app.inputs.get("carbon_grade")
    product_data = app.inputs.get("product", {})
    table = {int(g): int(bp) for g, bp in dict(product_data.get("green_bp", {})).items()}
    return grade, table.get(grade, 0) if grade is not None and app.rate_pct else 0


def _yuan_to_fen(value: Decimal | str | None, field: str) -> int | None:
    if value is None:
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not d.is_finite() or d <= 0 or d != d.quantize(Decimal("0.01")):
        raise ValidationFailed(
            f"{field}: a positive amount in yuan with at most 2 decimals", field=field
        )
    return int(d * 100)


def apply(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    enterprise_org_id: str,
    product_code: str,
    requested_yuan: Decimal | str | None = None,
    as_of: date | None = None,
) -> Application:
    """Decide a credit application in one step: approve, decline or refer, logged."""
    if principal.org_kind is not OrgKind.FINANCIAL_INSTITUTION or not principal.has_role(
        Role.OFFICER
    ):
        raise Forbidden("credit applications are decided by a financial institution's officer")
    prod = product(settings, product_code)
    requested_fen = _yuan_to_fen(requested_yuan, "requested_amount")
    today = utcnow().date()
    as_of = as_of or today
    if as_of > today:
        raise ValidationFailed("as_of: must not be in the future", field="as_of")
    if identity.organisation_kind(session, enterprise_org_id) is not OrgKind.ENTERPRISE:
        raise NotFound(f"enterprise {enterprise_org_id} not found", field="enterprise_org_id")

    # Reads are checked now but logged together with the decision at the end, so the log's
    # append lock (and SQLite's write lock) is held for the writes only, not for the scoring.
    batch = governance.LogBatch()
    has_grant = True
    grant_refusal: str | None = None
    try:
        governance.authorize_read(
            session,
            principal,
            owner_org_id=enterprise_org_id,
            dataset=PROFILE_DATASET,
            purpose=Purpose.CREDIT_ASSESSMENT,
            batch=batch,
        )
    except ConsentRequired as exc:
        has_grant, grant_refusal = False, str(exc.extra.get("reason", "consent_required"))

    snap = (
        CreditRepository(session).decision_evidence(enterprise_org_id, as_of) if has_grant else None
    )
    entry: ModelEntry | None = None
    model: Model | None = None
    if snap is not None:
        try:
            entry, model = load_model(model_registry(settings), prod.model)
        except NotFound:
            raise Conflict(
                f"product_code: model {prod.model} has no champion version yet",
                field="product_code",
            ) from None
    last_default = _last_default(snap) if snap is not None else None
    inputs: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "product": prod.as_dict(),
        "carbon_grade": _carbon_grade(session, principal, enterprise_org_id, batch)
        if has_grant
        else None,
        "has_live_grant": has_grant,
        "grant_refusal": grant_refusal,
        "profile_id": snap.id if snap else None,
        "profile_as_of": snap.as_of.isoformat() if snap else None,
        "features": dict(snap.features) if snap else None,
        "quality": str(Decimal(str(snap.features["data_quality"])).quantize(Decimal("0.0001")))
        if snap and snap.features.get("data_quality") is not None
        else None,
        "last_default_on": last_default.isoformat() if last_default else None,
        "evidence": {
            "revenue_12m_fen": snap.revenue_12m_fen if snap else 0,
            "open_orders_fen": snap.open_orders_fen if snap else 0,
            "receivables_fen": snap.receivables_fen if snap else 0,
        },
        "requested_fen": requested_fen,
        "model_ref": entry.ref if entry else None,
        "model_manifest_sha256": entry.manifest_sha256 if entry else None,
    }
    scored = _evaluate(prod, inputs, model)
    d = scored.decision
    now = utcnow()
    reasons = [r.as_dict() for r in scored.reasons]
    if d.knockouts:
        reasons = [
            {"code": f"KO_{k.value}", "feature": None, "weight": 0, "text": _knockout_text(k)}
            for k in d.knockouts
        ]
    app = Application(
        id=new_id(),
        enterprise_org_id=enterprise_org_id,
        bank_org_id=principal.org_id,
        applied_by=principal.user_id,
        product_code=prod.code,
        as_of=as_of,
        requested_fen=requested_fen,
        outcome=d.outcome.value,
        status=STATUS[d.outcome],
        knockouts=[k.value for k in d.knockouts],
        grade=d.grade,
        score=repr(d.score) if d.score is not None else None,
        pd=repr(d.pd) if d.pd is not None else None,
        limit_fen=d.limit_fen,
        rate_pct=d.rate_pct,
        reasons=reasons,
        inputs=inputs,
        inputs_sha256=_sha(inputs),
        model_ref=inputs["model_ref"],
        model_manifest_sha256=inputs["model_manifest_sha256"],
        log_index=-1,
        log_leaf_hash="",
        decided_at=now if d.outcome is not Outcome.REFER else None,
        created_at=now,
    )
    ref = governance.append_batch(
        session,
        batch,
        (
            "credit.decided",
            principal.org_id,
            f"{enterprise_org_id}:credit_application:{app.id}",
            _log_payload(app),
        ),
    )[-1]
    app.log_index, app.log_leaf_hash = ref.index, ref.leaf_hash
    CreditRepository(session).insert_decided(app)
    return app


def _log_payload(app: Application) -> dict[str, Any]:
    return {
        "application_id": app.id,
        "enterprise_org_id": app.enterprise_org_id,
        "bank_org_id": app.bank_org_id,
        "product_code": app.product_code,
        "outcome": app.outcome,
        "knockouts": list(app.knockouts),
        "grade": app.grade,
        "pd": app.pd,
        "limit_fen": app.limit_fen,
        "rate_pct": str(app.rate_pct) if app.rate_pct is not None else None,
        "model_ref": app.model_ref,
        "model_manifest_sha256": app.model_manifest_sha256,
        "inputs_sha256": app.inputs_sha256,
    }


_KO_TEXT = {
    KnockOut.NO_LIVE_GRANT: (
        "企业未授予有效的数据授权",
        "no live consent grant from the enterprise",
    ),
    KnockOut.LOW_DATA_QUALITY: ("数据质量低于产品门槛", "data quality below the product threshold"),
    KnockOut.RECENT_DEFAULT: ("近期有违约记录", "a default within the look-back period"),
    KnockOut.NO_PROFILE: ("尚无经营画像", "no operating profile yet"),
}


def _knockout_text(k: KnockOut) -> dict[str, str]:
    zh, en = _KO_TEXT[k]
    return {"zh-CN": zh, "en": en}


# --- reading and reviewing ---------------------------------------------------------------------


def _visible(principal: Principal, app: Application) -> bool:
    return principal.org_id in (app.bank_org_id, app.enterprise_org_id)


def get_application(session: Session, principal: Principal, app_id: str) -> Application:
    """The bank that decided it and the enterprise that applied see it; others get 404."""
    app = CreditRepository(session).application(app_id)
    if app is None or not _visible(principal, app):
        raise NotFound(f"application {app_id} not found")
    return app


def list_applications(
    session: Session, principal: Principal, *, status: str | None = None
) -> Sequence[Application]:
    """A bank's decided applications, or an enterprise's own."""
    if status is not None and status not in STATUS.values():
        raise ValidationFailed(f"status: one of {', '.join(STATUS.values())}", field="status")
    repo = CreditRepository(session)
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return repo.applications(bank_org_id=principal.org_id, status=status)
    if principal.org_kind is OrgKind.ENTERPRISE:
        return repo.applications(enterprise_org_id=principal.org_id, status=status)
    raise Forbidden("applications are seen by the bank and the applicant only")


def officer_decision(
    session: Session, principal: Principal, app_id: str, *, outcome: str, note: str
) -> Application:
    """A bank officer approves or declines a referred application; logged."""
    app = get_application(session, principal, app_id)
    if principal.org_id != app.bank_org_id or not principal.has_role(Role.OFFICER):
        raise Forbidden("only an officer of the deciding bank reviews this application")
    if outcome not in (Outcome.APPROVE.value, Outcome.DECLINE.value):
        raise ValidationFailed("outcome: approve or decline", field="outcome")
    if not note.strip():
        raise ValidationFailed("note: say why", field="note")
    if app.status != STATUS[Outcome.REFER]:
        raise Conflict(
            f"status: application is {app.status}, only referred ones are reviewed", field="status"
        )
    app.status = STATUS[Outcome(outcome)]
    app.officer_id = principal.user_id
    app.officer_note = note.strip()[:500]
    app.decided_at = utcnow()
    if outcome == Outcome.DECLINE.value:
        app.limit_fen = 0
    ref = governance.append_log(
        session,
        kind="credit.reviewed",
        actor_org_id=principal.org_id,
        subject=f"{app.enterprise_org_id}:credit_application:{app.id}",
        payload={
            "application_id": app.id,
            "outcome": outcome,
            "officer_id": principal.user_id,
            "note": app.officer_note,
            "decision_log_index": app.log_index,
        },
    )
    app.officer_log_index = ref.index
    session.flush()
    return app


@dataclass(frozen=True)
class Replay:
    matches: bool
    inputs_intact: bool
    logged: bool
    differences: list[str]


def replay(session: Session, principal: Principal, settings: Settings, app_id: str) -> Replay:
    """Recompute a decision from its logged inputs and model version and compare."""
    app = get_application(session, principal, app_id)
    diffs: list[str] = []
    inputs_ok = _sha(app.inputs) == app.inputs_sha256
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
    prod = product_from_dict(app.inputs["product"])
    model: Model | None = None
    if app.model_ref:
        entry_m, model = load_model(model_registry(settings), app.model_ref)
        if entry_m.manifest_sha256 != app.model_manifest_sha256:
            diffs.append("model manifest changed since the decision")
    again = _evaluate(prod, app.inputs, model).decision
    if again.outcome.value != app.outcome:
        diffs.append(f"outcome {again.outcome.value} != {app.outcome}")
    if (repr(again.pd) if again.pd is not None else None) != app.pd:
        diffs.append(f"pd {again.pd!r} != {app.pd}")
    if again.grade != app.grade:
        diffs.append(f"grade {again.grade} != {app.grade}")
    if (
        app.outcome != Outcome.DECLINE.value
        and again.limit_fen != app.limit_fen
        and app.officer_id is None
    ):
        diffs.append(f"limit {again.limit_fen} != {app.limit_fen}")
    return Replay(matches=not diffs, inputs_intact=inputs_ok, logged=logged, differences=diffs)


def fen_to_yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def decided_at_or_created(app: Application) -> datetime:
    return app.decided_at or app.created_at


def list_applications_unchecked(session: Session) -> Sequence[Application]:
    """Every application, for trusted callers (the CLI, tests)."""
    return CreditRepository(session).applications()


# --- models: training, promotion, validation ----------------------------------------------------


@dataclass(frozen=True)
class ParkTraining:
    """What training on a park produced: both models and their next-period AUC."""

    champion: ModelEntry
    challenger: ModelEntry
    train_rows: int
    test_rows: int
    champion_auc: float
    challenger_auc: float


def park_training_frames(
    park_dir: Path,
    *,
    train_dates: Sequence[date],
    test_dates: Sequence[date],
    horizon_days: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Labelled profiles for a training period and the next (test) period of a park."""
    from chanrong.credit.outcomes import label_profiles

    t = feats.duckdb_park(park_dir)
    profiles = feats.compute_profiles(t, [*train_dates, *test_dates])
    truth = pd.read_parquet(park_dir / "truth" / "enterprises.parquet")
    labelled = label_profiles(profiles, truth, horizon_days=horizon_days)
    train = labelled[labelled["as_of"].isin(set(train_dates))].reset_index(drop=True)
    test = labelled[labelled["as_of"].isin(set(test_dates))].reset_index(drop=True)
    return train, test


def train_on_frames(
    settings: Settings,
    name: str,
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    seed: int = 42,
    description: str = "",
) -> ParkTraining:
    """Fit champion and challenger on ``train``, measure on ``test``, register both."""
    from chanrong.credit.fitting import fit_boosted, fit_scorecard
    from chanrong.credit.metrics import auc
    from chanrong.credit.registry import frame_fingerprint

    cols = list(feats.FEATURES)
    x, y = train[cols], train["bad"].to_numpy()
    xt, yt = test[cols], test["bad"].to_numpy()
    if len(set(y)) < 2:
        raise ValidationFailed(
            "train: the training period has no defaulters to learn from", field="train"
        )
    sc = fit_scorecard(x, y, seed=seed)
    gb = fit_boosted(x, y, seed=seed)
    sc_auc = auc(yt, sc.pd(xt)) if len(set(yt)) == 2 else float("nan")
    gb_auc = auc(yt, gb.pd(xt)) if len(set(yt)) == 2 else float("nan")
    reg = model_registry(settings)
    fp = frame_fingerprint(x, y)
    e1 = reg.register(
        name,
        sc,
        training_fingerprint=fp,
        metrics={"next_period_auc": sc_auc, "rows": len(y)},
        description=description,
    )
    e2 = reg.register(
        f"{name}-challenger",
        gb,
        training_fingerprint=fp,
        metrics={"next_period_auc": gb_auc, "rows": len(y)},
        description=description,
    )
    return ParkTraining(e1, e2, len(y), len(yt), sc_auc, gb_auc)


def promote(
    session: Session, settings: Settings, ref: str, *, to: str, actor_org_id: str | None = None
) -> ModelEntry:
    """Move a model version to ``approved`` or ``champion`` (an explicit, logged act)."""
    from chanrong.credit.registry import Approval

    try:
        state = Approval(to)
    except ValueError:
        raise ValidationFailed("to: approved, champion or retired", field="to") from None
    reg = model_registry(settings)
    entry = reg.check_transition(ref, state)
    reg.load(entry.ref)  # a damaged model is refused before anything is recorded
    # Log first: if the database refuses, the registry file is left untouched.
    governance.append_log(
        session,
        kind="credit.model_state",
        actor_org_id=actor_org_id,
        subject=f"model:{entry.ref}",
        payload={
            "model": entry.ref,
            "state": state.value,
            "manifest_sha256": entry.manifest_sha256,
        },
    )
    entry = reg.set_state(entry.ref, state)
    return entry


# --- profiles from the platform's own data ------------------------------------------------------

_RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("order_id", "buyer_uscc", "buyer_name", "order_date", "amount_fen"),
    "invoices": (
        "invoice_id",
        "order_id",
        "buyer_uscc",
        "buyer_name",
        "issue_date",
        "due_date",
        "amount_fen",
    ),
    "payments": ("payment_id", "invoice_id", "payer_uscc", "paid_date", "amount_fen"),
    "energy_bills": (
        "month",
        "electricity_kwh",
        "gas_m3",
        "coal_t",
        "steam_t",
        "cost_fen",
        "output_value_fen",
    ),
    "cloud_usage": ("day", "compute_hours", "api_calls", "storage_gb"),
}
_FLOATS = {
    "electricity_kwh",
    "gas_m3",
    "coal_t",
    "steam_t",
    "compute_hours",
    "api_calls",
    "storage_gb",
}


def _records_frame(session: Session, org_id: str, kind: str) -> pd.DataFrame:
    from chanrong.telemetry import service as telemetry

    return _frame_of(telemetry.pipeline_records(session, kind=kind, org_id=org_id), kind)


def _frame_of(rows: Sequence[Any], kind: str) -> pd.DataFrame:
    cols = _RECORD_COLUMNS[kind]
    frame = pd.DataFrame([{c: getattr(r, c) for c in cols} for r in rows], columns=list(cols))
    for c in cols:
        if c in _FLOATS:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
        elif c.endswith("_fen"):
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Int64")
        elif c.endswith(("_date", "month", "day")):
            frame[c] = pd.to_datetime(frame[c]).astype("datetime64[s]").dt.date
        else:
            frame[c] = frame[c].astype(object)
    return frame


def platform_tables(session: Session, settings: Settings, org_id: str) -> feats.ParkTables:
    """One enterprise's data as held by the platform (telemetry store + business records),
    shaped like the simulator's contract so the same Ibis profile expressions run on it.
    A platform pipeline: what it derives is shared only through the governance check."""
    import ibis

    from chanrong.telemetry import service as telemetry

    org = identity.find_organisation(session, org_id)
    if org is None or org.kind != OrgKind.ENTERPRISE.value or not org.uscc:
        raise NotFound(f"enterprise {org_id} not found", field="org_id")
    uscc = org.uscc
    con = ibis.duckdb.connect()
    folder = telemetry.open_store(settings).root / f"org={org_id}"
    if any(folder.rglob("*.parquet")):
        tel = con.read_parquet(str(folder / "**" / "*.parquet"), hive_partitioning=False)
        tel = tel.select("device_id", "metric", "ts", "value")
    else:
        tel = feats.empty_telemetry()
    # Machines' ratings (for the equipment quality index's load) from the enterprise's own
    # device register; a device that reports without being registered has no rating.
    registered = telemetry.devices_of(session, identity.system_principal(session, org_id), org_id)
    ratings = pd.DataFrame(
        {
            "device_id": pd.Series([d.device_id for d in registered], dtype=str),
            "rated_kw": pd.Series([d.rated_kw for d in registered], dtype="float64"),
        }
    )
    seen = tel.select("device_id").distinct()
    devices = seen.left_join(ibis.memtable(ratings), "device_id").select(
        "device_id", "rated_kw", uscc=ibis.literal(uscc)
    )
    orders = _records_frame(session, org_id, "orders").assign(seller_uscc=uscc)
    invoices = _records_frame(session, org_id, "invoices").assign(seller_uscc=uscc)
    payments = _records_frame(session, org_id, "payments").assign(payee_uscc=uscc)
    energy = _records_frame(session, org_id, "energy_bills").assign(uscc=uscc)
    cloud = _records_frame(session, org_id, "cloud_usage").assign(uscc=uscc)
    # On the platform since its organisation was created, or since the earliest data it
    # brought along (history back-filled at onboarding counts).
    firsts = [org.created_at.date()]
    for frame, col in (
        (orders, "order_date"),
        (invoices, "issue_date"),
        (energy, "month"),
        (cloud, "day"),
    ):
        if len(frame):
            firsts.append(min(frame[col]))
    first_ts = tel.ts.min().to_pyarrow().as_py()
    if first_ts is not None:
        firsts.append(first_ts.date())
    # The carbon-efficiency benchmark pools the energy bills of the platform's enterprises
    # per industry, as the carbon assessment does (only the ratio K reaches this profile).
    # Peers carry no onboarding date: they enter the benchmark, never the profile's rows.
    firms: list[dict[str, Any]] = [
        {
            "uscc": uscc,
            "onboarded_on": min(firsts),
            "industry_code": org.industry_code,
            "region_code": org.region_code,
        }
    ]
    bills = [energy]
    by_org: dict[str, list[Any]] = {}
    for bill in telemetry.pipeline_records(session, kind="energy_bills", org_id=None):
        by_org.setdefault(bill.org_id, []).append(bill)
    for peer in identity.all_organisations(session):
        if peer.id == org_id or peer.kind != OrgKind.ENTERPRISE.value:
            continue
        if not peer.uscc or not peer.industry_code:
            continue
        if by_org.get(peer.id):
            bills.append(_frame_of(by_org[peer.id], "energy_bills").assign(uscc=peer.uscc))
            firms.append(
                {
                    "uscc": peer.uscc,
                    "onboarded_on": None,
                    "industry_code": peer.industry_code,
                    "region_code": peer.region_code,
                }
            )
    enterprises = pd.DataFrame(
        {
            "uscc": pd.Series([f["uscc"] for f in firms], dtype=str),
            "onboarded_on": pd.Series([f["onboarded_on"] for f in firms], dtype=object),
            "industry_code": pd.Series([f["industry_code"] for f in firms], dtype=str),
            "region_code": pd.Series([f["region_code"] for f in firms], dtype=str),
        }
    )
    return feats.ParkTables(
        enterprises=ibis.memtable(enterprises),
        devices=devices,
        telemetry=tel,
        orders=ibis.memtable(orders),
        invoices=ibis.memtable(invoices),
        payments=ibis.memtable(payments),
        energy=ibis.memtable(pd.concat(bills, ignore_index=True) if len(bills) > 1 else energy),
        cloud_usage=ibis.memtable(cloud),
    )


def build_profile_from_platform(
    session: Session, settings: Settings, org_id: str, as_of: date
) -> ProfileSnapshot:
    """Compute and store an enterprise's profile as of ``as_of`` from the platform's data."""
    frame = feats.compute_profiles(platform_tables(session, settings, org_id), [as_of])
    if frame.empty:
        raise ValidationFailed(
            f"as_of: enterprise {org_id} was not on the platform before {as_of}", field="as_of"
        )
    values = frame.iloc[0].to_dict()
    return record_profile(
        session,
        org_id=org_id,
        as_of=as_of,
        features={k: values[k] for k in feats.FEATURES},
        revenue_12m_fen=int(values["revenue_12m_fen"]),
        open_orders_fen=int(values["open_orders_fen"]),
        receivables_fen=int(values["receivables_fen"]),
        source="platform",
    )
