"""Instant decisions (秒批) and their replay.

A decision gathers its inputs once — consent, the newest profile and the defaults on record by
the as-of date, the carbon grade, the product and its champion model's PD and reasons — into one
``DecisionInputs``; ``domain.decide`` turns that into the outcome, limit and rate. The inputs are
stored with the application and their SHA-256 goes to the verifiable log with the decision, so a
replay reads them back, scores them again with the same model version and decides again.

The decision route runs this on the event loop (``credit.api``): its reads and writes are Core
statements built once (``repository``), and nothing here may wait on anything but the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from chanrong.carbon import service as carbon
from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, ConsentRequired, Forbidden, NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.core.money import MAX_YUAN
from chanrong.core.settings import Settings
from chanrong.credit.domain import (
    STATUS,
    CreditProduct,
    DecisionInputs,
    JointUse,
    KnockOut,
    ModelVersion,
    Outcome,
    ProfileEvidence,
    ShadowScore,
    decide,
    knockouts,
)
from chanrong.credit.joint import JointScorer, joint_name
from chanrong.credit.joint_decisions import joint_scored, refusal_text
from chanrong.credit.orm import Application
from chanrong.credit.platform_profiles import build_profile_from_platform
from chanrong.credit.products import load_model, model_registry, product, shadow_model
from chanrong.credit.profiles import PROFILE_DATASET
from chanrong.credit.reasons import Reason
from chanrong.credit.record import record_sha256, to_record
from chanrong.credit.registry import Model, ModelEntry
from chanrong.credit.repository import CreditRepository
from chanrong.credit.scoring import pd_one, score_one
from chanrong.governance import service as governance
from chanrong.governance.service import Purpose
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.storage.statements import AnyRow
from chanrong.telemetry import service as telemetry

_QUALITY_PLACES = Decimal("0.0001")


def scored(facts: DecisionInputs, model: Model | None) -> tuple[DecisionInputs, list[Reason]]:
    """The inputs with the model's PD and reasons added — when the model is asked at all: there
    is a profile to score and no knock-out applies (a knocked-out application is not scored)."""
    if model is None or facts.profile is None or knockouts(facts):
        return facts, []
    pd_, reasons = score_one(model, facts.profile.features)
    codes = tuple((r.code, round(r.weight, 4)) for r in reasons)
    return replace(facts, pd=pd_, reasons=codes), reasons


def shadow_scored(
    inputs: DecisionInputs, challenger: tuple[ModelEntry, Model] | None
) -> DecisionInputs:
    """The inputs with the challenger's PD on the same profile, when the champion scored them
    (the challenger is asked exactly what the champion was). Recorded, never decided on."""
    if challenger is None or inputs.pd is None or inputs.profile is None:
        return inputs
    entry, model = challenger
    pd_ = pd_one(model, inputs.profile.features)
    return replace(inputs, shadow=ShadowScore(ModelVersion(entry.ref, entry.manifest_sha256), pd_))


def _last_default(evidence: AnyRow) -> date | None:
    """The later of the profile's reported default and any default recorded by the as-of date."""
    found = [d for d in (evidence.last_default_on, evidence.recorded_default_on) if d]
    return max(found) if found else None


def _profile(evidence: AnyRow) -> ProfileEvidence:
    return ProfileEvidence(
        id=evidence.id,
        as_of=evidence.as_of,
        features=dict(evidence.features),
        revenue_12m_fen=evidence.revenue_12m_fen,
        open_orders_fen=evidence.open_orders_fen,
        receivables_fen=evidence.receivables_fen,
    )


def _quality(evidence: AnyRow) -> Decimal | None:
    value = evidence.features.get("data_quality")
    return Decimal(str(value)).quantize(_QUALITY_PLACES) if value is not None else None


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


def _yuan_to_fen(value: Decimal | str | None, field: str) -> int | None:
    if value is None:
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"{field}: not a number", field=field) from None
    if not d.is_finite() or d <= 0 or d > MAX_YUAN or d != d.quantize(Decimal("0.01")):
        raise ValidationFailed(
            f"{field}: a positive amount in yuan with at most 2 decimals", field=field
        )
    return int(d * 100)


