"""Supply-chain finance use cases: the surface other domains, the API, the CLI and the console
call. Services flush, never commit: the edge owns the transaction.

Every write use case takes its locks first (``SupplyChainRepository.begin_write`` and rows
``FOR UPDATE``), checks the rules of ``certificates`` against what it read, changes state
with conditional updates, and appends what happened to the verifiable log. The use cases live
in modules named for what they hold; this module only gathers them:

- ``payables``: submit (one by one or from ingested invoices), confirm (确权), reject, read
- ``holdings``: split and transfer a held certificate; read certificates and handles
- ``financing``: request, quote, decline, accept; read requests
- ``settlement``: pay every holder at maturity (or late, when overdue); read what was paid
- ``maturity``: mark certificates unpaid at maturity overdue, list them, recourse to the seller
- ``limits``: each bank's exposure limit per core enterprise (授信额度) and its headroom
- ``contracts``: trade contracts between enterprises (payment terms flagged at creation) and
  reconciliation statements (对账单) the buyer confirms or disputes line by line
- ``orders``: orders under a contract, deliveries with their evidence (goods received, the
  seller's production counters), invoices, and statements made from the invoices
- ``payment_guarantee``: 保付: a bank or guarantor guarantees a confirmed statement for a fee;
  unpaid at maturity, the seller calls on it, the guarantor pays (代偿) and takes recourse
  against the buyer on a schedule; ``escrow``: money held for an order by an agent bank,
  released on confirmed delivery by a second officer, or split when disputed;
  ``trade_journal`` holds the money moved, in double entry; ``default_watch``: overdue
  guaranteed payments flagged to guarantor and seller, and their watch of the buyer's own
  records under the buyer's consent (default prevention)
- ``journal``: the double-entry journal of money moved (confirmation, financing, recourse,
  settlement)
- ``lineage``: a certificate's tree as the caller may see it
- ``invariants``: the stored trees checked against the certificate invariants (trusted)
- ``access`` (who may see and act) and ``writes`` (locks, children, the log) serve them all.
- ``group_commit``: one writer thread committing many clients' write use cases per
  transaction, each failing alone (SQLite's single writer, used by the load benchmark)
"""

from __future__ import annotations

from chanrong.supplychain.access import principal_for_org, view
from chanrong.supplychain.certificates import (
    CertState,
    DayCount,
    FinancingState,
    Origin,
    PayableState,
)
from chanrong.supplychain.contracts import (
    LineIn,
    Statement,
    answer_line,
    create_contract,
    due_unpaid_statements,
    flag_late_payment,
    get_contract,
    get_statement,
    issue_statement,
    list_contracts,
    statements_of,
)
from chanrong.supplychain.default_watch import (
    WatchOutcome,
    flag_guaranteed_overdue,
    flag_recourse_overdue,
    overdue_guarantees,
    overdue_instalments,
    trade_alerts,
    watch_buyer,
    watch_now,
    watched_guarantees,
)
from chanrong.supplychain.escrow import (
    approve_release,
    escrows,
    get_escrow,
    received_in_full,
)
from chanrong.supplychain.escrow import deposit as deposit_escrow
from chanrong.supplychain.escrow import dispute as dispute_escrow
from chanrong.supplychain.escrow import release as release_escrow
from chanrong.supplychain.escrow import resolve as resolve_escrow
from chanrong.supplychain.financing import (
    accept_financing,
    certificates_of,
    decline_financing,
    get_financing,
    list_financings,
    quote_financing,
    request_financing,
)
from chanrong.supplychain.group_commit import GroupCommitter, committer_for
from chanrong.supplychain.holdings import (
    check_can_act,
    get_certificate,
    list_certificates,
    resolve_handle,
    split_certificate,
    transfer_certificate,
)
from chanrong.supplychain.invariants import (
    all_violations,
    live_certificates,
    payable_ids,
    tree_violations,
)
from chanrong.supplychain.journal import balances as journal_balances
from chanrong.supplychain.journal import entry_violations as journal_violations
from chanrong.supplychain.limits import Exposure, exposure_limits, set_exposure_limit
from chanrong.supplychain.lineage import Lineage, lineage, payable_tree
from chanrong.supplychain.maturity import (
    execute_recourse,
    mark_overdue,
    matured_unpaid,
    overdue_certificates,
)
from chanrong.supplychain.orders import (
    LineEvidence,
    OrderView,
    evidence_of,
    issue_invoice,
    orders_of,
    place_order,
    record_receipt,
    record_shipment,
    statement_from_invoices,
)
from chanrong.supplychain.payables import (
    confirm_payable,
    get_payable,
    list_payables,
    payables_from_invoices,
    reject_payable,
    submit_payable,
)
from chanrong.supplychain.payment_guarantee import (
    GuaranteeView,
    accept_payment_guarantee,
    call_payment_guarantee,
    decline_payment_guarantee,
    get_payment_guarantee,
    guarantees_of_statement,
    pay_out,
    payment_guarantees,
    record_payment,
    repay_recourse,
    request_payment_guarantee,
)
from chanrong.supplychain.settlement import settle_payable, settlements_of
from chanrong.supplychain.trade_journal import balances as trade_balances
from chanrong.supplychain.trade_journal import entries_of as trade_entries
from chanrong.supplychain.trade_journal import violations as trade_violations
from chanrong.supplychain.writes import LOG_KIND

