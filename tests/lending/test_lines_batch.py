"""Lending's batch read of credit lines (the nightly revaluation of collateral pools reads
every pool's line at once) answers for each line what reading it alone answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.builders import Park
from tests.lending.builders import principal, product

ON = date(2026, 3, 2)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_many_lines_read_at_once_as_one_by_one(db: Database, park: Park) -> None:
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        prod = product(s, officer, code="RC", kind="revolving", method="interest_only")
        ids = []
        for who in ("enterprise", "other_enterprise", "enterprise"):
            line = lending.open_credit_line(
                s,
                officer,
                product_id=prod.id,
                borrower_org_id=park[who]["officer"].org_id,
                limit=Decimal("80000"),
                opened_on=date(2026, 1, 1),
                expires_on=date(2027, 1, 1),
                purpose="working_capital",
            )
            ids.append(line.id)
        me = principal(s, park["enterprise"]["officer"])
        other = principal(s, park["other_enterprise"]["officer"])
        # Line 0: two drawdowns; line 1: one drawdown; line 2: none.
        lending.draw(s, me, ids[0], amount=Decimal("30000"), term_months=6, on=ON)
        lending.draw(s, me, ids[0], amount=Decimal("12000"), term_months=3, on=ON)
        lending.draw(s, other, ids[1], amount=Decimal("5000"), term_months=3, on=ON)
    with db.unit_of_work() as s:
        officer = principal(s, park["bank"]["officer"])
        alone = {i: lending.line_available_fen(s, lending.get_line(s, officer, i)) for i in ids}
        many = lending.lines_available(s, [*ids, "no-such-line"])
    assert {i: b.available_fen for i, b in many.items()} == alone
    assert alone[ids[2]] == 8_000_000  # nothing drawn
    assert alone[ids[1]] == 7_500_000
    assert alone[ids[0]] == 3_800_000  # 42,000 drawn over two drawdowns
    assert all(many[i].line.id == i for i in ids)
