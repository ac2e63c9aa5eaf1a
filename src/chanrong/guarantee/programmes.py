"""Interest-subsidy programmes (贷款贴息): a government body defines one; eligible loans are
found on the platform's own records; each month every enrolled loan's subsidy is computed,
paid to the borrower, journalled and logged, until the budget is spent.

Eligibility is judged by the platform (a pipeline), not by the government body reading
enterprise data: the body sees which loans qualified and the facts its own rules named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.carbon import service as carbon
from chanrong.core.clock import month_bounds
from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.credit import service as credit
from chanrong.governance import service as governance
from chanrong.guarantee import books
from chanrong.guarantee.access import is_government, require_government
from chanrong.guarantee.domain import SchemeError
from chanrong.guarantee.orm import EnrolmentRow, ProgrammeRow, SubsidyPaymentRow
from chanrong.guarantee.repository import GuaranteeRepository
from chanrong.guarantee.subsidy import (
    Eligibility,
    LoanFacts,
    SubsidyMode,
    check_value,
    period_subsidy,
    shortfalls,
    size_of,
)
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal
from chanrong.lending import service as lending


def create_programme(
    session: Session,
    principal: Principal,
    *,
    name: str,
    mode: str,
    value: Decimal,
    eligibility: Mapping[str, Any],
    starts_on: date,
    ends_on: date,
    budget_fen: int,
) -> ProgrammeRow:
    """A government body's officer defines a programme. Logged."""
    require_government(session, principal)
    if not name.strip():
        raise ValidationFailed("name: required", field="name")
    try:
        m = SubsidyMode(mode)
    except ValueError:
        raise ValidationFailed("mode: rate or share", field="mode") from None
    try:
        check_value(m, value)
        rule = Eligibility.from_json(eligibility)
    except SchemeError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from None
    if ends_on <= starts_on:
        raise ValidationFailed("ends_on: must be after starts_on", field="ends_on")
    if budget_fen <= 0:
        raise ValidationFailed("budget: must be positive", field="budget")
    payload = {
        "name": name,
        "mode": m.value,
        "value": str(value),
        "eligibility": rule.to_json(),
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "budget_fen": budget_fen,
    }
    ref = governance.append_log(
        session,
        kind="subsidy.programme.created",
        actor_org_id=principal.org_id,
        subject=f"{principal.org_id}:programme:{name}",
        payload=payload,
    )
    row = ProgrammeRow(
        gov_org_id=principal.org_id,
        name=name,
        mode=m.value,
        value=str(value),
        eligibility=rule.to_json(),
        starts_on=starts_on,
        ends_on=ends_on,
        budget_fen=budget_fen,
        spent_fen=0,
        status="open",
        log_index=ref.index,
    )
    GuaranteeRepository(session).add(row)
    session.flush()
    return row


def get_programme(session: Session, principal: Principal, programme_id: str) -> ProgrammeRow:
    """Its government body (or the operator) sees a programme; others see nothing."""
    row = GuaranteeRepository(session).programme(programme_id)
    if row is None or not (principal.org_id == row.gov_org_id or principal.is_operator):
        raise NotFound(f"no programme {programme_id}")
    return row


def list_programmes(session: Session, principal: Principal) -> Sequence[ProgrammeRow]:
    """A government body's own programmes (every programme for the operator)."""
    repo = GuaranteeRepository(session)
    if principal.is_operator:
        return repo.programmes()
    if is_government(session, principal):
        return repo.programmes(principal.org_id)
    return []


def bank_loans(session: Session) -> list[tuple[str, Any]]:
    """Every bank's loans, each with its bank (trusted callers: pipelines, aggregates)."""
    out: list[tuple[str, Any]] = []
    for org in identity.all_organisations(session):
        if (
            org.kind == OrgKind.FINANCIAL_INSTITUTION.value
            and org.institution_type == InstitutionType.BANK.value
        ):
            officer = identity.system_principal(session, org.id)
            out.extend((org.id, loan) for loan in lending.list_loans(session, officer))
    return out


def _facts(session: Session, loan: Any) -> LoanFacts:
    org = identity.find_organisation(session, loan.borrower_org_id)
    try:
        revenue: int | None = credit.latest_profile(session, loan.borrower_org_id).revenue_12m_fen
    except NotFound:
        revenue = None
    size = size_of(revenue)
    return LoanFacts(
        industry_code=org.industry_code if org else None,
        size=size.value if size else None,
        carbon_grade=carbon.latest_grade(session, loan.borrower_org_id),
        purpose=loan.purpose,
        region_code=org.region_code if org else None,
    )


def find_eligible(session: Session, programme_id: str, *, as_of: date) -> list[EnrolmentRow]:
    """Enrol every active loan, started within the programme's period, that meets its rules
    (trusted callers: the worker's job, the government body's request). Returns new ones."""
    repo = GuaranteeRepository(session)
    prog = repo.programme(programme_id)
    if prog is None:
        raise NotFound(f"no programme {programme_id}")
    if prog.status != "open":
        return []
    rule = Eligibility.from_json(prog.eligibility)
    have = repo.enrolled_loans(prog.id)
    new = []
    for bank_id, loan in bank_loans(session):
        if loan.id in have or loan.status != "active" or loan.start_on is None:
            continue
        if not prog.starts_on <= loan.start_on <= min(prog.ends_on, as_of):
            continue
        facts = _facts(session, loan)
        if shortfalls(rule, facts):
            continue
        row = EnrolmentRow(
            programme_id=prog.id,
            loan_id=loan.id,
            borrower_org_id=loan.borrower_org_id,
            bank_org_id=bank_id,
            principal_fen=loan.principal_fen,
            annual_rate=str(loan.annual_rate),
            facts=_facts_json(facts),
            enrolled_on=as_of,
        )
        repo.add(row)
        new.append(row)
    session.flush()
    return new


