"""The demo's capital-side story: a fund manager invests in park firms, watches them under
their consent, and meets a firm's financing need through two-way matchmaking.

Acts through the funds and governance services as the organisations that would act, so the
fund manager's console pages (portfolio, alerts, mandates) hold what the demo printed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from chanrong.funds import service as funds
from chanrong.governance import service as governance
from chanrong.identity import service as identity

FUND_NAME = "湖州产业创投一期 Huzhou Industrial Ventures I"
TICKET_FEN = 5_000_000_00  # ¥5 M per portfolio company


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


def tell(
    session: Session,
    *,
    manager_org_id: str,
    company_org_ids: Sequence[str],
    seeker_org_id: str,
    start: date,
    as_of: date,
) -> FundsStory:
    """Invest in ``company_org_ids`` at ``start``; each grants the manager
    ``investment_monitoring``, except the last, which has not (its read is refused and kept
    for it to see); run the worker's monitoring pass as of ``as_of``; then ``seeker_org_id``
    posts an equity need and the manager a mandate, and the need's best match is found."""
    fund = next((f for f in funds.funds_of(session, manager_org_id) if f.name == FUND_NAME), None)
    if fund is None:
        fund = funds.create_fund(
            session, manager_org_id, name=FUND_NAME, kind="vc", vintage=start.year
        )
        for org_id in company_org_ids:
            funds.add_investment(
                session,
                manager_org_id,
                fund.id,
                funds.InvestmentInput(on=start, company_org_id=org_id, amount_fen=TICKET_FEN),
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
    done = funds.refresh_alerts(session, manager, fund.id, as_of=as_of)
    story = FundsStory(fund_id=fund.id, companies=done.companies, refused=done.refused)
    for alert in funds.list_alerts(session, manager, fund.id, status="new"):
        story.alerts[alert.severity] += 1
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
