"""Guide-fund structure and portfolio records: terms (sub-fund → guide fund, region, 返投 ratio,
mandated sectors, sponsor), closes, LP commitments, investments. Flushes, never commits.

Only the organisation that recorded a fund writes to it; the government body named as a guide
fund's sponsor may read the guide fund and the sub-funds it seeded (``readable_fund``).
Everyone else is told the fund does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chanrong.core.codes import validate_industry, validate_region
from chanrong.core.errors import Conflict, NotFound, ValidationFailed
from chanrong.core.uscc import validate_uscc
from chanrong.funds.orm import Fund, FundClose, FundCommitment, FundInvestment, FundTerms
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind
from chanrong.market import service as market


def owned_fund(session: Session, org_id: str, fund_id: str) -> Fund:
    """The organisation's own fund, or NotFound (also for another organisation's fund)."""
    fund = session.get(Fund, fund_id)
    if fund is None or fund.org_id != org_id:
        raise NotFound(f"no fund {fund_id}")
    return fund


def terms_of(session: Session, fund_id: str) -> FundTerms | None:
    """The fund's structure and evaluation terms, when recorded."""
    return session.get(FundTerms, fund_id)


def readable_fund(session: Session, org_id: str, fund_id: str) -> Fund:
    """The fund if ``org_id`` recorded it or sponsors it (or the guide fund that seeded it)."""
    fund = session.get(Fund, fund_id)
    if fund is None:
        raise NotFound(f"no fund {fund_id}")
    if fund.org_id == org_id:
        return fund
    terms = terms_of(session, fund.id)
    if terms is not None:
        if terms.sponsor_org_id == org_id:
            return fund
        if terms.parent_fund_id is not None:
            parent = terms_of(session, terms.parent_fund_id)
            if parent is not None and parent.sponsor_org_id == org_id:
                return fund
    raise NotFound(f"no fund {fund_id}")


def sponsored_funds(session: Session, org_id: str) -> Sequence[Fund]:
    """The guide funds a government body sponsors, by name."""
    return session.scalars(
        select(Fund)
        .join(FundTerms, FundTerms.fund_id == Fund.id)
        .where(FundTerms.sponsor_org_id == org_id)
        .order_by(Fund.name)
    ).all()


@dataclass(frozen=True, slots=True)
class TermsInput:
    """What may be set on a fund's terms; None leaves a term unknown."""

    parent_fund_id: str | None = None
    guide_contribution_fen: int | None = None
    region_code: str | None = None
    required_reinvest_ratio: Decimal | None = None
    mandated_sectors: tuple[str, ...] = ()
    sponsor_org_id: str | None = None


def set_terms(session: Session, org_id: str, fund_id: str, terms: TermsInput) -> FundTerms:
    """Record (or replace) a fund's terms: a sub-fund's link to the guide fund that seeded it
    with its contribution, or a guide fund's region, required 返投 ratio, mandated sectors and
    sponsoring government body."""
    fund = owned_fund(session, org_id, fund_id)
    if terms.parent_fund_id is not None:
        parent = owned_fund(session, org_id, terms.parent_fund_id)
        if parent.kind != "guide_fund":
            raise ValidationFailed(
                "parent_fund_id: the parent must be a guide fund", field="parent_fund_id"
            )
        if parent.id == fund.id:
            raise ValidationFailed(
                "parent_fund_id: a fund cannot seed itself", field="parent_fund_id"
            )
        if fund.kind != "sub_fund":
            raise ValidationFailed(
                "parent_fund_id: only a sub_fund is seeded by a guide fund", field="parent_fund_id"
            )
        if terms.guide_contribution_fen is None or terms.guide_contribution_fen <= 0:
            raise ValidationFailed(
                "guide_contribution_yuan: give the guide fund's contribution (positive)",
                field="guide_contribution_yuan",
            )
    elif terms.guide_contribution_fen is not None:
        raise ValidationFailed(
            "guide_contribution_yuan: only with parent_fund_id", field="guide_contribution_yuan"
        )
    region = validate_region(terms.region_code).code if terms.region_code else None
    # A mandated sector is a GB/T 4754 code, or a field of the project's industrial-internet
    # taxonomy, which stands for the GB/T 4754 divisions its companies are registered under.
    sectors: list[str] = []
    for s in terms.mandated_sectors:
        divisions = market.field_industries(s)
        codes = divisions or (validate_industry(s, field="mandated_sectors").code,)
        sectors += [c for c in codes if c not in sectors]
    ratio = terms.required_reinvest_ratio
    if ratio is not None and ratio < 0:
        raise ValidationFailed(
            "required_reinvest_ratio: cannot be negative", field="required_reinvest_ratio"
        )
    sponsor = terms.sponsor_org_id
    if sponsor is not None and identity.organisation_kind(session, sponsor) is not OrgKind.ANALYST:
        raise ValidationFailed(
            "sponsor_org_id: the sponsor must be a government (analyst) organisation",
            field="sponsor_org_id",
        )
    row = session.get(FundTerms, fund.id) or FundTerms(fund_id=fund.id)
    row.parent_fund_id = terms.parent_fund_id
    row.guide_contribution_fen = terms.guide_contribution_fen
    row.region_code = region
    row.required_reinvest_ratio = ratio
    row.mandated_sectors = ",".join(sectors) or None
    row.sponsor_org_id = terms.sponsor_org_id
    session.add(row)
    session.flush()
    return row


