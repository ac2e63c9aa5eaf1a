"""Request and response bodies of the fund routes (money in yuan as decimal strings)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chanrong.core.money import fen_to_yuan
from chanrong.funds.evaluation import GuideEvaluation
from chanrong.funds.matching import Match
from chanrong.funds.monitoring import CompanyWatch
from chanrong.funds.orm import DataRoom, FundDeal, FundDealMove, FundWatch, PortfolioAlert
from chanrong.funds.performance import Performance


class FlowIn(BaseModel):
    """One cash flow: negative yuan is a capital call, positive a distribution."""

    model_config = ConfigDict(extra="forbid")

    date: date
    amount_yuan: Decimal


class IndexLevelIn(BaseModel):
    """The public index's level on a date (for the PMEs)."""

    model_config = ConfigDict(extra="forbid")

    date: date
    level: Decimal = Field(gt=0)


class PerformanceIn(BaseModel):
    """A fund's dated cash flows, its NAV on a date and, for the PMEs, index levels on every
    flow date and the NAV date."""

    model_config = ConfigDict(extra="forbid")

    flows: list[FlowIn] = Field(min_length=1, max_length=10_000)
    nav_yuan: Decimal = Field(ge=0)
    nav_date: date
    index: list[IndexLevelIn] | None = Field(default=None, max_length=20_000)


class PerformanceOut(BaseModel):
    paid_in_yuan: Decimal
    distributed_yuan: Decimal
    nav_yuan: Decimal
    dpi: Decimal
    rvpi: Decimal
    tvpi: Decimal
    irr: Decimal = Field(description="annual, XIRR actual/365")
    ks_pme: Decimal | None = Field(description="null only when no index was given")
    direct_alpha: Decimal | None = Field(description="annual; null only when no index")

    @classmethod
    def of(cls, p: Performance) -> PerformanceOut:
        """From the pure figures, money in yuan."""
        return cls(
            paid_in_yuan=fen_to_yuan(p.paid_in_fen),
            distributed_yuan=fen_to_yuan(p.distributed_fen),
            nav_yuan=fen_to_yuan(p.nav_fen),
            dpi=p.dpi,
            rvpi=p.rvpi,
            tvpi=p.tvpi,
            irr=p.irr,
            ks_pme=p.ks_pme,
            direct_alpha=p.direct_alpha,
        )


class FundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(max_length=24, description="guide_fund | sub_fund | vc | pe")
    vintage: int = Field(ge=1990, le=2100)


class FundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: str
    vintage: int


class FundFlowIn(BaseModel):
    """A capital call (negative yuan) or a distribution (positive), with the LP if known."""

    model_config = ConfigDict(extra="forbid")

    date: date
    amount_yuan: Decimal
    lp: str | None = Field(default=None, max_length=200)


class NavIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    nav_yuan: Decimal = Field(ge=0)


class RecordedOut(BaseModel):
    id: str


class TermsIn(BaseModel):
    """A sub-fund's link to the guide fund that seeded it (with the contribution), or a guide
    fund's region, required 返投 ratio, mandated sectors and sponsoring government body.
    Omitted terms stay unknown."""

    model_config = ConfigDict(extra="forbid")

    parent_fund_id: str | None = Field(default=None, max_length=36)
    guide_contribution_yuan: Decimal | None = None
    region_code: str | None = Field(default=None, max_length=6, description="GB/T 2260")
    required_reinvest_ratio: Decimal | None = Field(
        default=None, description="返投 required, as a multiple of the guide fund's contribution"
    )
    mandated_sectors: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="GB/T 4754 code prefixes, or taxonomy fields (their GB/T 4754 divisions)",
    )
    sponsor_org_id: str | None = Field(default=None, max_length=36)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    final: bool = False


class CommitmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lp: str = Field(min_length=1, max_length=200)
    amount_yuan: Decimal
    close_id: str | None = Field(default=None, max_length=36)