# Who the bank's automatic decisioning acts as when an enterprise applies itself: the bank's
# published product decides, no officer of it is behind the reads it logs.
AUTO_DECISION_USER = "auto-decision"
# The longest term an application may ask for (a bank's product may allow less).
MAX_TERM_MONTHS = 360


def apply(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    enterprise_org_id: str,
    product_code: str,
    requested_yuan: Decimal | str | None = None,
    as_of: date | None = None,
    refresh: bool = True,
    term_months: int | None = None,
    joint: JointScorer | None = None,
) -> Application:
    """Decide a credit application in one step: approve, decline or refer, logged.

    ``refresh``: when the newest profile is older than the product accepts (or there is none)
    and the platform holds data for the enterprise, build a fresh one first, in this
    transaction; otherwise refer ``stale_profile`` (or decline ``no_profile``).
    ``joint``: the scorer of a product whose model is a joint one (``credit.joint``).
    """
    return record_decision(
        session,
        prepare_decision(
            session,
            principal,
            settings,
            enterprise_org_id=enterprise_org_id,
            product_code=product_code,
            requested_yuan=requested_yuan,
            as_of=as_of,
            refresh=refresh,
            term_months=term_months,
            joint=joint,
        ),
    )


def prepare_decision(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    enterprise_org_id: str,
    product_code: str,
    requested_yuan: Decimal | str | None = None,
    as_of: date | None = None,
    refresh: bool = True,
    term_months: int | None = None,
    joint: JointScorer | None = None,
) -> Prepared:
    """The reading half of ``apply``: a bank officer's application checked, its inputs read
    and scored and the decision made, nothing written (unless ``refresh`` rebuilds a
    profile). ``record_decision`` writes it. The decision route takes the database's turn to write
    between the two, so the scoring of one process never waits behind another's writes."""
    if principal.org_kind is not OrgKind.FINANCIAL_INSTITUTION or not principal.has_role(
        Role.OFFICER
    ):
        raise Forbidden("credit applications are decided by a financial institution's officer")
    return _prepare(
        session,
        principal,
        settings,
        enterprise_org_id=enterprise_org_id,
        applied_by=principal.user_id,
        product_code=product_code,
        requested_yuan=requested_yuan,
        as_of=as_of,
        refresh=refresh,
        term_months=term_months,
        joint=joint,
    )


def apply_for_self(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    bank_org_id: str,
    product_code: str,
    requested_yuan: Decimal | str | None,
    term_months: int | None = None,
) -> Application:
    """An enterprise (its admin or officer) applies to a bank's product for itself, today.

    The bank's automatic decisioning decides it as the bank (its reads are the bank's, under
    the enterprise's grant), exactly as when an officer of the bank applies; the applicant is
    recorded as the enterprise's user. The caller grants the consent first (``lending.offers``).
    """
    if principal.org_kind is not OrgKind.ENTERPRISE or not principal.has_role(Role.OFFICER):
        raise Forbidden("an enterprise's admin or officer applies for the enterprise")
    if identity.organisation_kind(session, bank_org_id) is not OrgKind.FINANCIAL_INSTITUTION:
        raise NotFound(f"bank {bank_org_id} not found", field="bank_org_id")
    bank = identity.system_principal(session, bank_org_id, user_id=AUTO_DECISION_USER)
    return record_decision(
        session,
        _prepare(
            session,
            bank,
            settings,
            enterprise_org_id=principal.org_id,
            applied_by=principal.user_id,
            product_code=product_code,
            requested_yuan=requested_yuan,
            as_of=None,
            refresh=True,
            term_months=term_months,
        ),
    )