def _facts_json(f: LoanFacts) -> dict[str, Any]:
    return {
        "industry_code": f.industry_code,
        "size": f.size,
        "carbon_grade": f.carbon_grade,
        "purpose": f.purpose,
        "region_code": f.region_code,
    }


def pay_period(session: Session, programme_id: str, period: date) -> list[SubsidyPaymentRow]:
    """Compute and pay one month's subsidy on every enrolled loan: interest the borrower paid on
    instalments due that month, at most the programme's rule, at most the budget left. A month
    already paid for a loan is not paid again; an exhausted programme pays nothing more."""
    first, nxt = month_bounds(period)
    repo = GuaranteeRepository(session)
    prog = repo.programme(programme_id, lock=True)
    if prog is None:
        raise NotFound(f"no programme {programme_id}")
    start, end = max(first, prog.starts_on), min(nxt, prog.ends_on)
    if prog.status != "open" or start >= end:
        return []
    done = {p.loan_id for p in repo.payments(prog.id, period=first)}
    mode, value = SubsidyMode(prog.mode), Decimal(prog.value)
    out: list[SubsidyPaymentRow] = []
    logs: list[tuple[str, str | None, str, Mapping[str, Any]]] = []
    for e in repo.enrolments(prog.id):
        if e.loan_id in done or prog.spent_fen >= prog.budget_fen:
            continue
        bank = identity.system_principal(session, e.bank_org_id)
        view = lending.loan_view(session, bank, e.loan_id)
        due_in = [i for i in view.instalments if first <= i.due < nxt]
        interest_paid = sum(i.paid_interest_fen for i in due_in)
        outstanding = sum(i.principal_fen for i in view.instalments if i.due >= first)
        sub = period_subsidy(
            mode,
            value,
            outstanding_fen=outstanding,
            interest_paid_fen=interest_paid,
            days=(end - start).days,
            budget_left_fen=prog.budget_fen - prog.spent_fen,
        )
        pay = SubsidyPaymentRow(
            programme_id=prog.id,
            loan_id=e.loan_id,
            borrower_org_id=e.borrower_org_id,
            period=first,
            interest_paid_fen=interest_paid,
            computed_fen=sub.computed_fen,
            amount_fen=sub.amount_fen,
            limited_by=sub.limited_by,
        )
        repo.add(pay)
        session.flush()
        books.move(
            session,
            kind="subsidy",
            payer_org_id=prog.gov_org_id,
            payee_org_id=e.borrower_org_id,
            amount_fen=sub.amount_fen,
            ref_id=pay.id,
            on=min(nxt, prog.ends_on),
        )
        prog.spent_fen += sub.amount_fen
        out.append(pay)
        if sub.amount_fen:
            logs.append(
                (
                    "subsidy.paid",
                    prog.gov_org_id,
                    f"{e.borrower_org_id}:subsidy:{pay.id}",
                    {
                        "programme_id": prog.id,
                        "loan_id": e.loan_id,
                        "period": first.isoformat(),
                        "amount_fen": sub.amount_fen,
                        "limited_by": sub.limited_by,
                    },
                )
            )
    for pay, ref in zip(
        [p for p in out if p.amount_fen], governance.append_many(session, logs), strict=True
    ):
        pay.log_index = ref.index
    if prog.spent_fen >= prog.budget_fen:
        prog.status = "exhausted"
    session.flush()
    return out


@dataclass(frozen=True, slots=True)
class ProgrammeReport:
    row: ProgrammeRow
    enrolments: Sequence[EnrolmentRow]
    payments: Sequence[SubsidyPaymentRow]

    @property
    def budget_left_fen(self) -> int:
        return self.row.budget_fen - self.row.spent_fen

    def paid_by_period(self) -> dict[date, int]:
        out: dict[date, int] = {}
        for p in self.payments:
            out[p.period] = out.get(p.period, 0) + p.amount_fen
        return out


def programme_report(session: Session, principal: Principal, programme_id: str) -> ProgrammeReport:
    """A programme with its enrolled loans and payments (for its government body)."""
    row = get_programme(session, principal, programme_id)
    repo = GuaranteeRepository(session)
    return ProgrammeReport(row, repo.enrolments(row.id), repo.payments(row.id))


def enrol_now(
    session: Session, principal: Principal, programme_id: str, *, as_of: date
) -> list[EnrolmentRow]:
    """The government body asks for eligible loans to be found now (the worker does it monthly)."""
    get_programme(session, principal, programme_id)
    require_government(session, principal)
    return find_eligible(session, programme_id, as_of=as_of)


def pay_now(
    session: Session, principal: Principal, programme_id: str, period: date
) -> list[SubsidyPaymentRow]:
    """The government body's officer pays one month now (the worker does it monthly)."""
    get_programme(session, principal, programme_id)
    require_government(session, principal)
    return pay_period(session, programme_id, period)


def open_programmes(session: Session) -> Sequence[ProgrammeRow]:
    """Programmes still paying (for the worker)."""
    return [p for p in GuaranteeRepository(session).programmes() if p.status == "open"]
