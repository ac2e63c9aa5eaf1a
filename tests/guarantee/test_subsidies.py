"""Interest subsidies: eligibility from the platform's records, monthly payments, the budget."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanrong.core.errors import Forbidden, ValidationFailed
from chanrong.core.money import fen_to_yuan
from chanrong.guarantee import service
from chanrong.guarantee.subsidy import (
    Eligibility,
    LoanFacts,
    SubsidyMode,
    period_subsidy,
    shortfalls,
    size_of,
)
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.guarantee.builders import guarantee_park
from tests.lending.builders import active_loan, principal


def test_eligibility_rules_and_unknown_facts() -> None:
    rule = Eligibility(
        industries=("C",),
        sizes=("small", "micro"),
        max_carbon_grade=3,
        purposes=("equipment",),
        regions=("4403",),
    )
    good = LoanFacts("C34", "small", 2, "equipment", "440310")
    assert shortfalls(rule, good) == []
    bad = LoanFacts("F51", None, 4, "raw_materials", "330500")
    assert shortfalls(rule, bad) == [
        "industry",
        "size_unknown",
        "carbon_grade",
        "purpose",
        "region",
    ]
    # Industrial sizes by revenue: ¥3 M is small, ¥2,999,999.99 micro, ¥20 M medium.
    assert [size_of(v) for v in (299_999_999, 300_000_000, 2_000_000_000, None)] == [
        "micro",
        "small",
        "medium",
        None,
    ]


def test_period_subsidy_rate_share_interest_and_budget() -> None:
    # Rate: 1.5 points a year on ¥1,000,000 for 30 days = 100,000,000 × 0.015 × 30/365
    # = 123,287.67 fen → ¥1,232.88; interest paid ¥3,000 is more, budget plenty.
    s = period_subsidy(
        SubsidyMode.RATE,
        Decimal("1.5"),
        outstanding_fen=100_000_000,
        interest_paid_fen=300_000,
        days=30,
        budget_left_fen=10**9,
    )
    assert (s.computed_fen, s.amount_fen, s.limited_by) == (123_288, 123_288, None)
    # Never more than the interest paid …
    s = period_subsidy(
        SubsidyMode.RATE,
        Decimal("1.5"),
        outstanding_fen=100_000_000,
        interest_paid_fen=100_000,
        days=30,
        budget_left_fen=10**9,
    )
    assert (s.amount_fen, s.limited_by) == (100_000, "interest")
    # … nor the budget left. Share: half of ¥310.01 = 15,500.5 → 15,501 fen; budget 15,000.
    s = period_subsidy(
        SubsidyMode.SHARE,
        Decimal("0.5"),
        outstanding_fen=0,
        interest_paid_fen=31_001,
        days=30,
        budget_left_fen=15_000,
    )
    assert (s.computed_fen, s.amount_fen, s.limited_by) == (15_501, 15_000, "budget")


def test_programme_finds_loans_pays_monthly_until_the_budget_is_spent(db: Database) -> None:
    with db.unit_of_work() as s:
        gp = guarantee_park(s)
        prog = service.create_programme(
            s,
            gp.gov,
            name="制造业贴息 2025",
            mode="share",
            value=Decimal("0.5"),
            eligibility={"industries": ["C"], "purposes": ["raw_materials"], "regions": ["33"]},
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
            budget_fen=20_000,
        )
        loan = active_loan(s, gp.bank, gp.borrower, amount="100000.00", start=date(2025, 1, 10))
        other = principal(s, gp.park["other_enterprise"]["officer"])  # no industry or region
        active_loan(
            s,
            gp.bank,
            other,
            prod=lending.list_products(s, gp.bank)[0],
            amount="50000.00",
            start=date(2025, 1, 12),
        )
        enrolled = service.find_eligible(s, prog.id, as_of=date(2025, 1, 31))
        assert [e.loan_id for e in enrolled] == [loan.id]
        assert service.find_eligible(s, prog.id, as_of=date(2025, 1, 31)) == []  # once
        view = lending.loan_view(s, gp.bank, loan.id)
        first, second = view.instalments[0], view.instalments[1]
        # ¥100,000 at 3.65 % ACT/365 for 31 days: 10,000,000 × 0.0365 × 31/365 = 31,000 fen.
        assert first.interest_fen == 31_000
        lending.repay(
            s,
            gp.bank,
            loan.id,
            amount=fen_to_yuan(first.principal_fen + 31_000),
            paid_on=first.due,
            reference="r-1",
        )
        # January: nothing due, nothing paid, nothing subsidised.
        [jan] = service.pay_period(s, prog.id, date(2025, 1, 1))
        assert (jan.interest_paid_fen, jan.amount_fen) == (0, 0)
        # February: half the ¥310.00 interest paid = ¥155.00.
        [feb] = service.pay_period(s, prog.id, date(2025, 2, 1))
        assert (feb.interest_paid_fen, feb.amount_fen, feb.limited_by) == (31_000, 15_500, None)
        assert service.pay_period(s, prog.id, date(2025, 2, 1)) == []  # a month is paid once
        lending.repay(
            s,
            gp.bank,
            loan.id,
            amount=fen_to_yuan(second.principal_fen + second.interest_fen),
            paid_on=second.due,
            reference="r-2",
        )
        # March: half the second instalment's interest, but only ¥45.00 of budget is left.
        [mar] = service.pay_period(s, prog.id, date(2025, 3, 1))
        assert second.interest_fen // 2 > 4_500
        assert (mar.amount_fen, mar.limited_by) == (4_500, "budget")
        report = service.programme_report(s, gp.gov, prog.id)
        assert (report.row.spent_fen, report.row.status, report.budget_left_fen) == (
            20_000,
            "exhausted",
            0,
        )
        assert service.pay_period(s, prog.id, date(2025, 4, 1)) == []
        # Journalled: the government body paid exactly what the borrower received.
        bal = service.balances(s)
        assert bal[(gp.gov.org_id, "subsidy_expense")] == 20_000
        assert bal[(gp.borrower.org_id, "subsidy_income")] == -20_000
        assert service.cash_total(s) == 0
        assert feb.log_index is not None and jan.log_index is None


def test_only_a_government_body_defines_programmes(db: Database) -> None:
    with db.unit_of_work() as s:
        gp = guarantee_park(s)
        kw = dict(
            name="x",
            mode="share",
            value=Decimal("0.5"),
            eligibility={},
            starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31),
            budget_fen=100,
        )
        for who in (
            gp.bank,
            gp.guarantor_officer,
            gp.borrower,
            principal(s, gp.park["analyst"]["viewer"]),
        ):
            with pytest.raises(Forbidden):
                service.create_programme(s, who, **kw)  # type: ignore[arg-type]
        with pytest.raises(ValidationFailed) as err:
            service.create_programme(s, gp.gov, **{**kw, "eligibility": {"colour": ["red"]}})  # type: ignore[arg-type]
        assert err.value.field == "eligibility.colour"
        with pytest.raises(ValidationFailed) as err:
            service.create_programme(s, gp.gov, **{**kw, "value": Decimal("1.5")})  # type: ignore[arg-type]
        assert err.value.field == "value"


@settings(max_examples=200, deadline=None)
@given(
    mode=st.sampled_from(list(SubsidyMode)),
    value=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1"), places=2),
    budget=st.integers(min_value=0, max_value=10**7),
    periods=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**9),  # outstanding
            st.integers(min_value=0, max_value=10**6),  # interest paid
            st.integers(min_value=0, max_value=31),  # days
        ),
        max_size=40,
    ),
)
def test_subsidies_never_pass_the_budget_or_the_interest(
    mode: SubsidyMode, value: Decimal, budget: int, periods: list[tuple[int, int, int]]
) -> None:
    spent = 0
    gov = borrower = 0
    for outstanding, interest, days in periods:
        s = period_subsidy(
            mode,
            value,
            outstanding_fen=outstanding,
            interest_paid_fen=interest,
            days=days,
            budget_left_fen=budget - spent,
        )
        assert 0 <= s.amount_fen <= min(interest, s.computed_fen)
        spent += s.amount_fen
        gov -= s.amount_fen
        borrower += s.amount_fen
        assert spent <= budget
    assert gov + borrower == 0 and borrower == spent
