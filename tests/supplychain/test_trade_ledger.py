"""Property tests: no fen is created or lost across 保付 fees, payouts, recourse repayments
and escrow releases — on the pure ledger (many cases) and through the services on a real
database (fewer cases, the same invariants read back from the stored journal)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanrong.storage.database import Database
from chanrong.supplychain import service, trade_ledger
from chanrong.supplychain.trade_ledger import Account, Line
from tests.builders import Park
from tests.supplychain.trade_builders import add_guarantor, confirmed_statement

SELLER, BUYER, GUARANTOR, AGENT = "seller", "buyer", "guarantor", "agent"

rates = st.decimals(min_value=0, max_value=10, places=4, allow_nan=False, allow_infinity=False)
amounts = st.integers(min_value=1, max_value=10**11)


def _book(entries: list[list[Line]]) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for lines in entries:
        assert trade_ledger.unbalanced(lines) is None, lines
        for x in lines:
            out[(x.org_id, x.account.value)] += x.debit_fen - x.credit_fen
    return out


@given(
    amount=amounts,
    rate=rates,
    buyer_pays_fee=st.booleans(),
    defaulted=st.booleans(),
    instalments=st.integers(min_value=1, max_value=24),
    cuts=st.lists(st.floats(min_value=0, max_value=1), max_size=6),
)
def test_a_guarantee_never_creates_or_loses_a_fen(
    amount: int,
    rate: Decimal,
    buyer_pays_fee: bool,
    defaulted: bool,
    instalments: int,
    cuts: list[float],
) -> None:
    instalments = min(instalments, amount)
    fee = trade_ledger.fee_fen(amount, rate)
    payer = BUYER if buyer_pays_fee else SELLER
    entries = [trade_ledger.obligation(SELLER, BUYER, amount)]
    if fee:
        entries.append(trade_ledger.fee(payer, GUARANTOR, fee))
    repaid = 0
    if not defaulted:
        entries.append(trade_ledger.buyer_pays(BUYER, SELLER, amount))
    else:
        entries.append(trade_ledger.guarantor_pays(GUARANTOR, SELLER, BUYER, amount))
        schedule = trade_ledger.recourse_schedule(amount, instalments, date(2030, 1, 1))
        assert sum(f for _d, f in schedule) == amount and all(f > 0 for _d, f in schedule)
        owed = [f for _d, f in schedule]
        # Repayments at random points of what is left (floats only pick the cut points).
        for cut in cuts:
            left = sum(owed)
            pay = int(left * cut)
            if pay <= 0:
                continue
            parts = trade_ledger.allocate(pay, owed)
            assert sum(parts) == pay and all(p <= o for p, o in zip(parts, owed, strict=True))
            owed = [o - p for o, p in zip(owed, parts, strict=True)]
            entries.append(trade_ledger.recourse_paid(BUYER, GUARANTOR, pay))
            repaid += pay
    book = _book(entries)
    cash = {org: book[(org, "cash")] for org in (SELLER, BUYER, GUARANTOR)}
    assert sum(cash.values()) == 0
    # The seller is paid the whole amount either way, less the fee when it paid it.
    assert cash[SELLER] == amount - (fee if payer == SELLER else 0)
    assert cash[GUARANTOR] == fee - (amount - repaid if defaulted else 0)
    assert book[(SELLER, Account.TRADE_RECEIVABLE.value)] == 0
    assert book[(BUYER, Account.TRADE_PAYABLE.value)] == 0
    outstanding = amount - repaid if defaulted else 0
    assert book[(GUARANTOR, Account.RECOURSE_RECEIVABLE.value)] == outstanding
    assert book[(BUYER, Account.RECOURSE_PAYABLE.value)] == -outstanding


@given(amount=amounts, share=st.floats(min_value=0, max_value=1))
def test_an_escrow_pays_out_exactly_what_it_held(amount: int, share: float) -> None:
    to_seller = int(amount * share)
    book = _book(
        [
            trade_ledger.deposit(BUYER, AGENT, amount),
            trade_ledger.escrow_release(AGENT, BUYER, SELLER, to_seller, amount - to_seller),
        ]
    )
    assert book[(SELLER, "cash")] == to_seller
    assert book[(BUYER, "cash")] == -to_seller
    assert book[(AGENT, "cash")] == 0
    assert book[(AGENT, "escrow_held")] == 0 and book[(BUYER, "escrow_receivable")] == 0


def test_an_unbalanced_entry_is_named() -> None:
    assert trade_ledger.unbalanced([]) == "an entry needs lines"
    lines = [Line("a", Account.CASH, debit_fen=2), Line("b", Account.CASH, credit_fen=1)]
    assert trade_ledger.unbalanced(lines) == "debits 2 ≠ credits 1"
    assert "positive" in str(trade_ledger.unbalanced([Line("a", Account.CASH, 1, 1)]))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amount=st.integers(min_value=1, max_value=10**10),
    rate=rates,
    defaulted=st.booleans(),
    repay_share=st.floats(min_value=0, max_value=1),
)
def test_the_stored_journal_balances_through_the_services(
    db: Database, park: Park, amount: int, rate: Decimal, defaulted: bool, repay_share: float
) -> None:
    with db.unit_of_work() as s:
        if "guarantor" not in park.members:
            add_guarantor(s, park)
        before = service.trade_balances(s)
        sid = confirmed_statement(s, park, amount_fen=amount, reference=f"HT-{amount}-{rate}")
        seller = service.principal_for_org(s, park["enterprise"]["admin"].org_id)
        buyer = service.principal_for_org(s, park["core"]["admin"].org_id)
        guarantor = service.principal_for_org(s, park["guarantor"]["admin"].org_id)
        g = service.request_payment_guarantee(s, seller, sid, guarantor_org_id=guarantor.org_id)
        service.accept_payment_guarantee(s, guarantor, g.id, fee_rate_percent=rate)
        repaid = 0
        if not defaulted:
            service.record_payment(s, buyer, sid)
        else:
            later = datetime.now(UTC) + timedelta(days=1)
            service.call_payment_guarantee(s, seller, g.id)
            v = service.pay_out(s, guarantor, g.id, instalments=min(3, amount), now=later)
            assert v.claim is not None
            repaid = int(amount * repay_share)
            if repaid:
                service.repay_recourse(s, buyer, v.claim.id, amount_fen=repaid, now=later)
        after = service.trade_balances(s)
        assert service.trade_violations(s) == []
    fee = trade_ledger.fee_fen(amount, rate)

    def moved(org: str, account: str) -> int:
        return after.get((org, account), 0) - before.get((org, account), 0)

    assert moved(seller.org_id, "cash") == amount - fee
    assert moved(guarantor.org_id, "cash") == fee - (amount - repaid if defaulted else 0)
    assert moved(buyer.org_id, "cash") == -(amount if not defaulted else repaid)
    assert moved(guarantor.org_id, "recourse_receivable") == (amount - repaid if defaulted else 0)
