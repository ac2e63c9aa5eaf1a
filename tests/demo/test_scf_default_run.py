"""The park where some buyers default at maturity (``chanrong.demo.scf_default_run``), small."""

from __future__ import annotations

import pytest

from chanrong.cli.supplychain_demo import print_default_run
from chanrong.demo.scf_default_run import run_default_park
from chanrong.guarantee import service as guarantee
from chanrong.identity import service as identity
from chanrong.storage.database import Database
from tests.builders import add_org


def test_buyers_default_and_every_fen_lands_with_a_party(db: Database) -> None:
    with db.unit_of_work() as s:
        run = run_default_park(s, seed=1, buyers=3, sellers=8)
    assert run.violations == []
    assert run.defaulted_buyers == 1 and run.unpaid_at_maturity_fen > 0
    assert sum(run.uses.values()) == 8
    # The guarantor paid the bank for the guaranteed sellers of the defaulted buyer (代偿):
    # under the national fund the bank keeps 20 %, the fund reimburses 20 %, the guarantor
    # bears 60 % of each claim.
    assert run.claims > 0 and run.compensation_fen > 0
    assert run.reimbursed["fund"] * 4 == run.compensation_fen
    assert run.losses["guarantor"] == run.compensation_fen - run.reimbursed["fund"]
    # Whatever the buyers did not pay in the end is borne by someone, to the fen.
    assert sum(run.losses.values()) == run.unpaid_at_maturity_fen - run.paid_late_fen
    assert run.fees["guarantee"] > 0 and run.discount_income_fen > 0
    # 保付: the defaulted buyer's guaranteed seller was paid by the guarantor directly (代偿),
    # which holds the recourse claim: its three instalments were flagged overdue, nothing
    # was repaid (this buyer never pays), so the guarantor bears it and the seller nothing.
    assert run.pg_sellers == 3 and run.pg_fees_fen == run.pg_guaranteed_fen // 100
    assert run.pg_paid_out_fen > 0 and run.pg_recourse_repaid_fen == 0
    assert run.pg_overdue_flags == 3
    assert run.losses["guarantor 保付"] == run.pg_paid_out_fen


def test_a_late_payment_is_recovered_and_shared_back(db: Database) -> None:
    with db.unit_of_work() as s:
        run = run_default_park(s, seed=2, buyers=3, sellers=8)
    assert run.violations == []
    assert run.paid_late_fen == run.unpaid_at_maturity_fen > 0
    # Recourse was taken where agreed, the bank's limit refused one request (headroom named,
    # the seller borrowed with a guarantee instead), and the late payment made everyone whole.
    assert run.recourse_paid_fen > 0 and run.refused_by_limit == 1
    assert run.recovered_fen > 0
    # The guarantor paid the 保付 sellers and was repaid its whole recourse claim, late.
    assert run.pg_paid_out_fen == run.pg_recourse_repaid_fen > 0
    assert run.losses == {"bank": 0, "guarantor": 0, "fund": 0, "sellers": 0, "guarantor 保付": 0}


def test_the_demo_parties_see_the_run_and_it_prints(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """As ``chanrong demo`` runs it: its guarantor and government body act, so the guarantor's
    book holds the claims it paid and the government body owns the scheme."""
    with db.unit_of_work() as s:
        guarantor = identity.system_principal(
            s, add_org(s, "financial_institution", institution_type="guarantor")
        )
        gov = identity.system_principal(s, add_org(s, "analyst", analyst_type="government"))
        run = run_default_park(s, seed=1, buyers=3, sellers=8, guarantor=guarantor, government=gov)
        claimed = [g for g in guarantee.list_guarantees(s, guarantor) if g.status == "claimed"]
        assert len(claimed) == run.claims > 0
        [scheme] = [r for r in guarantee.list_schemes(s) if r.owner_org_id == gov.org_id]
        assert scheme.code.startswith("national-fund-")
    print_default_run(run)
    out = capsys.readouterr().out
    assert "1 of 3 buyers did not pay" in out and "invariant violations: 0" in out
