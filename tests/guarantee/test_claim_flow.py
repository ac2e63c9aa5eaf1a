"""A guaranteed loan through fees, default, claim (代偿) and recovery on a real database."""

from __future__ import annotations

from datetime import date

import pytest

from chanrong.core.errors import Conflict
from chanrong.governance import service as governance
from chanrong.guarantee import service
from chanrong.identity.domain import Principal
from chanrong.lending import service as lending
from chanrong.storage.database import Database
from tests.guarantee.builders import guarantee_park, guaranteed_loan, pingshan


def test_fees_claim_and_recovery_to_the_fen(db: Database) -> None:
    with db.unit_of_work() as s:
        gp = guarantee_park(s)
        scheme = pingshan(s, gp)
        loan, g = guaranteed_loan(s, gp, scheme)
        # ¥100,000 at 1 % for 31 days (10 Jan → 10 Feb):
        # 10,000,000 × 0.01 × 31/365 = 8,493.15 → 8,493 fen.
        [fee] = service.collect_fees(s, g.id, date(2025, 2, 10))
        assert (fee.amount_fen, fee.payer_org_id, fee.payee_org_id) == (
            8_493,
            gp.borrower.org_id,
            gp.guarantor_officer.org_id,
        )
        assert service.collect_fees(s, g.id, date(2025, 2, 10)) == []  # once per period
        # Nothing repaid: by 30 June the loan is 140 days past due.
        lending.close_books(s, gp.bank, as_of=date(2025, 6, 30))
        claim = service.file_claim(s, gp.bank, g.id, on=date(2025, 6, 30))
        # Unpaid ¥100,000: bank keeps 20 % (¥20,000), guarantor pays ¥80,000 (代偿). The pool owes
        # 40 % of the principal under the 2.5 % stop (2.5 % × ¥100,000 = ¥2,500 → ¥1,000) but its
        # fee-multiple cap is 2 × 8,493 = 16,986 fen, so it pays ¥169.86; guarantor ¥79,830.14.
        assert (claim.unpaid_fen, claim.bank_fen, claim.compensation_fen) == (
            10_000_000,
            2_000_000,
            8_000_000,
        )
        assert claim.sharers == {"pool": 16_986}
        assert claim.guarantor_fen == 7_983_014
        assert claim.limited_by == {"pool": "fee_multiple_cap"}
        # ¥10,000 recovered: 20 % → ¥2,000; guarantor 79.83014 % → 798,301.4 fen; pool
        # 0.16986 % → 1,698.6 fen; the odd fen to the larger fraction (the pool): 1,699.
        rec = service.record_recovery(
            s, gp.guarantor_officer, claim.id, amount_fen=1_000_000, on=date(2025, 9, 1)
        )
        assert rec.shares == {"bank": 200_000, "guarantor": 798_301, "pool": 1_699}
        # The journal: every party's books balance, cash is only moved between parties.
        assert service.cash_total(s) == 0
        bal = service.balances(s)
        guarantor_id, gov_id = gp.guarantor_officer.org_id, gp.gov.org_id
        assert bal[(guarantor_id, "loss")] == 7_983_014
        assert bal[(gov_id, "loss")] == 16_986
        assert bal[(gp.bank.org_id, "compensation_income")] == -8_000_000
        assert bal[(guarantor_id, "cash")] == 8_493 - 8_000_000 + 16_986 + 798_301
        # The claim, each payout and the recovery are leaves of the verifiable log.
        kinds = [
            e.kind
            for e in governance.list_log_entries(s, _operator(s, gp), kind=None, limit=1000)
            if e.kind.startswith("guarantee.")
        ]
        assert kinds.count("guarantee.claim.paid") == 1
        assert kinds.count("guarantee.payout") == 2  # the guarantor's 代偿, the pool's share
        assert kinds.count("guarantee.recovery") == 1
        assert governance.get_log_entry(s, gp.bank, claim.log_index).kind == "guarantee.claim.paid"
        report = service.scheme_report(s, scheme)
        assert report.losses == {"bank": 2_000_000, "guarantor": 7_983_014, "pool": 16_986}
        assert report.net_losses["guarantor"] == 7_983_014 - 798_301
        assert loan.id == g.loan_id


def _operator(s: object, gp: object) -> Principal:
    from tests.lending.builders import principal

    return principal(s, gp.park["operator"]["admin"])  # type: ignore[arg-type, attr-defined]


def test_a_performing_loan_cannot_be_claimed(db: Database) -> None:
    with db.unit_of_work() as s:
        gp = guarantee_park(s)
        _, g = guaranteed_loan(s, gp, pingshan(s, gp))
        with pytest.raises(Conflict) as err:
            service.file_claim(s, gp.bank, g.id, on=date(2025, 1, 20))
        assert err.value.field == "loan"
        assert service.claim_of(s, g.id) is None


def test_breaker_stops_new_loans(db: Database) -> None:
    with db.unit_of_work() as s:
        gp = guarantee_park(s)
        scheme = pingshan(s, gp)
        _, g = guaranteed_loan(s, gp, scheme)
        lending.close_books(s, gp.bank, as_of=date(2025, 6, 30))
        service.file_claim(s, gp.bank, g.id, on=date(2025, 6, 30))
        # Loss rate 100 % > 2.5 %: the next loan is refused and nothing is enrolled.
        with pytest.raises(Conflict) as err:
            guaranteed_loan(s, gp, scheme, start=date(2025, 7, 1))
        assert err.value.extra == {"reason": "loss_rate_breaker"}
        assert service.position_of(s, scheme).enrolled_fen == 10_000_000


def test_partner_standing_from_the_guarantors_book(db: Database) -> None:
    from chanrong.credit import service as credit

    with db.unit_of_work() as s:
        gp = guarantee_park(s)
        guaranteed_loan(s, gp, pingshan(s, gp))
        # The borrower's size is unknown (no profile): not counted as small, so not eligible;
        # its ¥100,000 loan is a single loan under ¥5 M (100 %).
        st = service.partner_standing(s, gp.guarantor_officer.org_id)
        assert (st.book.total_fen, st.book.small_agri_fen, st.book.single_small_loans_fen) == (
            10_000_000,
            0,
            10_000_000,
        )
        assert (st.unknown_size_fen, st.shortfalls) == (10_000_000, ["small_agri_share"])
        # ¥10 M of revenue over 12 months: a small industrial firm; now eligible.
        credit.record_profile(
            s,
            org_id=gp.borrower.org_id,
            as_of=date(2025, 1, 1),
            features={},
            revenue_12m_fen=1_000_000_000,
            open_orders_fen=0,
            receivables_fen=0,
        )
        st = service.partner_standing(s, gp.guarantor_officer.org_id)
        assert (st.book.small_agri_fen, st.eligible) == (10_000_000, True)


def test_loans_outside_the_cooperation_period_are_refused(db: Database) -> None:
    with db.unit_of_work() as s:
        gp = guarantee_park(s)
        scheme = pingshan(s, gp)  # 2025-01-01 – 2027-12-31
        with pytest.raises(Conflict) as err:
            guaranteed_loan(s, gp, scheme, start=date(2028, 1, 10))
        assert err.value.extra == {"reason": "outside_period"}
        assert service.position_of(s, scheme).enrolled_fen == 0