def _fresh_evidence(
    session: Session,
    settings: Settings,
    repo: CreditRepository,
    *,
    org_id: str,
    as_of: date,
    prod: CreditProduct,
    refresh: bool,
) -> AnyRow | None:
    """The newest profile on or before ``as_of``; rebuilt from the platform's data first when
    it is missing or too old for the product and the enterprise has data on the platform."""
    snap = repo.decision_evidence(org_id, as_of)
    if snap is not None and not prod.is_stale(snap.as_of, as_of):
        return snap
    if not refresh or not telemetry.has_landed_data(session, org_id):
        return snap
    try:
        build_profile_from_platform(session, settings, org_id, as_of)
    except ValidationFailed as exc:
        # Data only from after the as-of date: nothing to build on, decide on what there is.
        if exc.field != "as_of":
            raise
        return snap
    return repo.decision_evidence(org_id, as_of)


def gather_inputs(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    enterprise_org_id: str,
    prod: CreditProduct,
    requested_fen: int | None,
    as_of: date,
    refresh: bool,
    batch: governance.LogBatch,
    joint: JointScorer | None = None,
) -> tuple[DecisionInputs, list[Reason], ModelVersion | None]:
    """Everything a decision looks at, scored by the product's champion (and shadow-scored by
    its challenger): the consent check, the freshest evidence (refreshed first when
    ``refresh``), the carbon grade. Reads are checked and queued on ``batch``, to be logged
    with whatever the caller writes."""
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
        _fresh_evidence(
            session,
            settings,
            CreditRepository(session),
            org_id=enterprise_org_id,
            as_of=as_of,
            prod=prod,
            refresh=refresh,
        )
        if has_grant
        else None
    )
    model: Model | None = None
    version: ModelVersion | None = None
    is_joint = joint_name(prod.model) is not None
    if snap is not None and not is_joint:
        try:
            entry, model = load_model(model_registry(settings), prod.model)
        except NotFound:
            raise Conflict(
                f"product_code: model {prod.model} has no champion version yet",
                field="product_code",
            ) from None
        version = ModelVersion(entry.ref, entry.manifest_sha256)
    facts = DecisionInputs(
        as_of=as_of,
        product=prod,
        requested_fen=requested_fen,
        has_live_grant=has_grant,
        grant_refusal=grant_refusal,
        quality=_quality(snap) if snap is not None else None,
        last_default_on=_last_default(snap) if snap is not None else None,
        profile=_profile(snap) if snap is not None else None,
        carbon_grade=_carbon_grade(session, principal, enterprise_org_id, batch)
        if has_grant
        else None,
        model=version,
    )
    if is_joint:
        # No registry model and no shadow: the PD and reasons are the joint model's.
        inputs, joint_reasons = joint_scored(session, facts, enterprise_org_id, joint)
        return inputs, joint_reasons, inputs.model
    inputs, model_reasons = scored(facts, model)
    if inputs.pd is not None:
        inputs = shadow_scored(inputs, shadow_model(model_registry(settings), prod.model))
    return inputs, model_reasons, version


@dataclass(frozen=True)
class Prepared:
    """A decision made and not yet written: the application row (its log reference still
    unset) and the reads it made, to be logged with it."""

    app: Application
    batch: governance.LogBatch


