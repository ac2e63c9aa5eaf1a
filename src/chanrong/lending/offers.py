"""The enterprise's own journey: the banks' offers, applying with consent, accepting an offer.

An offer is a credit product (credit's data) a bank lends on through its own lending product
of the code the credit product names. An enterprise applies for itself: in the same
transaction it grants the purpose-bound consent the product needs (unless a live one already
covers it) and the bank's automatic decisioning decides at once; an approved decision comes
back with the repayment schedule quoted on the bank's product. Accepting the offer books the
loan, writes its terms document (canonical JSON of the terms and the schedule) and logs the
document's SHA-256 twice: the bank's offer and the enterprise's acceptance. Within the
product's automatic limit the loan is paid out at once; above it, it waits for an officer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import utcnow
from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit import service as credit
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.lending.domain import LoanStatus, ProductKind, Purpose, RateType
from chanrong.lending.events import log_loan_event
from chanrong.lending.loans import accept, activate, new_loan
from chanrong.lending.orm import Loan, Product
from chanrong.lending.products import check_terms, quote
from chanrong.lending.repository import LendingRepository
from chanrong.lending.schedule import Schedule

# The bank acts through its automatic decisioning, not an officer, when an enterprise applies
# and accepts within the product's automatic limit (the same name credit's reads log).
AUTO_USER = "auto-decision"
TERMS_KIND = "chanrong.loan_terms"


@dataclass(frozen=True)
class DatasetTerm:
    """One dataset a consent makes readable: its catalog category and grade."""

    dataset: str
    category: str
    grade: int


@dataclass(frozen=True)
class ConsentTerms:
    """The consent a product needs, spelled out: purpose, categories up to a grade, how long,
    and exactly which datasets that makes readable to the bank."""

    purpose: str
    categories: tuple[str, ...]
    max_grade: int
    days: int
    datasets: tuple[DatasetTerm, ...]  # the product's own datasets
    also_covers: tuple[DatasetTerm, ...]  # other catalog datasets the same scope covers


@dataclass(frozen=True)
class Offer:
    """A bank's credit product as an enterprise sees it."""

    bank_org_id: str
    bank_name: str
    product: credit.CreditProduct
    lending_product: Product
    consent: ConsentTerms


@dataclass(frozen=True)
class EnterpriseApplication:
    """An enterprise's own application: the decision, the consent it ran under, the schedule."""

    decision: Any  # credit's Application row
    offer: Offer
    grant_id: str
    grant_created: bool
    term_months: int
    schedule: Schedule | None  # quoted when approved with a limit


@dataclass(frozen=True)
class Acceptance:
    """A loan created by accepting an offer, with its logged terms document."""

    loan: Loan
    terms: dict[str, Any]
    terms_sha256: str
    offer_log_index: int
    acceptance_log_index: int
    disbursed: bool


def _require_enterprise_actor(principal: Principal) -> None:
    if principal.org_kind is not OrgKind.ENTERPRISE:
        raise Forbidden("only an enterprise applies for and accepts its own credit")
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("this action needs the enterprise's admin or officer role")


def consent_terms(
    session: Session, owner_org_id: str, product: credit.CreditProduct
) -> ConsentTerms:
    """The grant a product's decision needs from ``owner_org_id``: the categories of its
    datasets up to the highest grade among them, for credit assessment, for the product's
    consent period."""
    own: list[DatasetTerm] = []
    for name in product.datasets:
        found = governance.dataset_classification(session, owner_org_id, name)
        if found is None:
            raise Conflict(
                f"product_code: dataset {name} of product {product.code} is not in the catalog",
                field="product_code",
            )
        own.append(DatasetTerm(name, found[0].value, int(found[1])))
    categories = tuple(sorted({d.category for d in own}))
    max_grade = max(d.grade for d in own)
    also = tuple(
        DatasetTerm(name, spec.category.value, int(spec.grade))
        for name, spec in sorted(governance.DEFAULT_CATALOG.items())
        if name not in product.datasets
        and spec.category.value in categories
        and int(spec.grade) <= max_grade
    )
    return ConsentTerms(
        purpose=governance.Purpose.CREDIT_ASSESSMENT.value,
        categories=categories,
        max_grade=max_grade,
        days=product.consent_days,
        datasets=tuple(own),
        also_covers=also,
    )


