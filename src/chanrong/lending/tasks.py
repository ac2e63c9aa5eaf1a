"""Lending's jobs for the worker: the daily close, post-loan monitoring, the collections sweep,
fund-use tracking.

Each opens nothing itself: the worker hands it a unit of work for one subject and period and
commits the work together with the record that it was done.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy.orm import Session

from chanrong.core.errors import ConsentRequired
from chanrong.core.settings import Settings
from chanrong.identity import service as identity
from chanrong.identity.domain import InstitutionType, OrgKind
from chanrong.jobs.queue import OUTGOING_PAYMENTS_LANDED, PAYMENTS_LANDED
from chanrong.jobs.registry import Cadence, JobContext, job
from chanrong.lending import service
from chanrong.telemetry import service as telemetry

# A payment record that lands more than this long after it was paid is left for the bank
# to apply by hand: sweeping old money into a loan would rewrite days already closed.
SWEEP_LOOKBACK = timedelta(days=7)


class BooksDoNotBalance(RuntimeError):
    """The close ran but its proof failed: nothing of it is kept, and the run fails."""


def lenders(session: Session, _settings: Settings, _period: str) -> Iterable[str]:
    """Every bank on the platform (each closes its own book)."""
    for org in identity.all_organisations(session):
        if (
            org.kind == OrgKind.FINANCIAL_INSTITUTION.value
            and org.institution_type == InstitutionType.BANK.value
        ):
            yield org.id


def active_loans(session: Session, settings: Settings, period: str) -> Iterable[str]:
    """``<lender org id>/<loan id>`` for every active loan of every bank."""
    for lender in lenders(session, settings, period):
        officer = identity.system_principal(session, lender)
        for loan in service.list_loans(session, officer):
            if loan.status == "active" and loan.lender_org_id == lender:
                yield f"{lender}/{loan.id}"


@job(
    "lending.daily_close",
    cadence=Cadence.DAILY,
    cron="30 0 * * *",
    subjects=lenders,
    lease=timedelta(minutes=10),
)
def daily_close(ctx: JobContext) -> str:
    """Daily close of a bank's book for the day just ended, with its balance proof."""
    report = service.daily_close(ctx.session, as_of=ctx.day, lender_org_id=ctx.subject)
    if not report.balanced:
        raise BooksDoNotBalance(
            f"debits {report.total_debit_fen} ≠ credits {report.total_credit_fen} "
            f"or a sub-ledger disagrees: {report.checks}"
        )
    return (
        f"{report.loans} loans, interest {report.interest_accrued_fen} fen, "
        f"{report.reclassified} reclassified, {report.closed} closed; balanced"
    )


@job("lending.watch", cadence=Cadence.DAILY, cron="0 6 * * *", subjects=active_loans)
def watch(ctx: JobContext) -> str:
    """Post-loan monitoring of one active loan on its borrower's platform records."""
    lender, loan_id = ctx.subject.split("/", 1)
    officer = identity.system_principal(ctx.session, lender)
    try:
        result = service.watch_loan(
            ctx.session,
            officer,
            loan_id,
            as_of=ctx.day,
            store=telemetry.open_store(ctx.settings),
        )
    except ConsentRequired as exc:
        # As in `loans watch`: a borrower without a monitoring grant is listed, not read.
        return f"not watched: no monitoring grant ({exc.extra.get('reason', 'refused')})"
    found = f"{len(result.alerts)} alert(s)" if result.alerts else "no warning"
    return f"{found}; telemetry {result.telemetry.value}"


@job(
    "lending.collections_sweep",
    cadence=Cadence.EVENT,
    triggers=(PAYMENTS_LANDED,),
    debounce=timedelta(seconds=30),
)
def collections_sweep(ctx: JobContext) -> str:
    """回款自动还款: a borrower's newly landed customer payments repay its loans.

    A payment into one of its loans' collection accounts (回款账户) repays that loan and
    the rest is released to the enterprise; any other payment sweeps the agreed share to
    its loans. Both are idempotent per payment reference: a payment taken by an earlier
    window is not taken again.
    """
    payments = telemetry.pipeline_records(
        ctx.session, kind="payments", org_id=ctx.subject, start=ctx.today - SWEEP_LOOKBACK
    )
    swept = collected = 0
    left: list[str] = []
    for p in payments:
        if p.amount_fen <= 0:
            continue  # a nil payment repays nothing (and the record says so)
        ref = f"payment:{p.payment_id}"
        if p.account:
            got = service.collect_payment(
                ctx.session,
                borrower_org_id=ctx.subject,
                account=p.account,
                payment_ref=ref,
                amount_fen=p.amount_fen,
                paid_on=p.paid_date,
                payer=p.payer_uscc,
            )
            if got.outcome == "collected":
                collected += 1
            elif got.outcome == "changed":
                # Edited after it was applied: the bank decides, the worker does not re-apply.
                left.append(p.payment_id)
            if got.outcome != "unmatched":
                continue
        swept += len(
            service.sweep_collection(
                ctx.session,
                borrower_org_id=ctx.subject,
                payment_ref=ref,
                amount_fen=p.amount_fen,
                paid_on=p.paid_date,
            )
        )
    out = f"{len(payments)} payment(s) seen, {collected} collected, {swept} sweep(s)"
    if left:
        out += f"; changed after collection, left for the bank: {', '.join(left[:10])}"
    return out


@job(
    "lending.fund_use",
    cadence=Cadence.EVENT,
    triggers=(OUTGOING_PAYMENTS_LANDED,),
    debounce=timedelta(seconds=30),
)
def fund_use(ctx: JobContext) -> str:
    """Where a borrower's loan money went, each time its outgoing payments land: every active
    loan is checked by its own bank under the borrower's monitoring consent."""
    done = service.fund_use_of_borrower(ctx.session, ctx.subject, as_of=ctx.today)
    out = f"{done.checked} loan(s) checked, {done.alerts} alert(s)"
    if done.without_consent:
        out += f"; not read, no monitoring grant: {len(done.without_consent)} loan(s)"
    return out
