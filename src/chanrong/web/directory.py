"""Names of the organisations a page mentions, and the institutions an enterprise can grant to.

Institutions are public counterparties (an enterprise must be able to pick its bank), so their
names are listed to every enterprise; nothing else about other organisations is shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind


def institutions(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every financial institution on the platform, by name."""
    orgs = identity.all_organisations(session)
    rows = [(o.id, o.name) for o in orgs if o.kind == OrgKind.FINANCIAL_INSTITUTION.value]
    return sorted(rows, key=lambda r: r[1])


def names(session: Session, org_ids: Iterable[str]) -> dict[str, str]:
    """Display names for organisation ids (unknown ids map to themselves)."""
    ids = list(org_ids)
    found = identity.organisation_names(session, ids)
    return {oid: found.get(oid, oid) for oid in ids}


def core_enterprises(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every core enterprise, by name: the payers a bank sets limits on (whose
    names a bank sees on every certificate offered to it anyway)."""
    orgs = identity.all_organisations(session)
    rows = [(o.id, o.name) for o in orgs if o.kind == OrgKind.ENTERPRISE.value and o.is_core]
    return sorted(rows, key=lambda r: r[1])