def list_offers(session: Session, principal: Principal, settings: Settings) -> list[Offer]:
    """Every bank's offers (an enterprise), or a bank's own: each credit product a bank has a
    term lending product for, with the consent it needs spelled out."""
    if principal.org_kind not in (OrgKind.ENTERPRISE, OrgKind.FINANCIAL_INSTITUTION):
        raise Forbidden("offers are for enterprises and the banks that make them")
    repo = LendingRepository(session)
    lending = [
        p
        for p in repo.products(
            principal.org_id if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION else None
        )
        if p.kind == ProductKind.TERM.value
    ]
    owner = principal.org_id
    out: list[Offer] = []
    for prod in credit.products(settings).values():
        for lp in lending:
            if lp.code != prod.lending_code:
                continue
            bank = identity.find_organisation(session, lp.lender_org_id)
            out.append(
                Offer(
                    bank_org_id=lp.lender_org_id,
                    bank_name=bank.name if bank is not None else lp.lender_org_id,
                    product=prod,
                    lending_product=lp,
                    consent=consent_terms(session, owner, prod),
                )
            )
    return out


def _offer(
    session: Session, principal: Principal, settings: Settings, bank_org_id: str, code: str
) -> Offer:
    prod = credit.product(settings, code)
    lp = LendingRepository(session).product_by_code(bank_org_id, prod.lending_code)
    if lp is None or lp.kind != ProductKind.TERM.value:
        raise NotFound(
            f"bank_org_id: bank {bank_org_id} offers no product {code!r}", field="bank_org_id"
        )
    bank = identity.find_organisation(session, bank_org_id)
    return Offer(
        bank_org_id=bank_org_id,
        bank_name=bank.name if bank is not None else bank_org_id,
        product=prod,
        lending_product=lp,
        consent=consent_terms(session, principal.org_id, prod),
    )


def _live_grant(session: Session, principal: Principal, offer: Offer) -> str | None:
    """A live grant to the bank that already covers the offer's consent terms."""
    now = utcnow()
    for g in governance.list_grants(session, principal):
        if (
            g.grantee_org_id == offer.bank_org_id
            and g.purpose == offer.consent.purpose
            and governance.grant_status(g, now) == "live"
            and set(offer.consent.categories) <= set(g.categories)
            and g.max_grade >= offer.consent.max_grade
        ):
            return g.id
    return None


def apply_for_offer(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    bank_org_id: str,
    product_code: str,
    requested_yuan: Decimal | str,
    term_months: int | None = None,
) -> EnterpriseApplication:
    """An enterprise applies for itself: the consent the product needs is granted in the same
    transaction (unless a live one covers it), the bank's automatic decisioning decides, and an
    approved decision comes back with the schedule on the bank's product."""
    _require_enterprise_actor(principal)
    offer = _offer(session, principal, settings, bank_org_id, product_code)
    term = offer.product.term_months if term_months is None else term_months
    fen = _fen(requested_yuan)
    # The ask must fit the bank's product before anyone's data is read for it.
    check_terms(offer.lending_product, fen, term, field="requested_amount")
    grant_id = _live_grant(session, principal, offer)
    created = grant_id is None
    if grant_id is None:
        now = utcnow()
        grant = governance.grant_consent(
            session,
            principal,
            grantee_org_id=bank_org_id,
            categories=list(offer.consent.categories),
            max_grade=offer.consent.max_grade,
            purpose=offer.consent.purpose,
            valid_from=None,
            valid_until=now + timedelta(days=offer.consent.days),
            note=f"credit application: {offer.product.code}",
            now=now,
        )
        grant_id = grant.id
    app = credit.apply_for_self(
        session,
        principal,
        settings,
        bank_org_id=bank_org_id,
        product_code=offer.product.code,
        requested_yuan=requested_yuan,
        term_months=term,
    )
    schedule = None
    if app.status == "approved" and app.limit_fen > 0:
        schedule = _quote(session, principal, offer, app, app.limit_fen, term, utcnow().date())
    return EnterpriseApplication(app, offer, grant_id, created, term, schedule)


def _fen(amount: Decimal | str) -> int:
    try:
        d = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationFailed("requested_amount: not a number", field="requested_amount") from None
    if not d.is_finite() or d <= 0 or d != d.quantize(Decimal("0.01")):
        raise ValidationFailed(
            "requested_amount: a positive amount in yuan with at most 2 decimals",
            field="requested_amount",
        )
    return int(d * 100)


def _rate(offer: Offer, app: Any) -> Decimal | None:
    """The decision's rate on a fixed-rate product (an LPR product prices itself)."""
    if app.rate_pct is not None and offer.lending_product.rate_type == RateType.FIXED.value:
        return Decimal(str(app.rate_pct))
    return None


