"""A bound policy's life after binding: premiums paid against the schedule, and the lapse of a
policy whose instalment stays unpaid past its grace (``premiums``).

The insurer records each payment it received (its bank's reference makes a repeat of the same
transfer a conflict, not a second payment); each is journalled (cash against the premium
receivable) and appended to the verifiable log. A policy lapses on the day after the grace
period of its first missed instalment: the cover ends then, the premium is earned pro rata for
the days covered, and the unearned rest cancels what is still owed (``terms.terminate``); the
worker's ``insurance.premium_lapse`` job applies the rule every day, once per policy.

Either party cancels from today on, the same pro-rata rule refunding paid premium that is not
earned; at the end of its term the worker's ``insurance.policy_expiry`` expires a policy, all
its premium earned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.core.errors import Conflict, Forbidden, ValidationFailed
from chanrong.core.money import yuan_to_fen
from chanrong.governance import service as governance
from chanrong.identity.domain import Principal, Role
from chanrong.insurance import premiums, terms
from chanrong.insurance.orm import Policy, PremiumPayment
from chanrong.insurance.policies import BOUND, _journal, _policy_for
from chanrong.insurance.repository import InsuranceRepository
from chanrong.insurance.service import _require_insurer

LAPSED = "lapsed"


def _schedule(
    repo: InsuranceRepository, p: Policy
) -> tuple[list[premiums.Due], list[premiums.Payment]]:
    dues = [premiums.Due(i.seq, i.due_date, i.amount_fen) for i in repo.instalments(p.id)]
    paid = [premiums.Payment(x.paid_on, x.amount_fen) for x in repo.payments(p.id)]
    return dues, paid


def schedule_status(
    session: Session, principal: Principal, policy_id: str, as_of: date
) -> list[premiums.InstalmentStatus]:
    """Each instalment's payments and state (paid, late, overdue, missed, open) as of a day."""
    p = _policy_for(session, principal, policy_id)
    dues, paid = _schedule(InsuranceRepository(session), p)
    return premiums.allocate(dues, paid, as_of)


def pay_premium(
    session: Session,
    principal: Principal,
    policy_id: str,
    *,
    amount: Decimal | str,
    paid_on: date,
    reference: str,
) -> PremiumPayment:
    """The insurer records a premium payment received on its policy."""
    _require_insurer(principal)
    p = _policy_for(session, principal, policy_id)
    if p.insurer_org_id != principal.org_id:
        raise Forbidden("only the insurer that wrote the policy records its premiums")
    amount_fen = yuan_to_fen(amount, field="amount")
    if amount_fen <= 0:
        raise ValidationFailed("amount: must be positive", field="amount")
    reference = reference.strip()
    if not reference or len(reference) > 64:
        raise ValidationFailed("reference: give the transfer's reference (≤ 64)", field="reference")
    if paid_on > shanghai_date(utcnow()):
        raise ValidationFailed("paid_on: is in the future", field="paid_on")
    if p.state != BOUND:
        raise Conflict(f"policy {p.id} is {p.state}: no premium is due on it")
    repo = InsuranceRepository(session)
    if repo.payment_by_reference(p.id, reference) is not None:
        raise Conflict(f"payment {reference} was already recorded on policy {p.id}")
    dues, paid = _schedule(repo, p)
    lapsed_on = premiums.lapse_date(premiums.allocate(dues, paid, paid_on))
    if lapsed_on is not None and lapsed_on <= paid_on:
        raise Conflict(f"policy {p.id} lapsed on {lapsed_on}: an instalment was missed")
    outstanding = premiums.outstanding_fen(dues, paid)
    if amount_fen > outstanding:
        raise ValidationFailed(
            f"amount: {amount_fen} fen is more than the {outstanding} fen still to be paid",
            field="amount",
        )
    ref = governance.append_log(
        session,
        kind="insurance.premium_paid",
        actor_org_id=principal.org_id,
        subject=f"{p.org_id}:insurance_policy:{p.id}",
        payload={"amount_fen": amount_fen, "paid_on": paid_on.isoformat(), "reference": reference},
    )
    row = PremiumPayment(
        policy_id=p.id,
        paid_on=paid_on,
        amount_fen=amount_fen,
        reference=reference,
        log_index=ref.index,
    )
    repo.add(row)
    _journal(session, p, terms.premium_received(amount_fen))
    return row


