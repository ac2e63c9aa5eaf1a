"""Lending's surface: the use cases other domains, the api, the cli and the console call.

``from chanrong.lending import service`` is the one way in from outside lending; the use
cases themselves live in modules named for what they hold:

| module | holds |
|---|---|
| ``products`` | products, LPR fixings, quotes, the terms a request must fit |
| ``loans`` | booking (directly or from a credit decision), acceptance, disbursement |
| ``offers`` | the enterprise's own journey: offers, applying with consent, accepting |
| ``lines`` | revolving credit lines and drawdowns |
| ``repayments`` | repayments, reversals, sweeps from collected receivables |
| ``collection_accounts`` | customer payments into a loan's collection account: applied, released |
| ``prepayment`` | payoff quotes and prepayments that rewrite the schedule |
| ``close`` | the daily close and its proof that the books balance |
| ``views`` | a loan's schedule, balances, history and journal |
| ``watch`` / ``alerts`` | post-loan monitoring under consent; the alerts it raises |
| ``fund_watch`` / ``fund_use`` | where the loan money went (outgoing payments on the platform) |
| ``watch`` / ``alerts`` | post-loan monitoring under consent (records and machines); its alerts |
| ``postings`` / ``events`` | the ledger writer; entries in the verifiable log |
| ``access`` / ``inputs`` | who may see and act on what; parsing the caller's input |

Services flush, never commit. Every money movement is a balanced journal entry written
through ``ledger.Book``; balances are sums over the journal; each state change another
party relies on is appended to the verifiable log.
"""

from __future__ import annotations

from chanrong.lending.alerts import list_alerts, update_alert
from chanrong.lending.close import CloseReport, close_books, daily_close
from chanrong.lending.collection_accounts import Collected, collect_payment
from chanrong.lending.fund_watch import (
    FundSweep,
    FundUseReport,
    check_fund_use_of,
    declare_related_parties,
    fund_use_of_borrower,
)
from chanrong.lending.lines import (
    LineBalance,
    draw,
    get_line,
    line_available_fen,
    lines_available,
    open_credit_line,
)
from chanrong.lending.loans import (
    accept_loan,
    book_from_decision,
    book_loan,
    booked_decisions,
    disburse,
    get_loan,
    list_loans,
)
from chanrong.lending.monitoring import BorrowerSeries, Detection, MonitoringConfig, detect
from chanrong.lending.offers import (
    Acceptance,
    ConsentTerms,
    EnterpriseApplication,
    Offer,
    accept_offer,
    apply_for_offer,
    list_offers,
    terms_sha256,
)
from chanrong.lending.prepayment import Payoff, payoff_quote, prepay
from chanrong.lending.products import create_product, get_product, list_products, quote, record_lpr
from chanrong.lending.repayments import (
    record_collection,
    repay,
    reverse_repayment,
    sweep_collection,
    sweeping_borrowers,
)
from chanrong.lending.views import LoanView, loan_journal, loan_view
from chanrong.lending.watch import (
    MONITORING_DATASETS,
    LoanWatch,
    TelemetryRead,
    WatchReport,
    monitor_book,
    monitor_from_platform,
    monitor_loan,
    org_series,
    platform_series,
    telemetry_series,
    watch_loan,
)

__all__ = [
    "MONITORING_DATASETS",
    "Acceptance",
    "BorrowerSeries",
    "CloseReport",
    "Collected",
    "ConsentTerms",
    "Detection",
    "EnterpriseApplication",
    "FundSweep",
    "FundUseReport",
    "LineBalance",
    "LoanView",
    "LoanWatch",
    "MonitoringConfig",
    "Offer",
    "Payoff",
    "TelemetryRead",
    "WatchReport",
    "accept_loan",
    "accept_offer",
    "apply_for_offer",
    "book_from_decision",
    "book_loan",
    "booked_decisions",
    "check_fund_use_of",
    "close_books",
    "collect_payment",
    "create_product",
    "daily_close",
    "declare_related_parties",
    "detect",
    "disburse",
    "draw",
    "fund_use_of_borrower",
    "get_line",
    "get_loan",
    "get_product",
    "line_available_fen",
    "lines_available",
    "list_alerts",
    "list_loans",
    "list_offers",
    "list_products",
    "loan_journal",
    "loan_view",
    "monitor_book",
    "monitor_from_platform",
    "monitor_loan",
    "open_credit_line",
    "org_series",
    "payoff_quote",
    "platform_series",
    "prepay",
    "quote",
    "record_collection",
    "record_lpr",
    "repay",
    "reverse_repayment",
    "sweep_collection",
    "sweeping_borrowers",
    "telemetry_series",
    "terms_sha256",
    "update_alert",
    "watch_loan",
]
