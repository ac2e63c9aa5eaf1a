"""Federated routes: the platform's side of joint modelling, called by a bank's
``chanrong federated ...`` commands with the bank's API key.

Banks' officers run PSI, training rounds and scoring exchanges; only enterprises with a live
``joint_modelling`` grant to the calling bank take part (``service``). The platform operator
loads the platform's features. What each message holds is in ``protocol``'s docstring.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from chanrong.core.errors import ValidationFailed
from chanrong.edge import Ctx, require
from chanrong.federated import lifecycle, service
from chanrong.federated.orm import JointModel, TrainingRun
from chanrong.federated.protocol import TrainingConfig
from chanrong.federated.schemas import (
    FeaturesIn,
    FinishIn,
    HeldOutIn,
    HeldOutOut,
    HistogramsIn,
    HistogramsOut,
    MaskedOut,
    MaskedSumsIn,
    ModelOut,
    PackedIn,
    PartialOut,
    PartnerOut,
    PsiIn,
    PsiOut,
    ResidualsIn,
    RoundOut,
    RowsIn,
    RunIn,
    RunOpenedOut,
    RunOut,
    ScoreIn,
    ScoreOut,
    SplitIn,
    SplitOut,
    StateIn,
    ValidationIn,
)
from chanrong.federated.secureboost import BoostConfig
from chanrong.identity.domain import OrgKind, Role

router = APIRouter(prefix="/federated", tags=["federated"])

bank_officer = require(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
bank_viewer = require(OrgKind.FINANCIAL_INSTITUTION)
operator = require(OrgKind.PLATFORM_OPERATOR, role=Role.OFFICER)


def model_out(m: JointModel) -> ModelOut:
    """A joint model as the bank sees it."""
    man = m.manifest
    return ModelOut(
        model=f"{m.name}@{m.version}",
        state=m.state,
        manifest_sha256=m.manifest_sha256,
        bank_features=man["bank"]["features"],
        bank_fingerprint=man["bank"]["fingerprint"],
        platform_features=man["platform"]["features"],
        platform_fingerprint=man["platform"]["fingerprint"],
        metrics=man["metrics"],
        created_at=m.created_at,
        validation=m.validation,
        state_by=m.state_by,
        state_at=m.state_at,
    )


def run_out(r: TrainingRun) -> RunOut:
    """A run as the bank sees it."""
    return RunOut(
        run_id=r.id,
        name=r.name,
        status=r.status,
        rows=len(r.usccs),
        excluded=r.excluded,
        rounds=r.rounds,
        platform_features=r.features,
        created_at=r.created_at,
        finished_at=r.finished_at,
    )


@router.post("/features", status_code=201)
def load_features(body: FeaturesIn, ctx: Ctx = Depends(operator)) -> dict[str, int]:
    """The operator loads the platform's features of registered enterprises."""
    n = service.load_features(ctx.session, ctx.principal, [(r.uscc, r.values) for r in body.rows])
    return {"count": n}


@router.get("/partners", response_model=list[PartnerOut])
def partners(ctx: Ctx = Depends(bank_viewer)) -> list[PartnerOut]:
    """Enterprises that granted the bank joint modelling, with the grant's status."""
    return [PartnerOut(**p) for p in service.partners(ctx.session, ctx.principal)]


@router.post("/psi", response_model=PsiOut)
def psi(body: PsiIn, ctx: Ctx = Depends(bank_officer)) -> PsiOut:
    """One PSI exchange: the bank's blinded ids in, the platform's setup and response out."""
    answer = service.psi(ctx.session, ctx.principal, body.request)
    return PsiOut(setup=answer.setup, response=answer.response)


@router.post("/runs", response_model=RunOpenedOut, status_code=201)
def open_run(body: RunIn, ctx: Ctx = Depends(bank_officer)) -> RunOpenedOut:
    """Open a training run over the aligned ids (those without a live grant are excluded):
    ``config`` for the logistic regression, ``boost`` for the trees."""
    if (body.config is None) == (body.boost is None):
        raise ValidationFailed("config: give config (logistic) or boost (trees)", field="config")
    config: TrainingConfig | BoostConfig = (
        TrainingConfig(**body.config.model_dump())
        if body.config is not None
        else BoostConfig(**body.boost.model_dump())  # type: ignore[union-attr]
    )
    opened = service.open_run(
        ctx.session,
        ctx.principal,
        name=body.name,
        usccs=body.ids,
        public_key=body.public_key,
        config=config,
    )
    return RunOpenedOut(
        run_id=opened.run.id,
        accepted=opened.accepted,
        excluded=opened.run.excluded,
        platform_features=opened.run.features,
    )


@router.get("/runs", response_model=list[RunOut])
def runs(ctx: Ctx = Depends(bank_viewer)) -> list[RunOut]:
    """The bank's runs, newest first."""
    return [run_out(r) for r in service.runs_of(ctx.session, ctx.principal)]


@router.post("/runs/{run_id}/forward", response_model=PartialOut)
def forward(run_id: str, body: RowsIn, ctx: Ctx = Depends(bank_officer)) -> PartialOut:
    """Step 2: the platform's partial scores of the batch."""
    return PartialOut(partial=service.forward(ctx.session, ctx.principal, run_id, body.rows))


