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


def test_delivery_flags_and_what_is_left() -> None:
    from chanrong.supplychain.trade_terms import (
        DeliveryFlag,
        check_fits,
        delivery_flags,
        invoice_amount_fen,
        remaining,
    )

    assert delivery_flags(shipped=10, received=None, produced=None) == []
    assert delivery_flags(shipped=10, received=10, produced=10) == []
    assert delivery_flags(shipped=10, received=9, produced=9) == [
        DeliveryFlag.SHORT_RECEIVED,
        DeliveryFlag.PRODUCTION_BELOW_SHIPPED,
    ]
    assert remaining(100, [30, 50]) == 20
    check_fits(20, 20, field="quantity", of="order")
    with pytest.raises(ValidationFailed) as err:
        check_fits(21, 20, field="quantity", of="order")
    assert err.value.field == "quantity" and "20 left" in str(err.value)
    assert invoice_amount_fen(80, 12_050) == 964_000
    with pytest.raises(ValidationFailed):
        invoice_amount_fen(0, 12_050)
