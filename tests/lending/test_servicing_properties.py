"""Random servicing histories against the real service and database: whatever happens, the
journal balances, the sub-ledger agrees with it and no instalment is over-settled."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import add_member, add_org
from tests.lending.builders import active_loan, principal, product

_codes = itertools.count()

ops = st.lists(
    st.one_of(
        st.tuples(st.just("close"), st.integers(1, 45)),
        st.tuples(st.just("repay"), st.integers(1, 600_000)),
        st.tuples(st.just("prepay"), st.integers(1, 100)),
        st.tuples(st.just("sweep"), st.integers(1, 2_000_000)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=ops,
    method=st.sampled_from(["equal_instalment", "equal_principal", "interest_only"]),
    order=st.sampled_from(
        ["penalty_interest_principal", "interest_principal_penalty", "due_date_horizontal"]
    ),
)
def test_any_history_keeps_the_books_balanced(
    db: Database, history: list[tuple[str, int]], method: str, order: str
) -> None:
    with db.unit_of_work() as s:
        bank_org = add_org(s, "financial_institution")
        ent_org = add_org(s, "enterprise")
        officer = principal(s, add_member(s, bank_org, "officer"))
        borrower = principal(s, add_member(s, ent_org, "officer"))
        prod = product(s, officer, code=f"P{next(_codes)}", method=method, allocation_order=order)
        loan = active_loan(s, officer, borrower, prod=prod, term_months=4, sweep_share_pct="40")
        day = date(2025, 1, 10)
        for n, (op, value) in enumerate(history):
            try:
                if op == "close":
                    day += timedelta(days=value)
                    lending.daily_close(s, as_of=day, lender_org_id=bank_org)
                elif op == "repay":
                    lending.repay(
                        s,
                        officer,
                        loan.id,
                        amount=Decimal(value) / 100,
                        paid_on=day,
                        reference=f"r{n}",
                    )
                elif op == "sweep":
                    lending.sweep_collection(
                        s,
                        borrower_org_id=ent_org,
                        payment_ref=f"s{n}",
                        amount_fen=value,
                        paid_on=day,
                    )
                else:
                    quote = lending.payoff_quote(s, officer, loan.id, on=day)
                    amount = max(1, quote.total_fen * value // 100)
                    lending.prepay(
                        s,
                        officer,
                        loan.id,
                        amount=Decimal(amount) / 100,
                        on=day,
                        reference=f"p{n}",
                    )
            except (ValidationFailed, Conflict):
                pass  # refused as a whole: e.g. a prepayment that only covers interest
        report = lending.daily_close(s, as_of=day + timedelta(days=1), lender_org_id=bank_org)
        assert report.total_debit_fen == report.total_credit_fen
        assert all(a == b for a, b in report.checks.values()), report.checks
        view = lending.loan_view(s, officer, loan.id)
        for i in view.instalments:
            assert 0 <= i.paid_principal_fen <= i.principal_fen
            assert 0 <= i.paid_interest_fen <= i.interest_fen
        assert view.balances["loan_principal"] == sum(
            i.owed_principal_fen for i in view.instalments
        )
        assert sum(i.principal_fen for i in view.instalments) == 1_000_000
        assert view.balances["overpayment"] >= 0