def _quote(
    session: Session,
    principal: Principal,
    offer: Offer,
    app: Any,
    fen: int,
    term: int,
    start: date,
) -> Schedule:
    _, schedule = quote(
        session,
        principal,
        product_id=offer.lending_product.id,
        amount=Decimal(fen) / 100,
        term_months=term,
        start_on=start,
        annual_rate=_rate(offer, app),
    )
    return schedule


def terms_document(
    app: Any, offer: Offer, loan: Loan, schedule: Schedule, start: date
) -> dict[str, Any]:
    """The loan's terms as both parties accept them: the decision, the product, the amount,
    rate, term and the whole schedule (JSON-ready; hashed in canonical form)."""
    return {
        "kind": TERMS_KIND,
        "version": 1,
        "application_id": app.id,
        "decision_log_index": app.log_index,
        "decision_inputs_sha256": app.inputs_sha256,
        "loan_id": loan.id,
        "lender_org_id": loan.lender_org_id,
        "borrower_org_id": loan.borrower_org_id,
        "credit_product": offer.product.code,
        "lending_product": offer.lending_product.code,
        "principal_fen": loan.principal_fen,
        "annual_rate_pct": str(loan.annual_rate),
        "term_months": loan.term_months,
        "method": loan.method,
        "day_count": loan.day_count,
        "purpose": loan.purpose,
        "start_on": start.isoformat(),
        "schedule": [
            {
                "number": i.number,
                "due_on": i.due.isoformat(),
                "principal_fen": i.principal_fen,
                "interest_fen": i.interest_fen,
            }
            for i in schedule.instalments
        ],
    }


def terms_sha256(document: dict[str, Any]) -> str:
    """The SHA-256 of a terms document in canonical JSON (sorted keys, no spaces)."""
    blob = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def accept_offer(
    session: Session,
    principal: Principal,
    settings: Settings,
    app_id: str,
    *,
    term_months: int | None = None,
    purpose: str = Purpose.WORKING_CAPITAL.value,
) -> Acceptance:
    """The enterprise accepts an approved decision: the loan is booked on the bank's product
    for the granted limit, its terms document is logged with the bank's offer and the
    enterprise's acceptance, and it is paid out at once within the product's automatic limit
    (else it waits, accepted, for an officer of the bank to disburse)."""
    _require_enterprise_actor(principal)
    app = credit.get_application(session, principal, app_id)
    if app.enterprise_org_id != principal.org_id:
        raise NotFound(f"application {app_id} not found")
    if app.status != "approved" or app.limit_fen <= 0:
        raise Conflict(f"status: the application is {app.status}, not approved", field="status")
    repo = LendingRepository(session)
    if any(
        x.decision_id == app.id
        for x in repo.loans(lender_org_id=app.bank_org_id, borrower_org_id=app.enterprise_org_id)
    ):
        raise Conflict("status: this offer has already been accepted", field="status")
    offer = _offer(session, principal, settings, app.bank_org_id, app.product_code)
    # The term the application asked for (and its schedule was quoted on), unless changed now.
    term = term_months if term_months is not None else app.term_months
    if term is None:
        term = offer.product.term_months
    bank = identity.system_principal(session, app.bank_org_id, user_id=AUTO_USER)
    today = utcnow().date()
    loan = new_loan(
        session,
        bank,
        product=offer.lending_product,
        borrower_org_id=app.enterprise_org_id,
        amount=app.limit_fen,
        term_months=term,
        purpose=purpose,
        decision_id=app.id,
        annual_rate=_rate(offer, app),
        sweep_share_pct=None,
        line_id=None,
        kind=ProductKind.TERM,
        start=today,
    )
    schedule = _quote(session, principal, offer, app, loan.principal_fen, term, today)
    document = terms_document(app, offer, loan, schedule, today)
    digest = terms_sha256(document)
    # Two leaves: the bank's offer (the decision, with the document it stands behind) and the
    # enterprise's acceptance of exactly that document (its ``loan.accepted`` entry).
    offered = log_loan_event(
        session,
        "loan.terms_offered",
        app.bank_org_id,
        loan,
        {"terms_sha256": digest, "terms": document, "decision_log_index": app.log_index},
    )
    _, accepted = accept(session, principal, loan.id, terms_sha256=digest)
    disbursed = loan.principal_fen <= offer.product.auto_disburse_limit_fen
    if disbursed:
        activate(session, loan, today)
        log_loan_event(
            session,
            "loan.disbursed",
            app.bank_org_id,
            loan,
            {"on": today.isoformat(), "principal_fen": loan.principal_fen, "automatic": True},
        )
    assert loan.status in (LoanStatus.ACTIVE.value, LoanStatus.ACCEPTED.value)
    return Acceptance(loan, document, digest, offered, accepted, disbursed)
