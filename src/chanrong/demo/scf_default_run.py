"""A simulated park where some buyers do not pay at maturity, run through the platform's own
services (supply-chain finance, lending, guarantee), with the figures of who lost what.

Core enterprises (the buyers) confirm what they owe their suppliers (the sellers) as
certificates maturing in three months. Each bank sets an exposure limit per buyer (授信额度).
A seller then either discounts its certificate with the bank (with or without recourse, as
quoted), or, when it holds it or the bank's limit refuses it (headroom named), borrows
80 % of the face from the bank on a three-month interest-only loan that a guarantor
guarantees under a risk-sharing scheme (the national fund's re-guarantee by default), or
simply holds it. Guarantee fees are charged monthly.

At maturity most buyers pay: the holders are paid (settlement) and the sellers repay their
loans. Some buyers default: the worker's step marks their certificates overdue; the bank turns
back to the seller where it financed with recourse and bears the loss where it did not; the
sellers with guaranteed loans stop paying, the daily close finds them 90 days past due, the
bank claims and the guarantor pays it in the seller's stead (代偿), the scheme's sharer
reimbursing its share. Later some defaulted buyers pay after all: the certificates are settled
late and what a guaranteed seller receives goes to the guarantor as a recovery, shared back
by the loss each party bore.

Beside them, each buyer has sellers who trade on open account under a payment guarantee
(保付, model 4 of the 2024 report): a reconciliation statement the buyer confirmed, due at the
same maturity (60 days after its period, within the rule for large buyers), guaranteed by the
guarantor for a 1 % fee. A good buyer pays it and the guarantee is released; a defaulted buyer
does not, the seller calls on the guarantee the next day and the guarantor pays the seller
directly (代偿) and takes recourse against the buyer on three monthly instalments, each
flagged to guarantor and buyer as it falls overdue (as the worker's daily job does). A late
payer repays the whole claim on its late day; the guarantor bears what is never repaid.

Flushes, never commits: the caller's unit of work keeps or drops it all.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
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
from chanrong.supplychain import service as scf

LOAN_SHARE = Decimal("0.8")  # of the certificate's face lent on a guaranteed loan
TERM_MONTHS = 3
MONTHS = 9  # issue, three months to maturity, ninety days past due, the late payments
LATE_DAYS = 130  # a defaulted buyer that pays after all pays this long after maturity
PG_FEE_PERCENT = Decimal(1)  # the guarantor's 保付 fee, on the amount guaranteed
PG_PAYMENT_DAYS = 60  # the statements' payment term (the limit for large buyers)
PG_INSTALMENTS = 3  # of the guarantor's recourse claim, every 30 days after the pay-out


@dataclass
class DefaultRun:
    """One park's outcome; every amount in fen.

    ``losses`` are by party at the end, after recoveries: the bank (certificates it financed
    without recourse still unpaid, plus its share of guaranteed losses), the guarantor and
    each sharer (their shares of guaranteed losses), and the sellers (unpaid certificates they
    hold, less what the guarantor paid on their loans backed by them).
    """

    seed: int
    scheme: str
    sellers: int
    buyers: int
    defaulted_buyers: int
    issued_fen: int
    unpaid_at_maturity_fen: int
    paid_late_fen: int
    uses: Counter[str] = field(default_factory=Counter)  # seller's choice → count
    refused_by_limit: int = 0
    recourse_paid_fen: int = 0  # sellers → bank
    recourse_refused: int = 0  # financed without recourse: the bank waits
    compensation_fen: int = 0  # 代偿, guarantor → bank
    reimbursed: dict[str, int] = field(default_factory=dict)  # sharer → guarantor
    recovered_fen: int = 0
    discount_income_fen: int = 0
    fees: dict[str, int] = field(default_factory=dict)  # guarantee fees by name
    losses: dict[str, int] = field(default_factory=dict)
    claims: int = 0
    limited_by: Counter[str] = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    # 保付: sellers paid directly by the guarantor when their buyer defaults
    pg_sellers: int = 0
    pg_guaranteed_fen: int = 0
    pg_fees_fen: int = 0
    pg_paid_out_fen: int = 0  # 代偿, guarantor → sellers
    pg_recourse_repaid_fen: int = 0  # buyers → guarantor
    pg_overdue_flags: int = 0  # recourse instalments flagged overdue


@dataclass
class _Seller:
    principal: Principal
    buyer: int
    core_org_id: str
    face_fen: int
    payable_id: str = ""
    root_id: str = ""
    use: str = "hold"
    recourse: bool = False
    loan_id: str = ""
    guarantee_id: str = ""


@dataclass
class _TradeSeller:
    """A seller on open account whose statement the guarantor guarantees (保付)."""

    principal: Principal
    buyer: int
    core_org_id: str
    amount_fen: int
    statement_id: str = ""
    guarantee_id: str = ""
    claim_id: str = ""


def _org(session: Session, name: str, kind: str, **kw: object) -> Principal:
    o = identity.create_organisation(
        session,
        name=f"{name}-{secrets.token_hex(3)}",
        kind=kind,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    return identity.system_principal(session, o.id)


def _enterprise(session: Session, rng: random.Random, name: str, *, core: bool) -> Principal:
    body = "MB" + "".join(rng.choice(CHARSET) for _ in range(6))
    return _org(
        session,
        name,
        "enterprise",
        uscc=make_uscc("9", "1", "440310", body).code,
        industry_code="C38" if core else rng.choice(("C34", "C35", "C38", "C39")),
        region_code="440310",
        is_core=core,
    )


def _add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the run starts on a day every month has)."""
    total = day.month - 1 + months
    return day.replace(year=day.year + total // 12, month=total % 12 + 1)


def _at(day: date) -> datetime:
    """10:00 in Shanghai on ``day``: the same calendar day in UTC and Beijing."""
    return datetime.combine(day, time(2, 0), tzinfo=UTC)


def run_default_park(
    session: Session,
    *,
    seed: int = 1,
    buyers: int = 4,
    sellers: int = 16,
    default_rate: float = 0.3,
    late_rate: float = 0.5,
    limit_share: Decimal = Decimal("0.5"),
    scheme: str = "national-fund",
    start: date = date(2025, 1, 10),
    bank: Principal | None = None,
    guarantor: Principal | None = None,
    government: Principal | None = None,
    pg_sellers: int | None = None,
) -> DefaultRun:
    """Run one park from issue to the late payments (``MONTHS`` months from ``start``).

    ``pg_sellers`` (default: one per buyer) trade under a 保付 instead of holding certificates;
    they are drawn from their own random stream, so the certificate sellers' draws are the
    same with or without them.

    ``bank``, ``guarantor`` and ``government`` are the parties to act as (the demo passes its
    own, so their sign-ins see the run); any not given is created. At least one buyer
    defaults and at least one pays, whatever ``default_rate``.
    """
    if buyers < 2 or sellers < buyers:
        raise ValueError("a park needs at least two buyers and a seller for each")
    if start.day > 28:
        raise ValueError("start on a day every month has (1-28): loans and maturity fall on it")
    rng = random.Random(seed)
    bank = bank or _org(session, "示范银行", "financial_institution", institution_type="bank")
    guarantor = guarantor or _org(
        session, "融资担保公司", "financial_institution", institution_type="guarantor"
    )
    gov = government or _org(session, "区政府", "analyst", analyst_type="government")
    sharer = _org(
        session,
        "国家融资担保基金" if scheme == "national-fund" else "风险补偿资金池",
        "analyst",
        analyst_type="government",
    )
    maturity = _add_months(start, TERM_MONTHS)
    end = _add_months(start.replace(day=1), MONTHS)
    code = f"{scheme}-{secrets.token_hex(3)}"
    guarantee.create_scheme(
        session,
        gov,
        preset=scheme,
        code=code,
        starts_on=start.replace(day=1),
        ends_on=end,
        sharer_orgs={"fund" if scheme == "national-fund" else "pool": sharer.org_id},
    )
    product = lending.create_product(
        session,
        bank,
        code=f"RL-{secrets.token_hex(3)}",
        name="应收账款担保贷",
        kind="term",
        method="interest_only",
        day_count="act_365",
        rate_type="fixed",
        fixed_rate=Decimal("4.35"),
        max_term_months=12,
        max_amount=Decimal("10000000"),
    )
    cores = [_enterprise(session, rng, f"核心企业{i:02d}", core=True) for i in range(buyers)]
    bad = {i for i in range(buyers) if rng.random() < default_rate}
    if not bad:
        bad = {rng.randrange(buyers)}
    if len(bad) == buyers:
        bad.discard(rng.choice(sorted(bad)))
    late = {i for i in sorted(bad) if rng.random() < late_rate}
    people = [
        _Seller(
            _enterprise(session, rng, f"供应商{n:03d}", core=False),
            n % buyers,
            cores[n % buyers].org_id,
            rng.randrange(50, 300) * 1_000_000,  # ¥0.5–3 M
        )
        for n in range(sellers)
    ]
    pg_rng = random.Random(seed * 7919 + 17)
    traders = [
        _TradeSeller(
            _enterprise(session, pg_rng, f"保付供应商{n:03d}", core=False),
            n % buyers,
            cores[n % buyers].org_id,
            pg_rng.randrange(50, 300) * 1_000_000,
        )
        for n in range(buyers if pg_sellers is None else pg_sellers)
    ]
    both = [(p.buyer, p.face_fen) for p in people] + [(x.buyer, x.amount_fen) for x in traders]
    out = DefaultRun(
        seed=seed,
        scheme=scheme,
        sellers=sellers,
        buyers=buyers,
        defaulted_buyers=len(bad),
        issued_fen=sum(fen for _, fen in both),
        unpaid_at_maturity_fen=sum(fen for b, fen in both if b in bad),
        paid_late_fen=sum(fen for b, fen in both if b in late),
        pg_sellers=len(traders),
        pg_guaranteed_fen=sum(x.amount_fen for x in traders),
    )
    t0 = _at(start)
    for n, p in enumerate(people):
        payable = scf.submit_payable(
            session,
            p.principal,
            core_org_id=cores[p.buyer].org_id,
            amount_fen=p.face_fen,
            maturity_date=maturity,
            contract_ref=f"HT-{seed}-{n}",
            invoice_ref=f"INV-{seed}-{n}-{secrets.token_hex(2)}",
            now=t0,
        )
        root = scf.confirm_payable(session, cores[p.buyer], payable.id, now=t0)
        p.payable_id, p.root_id = payable.id, root.id
    for b in range(buyers):
        issued = sum(p.face_fen for p in people if p.buyer == b)
        scf.set_exposure_limit(
            session, bank, core_org_id=cores[b].org_id, limit_fen=int(issued * limit_share), now=t0
        )
    for p in people:
        p.use = rng.choices(("discount", "guaranteed loan", "hold"), weights=(5, 4, 1))[0]
        if p.use == "discount":
            fin = scf.request_financing(
                session, p.principal, p.root_id, bank_org_id=bank.org_id, now=t0
            )
            try:
                scf.quote_financing(
                    session,
                    bank,
                    fin.id,
                    annual_rate_percent=Decimal(rng.randrange(300, 550)) / 100,
                    day_count=scf.DayCount.ACT_360,
                    recourse=rng.random() < 0.5,
                    now=t0,
                )
            except Conflict as exc:
                if exc.field != "exposure_limit":
                    raise
                # Refused with the headroom named: the seller turns to a guaranteed loan.
                out.refused_by_limit += 1
                scf.decline_financing(session, bank, fin.id, now=t0)
                p.use = "guaranteed loan"
            else:
                done = scf.accept_financing(session, p.principal, fin.id, now=t0)
                p.recourse = done.recourse
                out.discount_income_fen += done.discount_fen or 0
                p.use = "discount with recourse" if p.recourse else "discount without recourse"
        if p.use == "guaranteed loan":
            loan = lending.book_loan(
                session,
                bank,
                product_id=product.id,
                borrower_org_id=p.principal.org_id,
                amount=fen_to_yuan(int(p.face_fen * LOAN_SHARE)),
                term_months=TERM_MONTHS,
                purpose="raw_materials",
            )
            lending.accept_loan(session, p.principal, loan.id)
            lending.disburse(session, bank, loan.id, on=start)
            g = guarantee.request_guarantee(
                session,
                bank,
                loan_id=loan.id,
                guarantor_org_id=guarantor.org_id,
                scheme_code=code,
            )
            guarantee.accept_guarantee(session, guarantor, g.id)
            p.loan_id, p.guarantee_id = loan.id, g.id
        out.uses[p.use] += 1
    for n, x in enumerate(traders):
        _guaranteed_trade(session, out, x, cores[x.buyer], guarantor, maturity, f"{seed}-{n}")
    _months(session, out, people, bad, late, bank, guarantor, start, maturity, traders)
    _figures(session, out, people, bank, code)
    _trade_figures(session, out, traders, guarantor)
    return out


def _guaranteed_trade(
    session: Session,
    out: DefaultRun,
    x: _TradeSeller,
    buyer: Principal,
    guarantor: Principal,
    maturity: date,
    ref: str,
) -> None:
    """The seller's statement for its deliveries, confirmed by the buyer and due at
    ``maturity``; the seller asks the guarantor for a 保付, which it accepts for its fee."""
    period_end = maturity - timedelta(days=PG_PAYMENT_DAYS)
    at = _at(period_end)
    contract = scf.create_contract(
        session,
        x.principal,
        counterparty_org_id=x.core_org_id,
        we_are="seller",
        reference=f"HT-PG-{ref}",
        goods="components",
        quantity=1,
        unit_price_fen=x.amount_fen,
        delivery_terms="DAP",
        payment_days=PG_PAYMENT_DAYS,
        now=at,
    )
    st = scf.issue_statement(
        session,
        x.principal,
        contract.id,
        period_start=period_end - timedelta(days=29),
        period_end=period_end,
        lines=[scf.LineIn(f"INV-PG-{ref}", "components", x.amount_fen)],
        now=at,
    )
    scf.answer_line(session, buyer, st.lines[0].id, confirm=True, now=at)
    g = scf.request_payment_guarantee(
        session, x.principal, st.statement.id, guarantor_org_id=guarantor.org_id, now=at
    )
    g = scf.accept_payment_guarantee(
        session, guarantor, g.id, fee_rate_percent=PG_FEE_PERCENT, now=at
    )
    x.statement_id, x.guarantee_id = st.statement.id, g.id
    out.pg_fees_fen += g.fee_fen or 0


def _trade_due(
    session: Session,
    out: DefaultRun,
    traders: list[_TradeSeller],
    bad: set[int],
    guarantor: Principal,
    maturity: date,
) -> None:
    """The statements' due day: good buyers pay (the guarantee is released); the sellers of
    the defaulted ones call on the guarantee the next day and the guarantor pays them."""
    for x in traders:
        buyer = identity.system_principal(session, x.core_org_id)
        if x.buyer not in bad:
            scf.record_payment(session, buyer, x.statement_id, now=_at(maturity))
            continue
        next_day = _at(maturity + timedelta(days=1))
        scf.call_payment_guarantee(session, x.principal, x.guarantee_id, now=next_day)
        view = scf.pay_out(
            session,
            guarantor,
            x.guarantee_id,
            instalments=PG_INSTALMENTS,
            now=next_day + timedelta(hours=4),
        )
        assert view.claim is not None
        x.claim_id = view.claim.id
        out.pg_paid_out_fen += view.guarantee.amount_fen


def _trade_late(
    session: Session,
    out: DefaultRun,
    traders: list[_TradeSeller],
    late: set[int],
    day: date,
) -> None:
    """A defaulted buyer that pays after all repays the guarantor's whole recourse claim."""
    for x in traders:
        if x.buyer not in late or not x.claim_id:
            continue
        buyer = identity.system_principal(session, x.core_org_id)
        view = scf.repay_recourse(
            session,
            buyer,
            x.claim_id,
            amount_fen=x.amount_fen,
            now=_at(day),
        )
        assert view.claim is not None and view.claim.state == "settled"
        out.pg_recourse_repaid_fen += x.amount_fen


def _trade_figures(
    session: Session, out: DefaultRun, traders: list[_TradeSeller], guarantor: Principal
) -> None:
    """The guarantor's 保付 loss (paid out, not repaid) and the trade books' invariants."""
    unpaid = 0
    for x in traders:
        view = scf.get_payment_guarantee(session, guarantor, x.guarantee_id)
        if view.claim is not None:
            unpaid += view.claim.amount_fen - view.claim.repaid_fen
    assert unpaid == out.pg_paid_out_fen - out.pg_recourse_repaid_fen
    out.losses["guarantor 保付"] = unpaid
    out.violations.extend(scf.trade_violations(session))


def _pay_due(session: Session, bank: Principal, p: _Seller, first: date, first_next: date) -> None:
    """The seller pays what falls due on its loan in [first, first_next) on its due date."""
    view = lending.loan_view(session, bank, p.loan_id)
    for inst in view.instalments:
        if first <= inst.due < first_next and inst.owed_principal_fen + inst.owed_interest_fen:
            lending.repay(
                session,
                bank,
                p.loan_id,
                amount=fen_to_yuan(inst.owed_principal_fen + inst.owed_interest_fen),
                paid_on=inst.due,
                reference=f"{p.loan_id[-8:]}-{inst.number}",
            )


def _months(
    session: Session,
    out: DefaultRun,
    people: list[_Seller],
    bad: set[int],
    late: set[int],
    bank: Principal,
    guarantor: Principal,
    start: date,
    maturity: date,
    traders: list[_TradeSeller],
) -> None:
    """Month by month: repayments, maturity (settlement or overdue and recourse; the
    guaranteed statements paid, or paid by the guarantor), the close, fees, claims, recourse
    instalments flagged overdue, the late payments and their recoveries, in the order they
    fall."""
    late_day = maturity + timedelta(days=LATE_DAYS)
    first = start.replace(day=1)
    for _ in range(MONTHS):
        first_next = month_bounds(first)[1]
        last = first_next - timedelta(days=1)
        # What falls due before maturity every borrower pays (no buyer has failed yet); at
        # maturity only the sellers whose buyers paid repay (``_maturity``).
        for p in people:
            if p.loan_id and first < maturity:
                _pay_due(session, bank, p, first, min(first_next, maturity))
        if first <= maturity < first_next:
            _maturity(session, out, people, bad, bank, maturity)
            _trade_due(session, out, traders, bad, guarantor, maturity)
        if first <= late_day < first_next:
            _late(session, out, people, late, guarantor, late_day)
            # The daily flags up to the late day, then the repayments.
            out.pg_overdue_flags += _flag_recourse(session, late_day - timedelta(days=1))
            _trade_late(session, out, traders, late, late_day)
        out.pg_overdue_flags += _flag_recourse(session, last)
        lending.close_books(session, bank, as_of=last)
        for p in people:
            if not p.guarantee_id:
                continue
            if guarantee.get_guarantee(session, guarantor, p.guarantee_id).status != "active":
                continue
            guarantee.collect_fees(session, p.guarantee_id, first_next)
            if p.buyer in bad:
                with suppress(Conflict):  # refused until 90 days past due
                    guarantee.file_claim(session, bank, p.guarantee_id, on=last)
        first = first_next


def _flag_recourse(session: Session, day: date) -> int:
    """The worker's daily job, caught up to ``day``: every recourse instalment due and unpaid
    by then is flagged to the guarantor and the buyer (each once)."""
    return sum(
        scf.flag_recourse_overdue(session, i, day=day, now=_at(day) + timedelta(hours=15))
        for i in scf.overdue_instalments(session, day)
    )


def _maturity(
    session: Session,
    out: DefaultRun,
    people: list[_Seller],
    bad: set[int],
    bank: Principal,
    maturity: date,
) -> None:
    """Maturity day: good buyers pay every holder and their sellers repay their loans; the
    defaulted buyers' certificates are marked overdue the same evening and the bank turns
    back to the sellers where it financed with recourse, the next morning."""
    at = _at(maturity)
    for p in people:
        if p.buyer in bad:
            continue
        core = identity.system_principal(session, p.core_org_id)
        scf.settle_payable(session, core, p.payable_id, now=at)
        if p.loan_id:
            _pay_due(session, bank, p, maturity, maturity + timedelta(days=1))
    mine = {p.payable_id for p in people if p.buyer in bad}
    for cert_id, _holder, _face in scf.live_certificates(session, sorted(mine)):
        scf.mark_overdue(session, cert_id, day=maturity, now=at)
    held = [
        c
        for c in scf.overdue_certificates(session, bank)
        if c.holder_org_id == bank.org_id and c.payable_id in mine
    ]
    for cert in held:
        try:
            scf.execute_recourse(session, bank, cert.id, now=at + timedelta(days=1))
            out.recourse_paid_fen += cert.face_fen
        except Conflict:
            out.recourse_refused += 1  # without recourse: the bank waits for the buyer


def _late(
    session: Session,
    out: DefaultRun,
    people: list[_Seller],
    late: set[int],
    guarantor: Principal,
    day: date,
) -> None:
    """Defaulted buyers that pay after all: every current holder is paid; a seller whose
    guaranteed loan was claimed hands what it received to the guarantor (a recovery, up to
    the unpaid principal), which shares it back by the loss each party bore."""
    for p in people:
        if p.buyer not in late:
            continue
        core = identity.system_principal(session, p.core_org_id)
        paid = scf.settle_payable(session, core, p.payable_id, now=_at(day))
        if not p.guarantee_id:
            continue
        claim = guarantee.claim_of(session, p.guarantee_id)
        got = sum(x.amount_fen for x in paid if x.payee_org_id == p.principal.org_id)
        if claim is not None and got:
            amount = min(got, claim.unpaid_fen)
            guarantee.record_recovery(session, guarantor, claim.id, amount_fen=amount, on=day)
            out.recovered_fen += amount


def _figures(
    session: Session, out: DefaultRun, people: list[_Seller], bank: Principal, code: str
) -> None:
    """Fees, payouts and every party's loss at the end, and the invariants of every book."""
    row = guarantee.get_scheme(session, code)
    report = guarantee.scheme_report(session, row)
    out.claims = report.claims
    out.fees = dict(report.fees)
    net = report.net_losses
    claimed_principal: dict[str, int] = {}
    for p in people:
        claim = guarantee.claim_of(session, p.guarantee_id) if p.guarantee_id else None
        if claim is None:
            continue
        out.compensation_fen += claim.compensation_fen
        for party, fen in claim.sharers.items():
            out.reimbursed[party] = out.reimbursed.get(party, 0) + int(fen)
        for cap in claim.limited_by.values():
            out.limited_by[cap] += 1
        got_back = sum(r.amount_fen for r in guarantee.recoveries_of(session, claim.id))
        claimed_principal[p.principal.org_id] = claim.unpaid_fen - got_back
    # What each party still holds unpaid of the buyers' certificates.
    mine = {p.payable_id for p in people}
    unpaid_held: Counter[str] = Counter()
    for who in [bank, *(p.principal for p in people)]:
        for c in scf.overdue_certificates(session, who):
            if c.holder_org_id == who.org_id and c.payable_id in mine:
                unpaid_held[who.org_id] += c.face_fen
    bank_loss = unpaid_held.pop(bank.org_id, 0) + net.pop("bank", 0)
    sellers_loss = sum(
        max(
            unpaid_held.get(p.principal.org_id, 0) - claimed_principal.get(p.principal.org_id, 0), 0
        )
        for p in people
    )
    out.losses = {"bank": bank_loss, **net, "sellers": sellers_loss}
    for p in people:
        out.violations.extend(scf.tree_violations(session, p.payable_id))
    out.violations.extend(scf.journal_violations(session))
    if (cash := guarantee.cash_total(session)) != 0:
        out.violations.append(f"guarantee books: cash nets to {cash} fen, not 0")
