"""The demo's capital-side story: a government guide fund seeds a sub-fund that invests in park
firms; the manager watches them under their consent, the guide fund is evaluated (返投, 杠杆,
the report), and a firm's financing need meets the manager's mandate.

Acts through the funds and governance services as the organisations that would act, so the
fund manager's console pages (portfolio, alerts, mandates) hold what the demo printed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.funds import service as funds
from chanrong.governance import service as governance
from chanrong.identity import service as identity

GUIDE_NAME = "湖州产业引导基金 Huzhou Industrial Guide Fund"
FUND_NAME = "湖州产业创投一期 Huzhou Industrial Ventures I"
TICKET_FEN = 5_000_000_00  # ¥5 M per portfolio company
GUIDE_SEED_FEN = 10_000_000_00  # the guide fund's ¥10 M in the sub-fund
OTHER_LPS_FEN = 40_000_000_00  # and ¥40 M from social capital (杠杆 5×)


@dataclass
class FundsStory:
    """What the story did, for the CLI to print."""

    fund_id: str
    companies: int
    alerts: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    need_amount_fen: int = 0
    best_match: str = ""
    best_score: int | None = None
    reinvest_ratio: Decimal | None = None  # 返投 achieved (None: unknown)
    reinvest_required: Decimal | None = None
    reinvest_met: bool | None = None
    leverage: Decimal | None = None
    report_html: str = ""


def _seed_funds(
    session: Session,
    manager_org_id: str,
    company_org_ids: Sequence[str],
    start: date,
    government_org_id: str,
    region_code: str,
) -> tuple[str, str]:
    """The guide fund (sponsored by ``government_org_id``, 返投 required 1.5× in
    ``region_code``) and its sub-fund investing in the companies: (guide id, sub-fund id)."""
    guide = funds.create_fund(
        session, manager_org_id, name=GUIDE_NAME, kind="guide_fund", vintage=start.year
    )
    funds.set_terms(
        session,
        manager_org_id,
        guide.id,
        funds.TermsInput(
            region_code=region_code,
            required_reinvest_ratio=Decimal("1.5"),
            sponsor_org_id=government_org_id,
        ),
    )
    fund = funds.create_fund(
        session, manager_org_id, name=FUND_NAME, kind="sub_fund", vintage=start.year
    )
    funds.set_terms(
        session,
        manager_org_id,
        fund.id,
        funds.TermsInput(parent_fund_id=guide.id, guide_contribution_fen=GUIDE_SEED_FEN),
    )
    close = funds.add_close(session, manager_org_id, fund.id, on=start, final=True)
    for lp, amount in ((GUIDE_NAME, GUIDE_SEED_FEN), ("社会资本 other LPs", OTHER_LPS_FEN)):
        funds.add_commitment(
            session, manager_org_id, fund.id, lp=lp, amount_fen=amount, close_id=close.id
        )
    funds.add_flow(session, manager_org_id, guide.id, on=start, amount_fen=-GUIDE_SEED_FEN, lp=None)
    for org_id in company_org_ids:
        funds.add_investment(
            session,
            manager_org_id,
            fund.id,
            funds.InvestmentInput(on=start, company_org_id=org_id, amount_fen=TICKET_FEN),
        )
    return guide.id, fund.id


def tell(
    session: Session,
    *,
    manager_org_id: str,
    company_org_ids: Sequence[str],
    seeker_org_id: str,
    government_org_id: str,
    region_code: str,
    start: date,
    as_of: date,
) -> FundsStory:
    """A guide fund seeds a sub-fund investing in ``company_org_ids`` at ``start``; each grants
    the manager ``investment_monitoring``, except the last, which has not (its read is refused
    and kept for it to see); the worker's monitoring pass runs as of ``as_of``; the guide fund
    is evaluated and its report rendered; then ``seeker_org_id`` posts an equity need and the
    manager a mandate, and the need's best match is found."""
    mine = {f.name: f.id for f in funds.funds_of(session, manager_org_id)}
    if FUND_NAME in mine:
        guide_id, fund_id = mine[GUIDE_NAME], mine[FUND_NAME]
    else:
        guide_id, fund_id = _seed_funds(
            session, manager_org_id, company_org_ids, start, government_org_id, region_code
        )
    until = datetime.now(UTC) + timedelta(days=365)
    for org_id in company_org_ids[:-1]:
        governance.grant_consent(
            session,
            identity.system_principal(session, org_id),
            grantee_org_id=manager_org_id,
            categories=["management"],
            max_grade=2,
            purpose="investment_monitoring",
            valid_from=None,
            valid_until=until,
            note="demo",
        )
    manager = identity.system_principal(session, manager_org_id)
    done = funds.refresh_alerts(session, manager, fund_id, as_of=as_of)
    story = FundsStory(fund_id=fund_id, companies=done.companies, refused=done.refused)
    for alert in funds.list_alerts(session, manager, fund_id, status="new"):
        story.alerts[alert.severity] += 1
    evaluation = funds.evaluate_guide_fund(session, manager_org_id, guide_id, as_of=as_of)
    if evaluation.reinvestment is not None:
        story.reinvest_ratio = evaluation.reinvestment.achieved_ratio
        story.reinvest_required = evaluation.reinvestment.required_ratio
        story.reinvest_met = evaluation.reinvestment.met
    story.leverage = evaluation.leverage.ratio
    story.report_html = funds.render_report(evaluation, as_of.year, "zh-CN")
    need = funds.post_need(
        session,
        seeker_org_id,
        instrument="equity",
        amount_fen=20_000_000_00,
        stage="growth",
        use_of_funds="新产线 a new production line",
    )
    funds.post_mandate(
        session,
        manager_org_id,
        funds.MandateInput(
            name="成长期制造业 growth-stage manufacturing",
            instruments=("equity",),
            stages=("b", "c", "growth"),
            ticket_min_fen=5_000_000_00,
            ticket_max_fen=50_000_000_00,
        ),
    )
    story.need_amount_fen = need.amount_fen
    found = funds.matches_for_need(session, seeker_org_id, need.id)
    if found:
        story.best_match, story.best_score = found[0].org_name, found[0].match.score
    return story
