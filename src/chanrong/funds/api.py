"""Fund routes: performance figures from cash flows posted with the request.

``POST /funds/performance`` computes the figures from flows the caller gives; funds recorded
here (with their calls, distributions and NAVs) belong to the organisation that recorded them.
Callers are those who manage or evaluate funds: analysts (government and research), financial
institutions and the platform operator; enterprises are refused. Recording needs an officer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import ValidationFailed
from chanrong.core.money import fen_to_yuan, yuan_to_fen
from chanrong.edge import Ctx, require
from chanrong.funds import service
from chanrong.funds.orm import EquityLoanLink, FinancingNeed, FundInvestment
from chanrong.funds.performance import CashFlow, FundMetricError, performance
from chanrong.funds.schemas import (
    CloseIn,
    CloseRoundIn,
    CommitmentIn,
    CompanyWatchOut,
    DataRoomIn,
    DataRoomOut,
    DealMoveIn,
    DealOut,
    EvaluationOut,
    ExitIn,
    ExitOut,
    FundFlowIn,
    FundIn,
    FundOut,
    InvestmentIn,
    InvestmentOut,
    LinkIn,
    LinkOut,
    MandateIn,
    MatchOut,
    NavIn,
    NeedIn,
    NeedOut,
    PerformanceIn,
    PerformanceOut,
    PortfolioAlertOut,
    RecordedOut,
    SyncedOut,
    TermsIn,
    WatchIn,
    WatchOut,
    reasons_out,
)
from chanrong.identity.domain import OrgKind, Role

router = APIRouter(prefix="/funds", tags=["funds"])

KINDS = (OrgKind.ANALYST, OrgKind.PLATFORM_OPERATOR, OrgKind.FINANCIAL_INSTITUTION)
read = require(*KINDS)
edit = require(*KINDS, role=Role.OFFICER)


@router.post("/performance", response_model=PerformanceOut)
def fund_performance(body: PerformanceIn, ctx: Ctx = Depends(read)) -> PerformanceOut:
    """IRR, DPI, RVPI, TVPI and (with index levels) KS-PME and direct alpha. Flows that admit
    no rate are a 422 naming ``irr`` (or ``direct_alpha``), never a null."""
    flows = [
        CashFlow(f.date, yuan_to_fen(f.amount_yuan, field=f"flows[{i}].amount_yuan"))
        for i, f in enumerate(body.flows)
    ]
    nav = yuan_to_fen(body.nav_yuan, field="nav_yuan")
    index = {x.date: x.level for x in body.index} if body.index is not None else None
    try:
        return PerformanceOut.of(performance(flows, nav, body.nav_date, index))
    except FundMetricError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from None


@router.post("", response_model=FundOut, status_code=201)
def create_fund(body: FundIn, ctx: Ctx = Depends(edit)) -> FundOut:
    """Record a fund of the caller's organisation."""
    fund = service.create_fund(
        ctx.session, ctx.principal.org_id, name=body.name, kind=body.kind, vintage=body.vintage
    )
    return FundOut.model_validate(fund)


@router.get("", response_model=list[FundOut])
def list_funds(ctx: Ctx = Depends(read)) -> list[FundOut]:
    """The caller's organisation's funds."""
    return [FundOut.model_validate(f) for f in service.funds_of(ctx.session, ctx.principal.org_id)]


@router.post("/{fund_id}/flows", response_model=RecordedOut, status_code=201)
def add_flow(fund_id: str, body: FundFlowIn, ctx: Ctx = Depends(edit)) -> RecordedOut:
    """Record a capital call (negative) or distribution (positive)."""
    flow = service.add_flow(
        ctx.session,
        ctx.principal.org_id,
        fund_id,
        on=body.date,
        amount_fen=yuan_to_fen(body.amount_yuan, field="amount_yuan"),
        lp=body.lp,
    )
    return RecordedOut(id=flow.id)


@router.post("/{fund_id}/navs", response_model=RecordedOut, status_code=201)
def add_nav(fund_id: str, body: NavIn, ctx: Ctx = Depends(edit)) -> RecordedOut:
    """Record a NAV statement."""
    nav = service.add_nav(
        ctx.session,
        ctx.principal.org_id,
        fund_id,
        on=body.date,
        nav_fen=yuan_to_fen(body.nav_yuan, field="nav_yuan"),
    )
    return RecordedOut(id=nav.id)


