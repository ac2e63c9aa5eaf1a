"""Typed builders for guarantee tests: a park with a guarantor, a scheme, a guaranteed loan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from chanrong.guarantee import service
from chanrong.guarantee.orm import GuaranteeRow, SchemeRow
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending
from chanrong.lending.orm import Loan
from tests.builders import Member, Park, add_member, add_org, build_park
from tests.lending.builders import active_loan, principal, product


@dataclass
class GuaranteePark:
    park: Park
    guarantor: dict[str, Member]
    bank: Principal
    borrower: Principal
    gov: Principal
    guarantor_officer: Principal


def guarantee_park(session: Session) -> GuaranteePark:
    """The shared test park plus a guarantor (融资担保机构) with admin, officer and viewer."""
    park = build_park(session)
    org = add_org(session, "financial_institution", institution_type="guarantor", name="担保")
    guarantor = {role: add_member(session, org, role) for role in ("admin", "officer", "viewer")}
    park.members["guarantor"] = guarantor
    return GuaranteePark(
        park,
        guarantor,
        principal(session, park["bank"]["officer"]),
        principal(session, park["enterprise"]["officer"]),
        principal(session, park["analyst"]["officer"]),
        principal(session, guarantor["officer"]),
    )


def pingshan(session: Session, gp: GuaranteePark, code: str = "ps-2025") -> SchemeRow:
    """A Pingshan-type pool whose pool is the government body."""
    return service.create_scheme(
        session,
        gp.gov,
        preset="pingshan-pool",
        code=code,
        starts_on=date(2025, 1, 1),
        ends_on=date(2027, 12, 31),
        sharer_orgs={"pool": gp.gov.org_id},
    )


def guaranteed_loan(
    session: Session,
    gp: GuaranteePark,
    scheme: SchemeRow,
    *,
    amount: str = "100000.00",
    start: date = date(2025, 1, 10),
) -> tuple[Loan, GuaranteeRow]:
    """A ¥``amount`` 3-month loan disbursed on ``start``, guaranteed under ``scheme``."""
    prods = lending.list_products(session, gp.bank)
    prod = prods[0] if prods else product(session, gp.bank)
    loan = active_loan(session, gp.bank, gp.borrower, prod=prod, amount=amount, start=start)
    g = service.request_guarantee(
        session,
        gp.bank,
        loan_id=loan.id,
        guarantor_org_id=gp.guarantor_officer.org_id,
        scheme_code=scheme.code,
    )
    service.accept_guarantee(session, gp.guarantor_officer, g.id)
    return loan, g
