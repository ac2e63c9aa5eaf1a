"""Payment-term rules for large buyers paying SMEs, and a statement's state from its lines."""

from __future__ import annotations

import pytest

from chanrong.core.errors import ValidationFailed
from chanrong.supplychain.trade_terms import (
    LineState,
    StatementState,
    TermFlag,
    payment_term_flags,
    statement_state,
)


@pytest.mark.parametrize(
    ("large", "sme", "days", "pwp", "flags"),
    [
        (True, True, 60, False, []),  # exactly 60 days is within the rule
        (True, True, 61, False, [TermFlag.LATE_FOR_SME]),
        (True, True, 90, True, [TermFlag.LATE_FOR_SME, TermFlag.PAY_WHEN_PAID]),
        (False, True, 120, False, []),  # an SME buyer is not held to the 60 days
        (True, False, 120, True, []),  # a large seller is not protected
        (False, True, 30, True, [TermFlag.PAY_WHEN_PAID]),
    ],
)
def test_payment_term_flags(
    large: bool, sme: bool, days: int, pwp: bool, flags: list[TermFlag]
) -> None:
    got = payment_term_flags(
        buyer_is_large=large, seller_is_sme=sme, payment_days=days, pay_when_paid=pwp
    )
    assert got == flags


def test_payment_days_out_of_range_names_the_field() -> None:
    for days in (-1, 366):
        with pytest.raises(ValidationFailed) as err:
            payment_term_flags(
                buyer_is_large=True, seller_is_sme=True, payment_days=days, pay_when_paid=False
            )
        assert err.value.field == "payment_days"


def test_statement_state() -> None:
    p, c, d = LineState.PENDING, LineState.CONFIRMED, LineState.DISPUTED
    assert statement_state([p, c]) is StatementState.OPEN
    assert statement_state([c, c]) is StatementState.CONFIRMED
    assert statement_state([c, d, p]) is StatementState.DISPUTED
    assert statement_state([]) is StatementState.OPEN