@router.get("/{fund_id}/performance", response_model=PerformanceOut)
def recorded_performance(fund_id: str, ctx: Ctx = Depends(read)) -> PerformanceOut:
    """IRR, DPI, RVPI and TVPI at the latest NAV from the recorded flows (no rate: 422)."""
    return PerformanceOut.of(service.fund_performance(ctx.session, ctx.principal.org_id, fund_id))


def _yuan(value: Decimal | None, field: str) -> int | None:
    return None if value is None else yuan_to_fen(value, field=field)


@router.put("/{fund_id}/terms", response_model=RecordedOut)
def set_terms(fund_id: str, body: TermsIn, ctx: Ctx = Depends(edit)) -> RecordedOut:
    """Link a sub-fund to the guide fund that seeded it, or set a guide fund's region, required
    返投 ratio, mandated sectors and sponsor."""
    terms = service.set_terms(
        ctx.session,
        ctx.principal.org_id,
        fund_id,
        service.TermsInput(
            parent_fund_id=body.parent_fund_id,
            guide_contribution_fen=_yuan(body.guide_contribution_yuan, "guide_contribution_yuan"),
            region_code=body.region_code,
            required_reinvest_ratio=body.required_reinvest_ratio,
            mandated_sectors=tuple(body.mandated_sectors),
            sponsor_org_id=body.sponsor_org_id,
        ),
    )
    return RecordedOut(id=terms.fund_id)


@router.post("/{fund_id}/closes", response_model=RecordedOut, status_code=201)
def add_close(fund_id: str, body: CloseIn, ctx: Ctx = Depends(edit)) -> RecordedOut:
    """Record a close (the final close ends the fundraising)."""
    close = service.add_close(
        ctx.session, ctx.principal.org_id, fund_id, on=body.date, final=body.final
    )
    return RecordedOut(id=close.id)


@router.post("/{fund_id}/commitments", response_model=RecordedOut, status_code=201)
def add_commitment(fund_id: str, body: CommitmentIn, ctx: Ctx = Depends(edit)) -> RecordedOut:
    """Record an LP commitment, at a close when given."""
    row = service.add_commitment(
        ctx.session,
        ctx.principal.org_id,
        fund_id,
        lp=body.lp,
        amount_fen=yuan_to_fen(body.amount_yuan, field="amount_yuan"),
        close_id=body.close_id,
    )
    return RecordedOut(id=row.id)


def _investment_out(i: FundInvestment) -> InvestmentOut:
    return InvestmentOut(
        id=i.id,
        fund_id=i.fund_id,
        company_org_id=i.company_org_id,
        company_name=i.company_name,
        uscc=i.uscc,
        amount_yuan=None if i.amount_fen is None else fen_to_yuan(i.amount_fen),
        date=i.on,
        sector_code=i.sector_code,
        region_code=i.region_code,
    )


@router.post("/{fund_id}/investments", response_model=InvestmentOut, status_code=201)
def add_investment(fund_id: str, body: InvestmentIn, ctx: Ctx = Depends(edit)) -> InvestmentOut:
    """Record a portfolio investment; unknown amount, sector or region stay unknown."""
    row = service.add_investment(
        ctx.session,
        ctx.principal.org_id,
        fund_id,
        service.InvestmentInput(
            on=body.date,
            company_org_id=body.company_org_id,
            company_name=body.company_name,
            uscc=body.uscc,
            amount_fen=_yuan(body.amount_yuan, "amount_yuan"),
            sector_code=body.sector_code,
            region_code=body.region_code,
        ),
    )
    return _investment_out(row)


@router.get("/{fund_id}/investments", response_model=list[InvestmentOut])
def list_investments(fund_id: str, ctx: Ctx = Depends(read)) -> list[InvestmentOut]:
    """The fund's portfolio investments (for its manager or its sponsor)."""
    fund = service.readable_fund(ctx.session, ctx.principal.org_id, fund_id)
    return [_investment_out(i) for i in service.investments_of(ctx.session, [fund.id])]


@router.get("/{fund_id}/evaluation", response_model=EvaluationOut)
def evaluation(fund_id: str, ctx: Ctx = Depends(read)) -> EvaluationOut:
    """A guide fund's leverage, 返投, 投向, J-curve and performance, each with its record ids
    (for the manager or the sponsoring government body)."""
    return EvaluationOut.of(service.evaluate_guide_fund(ctx.session, ctx.principal.org_id, fund_id))


