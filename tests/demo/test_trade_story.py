"""The demo's trade story on the test park: to the fen, and the journal balanced."""

from __future__ import annotations

from datetime import date

from chanrong.core.clock import shanghai_date, utcnow
from chanrong.demo.trade_story import tell
from chanrong.storage.database import Database
from chanrong.supplychain import service
from tests.builders import Park
from tests.supplychain.trade_builders import add_guarantor


def test_the_trade_story_adds_up(db: Database, park: Park) -> None:
    today: date = shanghai_date(utcnow())
    with db.unit_of_work() as s:
        add_guarantor(s, park)
        t = tell(
            s,
            seller_org_id=park["enterprise"]["admin"].org_id,
            buyer_org_id=park["core"]["admin"].org_id,
            guarantor_org_id=park["guarantor"]["admin"].org_id,
            bank_org_id=park["bank"]["admin"].org_id,
            today=today,
        )
        cash = {o: v for (o, a), v in service.trade_balances(s).items() if a == "cash"}
    # 500 + 280 received of 800 shipped, at ¥120.50.
    assert t.statement_fen == 780 * 12_050
    assert t.fee_fen == 46_995  # 0.5 % of ¥93,990.00
    assert t.recovered_fen == t.statement_fen // 3
    assert t.outstanding_fen == t.statement_fen - t.recovered_fen
    assert t.escrow_released_fen == 200 * 12_050
    assert t.journal_violations == []
    assert cash[park["enterprise"]["admin"].org_id] == t.statement_fen - t.fee_fen + 200 * 12_050
    assert cash[park["guarantor"]["admin"].org_id] == t.fee_fen - t.outstanding_fen
