"""The enterprise's outgoing payments are a business record like any other: validated per
column (channel, GB/T 4754 industry), all or nothing; customer payments name the account
they went into."""

from __future__ import annotations

import pytest

from chanrong.telemetry.domain import RECORD_SPECS, RecordError, parse_record

ROW = {
    "payment_id": "O-1",
    "payee_name": "钢材供应商",
    "paid_date": "2025-01-15",
    "amount": "6000.50",
    "channel": "Transfer",
    "payee_industry": "c31",
}


def test_an_outgoing_payment_is_parsed() -> None:
    rec = parse_record(RECORD_SPECS["outgoing_payments"], ROW)
    assert rec["amount_fen"] == 600_050
    assert (rec["channel"], rec["payee_industry"]) == ("transfer", "C31")
    assert rec["payee_uscc"] is None and rec["purpose"] is None


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"channel": "bitcoin"}, "channel"),
        ({"channel": ""}, "channel"),
        ({"payee_industry": "31C"}, "payee_industry"),
        ({"payee_industry": "C311234"}, "payee_industry"),
        ({"payee_uscc": "123"}, "payee_uscc"),
        ({"amount": "-1"}, "amount"),
        ({"payee_name": None}, "payee_name"),
    ],
)
def test_bad_outgoing_payments_name_the_column(change: dict[str, object], column: str) -> None:
    with pytest.raises(RecordError) as err:
        parse_record(RECORD_SPECS["outgoing_payments"], {**ROW, **change})
    assert err.value.column == column


def test_a_customer_payment_names_its_account() -> None:
    spec = RECORD_SPECS["payments"]
    base = {"payment_id": "P", "invoice_id": "I", "paid_date": "2025-01-15", "amount": "1"}
    assert parse_record(spec, base)["account"] is None
    assert parse_record(spec, {**base, "account": " VA0001 "})["account"] == "VA0001"