@router.post("/investments/{investment_id}/exits", response_model=ExitOut, status_code=201)
def add_exit(investment_id: str, body: ExitIn, ctx: Ctx = Depends(edit)) -> ExitOut:
    """Record an exit; its proceeds become a distribution to the LPs (so the performance
    figures move) unless ``distribute`` is false."""
    row = service.add_exit(
        ctx.session,
        ctx.principal.org_id,
        investment_id,
        kind=body.kind,
        on=body.date,
        proceeds_fen=yuan_to_fen(body.proceeds_yuan, field="proceeds_yuan"),
        distribute=body.distribute,
    )
    return ExitOut(
        id=row.id,
        investment_id=row.investment_id,
        kind=row.kind,
        date=row.on,
        proceeds_yuan=fen_to_yuan(row.proceeds_fen),
        flow_id=row.flow_id,
    )


@router.get("/{fund_id}/evaluation/report", response_class=HTMLResponse)
def evaluation_report(
    fund_id: str,
    year: int = Query(ge=1990, le=2100),
    locale: str = Query(default="zh-CN", max_length=8),
    ctx: Ctx = Depends(read),
) -> HTMLResponse:
    """The annual evaluation report (HTML): the figures from the records dated up to the end
    of ``year``, each with its record ids."""
    e = service.annual_evaluation(ctx.session, ctx.principal.org_id, fund_id, year)
    pdf = f"/funds/{fund_id}/evaluation/report.pdf?year={year}&locale={locale}"
    return HTMLResponse(service.render_report(e, year, locale, pdf_href=pdf))


@router.get("/{fund_id}/evaluation/report.pdf", response_class=Response)
def evaluation_report_pdf(
    fund_id: str,
    year: int = Query(ge=1990, le=2100),
    locale: str = Query(default="zh-CN", max_length=8),
    ctx: Ctx = Depends(read),
) -> Response:
    """The annual evaluation report as PDF."""
    e = service.annual_evaluation(ctx.session, ctx.principal.org_id, fund_id, year)
    return Response(
        service.render_pdf(e, year, locale),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="evaluation-{fund_id}-{year}.pdf"'},
    )


@router.get("/{fund_id}/monitoring", response_model=list[CompanyWatchOut])
def monitoring(
    fund_id: str, as_of: date = Query(), ctx: Ctx = Depends(read)
) -> list[CompanyWatchOut]:
    """投后管理: each platform portfolio company's indicators and alerts, read only under its
    live ``investment_monitoring`` grant (refused companies are listed with the reason)."""
    rows = service.watch_portfolio(ctx.session, ctx.principal, fund_id, as_of=as_of)
    return [CompanyWatchOut.of(w) for w in rows]


@router.get("/{fund_id}/alerts", response_model=list[PortfolioAlertOut])
def alerts(
    fund_id: str, status: str | None = Query(default=None), ctx: Ctx = Depends(read)
) -> list[PortfolioAlertOut]:
    """The fund's stored portfolio alerts (raised by the worker's daily pass), newest first."""
    rows = service.list_alerts(ctx.session, ctx.principal, fund_id, status=status)
    return [PortfolioAlertOut.of(a) for a in rows]


@router.post("/{fund_id}/alerts/{alert_id}/acknowledge", response_model=PortfolioAlertOut)
def acknowledge(fund_id: str, alert_id: str, ctx: Ctx = Depends(edit)) -> PortfolioAlertOut:
    """The manager has seen a new alert."""
    a = service.acknowledge_alert(ctx.session, ctx.principal, fund_id, alert_id)
    return PortfolioAlertOut.of(a)


@router.post("/{fund_id}/alerts/{alert_id}/close", response_model=PortfolioAlertOut)
def close(fund_id: str, alert_id: str, ctx: Ctx = Depends(edit)) -> PortfolioAlertOut:
    """The manager closes a live alert by hand."""
    a = service.close_alert(
        ctx.session, ctx.principal, fund_id, alert_id, on=shanghai_date(utcnow())
    )
    return PortfolioAlertOut.of(a)


# -- the deal pipeline (投) ------------------------------------------------------------------


@router.get("/{fund_id}/watchlist", response_model=list[WatchOut])
def get_watchlist(fund_id: str, ctx: Ctx = Depends(read)) -> list[WatchOut]:
    """The companies the fund watches in the market data."""
    return [WatchOut.of(w) for w in service.watchlist(ctx.session, ctx.principal, fund_id)]


@router.post("/{fund_id}/watchlist", response_model=WatchOut, status_code=201)
def add_watch(fund_id: str, body: WatchIn, ctx: Ctx = Depends(edit)) -> WatchOut:
    """Watch a company: its market financing events enter the fund's pipeline."""
    return WatchOut.of(
        service.watch_company(ctx.session, ctx.principal, fund_id, body.company_name)
    )


