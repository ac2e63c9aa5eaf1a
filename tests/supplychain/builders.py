"""Builders for supply-chain finance tests: a small chain of organisations and payables."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from chanrong.identity.domain import Principal
from chanrong.supplychain import service
from chanrong.supplychain.orm import Certificate
from tests.builders import add_org

_invoice = itertools.count(1)

# 10:00 in Shanghai: far from midnight, so "today" is the same day in UTC and Beijing.
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Chain:
    """A core enterprise, a tier-1 supplier, two tier-2 suppliers, two banks, an outsider."""

    core: str
    tier1: str
    tier2a: str
    tier2b: str
    bank: str
    other_bank: str
    outsider: str
    insurer: str


def build_chain(session: Session) -> Chain:
    return Chain(
        core=add_org(session, "enterprise", is_core=True),
        tier1=add_org(session, "enterprise"),
        tier2a=add_org(session, "enterprise"),
        tier2b=add_org(session, "enterprise"),
        bank=add_org(session, "financial_institution", institution_type="bank"),
        other_bank=add_org(session, "financial_institution", institution_type="bank"),
        outsider=add_org(session, "enterprise"),
        insurer=add_org(session, "financial_institution", institution_type="insurer"),
    )


def acting(session: Session, org_id: str) -> Principal:
    return service.principal_for_org(session, org_id)


def confirmed_certificate(
    session: Session,
    chain: Chain,
    *,
    face_fen: int = 100_000_000,
    days: int = 90,
    now: datetime = START,
) -> Certificate:
    """A payable of ``face_fen`` maturing in ``days``, confirmed: the tier-1's root certificate."""
    maturity: date = (now + timedelta(days=days)).date()
    payable = service.submit_payable(
        session,
        acting(session, chain.tier1),
        core_org_id=chain.core,
        amount_fen=face_fen,
        maturity_date=maturity,
        contract_ref="HT-1",
        invoice_ref=f"INV-{next(_invoice)}",
        now=now,
    )
    return service.confirm_payable(session, acting(session, chain.core), payable.id, now=now)