@router.post("/runs/{run_id}/gradient", response_model=MaskedOut)
def gradient(run_id: str, body: ResidualsIn, ctx: Ctx = Depends(bank_officer)) -> MaskedOut:
    """Step 4: encrypted residuals in, masked encrypted gradient sums out."""
    masked = service.gradient(ctx.session, ctx.principal, run_id, body.rows, body.residuals)
    return MaskedOut(masked=masked)


@router.post("/runs/{run_id}/update", response_model=RoundOut)
def update(run_id: str, body: MaskedSumsIn, ctx: Ctx = Depends(bank_officer)) -> RoundOut:
    """Step 6: the decrypted masked sums; the round is logged."""
    rnd, leaf = service.update(ctx.session, ctx.principal, run_id, body.masked_sums)
    return RoundOut(round=rnd, leaf=leaf)


@router.post("/runs/{run_id}/finish", response_model=ModelOut, status_code=201)
def finish(run_id: str, body: FinishIn, ctx: Ctx = Depends(bank_officer)) -> ModelOut:
    """Close the run and register the joint model with both parties' fingerprints."""
    model = service.finish(
        ctx.session,
        ctx.principal,
        run_id,
        bank_features=body.bank_features,
        bank_fingerprint=body.bank_fingerprint,
        metrics=body.metrics,
    )
    return model_out(model)


@router.get("/models", response_model=list[ModelOut])
def models(ctx: Ctx = Depends(bank_viewer)) -> list[ModelOut]:
    """The bank's joint models."""
    return [model_out(m) for m in service.models_of(ctx.session, ctx.principal)]


@router.post("/models/{ref}/score", response_model=ScoreOut)
def score(ref: str, body: ScoreIn, ctx: Ctx = Depends(bank_officer)) -> ScoreOut:
    """The platform's partial score of one enterprise (a live grant is needed now)."""
    partial, model, leaf, reasons = service.score(ctx.session, ctx.principal, ref, body.uscc)
    return ScoreOut(
        partial=partial,
        reasons=reasons,
        model=f"{model.name}@{model.version}",
        state=model.state,
        manifest_sha256=model.manifest_sha256,
        bank_fingerprint=model.manifest["bank"]["fingerprint"],
        platform_fingerprint=model.manifest["platform"]["fingerprint"],
        leaf=leaf,
    )


@router.post("/models/{ref}/held-out", response_model=HeldOutOut)
def held_out(ref: str, body: HeldOutIn, ctx: Ctx = Depends(bank_officer)) -> HeldOutOut:
    """Validation: the platform's parts for the bank's held-out ids (one logged exchange;
    training rows refused, ids without a live grant answered with null)."""
    parts, leaf = lifecycle.validation_scores(ctx.session, ctx.principal, ref, body.ids)
    return HeldOutOut(parts=parts, leaf=leaf)


@router.post("/models/{ref}/validation", response_model=ModelOut)
def validation(ref: str, body: ValidationIn, ctx: Ctx = Depends(bank_officer)) -> ModelOut:
    """The bank's validation report (AUC, KS on its held-out labels) of that exchange."""
    model = lifecycle.record_validation(ctx.session, ctx.principal, ref, body.model_dump())
    return model_out(model)


@router.post("/models/{ref}/state", response_model=ModelOut)
def set_state(ref: str, body: StateIn, ctx: Ctx = Depends(bank_officer)) -> ModelOut:
    """Approve, crown or retire a joint model (approve and crown: the bank's admin)."""
    return model_out(lifecycle.set_state(ctx.session, ctx.principal, ref, body.to))


@router.post("/runs/{run_id}/packed", response_model=RoundOut)
def boost_packed(run_id: str, body: PackedIn, ctx: Ctx = Depends(bank_officer)) -> RoundOut:
    """Trees: a tree starts with the bank's packed gradient ciphertexts (logged)."""
    tree, leaf = service.boost_packed(ctx.session, ctx.principal, run_id, body.packed)
    return RoundOut(round=tree, leaf=leaf)


@router.post("/runs/{run_id}/histograms", response_model=HistogramsOut)
def boost_histograms(
    run_id: str, body: HistogramsIn, ctx: Ctx = Depends(bank_officer)
) -> HistogramsOut:
    """Trees: encrypted per-bin sums of a node's rows for each platform feature."""
    hists = service.boost_histograms(ctx.session, ctx.principal, run_id, body.rows, body.bins)
    return HistogramsOut(histograms=hists)


@router.post("/runs/{run_id}/split", response_model=SplitOut)
def boost_split(run_id: str, body: SplitIn, ctx: Ctx = Depends(bank_officer)) -> SplitOut:
    """Trees: the platform keeps a split of its own and returns the rows that go left."""
    feature, bin_ = body.split
    split_id, left = service.boost_split(
        ctx.session, ctx.principal, run_id, body.rows, feature, bin_
    )
    return SplitOut(split_id=split_id, left=left)
