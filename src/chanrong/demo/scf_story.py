"""The supply-chain finance story: a confirmed payable split down the chain, financed, settled.

Told by ``chanrong demo`` on the loaded park and by ``chanrong scf story`` on its own (with
the organisations of ``STORY_ORGS``). It acts through ``chanrong.supplychain.service`` as each
organisation would, and returns what it did for the CLI to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.clock import SHANGHAI, ensure_aware, shanghai_date, utcnow
from chanrong.core.uscc import make_uscc
from chanrong.identity import service as identity
from chanrong.supplychain import service as scf

# Organisations the story uses when it runs on its own (``chanrong scf story``).
# (key, name, USCC region, USCC organisation-code body, extra attributes); the core enterprise,
# the tier-1 supplier and the bank are the ones ``chanrong demo`` seeds, so both stories meet.
STORY_ORGS: tuple[tuple[str, str, str, str | None, dict[str, Any]], ...] = (
    (
        "core",
        "浙北机电集团 Zhebei Electromechanical Group",
        "330500",
        "MA2B0C1D",
        {"is_core": True},
    ),
    ("tier1", "吴兴精密零件 Wuxing Precision Parts", "330502", "MA2B0C2E", {}),
    ("tier2a", "南浔铸件 Nanxun Castings", "330503", "MA2B0C4G", {}),
    ("tier2b", "德清紧固件 Deqing Fasteners", "330521", "MA2B0C5H", {}),
    ("bank", "湖州科创银行 Huzhou Sci-Tech Bank", "330500", None, {"institution_type": "bank"}),
)


@dataclass(frozen=True)
class Story:
    """What ``demo_story`` did, for printing."""

    payable_id: str
    core_org_id: str
    root_certificate_id: str
    financing_id: str
    settled_fen: int
    settlements: tuple[tuple[str, int], ...]  # (payee org id, fen)


def _story_org(
    session: Session, name: str, region: str, body: str | None, extra: dict[str, Any]
) -> str:
    uscc = make_uscc("9", "1", region, body).code if body else None
    org = identity.find_enterprise_by_uscc(session, uscc) if uscc else None
    org = org or identity.find_organisation_by_name(session, name)
    if org is None:
        kind = "enterprise" if body else "financial_institution"
        org = identity.create_organisation(
            session,
            name=name,
            kind=kind,
            uscc=uscc,
            region_code="330500",
            **extra,  # type: ignore[arg-type]
        )
    return org.id


def story_cast(session: Session) -> dict[str, str]:
    """The organisation id of each of ``STORY_ORGS`` by key, creating those not there yet."""
    return {
        key: _story_org(session, name, region, body, extra)
        for key, name, region, body, extra in STORY_ORGS
    }


def demo_story(
    session: Session,
    *,
    core_org_id: str,
    tier1_org_id: str,
    tier2_org_ids: tuple[str, str],
    bank_org_id: str,
    start: datetime | None = None,
    invoice_ref: str | None = None,
) -> Story:
    """Confirm → split to two tier-2 suppliers → one finances that day → settle at maturity.

    A ¥1,000,000 payable maturing in 90 days: the tier-1 supplier keeps ¥400,000 and passes
    ¥350,000 and ¥250,000 on; the first tier-2 supplier discounts its part with the bank at
    3.65 % ACT/360 the same day; at maturity every holder, the bank included, is paid.
    Flushes, never commits.
    """
    at = ensure_aware(start) if start is not None else utcnow()
    day = shanghai_date(at)
    maturity = day + timedelta(days=90)
    supplier = scf.principal_for_org(session, tier1_org_id)
    core = scf.principal_for_org(session, core_org_id)
    t2a = scf.principal_for_org(session, tier2_org_ids[0])
    bank = scf.principal_for_org(session, bank_org_id)
    payable = scf.submit_payable(
        session,
        supplier,
        core_org_id=core_org_id,
        amount_fen=100_000_000,
        maturity_date=maturity,
        contract_ref="HT-2026-0311",
        invoice_ref=invoice_ref or f"FP-{at:%Y%m%d%H%M%S%f}",
        now=at,
    )
    root = scf.confirm_payable(session, core, payable.id, now=at)
    parts = scf.split_certificate(session, supplier, root.id, [35_000_000, 25_000_000], now=at)
    first = scf.transfer_certificate(
        session, supplier, parts[0].id, to_org_id=tier2_org_ids[0], now=at
    )
    scf.transfer_certificate(session, supplier, parts[1].id, to_org_id=tier2_org_ids[1], now=at)
    fin = scf.request_financing(session, t2a, first.id, bank_org_id=bank_org_id, now=at)
    scf.quote_financing(
        session,
        bank,
        fin.id,
        annual_rate_percent=Decimal("3.65"),
        day_count=scf.DayCount.ACT_360,
        now=at,
    )
    scf.accept_financing(session, t2a, fin.id, now=at)
    pay_day = datetime.combine(maturity, time(10, 0), tzinfo=SHANGHAI)
    paid = scf.settle_payable(session, core, payable.id, now=pay_day)
    return Story(
        payable_id=payable.id,
        core_org_id=core_org_id,
        root_certificate_id=root.id,
        financing_id=fin.id,
        settled_fen=sum(s.amount_fen for s in paid),
        settlements=tuple((s.payee_org_id, s.amount_fen) for s in paid),
    )
