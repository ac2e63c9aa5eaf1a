"""A simulated run of guaranteed lending under both preset schemes, through the platform's own
services: a bank lends to a park's small manufacturers, a guarantor guarantees every loan
under the national fund's re-guarantee or a Pingshan-type district pool, fees are charged
monthly, some borrowers stop paying, the daily close finds them 90 days past due, the bank
claims, the guarantor pays (代偿), the fund and the pool reimburse their shares within their
caps, the guarantor recovers part of the debt and shares it back; a government body's interest
subsidy pays the borrowers who pay. Each month runs in order (repayments, close, claims,
fees, subsidies, new loans), so caps and the loss-rate breaker act as they would in time.

Flushes, never commits: the caller's unit of work keeps or drops it all.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from chanrong.core.clock import month_bounds
from chanrong.core.errors import Conflict
from chanrong.core.money import fen_to_yuan
from chanrong.core.uscc import CHARSET, make_uscc
from chanrong.guarantee import service as guarantee
from chanrong.identity import service as identity
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending

INDUSTRIES = ("C34", "C35", "C38", "C39", "C33", "F51")
REGIONS = ("440310", "440307", "330500", "320500")


@dataclass
class SchemeFigures:
    """One scheme's outcome, all fen."""

    code: str
    name: str
    loans_in: int
    refused: dict[str, int]
    enrolled_fen: int
    defaulted_fen: int
    loss_rate: Decimal | None
    breaker_tripped: bool
    claims: int
    fees: dict[str, int]
    compensation_fen: int  # 代偿 paid by the guarantor to the bank
    reimbursed: dict[str, int]  # each sharer's payouts to the guarantor
    losses: dict[str, int]  # gross, by party
    recovered: dict[str, int]
    limited: dict[str, int]  # cap → claims it bound


@dataclass
class GuaranteeStory:
    loans: int
    defaulters: int
    schemes: list[SchemeFigures]
    subsidy_budget_fen: int
    subsidy_paid_fen: int
    subsidy_loans: int
    subsidy_status: str
    cash_total_fen: int
    events: list[tuple[date, str]] = field(default_factory=list)


def _org(session: Session, name: str, kind: str, **kw: str) -> Principal:
    suffix = secrets.token_hex(3)
    o = identity.create_organisation(session, name=f"{name}-{suffix}", kind=kind, **kw)  # type: ignore[arg-type]
    return identity.system_principal(session, o.id)


def _enterprise(session: Session, rng: random.Random, i: int) -> Principal:
    region = rng.choice(REGIONS)
    body = "MA" + "".join(rng.choice(CHARSET) for _ in range(6))
    return _org(
        session,
        f"园区企业{i:03d}",
        "enterprise",
        uscc=make_uscc("9", "1", region, body).code,
        industry_code=rng.choice(INDUSTRIES),
        region_code=region,
    )


