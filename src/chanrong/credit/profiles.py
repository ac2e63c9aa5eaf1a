"""Operating profiles (企业画像) and defaults on an enterprise's record: stored, read, shown.

A profile is computed elsewhere (``features`` on a park's files or, in ``platform_profiles``,
on the platform's own data) and stored here as a dated snapshot; decisions read the newest one
dated on or before their as-of date.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chanrong.core.errors import NotFound, ValidationFailed
from chanrong.core.ids import new_id
from chanrong.credit import features as feats
from chanrong.credit.feature_passes import FIRMS_PER_PASS, compute_profiles_in_passes
from chanrong.credit.orm import DefaultEvent, ProfileSnapshot
from chanrong.credit.reasons import feature_label
from chanrong.credit.repository import CreditRepository
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind

# The catalog dataset a profile is shared as (what a bank's consent grant must cover).
PROFILE_DATASET = "derived.profile"


def _clean(value: Any) -> float | None:
    if value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def record_profile(
    session: Session,
    *,
    org_id: str,
    as_of: date,
    features: Mapping[str, Any],
    revenue_12m_fen: int,
    open_orders_fen: int,
    receivables_fen: int,
    last_default_on: date | None = None,
    source: str = "",
) -> ProfileSnapshot:
    """Store one profile snapshot (trusted callers: the profile builder, tests, the demo)."""
    org = identity.find_organisation(session, org_id)
    if org is None or org.kind != OrgKind.ENTERPRISE.value:
        raise NotFound(f"enterprise {org_id} not found", field="org_id")
    unknown = set(features) - set(feats.FEATURES)
    if unknown:
        raise ValidationFailed(f"features: unknown {sorted(unknown)}", field="features")
    snap = ProfileSnapshot(
        org_id=org_id,
        as_of=as_of,
        features={k: _clean(features.get(k)) for k in feats.FEATURES},
        revenue_12m_fen=int(revenue_12m_fen),
        open_orders_fen=int(open_orders_fen),
        receivables_fen=int(receivables_fen),
        last_default_on=last_default_on,
        source=source[:200],
    )
    CreditRepository(session).add(snap)
    return snap


def record_default(
    session: Session, *, org_id: str, occurred_on: date, source: str, reference: str
) -> bool:
    """Put a default on an enterprise's record (trusted callers: lending, when a loan turns
    non-performing; an import of reported defaults). Recording the same (source, reference,
    day) twice is a no-op; returns whether anything was added."""
    org = identity.find_organisation(session, org_id)
    if org is None or org.kind != OrgKind.ENTERPRISE.value:
        raise NotFound(f"enterprise {org_id} not found", field="org_id")
    if not source or len(source) > 32:
        raise ValidationFailed("source: 1 to 32 characters", field="source")
    if not reference or len(reference) > 200:
        raise ValidationFailed("reference: 1 to 200 characters", field="reference")
    return CreditRepository(session).add_default(
        DefaultEvent(
            id=new_id(), org_id=org_id, occurred_on=occurred_on, source=source, reference=reference
        )
    )


def build_profiles_from_park(
    session: Session,
    park_dir: Path,
    as_of: date,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    engine: str = "duckdb",
    spark_master: str = "local[2]",
    firms_per_pass: int = FIRMS_PER_PASS,
) -> list[ProfileSnapshot]:
    """Compute every enterprise's profile from a park's Parquet (on DuckDB, or PySpark with
    ``engine='spark'``) and store those whose USCC belongs to a registered organisation.

    A park larger than ``firms_per_pass`` firms is computed that many firms at a time, so
    memory is bounded by the pass, not the park (``feature_passes``)."""
    if engine not in feats.ENGINES:
        raise ValidationFailed(f"engine: one of {', '.join(feats.ENGINES)}", field="engine")
    tables = feats.park_on(engine, park_dir, spark_master=spark_master)
    frame = compute_profiles_in_passes(tables, [as_of], firms_per_pass=firms_per_pass)
    out = []
    for i, row in enumerate(frame.itertuples(index=False)):
        org = identity.find_enterprise_by_uscc(session, str(row.uscc))
        if org is not None:
            values = row._asdict()
            out.append(
                record_profile(
                    session,
                    org_id=org.id,
                    as_of=as_of,
                    features={k: values[k] for k in feats.FEATURES},
                    revenue_12m_fen=int(values["revenue_12m_fen"]),
                    open_orders_fen=int(values["open_orders_fen"]),
                    receivables_fen=int(values["receivables_fen"]),
                    source=f"park:{park_dir.name}",
                )
            )
        if on_progress:
            on_progress(i + 1, len(frame))
    return out


def latest_profile(session: Session, org_id: str) -> ProfileSnapshot:
    """The newest profile; callers have passed the policy check (``enterprise_read``)."""
    snap = CreditRepository(session).latest_profile(org_id)
    if snap is None:
        raise NotFound(f"no profile for enterprise {org_id} yet")
    return snap


def profile_view(snap: ProfileSnapshot, locale: str) -> list[dict[str, Any]]:
    """Each characteristic with its display name, for people to read."""
    return [
        {"feature": k, "label": feature_label(k, locale), "value": snap.features.get(k)}
        for k in feats.FEATURES
    ]