class InvestmentIn(BaseModel):
    """An investment in a platform enterprise (``company_org_id``) or a named company; amount,
    sector and region may be omitted when unknown (they stay unknown)."""

    model_config = ConfigDict(extra="forbid")

    date: date
    company_org_id: str | None = Field(default=None, max_length=36)
    company_name: str | None = Field(default=None, max_length=200)
    uscc: str | None = Field(default=None, max_length=18)
    amount_yuan: Decimal | None = None
    sector_code: str | None = Field(default=None, max_length=8, description="GB/T 4754")
    region_code: str | None = Field(default=None, max_length=6, description="GB/T 2260")


class InvestmentOut(BaseModel):
    id: str
    fund_id: str
    company_org_id: str | None
    company_name: str
    uscc: str | None
    amount_yuan: Decimal | None
    date: date
    sector_code: str | None
    region_code: str | None


class LeverageOut(BaseModel):
    ratio: Decimal | None = Field(description="null when a seeded fund's size is unknown")
    total_committed_yuan: Decimal | None
    guide_contribution_yuan: Decimal
    funds: list[str]
    unknown_funds: list[str]


class ReinvestmentOut(BaseModel):
    achieved_ratio: Decimal | None
    required_ratio: Decimal | None
    met: bool | None
    in_region_yuan: Decimal
    base_yuan: Decimal
    investments: list[str]
    unknown_investments: list[str]
    unknown_known_amount_yuan: Decimal


class SectorShareOut(BaseModel):
    share: Decimal | None = Field(description="null when no investment has a known sector")
    mandated_yuan: Decimal
    known_yuan: Decimal
    investments: list[str]
    unknown_investments: list[str]


class JPointOut(BaseModel):
    date: date
    cumulative_yuan: Decimal


class JCurveOut(BaseModel):
    points: list[JPointOut]
    trough_date: date | None
    trough_yuan: Decimal | None
    breakeven_date: date | None


class EvaluationOut(BaseModel):
    fund_id: str
    name: str
    leverage: LeverageOut
    reinvestment: ReinvestmentOut | None = Field(description="null: no region recorded")
    sectors: SectorShareOut | None = Field(description="null: no mandated sectors recorded")
    j_curve: JCurveOut
    realised: RealisedOut
    performance: PerformanceOut | None
    performance_missing: str | None
    performance_records: list[str]

    @classmethod
    def of(cls, e: GuideEvaluation) -> EvaluationOut:
        """From the evaluation, money in yuan, every figure with its record ids."""
        lev, r, s, j, p = e.leverage, e.reinvestment, e.sectors, e.j_curve, e.performance
        total = lev.total_committed_fen
        return cls(
            fund_id=e.fund.id,
            name=e.fund.name,
            leverage=LeverageOut(
                ratio=lev.ratio,
                total_committed_yuan=None if total is None else fen_to_yuan(total),
                guide_contribution_yuan=fen_to_yuan(lev.guide_contribution_fen),
                funds=list(lev.funds),
                unknown_funds=list(lev.unknown_funds),
            ),
            reinvestment=None
            if r is None
            else ReinvestmentOut(
                achieved_ratio=r.achieved_ratio,
                required_ratio=r.required_ratio,
                met=r.met,
                in_region_yuan=fen_to_yuan(r.in_region_fen),
                base_yuan=fen_to_yuan(r.base_fen),
                investments=list(r.in_region),
                unknown_investments=list(r.unknown),
                unknown_known_amount_yuan=fen_to_yuan(r.unknown_known_amount_fen),
            ),
            sectors=None
            if s is None
            else SectorShareOut(
                share=s.share,
                mandated_yuan=fen_to_yuan(s.mandated_fen),
                known_yuan=fen_to_yuan(s.known_fen),
                investments=list(s.mandated),
                unknown_investments=list(s.unknown),
            ),
            j_curve=JCurveOut(
                points=[
                    JPointOut(date=x.on, cumulative_yuan=fen_to_yuan(x.cumulative_fen))
                    for x in j.points
                ],
                trough_date=j.trough_on,
                trough_yuan=None if j.trough_fen is None else fen_to_yuan(j.trough_fen),
                breakeven_date=j.breakeven_on,
            ),
            realised=RealisedOut(
                multiple=e.realised.multiple,
                proceeds_yuan=fen_to_yuan(e.realised.proceeds_fen),
                cost_yuan=fen_to_yuan(e.realised.cost_fen),
                exits=list(e.realised.exits),
                unknown_cost_investments=list(e.realised.unknown_cost),
            ),
            performance=None if p.figures is None else PerformanceOut.of(p.figures),
            performance_missing=p.missing,
            performance_records=[*([p.nav_id] if p.nav_id else []), *p.flow_ids],
        )


