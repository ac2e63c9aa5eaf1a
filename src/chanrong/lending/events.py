"""What lending appends to the verifiable log, and a default noted on the credit record.

Each state change another party relies on (booking, acceptance, disbursement, repayment,
classification, alert) is an entry whose subject is the lender's loan, so the lender, the
borrower and the operator can read it and its inclusion proof.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chanrong.credit import service as credit
from chanrong.governance import service as governance
from chanrong.lending.delinquency import Category
from chanrong.lending.orm import ClassificationChange as ClassificationRow
from chanrong.lending.orm import Loan


def log_loan_event(
    session: Session, kind: str, actor: str | None, loan: Loan, payload: dict[str, Any]
) -> int:
    """Append ``kind`` about ``loan`` to the verifiable log; returns the entry's index."""
    ref = governance.append_log(
        session,
        kind=kind,
        actor_org_id=actor,
        subject=f"{loan.lender_org_id}:loan/{loan.id}",
        payload={"loan_id": loan.id, "borrower_org_id": loan.borrower_org_id, **payload},
    )
    return ref.index


def note_default(session: Session, loan: Loan, change: ClassificationRow) -> None:
    """A loan turning non-performing (次级 or worse: 90+ days past due, or a risk signal) is a
    default on the borrower's credit record, which credit decisions knock out on."""
    if (
        Category(change.to_category).rank
        >= Category.SUBSTANDARD.rank
        > Category(change.from_category).rank
    ):
        credit.record_default(
            session,
            org_id=loan.borrower_org_id,
            occurred_on=change.as_of,
            source="lending",
            reference=f"loan/{loan.id}",
        )


def log_classification(session: Session, loan: Loan, change: ClassificationRow) -> None:
    """A loan moved between the five categories: note a default, log the change."""
    note_default(session, loan, change)
    log_loan_event(
        session,
        "loan.classified",
        loan.lender_org_id,
        loan,
        {
            "as_of": change.as_of.isoformat(),
            "from": change.from_category,
            "to": change.to_category,
            "rule": change.rule,
            "reason": change.reason,
            "dpd": change.dpd,
        },
    )