DATASET = "derived.certificates"

__all__ = [
    "DATASET",
    "LOG_KIND",
    "CertState",
    "DayCount",
    "Exposure",
    "FinancingState",
    "GroupCommitter",
    "GuaranteeView",
    "LineEvidence",
    "LineIn",
    "Lineage",
    "OrderView",
    "Origin",
    "PayableState",
    "Statement",
    "WatchOutcome",
    "accept_financing",
    "accept_payment_guarantee",
    "all_violations",
    "answer_line",
    "approve_release",
    "call_payment_guarantee",
    "certificates_of",
    "check_can_act",
    "committer_for",
    "confirm_payable",
    "create_contract",
    "decline_financing",
    "decline_payment_guarantee",
    "deposit_escrow",
    "dispute_escrow",
    "due_unpaid_statements",
    "escrows",
    "evidence_of",
    "execute_recourse",
    "exposure_limits",
    "flag_guaranteed_overdue",
    "flag_late_payment",
    "flag_recourse_overdue",
    "get_certificate",
    "get_contract",
    "get_escrow",
    "get_financing",
    "get_payable",
    "get_payment_guarantee",
    "get_statement",
    "guarantees_of_statement",
    "issue_invoice",
    "issue_statement",
    "journal_balances",
    "journal_violations",
    "lineage",
    "list_certificates",
    "list_contracts",
    "list_financings",
    "list_payables",
    "live_certificates",
    "mark_overdue",
    "matured_unpaid",
    "orders_of",
    "overdue_certificates",
    "overdue_guarantees",
    "overdue_instalments",
    "pay_out",
    "payable_ids",
    "payable_tree",
    "payables_from_invoices",
    "payment_guarantees",
    "place_order",
    "principal_for_org",
    "quote_financing",
    "received_in_full",
    "record_payment",
    "record_receipt",
    "record_shipment",
    "reject_payable",
    "release_escrow",
    "repay_recourse",
    "request_financing",
    "request_payment_guarantee",
    "resolve_escrow",
    "resolve_handle",
    "set_exposure_limit",
    "settle_payable",
    "settlements_of",
    "split_certificate",
    "statement_from_invoices",
    "statements_of",
    "submit_payable",
    "trade_alerts",
    "trade_balances",
    "trade_entries",
    "trade_violations",
    "transfer_certificate",
    "tree_violations",
    "view",
    "watch_buyer",
    "watch_now",
    "watched_guarantees",
]