class ExitIn(BaseModel):
    """An exit: ipo | ma | buyback | writeoff. Proceeds are distributed to the LPs as a cash
    flow on the exit date unless ``distribute`` is false."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(max_length=16)
    date: date
    proceeds_yuan: Decimal = Field(default=Decimal(0), ge=0)
    distribute: bool = True


class ExitOut(BaseModel):
    id: str
    investment_id: str
    kind: str
    date: date
    proceeds_yuan: Decimal
    flow_id: str | None


class RealisedOut(BaseModel):
    multiple: Decimal | None = Field(description="null: no exited investment of known cost")
    proceeds_yuan: Decimal
    cost_yuan: Decimal
    exits: list[str]
    unknown_cost_investments: list[str]


class AlertOut(BaseModel):
    kind: str
    severity: str
    params: dict[str, str]


class CompanyWatchOut(BaseModel):
    """One portfolio company: read under its grant (indicators, profile, alerts) or refused
    with the reason (nothing read)."""

    company_org_id: str
    company_name: str
    investments: list[str]
    granted: bool
    refusal: str | None
    profile_as_of: date | None
    profile: dict[str, Any] | None
    indicators: dict[str, Any]
    alerts: list[AlertOut]

    @classmethod
    def of(cls, w: CompanyWatch) -> CompanyWatchOut:
        """From one pass of the portfolio watch."""
        return cls(
            company_org_id=w.company_org_id,
            company_name=w.company_name,
            investments=list(w.investment_ids),
            granted=w.granted,
            refusal=w.refusal,
            profile_as_of=w.profile_as_of,
            profile=w.profile,
            indicators=w.indicators,
            alerts=[
                AlertOut(kind=a.kind.value, severity=a.severity.value, params=a.params)
                for a in w.alerts
            ],
        )


class NeedIn(BaseModel):
    """A financing need: instrument (equity | loan | lease | supply_chain), amount, stage
    (seed | angel | a | b | c | growth | pre_ipo | mature; omit when not applicable), use."""

    model_config = ConfigDict(extra="forbid")

    instrument: str = Field(max_length=16)
    amount_yuan: Decimal
    stage: str | None = Field(default=None, max_length=16)
    use_of_funds: str = Field(min_length=1, max_length=500)


class NeedOut(BaseModel):
    id: str
    instrument: str
    amount_yuan: Decimal
    stage: str | None
    use_of_funds: str
    sector_code: str | None
    region_code: str | None


class MandateIn(BaseModel):
    """An investor's or a bank's mandate; empty lists and omitted bounds mean any."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    instruments: list[str] = Field(min_length=1, max_length=4)
    sectors: list[str] = Field(default_factory=list, max_length=50)
    stages: list[str] = Field(default_factory=list, max_length=8)
    regions: list[str] = Field(default_factory=list, max_length=50)
    ticket_min_yuan: Decimal | None = None
    ticket_max_yuan: Decimal | None = None


class ReasonOut(BaseModel):
    criterion: str
    met: bool
    points: int
    detail: str


class MatchOut(BaseModel):
    """One match: the other side's id and organisation, the score and every reason."""

    need_id: str
    mandate_id: str
    counterparty_org_id: str
    counterparty: str
    score: int
    reasons: list[ReasonOut]
    amount_yuan: Decimal | None = None  # the need's amount (on the mandate side)


def reasons_out(m: Match) -> list[ReasonOut]:
    """The match's reasons as response rows."""
    return [
        ReasonOut(criterion=r.criterion, met=r.met, points=r.points, detail=r.detail)
        for r in m.reasons
    ]


class LinkIn(BaseModel):
    """投贷联动: the bank's product and the limit that opens when the equity round closes."""

    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(max_length=36)
    limit_yuan: Decimal


class CloseRoundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date


class LinkOut(BaseModel):
    id: str
    bank_org_id: str
    need_id: str
    enterprise_org_id: str
    product_id: str
    limit_yuan: Decimal
    condition: str
    status: str
    opened_on: date | None