@router.post("/{fund_id}/pipeline/sync", response_model=SyncedOut)
def sync_pipeline(fund_id: str, ctx: Ctx = Depends(edit)) -> SyncedOut:
    """Take the watched companies' market events into the pipeline now (the worker does it
    daily)."""
    service.get_fund(ctx.session, ctx.principal.org_id, fund_id)
    done = service.sync_from_market(ctx.session, fund_id)
    return SyncedOut(
        watched=done.watched, not_in_market=list(done.not_in_market), added=list(done.added)
    )


@router.get("/{fund_id}/pipeline", response_model=list[DealOut])
def pipeline(
    fund_id: str, stage: str | None = Query(default=None), ctx: Ctx = Depends(read)
) -> list[DealOut]:
    """The fund's deals, with every move."""
    deals = service.deals_of(ctx.session, ctx.principal, fund_id, stage=stage)
    moves = list(service.moves_of(ctx.session, [d.id for d in deals]))
    return [DealOut.of(d, moves) for d in deals]


@router.post("/{fund_id}/pipeline/{deal_id}/move", response_model=DealOut)
def move(fund_id: str, deal_id: str, body: DealMoveIn, ctx: Ctx = Depends(edit)) -> DealOut:
    """Move a deal to its next stage or pass on it."""
    d = service.move_deal(ctx.session, ctx.principal, fund_id, deal_id, to=body.to, note=body.note)
    return DealOut.of(d, list(service.moves_of(ctx.session, [d.id])))


# -- matchmaking (供需对接) --------------------------------------------------------------------

enterprise_edit = require(OrgKind.ENTERPRISE, role=Role.OFFICER)
enterprise_read = require(OrgKind.ENTERPRISE)


def _need_out(n: FinancingNeed) -> NeedOut:
    return NeedOut(
        id=n.id,
        instrument=n.instrument,
        amount_yuan=fen_to_yuan(n.amount_fen),
        stage=n.stage,
        use_of_funds=n.use_of_funds,
        sector_code=n.sector_code,
        region_code=n.region_code,
    )


@router.post("/needs", response_model=NeedOut, status_code=201)
def post_need(body: NeedIn, ctx: Ctx = Depends(enterprise_edit)) -> NeedOut:
    """An enterprise posts a financing need (its sector and region are its registration's)."""
    need = service.post_need(
        ctx.session,
        ctx.principal.org_id,
        instrument=body.instrument,
        amount_fen=yuan_to_fen(body.amount_yuan, field="amount_yuan"),
        stage=body.stage,
        use_of_funds=body.use_of_funds,
    )
    return _need_out(need)


@router.get("/needs/{need_id}/matches", response_model=list[MatchOut])
def need_matches(need_id: str, ctx: Ctx = Depends(enterprise_read)) -> list[MatchOut]:
    """The mandates matching the enterprise's need, best first, each with its reasons."""
    rows = service.matches_for_need(ctx.session, ctx.principal.org_id, need_id)
    return [
        MatchOut(
            need_id=need_id,
            mandate_id=r.mandate.id,
            counterparty_org_id=r.mandate.org_id,
            counterparty=r.org_name,
            score=r.match.score,
            reasons=reasons_out(r.match),
        )
        for r in rows
    ]


@router.post("/mandates", response_model=RecordedOut, status_code=201)
def post_mandate(body: MandateIn, ctx: Ctx = Depends(edit)) -> RecordedOut:
    """An investor or a bank posts a mandate."""
    row = service.post_mandate(
        ctx.session,
        ctx.principal.org_id,
        service.MandateInput(
            name=body.name,
            instruments=tuple(body.instruments),
            sectors=tuple(body.sectors),
            stages=tuple(body.stages),
            regions=tuple(body.regions),
            ticket_min_fen=_yuan(body.ticket_min_yuan, "ticket_min_yuan"),
            ticket_max_fen=_yuan(body.ticket_max_yuan, "ticket_max_yuan"),
        ),
    )
    return RecordedOut(id=row.id)


@router.get("/mandates/{mandate_id}/matches", response_model=list[MatchOut])
def mandate_matches(mandate_id: str, ctx: Ctx = Depends(read)) -> list[MatchOut]:
    """The enterprises' needs matching the mandate, best first, each with its reasons."""
    rows = service.matches_for_mandate(ctx.session, ctx.principal.org_id, mandate_id)
    return [
        MatchOut(
            need_id=r.need.id,
            mandate_id=mandate_id,
            counterparty_org_id=r.need.org_id,
            counterparty=r.org_name,
            score=r.match.score,
            reasons=reasons_out(r.match),
            amount_yuan=fen_to_yuan(r.need.amount_fen),
        )
        for r in rows
    ]


