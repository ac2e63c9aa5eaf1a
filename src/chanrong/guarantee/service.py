"""Guarantee's surface: the use cases other domains, the api, the cli, the console and the
worker call. ``from chanrong.guarantee import service`` is the one way in from outside.

| module | holds |
|---|---|
| ``domain`` / ``presets`` / ``definition`` | the engine, shipped schemes, schemes as JSON |
| ``subsidy`` | interest-subsidy eligibility and per-period amounts (pure) |
| ``journal`` / ``books`` | the ledger's accounts; its writer (rule from ``core.ledger``) |
| ``schemes`` | setting up a scheme, its position and each party's losses, recoveries and fees |
| ``guarantees`` | request, accept (or the breaker refuses), fees, claims (代偿), recoveries |
| ``programmes`` | subsidy programmes: eligible loans, periods paid until the budget is spent |
| ``partners`` | a guarantor's business mix against the national fund's partner rules |
| ``pilot`` | the government body's pilot dashboard (aggregates only) |
| ``access`` | who may do what (guarantor, bank, government body) |

Services flush, never commit.
"""

from __future__ import annotations

from chanrong.guarantee.books import balances, cash_total
from chanrong.guarantee.guarantees import (
    DEFAULT_DPD,
    accept_guarantee,
    charge_fees,
    claim_of,
    collect_fees,
    fees_of,
    file_claim,
    get_guarantee,
    list_guarantees,
    record_recovery,
    recoveries_of,
    request_guarantee,
)
from chanrong.guarantee.partners import PartnerStanding, partner_standing
from chanrong.guarantee.pilot import Pilot, pilot_figures
from chanrong.guarantee.presets import PRESETS
from chanrong.guarantee.programmes import (
    ProgrammeReport,
    create_programme,
    enrol_now,
    find_eligible,
    get_programme,
    list_programmes,
    open_programmes,
    pay_now,
    pay_period,
    programme_report,
)
from chanrong.guarantee.schemes import (
    SchemeReport,
    create_scheme,
    get_scheme,
    list_schemes,
    position_of,
    scheme_of,
    scheme_report,
)

__all__ = [
    "DEFAULT_DPD",
    "PRESETS",
    "PartnerStanding",
    "Pilot",
    "ProgrammeReport",
    "SchemeReport",
    "accept_guarantee",
    "balances",
    "cash_total",
    "charge_fees",
    "claim_of",
    "collect_fees",
    "create_programme",
    "create_scheme",
    "enrol_now",
    "fees_of",
    "file_claim",
    "find_eligible",
    "get_guarantee",
    "get_programme",
    "get_scheme",
    "list_guarantees",
    "list_programmes",
    "list_schemes",
    "open_programmes",
    "partner_standing",
    "pay_now",
    "pay_period",
    "pilot_figures",
    "position_of",
    "programme_report",
    "record_recovery",
    "recoveries_of",
    "request_guarantee",
    "scheme_of",
    "scheme_report",
]