class PortfolioAlertOut(BaseModel):
    """A stored portfolio alert (投后预警) and where it is in its lifecycle."""

    id: str
    company_org_id: str
    kind: str
    severity: str
    status: str = Field(description="new | acknowledged | closed")
    params: dict[str, str]
    evidence: dict[str, Any] = Field(description="empty once the company's grant has ended")
    first_detected_on: date
    last_detected_on: date
    closed_on: date | None
    closed_reason: str | None = Field(description="cleared | manual | consent_<reason>")

    @classmethod
    def of(cls, a: PortfolioAlert) -> PortfolioAlertOut:
        """From the stored alert."""
        return cls(
            id=a.id,
            company_org_id=a.company_org_id,
            kind=a.kind,
            severity=a.severity,
            status=a.status,
            params=dict(a.params),
            evidence=dict(a.evidence),
            first_detected_on=a.first_detected_on,
            last_detected_on=a.last_detected_on,
            closed_on=a.closed_on,
            closed_reason=a.closed_reason,
        )


class WatchIn(BaseModel):
    """A company for the watch list, named as the market data writes it."""

    model_config = ConfigDict(extra="forbid")

    company_name: str = Field(min_length=1, max_length=200)


class WatchOut(BaseModel):
    id: str
    company_name: str

    @classmethod
    def of(cls, w: FundWatch) -> WatchOut:
        """From the stored row."""
        return cls(id=w.id, company_name=w.company_name)


class DealMoveIn(BaseModel):
    """Move a deal to its next stage, or to ``passed``."""

    model_config = ConfigDict(extra="forbid")

    to: str = Field(max_length=16)
    note: str = Field(default="", max_length=300)


class DealMoveOut(BaseModel):
    from_stage: str | None
    to_stage: str
    by_user: str | None
    note: str

    @classmethod
    def of(cls, m: FundDealMove) -> DealMoveOut:
        """From the stored move."""
        return cls(from_stage=m.from_stage, to_stage=m.to_stage, by_user=m.by_user, note=m.note)


class DealOut(BaseModel):
    """A deal in the pipeline; round, date and amount as the market event had them (null:
    unknown), and every move so far."""

    id: str
    company_name: str
    source: str
    source_ref: str | None
    round: str | None
    event_date: date | None
    amount_yuan: Decimal | None
    stage: str
    moves: list[DealMoveOut]

    @classmethod
    def of(cls, d: FundDeal, moves: list[FundDealMove]) -> DealOut:
        """From the stored deal and its moves."""
        return cls(
            id=d.id,
            company_name=d.company_name,
            source=d.source,
            source_ref=d.source_ref,
            round=d.round,
            event_date=d.event_date,
            amount_yuan=fen_to_yuan(d.amount_fen) if d.amount_fen is not None else None,
            stage=d.stage,
            moves=[DealMoveOut.of(m) for m in moves if m.deal_id == d.id],
        )


class SyncedOut(BaseModel):
    watched: int
    not_in_market: list[str]
    added: list[str]


class DataRoomIn(BaseModel):
    """Open a data room on a need for the organisation of a matching mandate."""

    model_config = ConfigDict(extra="forbid")

    mandate_id: str = Field(max_length=36)
    datasets: list[str] = Field(min_length=1, max_length=5)
    valid_until: datetime


class DataRoomOut(BaseModel):
    id: str
    need_id: str
    mandate_id: str
    enterprise_org_id: str
    investor_org_id: str
    grant_id: str
    datasets: list[str]
    valid_until: datetime
    status: str = Field(description="open | closed (an expired room reads as open but live=false)")
    live: bool

    @classmethod
    def of(cls, r: DataRoom, live: bool) -> DataRoomOut:
        """From the stored room."""
        return cls(
            id=r.id,
            need_id=r.need_id,
            mandate_id=r.mandate_id,
            enterprise_org_id=r.enterprise_org_id,
            investor_org_id=r.investor_org_id,
            grant_id=r.grant_id,
            datasets=r.datasets.split(","),
            valid_until=r.valid_until,
            status=r.status,
            live=live,
        )
