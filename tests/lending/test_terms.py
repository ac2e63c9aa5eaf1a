"""Every way into a loan (quote, book, open a line, draw) checks the same terms against the
product and the same counterparty, and names the field it refuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from chanrong.core.errors import ValidationFailed
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending
from chanrong.lending.orm import CreditLine, Loan, Product
from chanrong.storage.database import Database
from tests.builders import Park
from tests.lending.builders import principal, product

ON = date(2025, 1, 10)
OVER = "5000000.01"  # the builders' products lend at most 5,000,000.00 over 1 to 36 months


def _refused(call: Callable[[], object]) -> tuple[str | None, str]:
    with pytest.raises(ValidationFailed) as err:
        call()
    return err.value.field, err.value.detail


def _line(
    s: Session, officer: Principal, prod: Product, borrower_org_id: str, limit: str = "100000"
) -> CreditLine:
    return lending.open_credit_line(
        s,
        officer,
        product_id=prod.id,
        borrower_org_id=borrower_org_id,
        limit=Decimal(limit),
        opened_on=ON,
        expires_on=date(2026, 1, 10),
        purpose="working_capital",
    )


def _book(
    s: Session,
    officer: Principal,
    prod: Product,
    borrower_org_id: str,
    *,
    amount: str = "10000",
    term_months: int = 3,
) -> Loan:
    return lending.book_loan(
        s,
        officer,
        product_id=prod.id,
        borrower_org_id=borrower_org_id,
        amount=Decimal(amount),
        term_months=term_months,
        purpose="equipment",
    )


def _quote(s: Session, officer: Principal, prod: Product, amount: str, months: int) -> int:
    _, schedule = lending.quote(
        s, officer, product_id=prod.id, amount=Decimal(amount), term_months=months, start_on=ON
    )
    return schedule.principal_fen


def test_amount_above_the_products_maximum_is_refused_on_every_path(
    db: Database, park: Park
) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        term = product(s, officer)
        revolving = product(s, officer, code="RC", kind="revolving", method="interest_only")
        field, detail = _refused(lambda: _quote(s, officer, term, OVER, 3))
        assert field == "amount" and "maximum of 5000000.00" in detail
        field, detail = _refused(lambda: _book(s, officer, term, borrower.org_id, amount=OVER))
        assert field == "amount" and "maximum of 5000000.00" in detail
        field, detail = _refused(lambda: _line(s, officer, revolving, borrower.org_id, OVER))
        assert field == "limit" and "maximum of 5000000.00" in detail
        assert _quote(s, officer, term, "5000000", 3) == 500_000_000
        assert _line(s, officer, revolving, borrower.org_id, "5000000").limit_fen == 500_000_000


@pytest.mark.parametrize("months", [0, 37])
def test_a_term_outside_the_product_is_refused_on_every_path(
    db: Database, park: Park, months: int
) -> None:
    expected = ("term_months", "term_months: 1 to 36 for this product")
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        term = product(s, officer)
        revolving = product(s, officer, code="RC", kind="revolving", method="interest_only")
        line = _line(s, officer, revolving, borrower.org_id)
        assert _refused(lambda: _quote(s, officer, term, "10000", months)) == expected
        assert (
            _refused(lambda: _book(s, officer, term, borrower.org_id, term_months=months))
            == expected
        )
        assert (
            _refused(
                lambda: lending.draw(
                    s, borrower, line.id, amount=Decimal("1000"), term_months=months, on=ON
                )
            )
            == expected
        )
        drawn = lending.draw(s, borrower, line.id, amount=Decimal("1000"), term_months=36, on=ON)
        assert drawn.term_months == 36


@pytest.mark.parametrize("who", ["other_bank", "nobody"])
def test_the_borrower_must_be_an_enterprise_on_loans_and_lines(
    db: Database, park: Park, who: str
) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower_org_id = "no-such-org" if who == "nobody" else park[who]["officer"].org_id
        term = product(s, officer)
        revolving = product(s, officer, code="RC", kind="revolving", method="interest_only")
        for field, detail in (
            _refused(lambda: _book(s, officer, term, borrower_org_id)),
            _refused(lambda: _line(s, officer, revolving, borrower_org_id)),
        ):
            assert field == "borrower_org_id" and "enterprise on the platform" in detail


def test_a_product_of_the_wrong_kind_is_refused(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        borrower = principal(s, park["enterprise"]["officer"])
        term = product(s, officer)
        revolving = product(s, officer, code="RC", kind="revolving", method="interest_only")
        field, detail = _refused(lambda: _book(s, officer, revolving, borrower.org_id))
        assert field == "product_id" and "needs a term product" in detail
        field, detail = _refused(lambda: _line(s, officer, term, borrower.org_id))
        assert field == "product_id" and "needs a revolving product" in detail