def sub_funds(session: Session, guide_fund_id: str) -> Sequence[tuple[Fund, FundTerms]]:
    """The sub-funds a guide fund seeded, with their terms, by name."""
    rows = session.execute(
        select(Fund, FundTerms)
        .join(FundTerms, FundTerms.fund_id == Fund.id)
        .where(FundTerms.parent_fund_id == guide_fund_id)
        .order_by(Fund.name)
    ).all()
    return [(f, t) for f, t in rows]


def add_close(session: Session, org_id: str, fund_id: str, *, on: date, final: bool) -> FundClose:
    """Record a close of the fundraising; after the final close no other close is taken."""
    fund = owned_fund(session, org_id, fund_id)
    done = session.scalar(select(FundClose).where(FundClose.fund_id == fund.id, FundClose.final))
    if done is not None:
        raise Conflict(f"the final close was on {done.on}")
    row = FundClose(fund_id=fund.id, on=on, final=final)
    session.add(row)
    session.flush()
    return row


def closes_of(session: Session, fund_id: str) -> Sequence[FundClose]:
    """The fund's closes by date."""
    return session.scalars(
        select(FundClose).where(FundClose.fund_id == fund_id).order_by(FundClose.on)
    ).all()


def add_commitment(
    session: Session,
    org_id: str,
    fund_id: str,
    *,
    lp: str,
    amount_fen: int,
    close_id: str | None,
) -> FundCommitment:
    """Record an LP's commitment (positive), at one of the fund's closes when given."""
    fund = owned_fund(session, org_id, fund_id)
    if amount_fen <= 0:
        raise ValidationFailed("amount_yuan: a commitment is positive", field="amount_yuan")
    if close_id is not None:
        close = session.get(FundClose, close_id)
        if close is None or close.fund_id != fund.id:
            raise ValidationFailed(f"close_id: no close {close_id} of this fund", field="close_id")
    row = FundCommitment(fund_id=fund.id, lp=lp.strip(), amount_fen=amount_fen, close_id=close_id)
    session.add(row)
    session.flush()
    return row


def commitments_of(session: Session, fund_id: str) -> Sequence[FundCommitment]:
    """The fund's LP commitments."""
    return session.scalars(
        select(FundCommitment).where(FundCommitment.fund_id == fund_id).order_by(FundCommitment.lp)
    ).all()


def committed_total(session: Session, fund_id: str) -> int | None:
    """The fund's total committed capital, or None when no commitment is recorded."""
    rows = commitments_of(session, fund_id)
    return sum(c.amount_fen for c in rows) if rows else None


@dataclass(frozen=True, slots=True)
class InvestmentInput:
    """A portfolio investment as given; unknown amount, sector or region stay None."""

    on: date
    company_org_id: str | None = None
    company_name: str | None = None
    uscc: str | None = None
    amount_fen: int | None = None
    sector_code: str | None = None
    region_code: str | None = None


def add_investment(
    session: Session, org_id: str, fund_id: str, inv: InvestmentInput
) -> FundInvestment:
    """Record an investment in a platform enterprise (its name, USCC, and — unless given —
    sector and region come from its registration) or in a named company."""
    fund = owned_fund(session, org_id, fund_id)
    name, uscc = inv.company_name, inv.uscc
    sector, region = inv.sector_code, inv.region_code
    if inv.company_org_id is not None:
        org = identity.find_organisation(session, inv.company_org_id)
        if org is None or org.kind != OrgKind.ENTERPRISE.value:
            raise ValidationFailed(
                f"company_org_id: no enterprise {inv.company_org_id} on the platform",
                field="company_org_id",
            )
        name, uscc = name or org.name, uscc or org.uscc
        sector, region = sector or org.industry_code, region or org.region_code
    if not name or not name.strip():
        raise ValidationFailed(
            "company_name: name the company or give company_org_id", field="company_name"
        )
    if inv.amount_fen is not None and inv.amount_fen <= 0:
        raise ValidationFailed("amount_yuan: an investment is positive", field="amount_yuan")
    row = FundInvestment(
        fund_id=fund.id,
        company_org_id=inv.company_org_id,
        company_name=name.strip(),
        uscc=validate_uscc(uscc).code if uscc else None,
        amount_fen=inv.amount_fen,
        on=inv.on,
        sector_code=validate_industry(sector, field="sector_code").code if sector else None,
        region_code=validate_region(region).code if region else None,
    )
    session.add(row)
    session.flush()
    return row


def investments_of(session: Session, fund_ids: Sequence[str]) -> Sequence[FundInvestment]:
    """The investments of the given funds by date."""
    if not fund_ids:
        return []
    return session.scalars(
        select(FundInvestment)
        .where(FundInvestment.fund_id.in_(fund_ids))
        .order_by(FundInvestment.on, FundInvestment.id)
    ).all()
