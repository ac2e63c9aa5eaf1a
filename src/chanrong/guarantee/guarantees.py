"""Guaranteed loans: the bank asks, the guarantor accepts into a scheme (or the scheme's
breaker refuses), fees accrue per period; on default the bank claims (代偿) and the scheme
splits the loss; recoveries are shared back. Every money movement is journalled
(``books.move``) and every claim, payout and recovery is a leaf of the verifiable log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chanrong.governance import service as governance
from chanrong.guarantee import books
from chanrong.guarantee.access import is_guarantor, require_bank, require_guarantor
from chanrong.guarantee.domain import (
    BANK,
    BORROWER,
    GUARANTOR,
    admission,
    fees_for,
    share_recovery,
    split_default,
)
from chanrong.guarantee.orm import ClaimRow, FeeRow, GuaranteeRow, RecoveryRow, SchemeRow
from chanrong.guarantee.repository import GuaranteeRepository
from chanrong.guarantee.schemes import get_scheme, position_of, scheme_of
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind, Principal
from chanrong.lending import service as lending

# A loan is in default for a claim at 90 days past due or once classed non-performing.
DEFAULT_DPD = 90
NON_PERFORMING = ("substandard", "doubtful", "loss")


def _org_for(party: str, g: GuaranteeRow, scheme: SchemeRow) -> str:
    if party == BANK:
        return g.bank_org_id
    if party == GUARANTOR:
        return g.guarantor_org_id
    if party == BORROWER:
        return g.borrower_org_id
    return scheme.sharer_orgs[party]


def _visible(session: Session, principal: Principal, guarantee_id: str) -> GuaranteeRow:
    """A guarantee its guarantor, bank or borrower (or a sharer of its scheme) may see."""
    repo = GuaranteeRepository(session)
    g = repo.guarantee(guarantee_id)
    if g is not None:
        scheme = repo.scheme(g.scheme_id)
        parties = {g.guarantor_org_id, g.bank_org_id, g.borrower_org_id}
        if scheme is not None:
            parties |= set(scheme.sharer_orgs.values()) | {scheme.owner_org_id}
        if principal.org_id in parties or principal.is_operator:
            return g
    raise NotFound(f"no guarantee {guarantee_id}")


def request_guarantee(
    session: Session,
    principal: Principal,
    *,
    loan_id: str,
    guarantor_org_id: str,
    scheme_code: str,
) -> GuaranteeRow:
    """The lending bank asks a guarantor to guarantee one of its active loans under a scheme."""
    require_bank(principal)
    loan = lending.get_loan(session, principal, loan_id)
    if loan.lender_org_id != principal.org_id:
        raise NotFound(f"no loan {loan_id}")
    if loan.status != "active" or loan.start_on is None:
        raise Conflict(f"loan_id: the loan is {loan.status}, not active", field="loan_id")
    org = identity.find_organisation(session, guarantor_org_id)
    if (
        org is None
        or org.kind != OrgKind.FINANCIAL_INSTITUTION.value
        or org.institution_type != InstitutionType.GUARANTOR.value
    ):
        raise ValidationFailed("guarantor_org_id: not a guarantor", field="guarantor_org_id")
    scheme = get_scheme(session, scheme_code)
    repo = GuaranteeRepository(session)
    if repo.guarantee_of_loan(loan.id) is not None:
        raise Conflict("loan_id: this loan already has a guarantee", field="loan_id")
    g = GuaranteeRow(
        scheme_id=scheme.id,
        loan_id=loan.id,
        guarantor_org_id=guarantor_org_id,
        bank_org_id=principal.org_id,
        borrower_org_id=loan.borrower_org_id,
        principal_fen=loan.principal_fen,
        starts_on=loan.start_on,
        status="requested",
        fees_through=loan.start_on,
    )
    repo.add(g)
    session.flush()
    return g


def accept_guarantee(session: Session, principal: Principal, guarantee_id: str) -> GuaranteeRow:
    """The guarantor accepts: the loan enters the scheme unless the scheme refuses it (its
    loss-rate breaker has tripped, or the loan is too large): then 409 naming why. Logged."""
    require_guarantor(principal)
    g = _visible(session, principal, guarantee_id)
    if g.guarantor_org_id != principal.org_id:
        raise Forbidden("only the guarantor asked may accept")
    if g.status != "requested":
        raise Conflict(f"status: the guarantee is {g.status}", field="status")
    repo = GuaranteeRepository(session)
    row = repo.scheme(g.scheme_id, lock=True)
    assert row is not None
    if not row.starts_on <= g.starts_on <= row.ends_on:
        # Only loans made within the scheme's cooperation period may enter it.
        raise Conflict(
            f"scheme: the loan starts outside {row.starts_on} – {row.ends_on}",
            field="scheme",
            extra={"reason": "outside_period"},
        )
    refusal = admission(scheme_of(row), position_of(session, row), g.principal_fen)
    if refusal is not None:
        raise Conflict(
            f"scheme: refused ({refusal.value})", field="scheme", extra={"reason": refusal.value}
        )
    ref = governance.append_log(
        session,
        kind="guarantee.accepted",
        actor_org_id=principal.org_id,
        subject=f"{g.bank_org_id}:guarantee:{g.id}",
        payload={
            "loan_id": g.loan_id,
            "scheme": row.code,
            "principal_fen": g.principal_fen,
            "guarantor": g.guarantor_org_id,
            "borrower": g.borrower_org_id,
        },
    )
    g.status, g.log_index = "active", ref.index
    session.flush()
    return g


def collect_fees(session: Session, guarantee_id: str, through: date) -> list[FeeRow]:
    """Charge every fee of the scheme on one active guarantee from where fees were last
    charged up to ``through`` (ACT/365), journalled payer → payee. Trusted callers (the
    worker's monthly job, the demo); a second call for the same period charges nothing."""
    repo = GuaranteeRepository(session)
    g = repo.guarantee(guarantee_id)
    if g is None:
        raise NotFound(f"no guarantee {guarantee_id}")
    if g.status != "active" or through <= g.fees_through:
        return []
    row = repo.scheme(g.scheme_id)
    assert row is not None
    out = []
    days = (through - g.fees_through).days
    for fee in fees_for(scheme_of(row), g.principal_fen, days):
        if repo.fee_exists(g.id, fee.name, g.fees_through):
            continue
        f = FeeRow(
            guarantee_id=g.id,
            scheme_id=row.id,
            name=fee.name,
            payer_org_id=_org_for(fee.payer, g, row),
            payee_org_id=_org_for(fee.payee, g, row),
            period_start=g.fees_through,
            period_end=through,
            rate_pct=str(fee.rate_pct),
            base_fen=fee.base_fen,
            amount_fen=fee.amount_fen,
            counts_for_caps=fee.counts_for_caps,
        )
        repo.add(f)
        session.flush()
        books.move(
            session,
            kind="fee",
            payer_org_id=f.payer_org_id,
            payee_org_id=f.payee_org_id,
            amount_fen=f.amount_fen,
            ref_id=f.id,
            on=through,
        )
        out.append(f)
    g.fees_through = through
    session.flush()
    return out


def charge_fees(
    session: Session, principal: Principal, guarantee_id: str, *, through: date
) -> list[FeeRow]:
    """The guarantor's officer charges the fees due through ``through`` now."""
    require_guarantor(principal)
    g = _visible(session, principal, guarantee_id)
    if g.guarantor_org_id != principal.org_id:
        raise Forbidden("only the guarantor charges its fees")
    return collect_fees(session, g.id, through)


def file_claim(session: Session, principal: Principal, guarantee_id: str, *, on: date) -> ClaimRow:
    """The bank claims on a defaulted loan (≥ 90 days past due or non-performing after its
    daily close): the unpaid principal from the loan's journal is split by the scheme; the
    guarantor pays the bank (代偿) and each sharer reimburses the guarantor. The claim and each
    payout are leaves of the verifiable log."""
    require_bank(principal)
    g = _visible(session, principal, guarantee_id)
    if g.bank_org_id != principal.org_id:
        raise Forbidden("only the lending bank may claim")
    if g.status != "active":
        raise Conflict(f"status: the guarantee is {g.status}", field="status")
    view = lending.loan_view(session, principal, g.loan_id)
    loan = view.loan
    if loan.dpd < DEFAULT_DPD and loan.category not in NON_PERFORMING:
        raise Conflict(
            f"loan: not in default ({loan.dpd} days past due, {loan.category})",
            field="loan",
            extra={"reason": "not_in_default"},
        )
    unpaid = view.balances.get("loan_principal", 0)
    if unpaid <= 0:
        raise Conflict("loan: no principal is unpaid", field="loan")
    repo = GuaranteeRepository(session)
    row = repo.scheme(g.scheme_id, lock=True)
    assert row is not None
    split = split_default(scheme_of(row), position_of(session, row), unpaid)
    payload = {
        "loan_id": g.loan_id,
        "scheme": row.code,
        "unpaid_fen": unpaid,
        "bank_fen": split.bank_fen,
        "compensation_fen": split.compensation_fen,
        "guarantor_fen": split.guarantor_fen,
        "sharers": dict(split.sharers),
        "limited_by": dict(split.limited_by),
        "dpd": loan.dpd,
    }
    subject = f"{g.bank_org_id}:guarantee:{g.id}"
    items: list[tuple[str, str | None, str, dict[str, object]]] = [
        ("guarantee.claim.paid", principal.org_id, subject, payload),
        (
            "guarantee.payout",
            g.guarantor_org_id,
            f"{g.guarantor_org_id}:guarantee:{g.id}",
            {"kind": "compensation", "to": g.bank_org_id, "fen": split.compensation_fen},
        ),
    ]
    for party, fen in split.sharers.items():
        org = row.sharer_orgs[party]
        items.append(
            (
                "guarantee.payout",
                org,
                f"{org}:guarantee:{g.id}",
                {"kind": "reimbursement", "party": party, "to": g.guarantor_org_id, "fen": fen},
            )
        )
    refs = governance.append_many(session, items)
    claim = ClaimRow(
        guarantee_id=g.id,
        scheme_id=row.id,
        default_on=on,
        unpaid_fen=unpaid,
        bank_fen=split.bank_fen,
        compensation_fen=split.compensation_fen,
        guarantor_fen=split.guarantor_fen,
        sharers=dict(split.sharers),
        limited_by=dict(split.limited_by),
        log_index=refs[0].index,
        payout_log_index=refs[1].index,
    )
    repo.add(claim)
    session.flush()
    books.move(
        session,
        kind="compensation",
        payer_org_id=g.guarantor_org_id,
        payee_org_id=g.bank_org_id,
        amount_fen=split.compensation_fen,
        ref_id=claim.id,
        on=on,
    )
    for party, fen in split.sharers.items():
        books.move(
            session,
            kind="reimbursement",
            payer_org_id=row.sharer_orgs[party],
            payee_org_id=g.guarantor_org_id,
            amount_fen=fen,
            ref_id=claim.id,
            on=on,
        )
    g.status = "claimed"
    session.flush()
    return claim


def record_recovery(
    session: Session, principal: Principal, claim_id: str, *, amount_fen: int, on: date
) -> RecoveryRow:
    """The guarantor (who pursues the borrower, 追偿) records money recovered; it is shared back
    to the bank, the guarantor and the sharers in proportion to the loss each bore. Logged."""
    require_guarantor(principal)
    repo = GuaranteeRepository(session)
    claim = repo.claim(claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    g = _visible(session, principal, claim.guarantee_id)
    if g.guarantor_org_id != principal.org_id:
        raise NotFound(f"no claim {claim_id}")
    row = repo.scheme(g.scheme_id, lock=True)
    assert row is not None
    losses = {BANK: claim.bank_fen, GUARANTOR: claim.guarantor_fen, **claim.sharers}
    got: dict[str, int] = {}
    for r in repo.recoveries(claim.id):
        for p, fen in r.shares.items():
            got[p] = got.get(p, 0) + int(fen)
    try:
        shares = share_recovery(losses, got, amount_fen)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="amount") from None
    ref = governance.append_log(
        session,
        kind="guarantee.recovery",
        actor_org_id=principal.org_id,
        subject=f"{g.bank_org_id}:guarantee:{g.id}",
        payload={"claim_id": claim.id, "amount_fen": amount_fen, "shares": shares},
    )
    rec = RecoveryRow(
        claim_id=claim.id, received_on=on, amount_fen=amount_fen, shares=shares, log_index=ref.index
    )
    repo.add(rec)
    session.flush()
    for party, fen in shares.items():
        books.move(
            session,
            kind="recovery",
            payer_org_id=g.borrower_org_id,
            payee_org_id=_org_for(party, g, row),
            amount_fen=fen,
            ref_id=rec.id,
            on=on,
        )
    return rec


def list_guarantees(session: Session, principal: Principal) -> Sequence[GuaranteeRow]:
    """A guarantor's book, a bank's guaranteed loans, an enterprise's guarantees."""
    repo = GuaranteeRepository(session)
    if is_guarantor(principal):
        return repo.guarantees(guarantor_org_id=principal.org_id)
    if principal.org_kind is OrgKind.FINANCIAL_INSTITUTION:
        return repo.guarantees(bank_org_id=principal.org_id)
    if principal.org_kind is OrgKind.ENTERPRISE:
        return repo.guarantees(borrower_org_id=principal.org_id)
    return []


def get_guarantee(session: Session, principal: Principal, guarantee_id: str) -> GuaranteeRow:
    return _visible(session, principal, guarantee_id)


def claim_of(session: Session, guarantee_id: str) -> ClaimRow | None:
    return GuaranteeRepository(session).claim_of(guarantee_id)


def recoveries_of(session: Session, claim_id: str) -> Sequence[RecoveryRow]:
    return GuaranteeRepository(session).recoveries(claim_id)


def fees_of(session: Session, guarantee_id: str) -> Sequence[FeeRow]:
    return GuaranteeRepository(session).fees_of(guarantee_id)
