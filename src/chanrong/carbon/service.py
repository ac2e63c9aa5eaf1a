"""Carbon use cases: assess a park's month, read an enterprise's codes under consent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chanrong.carbon.domain import DEFAULT_METHOD, CarbonMethod, EnergyUse
from chanrong.carbon.orm import CarbonAssessment
from chanrong.carbon.park import Assessment, PeriodInput, assess_period
from chanrong.carbon.repository import CarbonRepository
from chanrong.core.clock import month_bounds
from chanrong.core.errors import Forbidden
from chanrong.governance import service as governance
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Principal, Role
from chanrong.telemetry import service as telemetry

DATASET = "derived.carbon"


def _inputs(session: Session, period: date) -> list[PeriodInput]:
    first, nxt = month_bounds(period)
    by_org: dict[str, list[Any]] = {}
    for bill in telemetry.pipeline_records(
        session, kind="energy_bills", org_id=None, start=first, end=nxt
    ):
        by_org.setdefault(bill.org_id, []).append(bill)
    rows = []
    for org in identity.all_organisations(session):
        if org.kind != OrgKind.ENTERPRISE.value or not org.industry_code:
            continue
        for b in by_org.get(org.id, []):
            use = EnergyUse(
                electricity_kwh=Decimal(b.electricity_kwh),
                gas_m3=Decimal(b.gas_m3 or 0),
                coal_t=Decimal(b.coal_t or 0),
                steam_t=Decimal(b.steam_t or 0),
            )
            rows.append(
                PeriodInput(
                    org.id,
                    org.industry_code,
                    org.region_code,
                    use,
                    output_value_fen=int(b.output_value_fen or 0),
                )
            )
    return rows


def assess_month(
    session: Session,
    principal: Principal,
    period: date,
    *,
    method: CarbonMethod = DEFAULT_METHOD,
) -> list[CarbonAssessment]:
    """The platform computes every enterprise's carbon code for a month from its energy bills,
    against its industry's park benchmark, and logs each code (a derived dataset the enterprise
    owns and may share)."""
    if not principal.is_operator or not principal.has_role(Role.OFFICER):
        raise Forbidden("only platform operator officers run the carbon assessment")
    return assess_month_as_pipeline(session, period, method=method)


def assess_month_as_pipeline(
    session: Session, period: date, *, method: CarbonMethod = DEFAULT_METHOD
) -> list[CarbonAssessment]:
    """The assessment for trusted callers (the demo, scheduled jobs)."""
    first, _ = month_bounds(period)
    results: list[Assessment] = assess_period(
        _inputs(session, first), year=first.year, method=method
    )
    refs = governance.append_many(
        session,
        [
            (
                "carbon.assessed",
                None,
                f"{a.org_id}:{DATASET}",
                {
                    "period": first.isoformat(),
                    "grade": a.code.grade,
                    "k": str(a.code.k),
                    "emissions_t": str(a.code.emissions_t),
                    "factors": a.factor_versions,
                },
            )
            for a in results
        ],
    )
    rows = [
        CarbonAssessment(
            org_id=a.org_id,
            period=first,
            industry_code=a.industry_code,
            emissions_t=str(a.code.emissions_t),
            by_carrier_t={k: str(v) for k, v in a.emissions_by_carrier_t.items()},
            value_added_fen=a.value_added_fen,
            intensity=str(a.code.intensity),
            industry_intensity=str(a.code.industry_intensity),
            k=str(a.code.k),
            level=a.code.level,
            grade=a.code.grade,
            benchmark_scope=a.benchmark_scope,
            peers=a.peers,
            factor_versions=a.factor_versions,
            log_index=ref.index,
        )
        for a, ref in zip(results, refs, strict=True)
    ]
    CarbonRepository(session).replace_period(first, rows)
    return rows


@dataclass(frozen=True, slots=True)
class CarbonProfile:
    codes: Sequence[CarbonAssessment]
    peer_grades: dict[int, int]  # grade -> number of peers in the latest month's benchmark


def enterprise_codes(session: Session, org_id: str) -> CarbonProfile:
    """An enterprise's monthly codes and how its peers are graded (counts only).

    Callers must have passed the policy check for ``derived.carbon`` of ``org_id``."""
    repo = CarbonRepository(session)
    codes = repo.of_org(org_id)
    peers = repo.grade_counts(codes[-1].period, codes[-1].benchmark_scope) if codes else {}
    return CarbonProfile(codes, peers)


def latest_grade(session: Session, org_id: str) -> int | None:
    """The enterprise's most recent carbon grade, for credit features and green pricing."""
    return CarbonRepository(session).latest_grade(org_id)


def park_distribution(session: Session, principal: Principal, period: date) -> dict[int, int]:
    """Grade counts for a month: an aggregate, for the operator and analysts."""
    if principal.org_kind not in (OrgKind.PLATFORM_OPERATOR, OrgKind.ANALYST):
        raise Forbidden("park-wide carbon statistics are for the operator and analysts")
    first, _ = month_bounds(period)
    return CarbonRepository(session).grade_counts(first)