# -- 投贷联动 -----------------------------------------------------------------------------------

bank_edit = require(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)
party_read = require(OrgKind.ENTERPRISE, OrgKind.FINANCIAL_INSTITUTION)


def _link_out(link: EquityLoanLink, need: FinancingNeed) -> LinkOut:
    return LinkOut(
        id=link.id,
        bank_org_id=link.bank_org_id,
        need_id=link.need_id,
        enterprise_org_id=need.org_id,
        product_id=link.product_id,
        limit_yuan=fen_to_yuan(link.limit_fen),
        condition=link.condition,
        status=link.status,
        opened_on=link.opened_on,
    )


@router.post("/needs/{need_id}/loan-links", response_model=LinkOut, status_code=201)
def link_loan(need_id: str, body: LinkIn, ctx: Ctx = Depends(bank_edit)) -> LinkOut:
    """A bank links a loan offer to an enterprise's equity round (opens when it closes)."""
    link = service.link_loan_to_round(
        ctx.session,
        ctx.principal,
        need_id,
        product_id=body.product_id,
        limit_fen=yuan_to_fen(body.limit_yuan, field="limit_yuan"),
    )
    return next(_link_out(x, n) for x, n in service.links_of(ctx.session, ctx.principal.org_id)
                if x.id == link.id)  # fmt: skip


@router.post("/needs/{need_id}/close", response_model=list[LinkOut])
def close_round(
    need_id: str, body: CloseRoundIn, ctx: Ctx = Depends(enterprise_edit)
) -> list[LinkOut]:
    """The enterprise records its equity round closed; the linked limits open."""
    service.close_round(ctx.session, ctx.principal.org_id, need_id, on=body.date)
    return [_link_out(x, n) for x, n in service.links_of(ctx.session, ctx.principal.org_id)
            if x.need_id == need_id]  # fmt: skip


@router.get("/loan-links", response_model=list[LinkOut])
def loan_links(ctx: Ctx = Depends(party_read)) -> list[LinkOut]:
    """The 投贷联动 links the caller is party to (as bank or as enterprise)."""
    return [_link_out(x, n) for x, n in service.links_of(ctx.session, ctx.principal.org_id)]


# -- data rooms (尽调) ------------------------------------------------------------------------

room_reader = require(OrgKind.ENTERPRISE, *KINDS)


@router.post("/needs/{need_id}/data-rooms", response_model=DataRoomOut, status_code=201)
def open_data_room(
    need_id: str, body: DataRoomIn, ctx: Ctx = Depends(enterprise_edit)
) -> DataRoomOut:
    """The enterprise opens a data room on its need for a matching mandate's organisation:
    a consent grant for ``investment_due_diligence`` until ``valid_until``."""
    room = service.open_room(
        ctx.session, ctx.principal, need_id, mandate_id=body.mandate_id,
        datasets=body.datasets, valid_until=body.valid_until,
    )  # fmt: skip
    return DataRoomOut.of(room, service.is_live(room))


@router.get("/data-rooms", response_model=list[DataRoomOut])
def data_rooms(ctx: Ctx = Depends(room_reader)) -> list[DataRoomOut]:
    """The rooms the organisation opened or was let into."""
    return [
        DataRoomOut.of(r, service.is_live(r)) for r in service.rooms_of(ctx.session, ctx.principal)
    ]


@router.get("/data-rooms/{room_id}/{dataset}")
def read_data_room(
    room_id: str,
    dataset: str,
    start: date | None = Query(default=None),
    end: date | None = Query(default=None),
    ctx: Ctx = Depends(read),
) -> dict[str, object]:
    """The investor reads one of the room's datasets; each read is checked and logged."""
    rows = service.read_room(ctx.session, ctx.principal, room_id, dataset, start=start, end=end)
    return {"count": len(rows), "records": rows}


@router.post("/data-rooms/{room_id}/close", response_model=DataRoomOut)
def close_data_room(room_id: str, ctx: Ctx = Depends(enterprise_edit)) -> DataRoomOut:
    """The enterprise closes the room: its grant is revoked."""
    room = service.close_room(ctx.session, ctx.principal, room_id)
    return DataRoomOut.of(room, False)