def run_story(
    session: Session,
    *,
    loans: int = 40,
    default_rate: float = 0.15,
    seed: int = 7,
    start: date = date(2025, 1, 1),
    months: int = 12,
    progress: Callable[[str, int, int], None] | None = None,
    bank: Principal | None = None,
    guarantor: Principal | None = None,
    government: Principal | None = None,
) -> GuaranteeStory:
    """Run the park's guaranteed lending for ``months`` months from ``start`` (a 1st).

    ``bank``, ``guarantor`` and ``government`` are the parties to act as (``chanrong demo``
    passes its own, so their console sign-ins see the story); any not given is created.
    """
    rng = random.Random(seed)
    bank = bank or _org(session, "示范银行", "financial_institution", institution_type="bank")
    guarantor = guarantor or _org(
        session, "区融资担保公司", "financial_institution", institution_type="guarantor"
    )
    gov = government or _org(session, "坪山区政府", "analyst", analyst_type="government")
    fund = _org(session, "国家融资担保基金", "analyst", analyst_type="government")
    end = month_bounds(start)[0].replace(
        year=start.year + (start.month - 1 + months) // 12,
        month=(start.month - 1 + months) % 12 + 1,
    )
    codes = {}
    for preset, sharers in (
        ("national-fund", {"fund": fund.org_id}),
        ("pingshan-pool", {"pool": gov.org_id}),
    ):
        code = f"{preset}-{secrets.token_hex(2)}"
        guarantee.create_scheme(
            session,
            gov,
            preset=preset,
            code=code,
            starts_on=start,
            ends_on=end,
            sharer_orgs=sharers,
        )
        codes[preset] = code
    product = lending.create_product(
        session,
        bank,
        code=f"GL-{secrets.token_hex(2)}",
        name="担保经营贷",
        kind="term",
        method="equal_instalment",
        day_count="act_365",
        rate_type="fixed",
        fixed_rate=Decimal("4.35"),
        allocation_order="penalty_interest_principal",
        max_term_months=36,
        max_amount=Decimal("10000000"),
    )
    programme = guarantee.create_programme(
        session,
        gov,
        name="制造业贷款贴息",
        mode="share",
        value=Decimal("0.3"),
        eligibility={"industries": ["C"]},
        starts_on=start,
        ends_on=end,
        budget_fen=60_000_00,
    )
    # Each loan: its month of entry, amount, scheme, and whether its borrower stops paying.
    plan = []
    for i in range(loans):
        ent = _enterprise(session, rng, i)
        small = rng.random() < 0.7
        amount = rng.randrange(300, 5000) * 1000 if small else rng.randrange(5001, 9000) * 1000
        plan.append(
            (
                rng.randrange(0, max(months // 2, 1)),
                ent,
                Decimal(amount),
                "pingshan-pool" if i % 2 else "national-fund",
                rng.random() < default_rate,
            )
        )
    story = GuaranteeStory(loans, sum(p[4] for p in plan), [], programme.budget_fen, 0, 0, "", 0)
    refused: dict[str, dict[str, int]] = {c: {} for c in codes.values()}
    live: list[tuple[str, str, bool]] = []  # loan id, guarantee id, defaulter
    first = start
    for m in range(months):
        first_next = month_bounds(first)[1]
        last = first_next - timedelta(days=1)
        if progress:
            progress(first.strftime("%Y-%m"), m, months)
        # New loans of the month: booked, accepted, disbursed on the 10th, guaranteed.
        for entry_month, ent, principal_yuan, preset, bad in plan:
            if entry_month != m:
                continue
            loan = lending.book_loan(
                session,
                bank,
                product_id=product.id,
                borrower_org_id=ent.org_id,
                amount=principal_yuan,
                term_months=12,
                purpose="raw_materials",
            )
            lending.accept_loan(session, ent, loan.id)
            lending.disburse(session, bank, loan.id, on=first.replace(day=10))
            g = guarantee.request_guarantee(
                session,
                bank,
                loan_id=loan.id,
                guarantor_org_id=guarantor.org_id,
                scheme_code=codes[preset],
            )
            try:
                guarantee.accept_guarantee(session, guarantor, g.id)
            except Conflict as exc:
                why = str(exc.extra.get("reason", "refused"))
                refused[codes[preset]][why] = refused[codes[preset]].get(why, 0) + 1
                story.events.append((first, f"loan refused by {preset}: {why}"))
                continue
            live.append((loan.id, g.id, bad))
        # Borrowers who pay, pay what falls due this month on its due date.
        for loan_id, _, bad in live:
            if bad:
                continue
            view = lending.loan_view(session, bank, loan_id)
            for inst in view.instalments:
                if (
                    first <= inst.due < first_next
                    and inst.owed_principal_fen + inst.owed_interest_fen
                ):
                    lending.repay(
                        session,
                        bank,
                        loan_id,
                        amount=fen_to_yuan(inst.principal_fen + inst.interest_fen),
                        paid_on=inst.due,
                        reference=f"{loan_id[-8:]}-{inst.number}",
                    )
        lending.close_books(session, bank, as_of=last)
        for _, gid, bad in live:
            g = guarantee.get_guarantee(session, guarantor, gid)
            if g.status != "active":
                continue
            guarantee.collect_fees(session, gid, first_next)
            if bad:
                try:
                    claim = guarantee.file_claim(session, bank, gid, on=last)
                except Conflict:
                    continue  # not yet 90 days past due
                story.events.append((last, f"claim {fen_to_yuan(claim.unpaid_fen)} paid"))
        # Recoveries: the guarantor recovers 30 % of a claim three months after it.
        for _, gid, bad in live:
            claim_row = guarantee.claim_of(session, gid) if bad else None
            if claim_row is None or guarantee.recoveries_of(session, claim_row.id):
                continue
            if (last - claim_row.default_on).days >= 85:
                guarantee.record_recovery(
                    session,
                    guarantor,
                    claim_row.id,
                    amount_fen=claim_row.unpaid_fen * 3 // 10,
                    on=last,
                )
        guarantee.find_eligible(session, programme.id, as_of=last)
        guarantee.pay_period(session, programme.id, first)
        first = first_next
    for preset, code in codes.items():
        row = guarantee.get_scheme(session, code)
        r = guarantee.scheme_report(session, row)
        claims = [guarantee.claim_of(session, gid) for _, gid, _ in live]
        mine = [c for c in claims if c is not None and c.scheme_id == row.id]
        limited: dict[str, int] = {}
        for c in mine:
            for cap in c.limited_by.values():
                limited[cap] = limited.get(cap, 0) + 1
        reimbursed: dict[str, int] = {}
        for c in mine:
            for p, v in c.sharers.items():
                reimbursed[p] = reimbursed.get(p, 0) + int(v)
        story.schemes.append(
            SchemeFigures(
                code=preset,
                name=row.name,
                loans_in=sum(
                    1
                    for _, gid, _ in live
                    if guarantee.get_guarantee(session, guarantor, gid).scheme_id == row.id
                ),
                refused=refused[code],
                enrolled_fen=r.position.enrolled_fen,
                defaulted_fen=r.position.defaulted_fen,
                loss_rate=r.position.loss_rate,
                breaker_tripped=r.breaker_tripped,
                claims=r.claims,
                fees=r.fees,
                compensation_fen=sum(c.compensation_fen for c in mine),
                reimbursed=reimbursed,
                losses=r.losses,
                recovered=r.recovered,
                limited=limited,
            )
        )
    report = guarantee.programme_report(session, gov, programme.id)
    story.subsidy_paid_fen = report.row.spent_fen
    story.subsidy_loans = len({p.loan_id for p in report.payments if p.amount_fen})
    story.subsidy_status = report.row.status
    story.cash_total_fen = guarantee.cash_total(session)
    return story
