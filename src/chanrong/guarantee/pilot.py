"""The pilot dashboard of a government body (试点成效), from the platform's own records:
loans and amounts by month, SMEs served, rates against the LPR, green loans, guarantee losses
and subsidy spend. Aggregates only: no enterprise is named, no enterprise's record is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.carbon import service as carbon
from chanrong.core.errors import Forbidden
from chanrong.guarantee.access import is_government
from chanrong.guarantee.programmes import bank_loans, list_programmes
from chanrong.guarantee.repository import GuaranteeRepository
from chanrong.guarantee.schemes import scheme_report
from chanrong.identity.domain import Principal

# The one-year Loan Prime Rate as announced (per cent; from the day it took effect). Data, not
# a rule: extend it as fixings are announced.
LPR_1Y: tuple[tuple[date, Decimal], ...] = (
    (date(2023, 8, 21), Decimal("3.45")),
    (date(2024, 7, 22), Decimal("3.35")),
    (date(2024, 10, 21), Decimal("3.10")),
    (date(2025, 5, 20), Decimal("3.00")),
)
GREEN_GRADES = (1, 2)  # 碳效码 grades counted as green borrowers


def lpr_on(day: date) -> Decimal | None:
    """The one-year LPR in force on ``day`` (None before the first fixing listed)."""
    out = None
    for since, rate in LPR_1Y:
        if since <= day:
            out = rate
    return out


@dataclass
class Pilot:
    by_month: dict[str, tuple[int, int]] = field(default_factory=dict)  # month → (loans, fen)
    loans: int = 0
    amount_fen: int = 0
    smes: int = 0
    avg_rate: Decimal | None = None  # principal-weighted, per cent
    avg_spread_to_lpr: Decimal | None = None  # principal-weighted, percentage points
    green_loans: int = 0
    green_amount_fen: int = 0
    guarantee_losses: dict[str, int] = field(default_factory=dict)  # party → net fen
    guaranteed_loans: int = 0
    claims: int = 0
    subsidy_spent_fen: int = 0
    subsidy_budget_fen: int = 0


def pilot_figures(session: Session, principal: Principal) -> Pilot:
    """The park's figures for a government body (or the platform operator)."""
    if not (principal.is_operator or is_government(session, principal)):
        raise Forbidden("the pilot dashboard is for government bodies and the operator")
    out = Pilot()
    borrowers: set[str] = set()
    rate_w = spread_w = Decimal(0)
    spread_base = 0
    grades: dict[str, int | None] = {}
    for _, loan in bank_loans(session):
        if loan.start_on is None:
            continue
        month = loan.start_on.strftime("%Y-%m")
        n, fen = out.by_month.get(month, (0, 0))
        out.by_month[month] = (n + 1, fen + loan.principal_fen)
        out.loans += 1
        out.amount_fen += loan.principal_fen
        borrowers.add(loan.borrower_org_id)
        rate_w += Decimal(loan.principal_fen) * Decimal(loan.annual_rate)
        lpr = lpr_on(loan.start_on)
        if lpr is not None:
            spread_w += Decimal(loan.principal_fen) * (Decimal(loan.annual_rate) - lpr)
            spread_base += loan.principal_fen
        if loan.borrower_org_id not in grades:
            grades[loan.borrower_org_id] = carbon.latest_grade(session, loan.borrower_org_id)
        if grades[loan.borrower_org_id] in GREEN_GRADES:
            out.green_loans += 1
            out.green_amount_fen += loan.principal_fen
    out.by_month = dict(sorted(out.by_month.items()))
    out.smes = len(borrowers)
    if out.amount_fen:
        out.avg_rate = (rate_w / out.amount_fen).quantize(Decimal("0.01"))
    if spread_base:
        out.avg_spread_to_lpr = (spread_w / spread_base).quantize(Decimal("0.01"))
    repo = GuaranteeRepository(session)
    for row in repo.schemes():
        r = scheme_report(session, row)
        out.claims += r.claims
        for party, fen in r.net_losses.items():
            out.guarantee_losses[party] = out.guarantee_losses.get(party, 0) + fen
    out.guaranteed_loans = sum(1 for g in repo.guarantees() if g.status in ("active", "claimed"))
    for p in list_programmes(session, principal):
        out.subsidy_spent_fen += p.spent_fen
        out.subsidy_budget_fen += p.budget_fen
    return out
