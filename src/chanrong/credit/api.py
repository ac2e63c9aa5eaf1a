"""Credit routes: applications decided in seconds, officer review, profiles, replay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter

from chanrong.credit import service
from chanrong.credit.orm import Application
from chanrong.credit.schemas import (
    AcceptanceOut,
    AcceptOffer,
    ApplicationCreate,
    ApplicationOut,
    ConsentTermsOut,
    DatasetTermOut,
    EnterpriseApplicationCreate,
    EnterpriseApplicationOut,
    FeatureOut,
    GrantRef,
    InstalmentOut,
    LogRef,
    OfferOut,
    OfficerDecision,
    ProductOut,
    ProfileOut,
    ReasonOut,
    ReplayOut,
)
from chanrong.edge import Ctx, Idempotency, current, idempotency, require
from chanrong.governance.routing import DataRead, data_route, enterprise_read
from chanrong.identity.domain import OrgKind, Role
from chanrong.lending import service as lending

router = APIRouter(prefix="/credit", tags=["credit 信用"])


async def joint_scorer(request: Request) -> service.JointScorer | None:
    """The joint-model scorer the application assembly wired in (``app.state.joint_scorer``,
    from federated on a bank's instance), or None: credit declares the port only.

    Async although it only reads an attribute: FastAPI runs a plain function dependency in a
    worker thread, and that hop (a GIL hand-over to and from the process's other threads) on
    every decision put p99 at 200 decisions/s from about 25 ms to about 90 (issue #18)."""
    scorer: service.JointScorer | None = getattr(request.app.state, "joint_scorer", None)
    return scorer


def _out(app: Application) -> ApplicationOut:
    return ApplicationOut(
        id=app.id,
        enterprise_org_id=app.enterprise_org_id,
        bank_org_id=app.bank_org_id,
        product_code=app.product_code,
        as_of=app.as_of,
        decision=app.outcome,  # type: ignore[arg-type]
        status=app.status,  # type: ignore[arg-type]
        knockouts=list(app.knockouts),
        grade=app.grade,
        score=float(app.score) if app.score is not None else None,
        pd=float(app.pd) if app.pd is not None else None,
        limit=service.fen_to_yuan(app.limit_fen),
        rate_pct=app.rate_pct,
        carbon_grade=app.carbon_grade,
        green_adjust_bp=app.green_adjust_bp,
        requested_amount=service.fen_to_yuan(app.requested_fen)
        if app.requested_fen is not None
        else None,
        term_months=app.term_months,
        reasons=[ReasonOut.model_validate(r) for r in app.reasons],
        model=app.model_ref,
        model_manifest_sha256=app.model_manifest_sha256,
        inputs_sha256=app.inputs_sha256,
        log=LogRef(index=app.log_index, leaf_hash=app.log_leaf_hash),
        officer_note=app.officer_note,
        officer_log_index=app.officer_log_index,
        review_inputs_sha256=app.review_inputs_sha256,
        decided_at=app.decided_at,
        created_at=app.created_at,
    )


@router.post("/applications", response_model=ApplicationOut, status_code=201)
async def create_application(
    body: ApplicationCreate,
    request: Request,
    ctx: Ctx = Depends(require(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)),
    idem: Idempotency = Depends(idempotency),
    joint: service.JointScorer | None = Depends(joint_scorer),
) -> JSONResponse:
    """Decide an application now (秒批): approve / decline / refer with limit, rate, PD, grade,
    reasons and the verifiable-log entry of the decision."""
    # On the event loop, not in a worker thread. Deciding is a few milliseconds of Python
    # around a dozen short database statements: a thread adds no parallelism under the GIL,
    # and every statement handed the GIL to the process's other threads and queued to get it
    # back, inside the database's write lock. At 200 decisions/s that convoy put p99 at
    # 40–450 ms against 15 ms here. Parallelism comes from worker processes
    # (`chanrong serve --workers`, one per core), as with synchronous workers.
    if (replay := idem.replay()) is not None:
        return replay
    db = request.app.state.db
    prod = service.products(ctx.settings).get(body.product_code)
    is_joint = prod is not None and service.joint_name(prod.model) is not None

    def prepare() -> service.Prepared:
        # No profile refresh here: rebuilding one from the platform's data takes seconds
        # (benchmarks/profile_refresh.py), and would stall every decision this worker serves.
        # A stale profile is referred ``stale_profile``; the worker keeps profiles fresh
        # (credit.profile_on_data, credit.profile_nightly), and the enterprise's own route and
        # the console, which run in worker threads, refresh before deciding.
        return service.prepare_decision(
            ctx.session,
            ctx.principal,
            ctx.settings,
            enterprise_org_id=body.enterprise_org_id,
            product_code=body.product_code,
            requested_yuan=body.requested_amount,
            as_of=body.as_of,
            refresh=False,
            term_months=body.term_months,
            joint=joint,
        )

    def record(prepared: service.Prepared) -> JSONResponse:
        app = service.record_decision(ctx.session, prepared)
        # Commit as soon as the decision is written, so the database's write lock is held for
        # the writes only. The answer is stored with the decision when the caller sent an
        # Idempotency-Key, so only then is it built inside the transaction.
        if not idem.key:
            ctx.session.commit()
        response = idem.save(201, _out(app).model_dump(mode="json"))
        ctx.session.commit()
        return response

    if is_joint or db.dialect == "postgresql":
        # A joint model's product waits on the platform over HTTP; on PostgreSQL the log
        # append waits for the log head's row lock, which a request in a worker thread may
        # hold until it commits, and that commit needs this event loop. Both go to a thread
        # (which waits for SQLite's turn to write as any thread does).
        return await run_in_threadpool(lambda: record(prepare()))
    # Read and score first, with no lock held: the turn to write (SQLite's, shared by every
    # process on the file) is taken only for the log append and the insert. Taken before the
    # scoring, it serialised the decisions of all the server's processes (issue #18: p99 at
    # 200 decisions/s went from 24 ms to over a second). It is awaited, not waited for: found
    # taken in the middle of the writes it would stop the event loop, which the requests
    # holding it need to commit.
    prepared = prepare()
    await db.write_turn(ctx.session)
    return record(prepared)


@router.get("/applications", response_model=list[ApplicationOut])
def list_applications(
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ctx: Ctx = Depends(current),
) -> Response:
    """A bank's applications (or an enterprise's own), newest first, a page at a time
    (``limit``, ``offset``); filter by status."""
    items = service.list_application_items(
        ctx.session, ctx.principal, status=status, limit=limit, offset=offset
    )
    # Plain rows validated and written as JSON by pydantic in one pass each, answered as is:
    # ORM objects, a model built per row in Python and FastAPI's second validation of the
    # returned list were most of the busiest bank list's CPU.
    page = _PAGE.validate_python(items)
    return Response(_PAGE.dump_json(page), media_type="application/json")


_PAGE = TypeAdapter(list[ApplicationOut])


@router.get("/applications/{app_id}", response_model=ApplicationOut)
def get_application(app_id: str, ctx: Ctx = Depends(current)) -> ApplicationOut:
    return _out(service.get_application(ctx.session, ctx.principal, app_id))


@router.post("/applications/{app_id}/decision", response_model=ApplicationOut)
def decide_referred(
    app_id: str,
    body: OfficerDecision,
    ctx: Ctx = Depends(require(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)),
) -> ApplicationOut:
    """An officer approves or declines a referred application (logged). Approving a
    ``stale_profile`` referral decides it again on the refreshed profile (rebuilt from the
    platform's data if need be: a plain ``def``, so off the event loop) for its limit and rate."""
    app = service.review_referred(
        ctx.session, ctx.principal, ctx.settings, app_id, outcome=body.outcome, note=body.note
    )
    return _out(app)


@router.get("/applications/{app_id}/replay", response_model=ReplayOut)
def replay_application(app_id: str, ctx: Ctx = Depends(current)) -> ReplayOut:
    """Recompute the decision from its logged inputs and model version."""
    r = service.replay(ctx.session, ctx.principal, ctx.settings, app_id)
    return ReplayOut(
        matches=r.matches, inputs_intact=r.inputs_intact, logged=r.logged, differences=r.differences
    )


@router.get(
    "/enterprises/{org_id}/profile",
    response_model=ProfileOut,
    openapi_extra=data_route("derived.profile"),
)
def enterprise_profile(
    org_id: str, read: DataRead = Depends(enterprise_read("derived.profile"))
) -> ProfileOut:
    """The enterprise's operating profile (企业画像); its own latest decision, to itself."""
    ctx = read.ctx
    snap = service.latest_profile(ctx.session, org_id)
    latest = None
    if ctx.principal.org_id == org_id:
        apps = service.list_applications(ctx.session, ctx.principal, limit=1)
        latest = _out(apps[0]) if apps else None
    return ProfileOut(
        org_id=org_id,
        as_of=snap.as_of,
        features=[FeatureOut.model_validate(f) for f in service.profile_view(snap, ctx.locale)],
        revenue_12m=service.fen_to_yuan(snap.revenue_12m_fen),
        open_orders=service.fen_to_yuan(snap.open_orders_fen),
        receivables=service.fen_to_yuan(snap.receivables_fen),
        latest_decision=latest,
    )


@router.get("/products", response_model=list[ProductOut])
def list_products(ctx: Ctx = Depends(current)) -> list[ProductOut]:
    """Credit products as data: knock-outs, grade table, limit formula, rate grid."""
    return [
        ProductOut(code=code, definition=p.as_dict())
        for code, p in service.products(ctx.settings).items()
    ]


# --- the enterprise's own journey (use cases in lending: they book loans on a decision) ------


def _consent(terms: lending.ConsentTerms) -> ConsentTermsOut:
    return ConsentTermsOut(
        purpose=terms.purpose,
        categories=list(terms.categories),
        max_grade=terms.max_grade,
        days=terms.days,
        datasets=[DatasetTermOut(**vars(d)) for d in terms.datasets],
        also_covers=[DatasetTermOut(**vars(d)) for d in terms.also_covers],
    )


def offer_out(o: lending.Offer) -> OfferOut:
    """An offer as the API shows it."""
    lp = o.lending_product
    return OfferOut(
        bank_org_id=o.bank_org_id,
        bank_name=o.bank_name,
        product_code=o.product.code,
        name={"zh-CN": o.product.name_zh, "en": o.product.name_en},
        lending_product_id=lp.id,
        lending_product_code=lp.code,
        term_months=o.product.term_months,
        max_term_months=lp.max_term_months,
        max_amount=service.fen_to_yuan(lp.max_amount_fen),
        lpr_pct=o.product.lpr_pct,
        auto_disburse_limit=service.fen_to_yuan(o.product.auto_disburse_limit_fen),
        max_evidence_age_days=o.product.max_evidence_age_days,
        consent=_consent(o.consent),
    )


@router.get("/offers", response_model=list[OfferOut])
def list_offers(ctx: Ctx = Depends(current)) -> list[OfferOut]:
    """Every bank's credit products an enterprise can apply for itself, each with the consent
    it needs spelled out (a bank sees its own)."""
    return [offer_out(o) for o in lending.list_offers(ctx.session, ctx.principal, ctx.settings)]


@router.post("/enterprise-applications", response_model=EnterpriseApplicationOut, status_code=201)
def create_enterprise_application(
    body: EnterpriseApplicationCreate,
    ctx: Ctx = Depends(require(OrgKind.ENTERPRISE, role=Role.OFFICER)),
) -> EnterpriseApplicationOut:
    """An enterprise applies for itself: grants the product's consent in the same step (unless a
    live grant covers it) and gets the decision at once, with the repayment schedule and the
    reasons in zh-CN and en. A plain ``def``: refreshing a stale profile may take a while, so
    this runs in a worker thread, never on the event loop the banks' decisions use."""
    out = lending.apply_for_offer(
        ctx.session,
        ctx.principal,
        ctx.settings,
        bank_org_id=body.bank_org_id,
        product_code=body.product_code,
        requested_yuan=body.requested_amount,
        term_months=body.term_months,
    )
    return enterprise_application_out(out)


def enterprise_application_out(out: lending.EnterpriseApplication) -> EnterpriseApplicationOut:
    """An enterprise's own application as the API shows it."""
    schedule = (
        [
            InstalmentOut(
                number=i.number,
                due_on=i.due,
                principal=service.fen_to_yuan(i.principal_fen),
                interest=service.fen_to_yuan(i.interest_fen),
                total=service.fen_to_yuan(i.total_fen),
            )
            for i in out.schedule.instalments
        ]
        if out.schedule is not None
        else None
    )
    return EnterpriseApplicationOut(
        application=_out(out.decision),
        consent=GrantRef(
            grant_id=out.grant_id, created=out.grant_created, terms=_consent(out.offer.consent)
        ),
        term_months=out.term_months,
        schedule=schedule,
        total_interest=service.fen_to_yuan(out.schedule.total_interest_fen)
        if out.schedule is not None
        else None,
    )


@router.post("/applications/{app_id}/accept", response_model=AcceptanceOut, status_code=201)
def accept_offer(
    app_id: str,
    body: AcceptOffer,
    ctx: Ctx = Depends(require(OrgKind.ENTERPRISE, role=Role.OFFICER)),
) -> AcceptanceOut:
    """The enterprise accepts an approved offer: the loan is booked, its terms document hashed
    into the verifiable log with the bank's offer and this acceptance, and paid out at once
    within the product's automatic limit (else it waits for an officer of the bank)."""
    acc = lending.accept_offer(
        ctx.session,
        ctx.principal,
        ctx.settings,
        app_id,
        term_months=body.term_months,
        purpose=body.purpose,
    )
    return AcceptanceOut(
        loan_id=acc.loan.id,
        status=acc.loan.status,
        disbursed=acc.disbursed,
        principal=service.fen_to_yuan(acc.loan.principal_fen),
        terms_sha256=acc.terms_sha256,
        terms=acc.terms,
        offer_log_index=acc.offer_log_index,
        acceptance_log_index=acc.acceptance_log_index,
    )