@dataclass(frozen=True, slots=True)
class Ended:
    """A policy whose cover ended, and what that did to its books."""

    policy: Policy
    termination: terms.Termination


def end_cover(
    session: Session,
    p: Policy,
    state: str,
    on: date,
    *,
    actor_org_id: str,
    reason: str | None = None,
) -> Ended:
    """End a bound policy's cover on ``on`` as ``state`` (lapsed, cancelled, expired):
    journalled and logged once; the policy's rows are the caller's to check."""
    if p.state != BOUND:
        raise Conflict(f"policy {p.id} is already {p.state}")
    repo = InsuranceRepository(session)
    unearned = -repo.balance(p.id, terms.Account.UNEARNED_PREMIUM.value)
    receivable = repo.balance(p.id, terms.Account.PREMIUM_RECEIVABLE.value)
    t = terms.terminate(unearned, max(receivable, 0), p.start, p.end, on)
    _journal(session, p, terms.terminated(f"premium_{state}", t))
    governance.append_log(
        session,
        kind=f"insurance.{state}",
        actor_org_id=actor_org_id,
        subject=f"{p.org_id}:insurance_policy:{p.id}",
        payload={
            "on": on.isoformat(),
            "earned_fen": t.earned_fen,
            "refund_fen": t.refund_fen,
            "receivable_cancelled_fen": t.receivable_cancelled_fen,
            "still_owed_fen": t.still_owed_fen,
            **({"reason": reason} if reason else {}),
        },
    )
    p.state = state
    p.ended_on = on
    session.flush()
    return Ended(p, t)


def lapse_if_missed(session: Session, policy_id: str, as_of: date) -> Ended | None:
    """The lapse rule, as the platform applies it: a bound policy with an instalment unpaid
    past its grace lapses on the day after that grace ended (None if nothing is missed)."""
    repo = InsuranceRepository(session)
    p = repo.policy(policy_id)
    if p is None or p.state != BOUND:
        return None
    dues, paid = _schedule(repo, p)
    on = premiums.lapse_date(premiums.allocate(dues, paid, as_of))
    if on is None or on >= p.end:
        return None
    return end_cover(session, p, LAPSED, on, actor_org_id=p.insurer_org_id)


CANCELLED = "cancelled"
EXPIRED = "expired"


def cancel(
    session: Session, principal: Principal, policy_id: str, *, on: date, reason: str
) -> Ended:
    """The insured or the insurer cancels a bound policy from ``on`` (today or later, within the
    term): the premium is earned pro rata for the days covered and the unearned rest cancels
    what is still owed, any remainder refunded to the insured (journalled, logged)."""
    p = _policy_for(session, principal, policy_id)
    if not principal.has_role(Role.OFFICER):
        raise Forbidden("cancelling a policy needs the officer role")
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed("reason: say why the policy is cancelled (≤ 200)", field="reason")
    today = shanghai_date(utcnow())
    if on < today:
        raise ValidationFailed("on: a cancellation cannot be back-dated", field="on")
    if not p.start <= on < p.end:
        raise ValidationFailed("on: must fall within the policy term", field="on")
    return end_cover(session, p, CANCELLED, on, actor_org_id=principal.org_id, reason=reason)


def expire_due(session: Session, insurer_org_id: str, day: date) -> list[Ended]:
    """Every bound policy of the insurer whose term ended by ``day``: expired on its end day,
    all its premium earned (what is unpaid stays owed)."""
    repo = InsuranceRepository(session)
    return [
        end_cover(session, p, EXPIRED, p.end, actor_org_id=p.insurer_org_id)
        for p in repo.policies_in_state(BOUND, insurer_org_id)
        if p.end <= day
    ]
