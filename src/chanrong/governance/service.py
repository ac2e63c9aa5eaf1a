"""Governance as other domains see it: the one policy check, the verifiable log, consent,
the catalog and signed exports.

Other domains, the API, CLI, console, demo, tests and benchmarks reach governance through this
module only (an import-linter contract forbids the rest). It holds no logic: each name is
re-exported from the module that holds it, so a call costs what a direct one does (the decision
path calls ``authorize_read`` and the appends on its hot path).

- ``access``: ``authorize_read`` (the one policy check) and the access list it keeps
- ``log``: appending entries to the verifiable log (one, many, a use case's batch), reading them
- ``proofs``: signed tree heads, inclusion and consistency proofs, re-verifying the stored log
- ``consent``: consent grants, their revocation and status
- ``catalog``: the data catalog, its suggested and confirmed classification (分类分级)
- ``export``: signed export packages a recipient verifies offline

Every use case works inside the caller's transaction: it flushes and never commits, so a log
entry exists exactly when the change it records does.
"""

from __future__ import annotations

from chanrong.governance.access import (
    AccessRecord,
    authorize_read,
    dataset_classification,
    list_access,
    list_denials,
    record_denial,
)
from chanrong.governance.catalog import (
    catalog_history,
    classify,
    describe_dataset,
    ensure_default_catalog,
    get_catalog_entry,
    list_catalog,
    register_dataset,
    register_default_catalog,
    set_quality_score,
)
from chanrong.governance.consent import (
    get_grant,
    grant_consent,
    grant_status,
    list_grants,
    revoke_consent,
)
from chanrong.governance.domain import DEFAULT_CATALOG, Category, Grade, Purpose
from chanrong.governance.export import ExportResult, export_package
from chanrong.governance.log import (
    LogBatch,
    LogEntryRef,
    LogItem,
    append_batch,
    append_log,
    append_many,
    get_log_entry,
    list_log_entries,
)
from chanrong.governance.proofs import (
    ConsistencyProof,
    InclusionProof,
    ProgressFn,
    SignedTreeHead,
    consistency_proof,
    current_root,
    entry_inclusion_proof,
    inclusion_proof,
    latest_tree_head,
    sign_tree_head,
    tree_heads,
    verify_log,
)

__all__ = [
    "DEFAULT_CATALOG",
    "AccessRecord",
    "Category",
    "ConsistencyProof",
    "ExportResult",
    "Grade",
    "InclusionProof",
    "LogBatch",
    "LogEntryRef",
    "LogItem",
    "ProgressFn",
    "Purpose",
    "SignedTreeHead",
    "append_batch",
    "append_log",
    "append_many",
    "authorize_read",
    "catalog_history",
    "classify",
    "consistency_proof",
    "current_root",
    "dataset_classification",
    "describe_dataset",
    "ensure_default_catalog",
    "entry_inclusion_proof",
    "export_package",
    "get_catalog_entry",
    "get_grant",
    "get_log_entry",
    "grant_consent",
    "grant_status",
    "inclusion_proof",
    "latest_tree_head",
    "list_access",
    "list_catalog",
    "list_denials",
    "list_grants",
    "list_log_entries",
    "record_denial",
    "register_dataset",
    "register_default_catalog",
    "revoke_consent",
    "set_quality_score",
    "sign_tree_head",
    "tree_heads",
    "verify_log",
]