def _prepare(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    enterprise_org_id: str,
    applied_by: str,
    product_code: str,
    requested_yuan: Decimal | str | None,
    as_of: date | None,
    refresh: bool,
    term_months: int | None = None,
    joint: JointScorer | None = None,
) -> Prepared:
    prod = product(settings, product_code)
    requested_fen = _yuan_to_fen(requested_yuan, "requested_amount")
    if term_months is not None and not 1 <= term_months <= MAX_TERM_MONTHS:
        raise ValidationFailed(f"term_months: 1 to {MAX_TERM_MONTHS} months", field="term_months")
    today = utcnow().date()
    as_of = as_of or today
    if as_of > today:
        raise ValidationFailed("as_of: must not be in the future", field="as_of")
    if identity.organisation_kind(session, enterprise_org_id) is not OrgKind.ENTERPRISE:
        raise NotFound(f"enterprise {enterprise_org_id} not found", field="enterprise_org_id")

    # Reads are checked now but logged together with the decision at the end, so the log's
    # append lock (and SQLite's write lock) is held for the writes only, not for the scoring.
    batch = governance.LogBatch()
    inputs, model_reasons, version = gather_inputs(
        session,
        principal,
        settings,
        enterprise_org_id=enterprise_org_id,
        prod=prod,
        requested_fen=requested_fen,
        as_of=as_of,
        refresh=refresh,
        batch=batch,
        joint=joint,
    )
    d = decide(inputs)
    record = to_record(inputs)
    now = utcnow()
    reasons = (
        [
            {
                "code": f"KO_{k.value}",
                "feature": None,
                "weight": 0,
                "text": _knockout_text(k, inputs.joint),
            }
            for k in d.knockouts
        ]
        if d.knockouts
        else [r.as_dict() for r in model_reasons]
    )
    app = Application(
        id=new_id(),
        enterprise_org_id=enterprise_org_id,
        bank_org_id=principal.org_id,
        applied_by=applied_by,
        product_code=prod.code,
        as_of=as_of,
        requested_fen=requested_fen,
        term_months=term_months,
        outcome=d.outcome.value,
        status=STATUS[d.outcome],
        knockouts=[k.value for k in d.knockouts],
        grade=d.grade,
        score=repr(d.score) if d.score is not None else None,
        pd=repr(d.pd) if d.pd is not None else None,
        limit_fen=d.limit_fen,
        rate_pct=d.rate_pct,
        carbon_grade=inputs.carbon_grade,
        green_adjust_bp=d.green_adjust_bp,
        reasons=reasons,
        inputs=record,
        inputs_sha256=record_sha256(record),
        model_ref=version.ref if version else None,
        model_manifest_sha256=version.manifest_sha256 if version else None,
        shadow_model_ref=inputs.shadow.model.ref if inputs.shadow else None,
        shadow_pd=repr(inputs.shadow.pd) if inputs.shadow else None,
        shadow_score=repr(inputs.shadow.score) if inputs.shadow else None,
        log_index=-1,
        log_leaf_hash="",
        decided_at=now if d.outcome is not Outcome.REFER else None,
        created_at=now,
    )
    return Prepared(app=app, batch=batch)


def record_decision(session: Session, prepared: Prepared) -> Application:
    """The writing half of ``apply``: the decision and the reads it made appended to the
    verifiable log, and the application stored with its log reference."""
    app = prepared.app
    ref = governance.append_batch(
        session,
        prepared.batch,
        (
            "credit.decided",
            app.bank_org_id,  # the deciding bank
            f"{app.enterprise_org_id}:credit_application:{app.id}",
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
        "term_months": app.term_months,
        "model_ref": app.model_ref,
        "model_manifest_sha256": app.model_manifest_sha256,
        "inputs_sha256": app.inputs_sha256,
        # A joint model's parts (or the missing one) are in the inputs; named here too.
        **({"joint": app.inputs["joint"]} if "joint" in app.inputs else {}),
    }


_KO_TEXT = {
    KnockOut.NO_LIVE_GRANT: (
        "企业未授予有效的数据授权",
        "no live consent grant from the enterprise",
    ),
    KnockOut.LOW_DATA_QUALITY: ("数据质量低于产品门槛", "data quality below the product threshold"),
    KnockOut.RECENT_DEFAULT: ("近期有违约记录", "a default within the look-back period"),
    KnockOut.NO_PROFILE: ("尚无经营画像", "no operating profile yet"),
    KnockOut.STALE_PROFILE: (
        "经营画像已过期且无法刷新，转人工审核",
        "the operating profile is older than the product accepts and could not be refreshed; "
        "referred to an officer",
    ),
    KnockOut.JOINT_PART_UNAVAILABLE: (
        "联合模型缺少一方的部分，未评分，转人工审核",
        "a part of the joint model was unavailable, so it was not scored; referred to an officer",
    ),
}


def _knockout_text(k: KnockOut, joint: JointUse | None = None) -> dict[str, str]:
    zh, en = _KO_TEXT[k]
    if k is KnockOut.JOINT_PART_UNAVAILABLE and joint is not None and joint.refusal:
        jzh, jen = refusal_text(joint.refusal)
        return {"zh-CN": f"{zh}：{jzh}", "en": f"{en}: {jen} ({joint.detail})"}
    return {"zh-CN": zh, "en": en}
