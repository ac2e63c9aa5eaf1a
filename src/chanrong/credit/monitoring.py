"""Model monitoring: how the applications a model scores now compare with what it learnt from,
and how the shadow challenger agrees with the champion.

``monitor`` measures one registered version on the applications it scored (as champion, or in
the shadow) over a window ending on a day: the PSI of the score and the CSI of each
characteristic on the development sample's bins kept in its manifest (``stability``). The
figures are stored per model and day; a level above 0.1 is a warning, above 0.25 an alert.

The registry is platform-wide (one ``<var_dir>/models`` for every bank), so a model's figures
are measured on every bank's applications it scored and shown to every financial institution;
only the shadow-agreement table, which lists decisions, is limited to the viewing bank's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import structlog
from sqlalchemy.orm import Session

from chanrong.core.errors import Forbidden, ValidationFailed
from chanrong.core.settings import Settings
from chanrong.credit.domain import product_from_dict
from chanrong.credit.features import FEATURES
from chanrong.credit.orm import ModelMonitoring
from chanrong.credit.products import model_registry
from chanrong.credit.registry import Approval, ModelEntry
from chanrong.credit.repository import CreditRepository
from chanrong.credit.stability import Level, measure
from chanrong.identity.domain import OrgKind, Principal

log = structlog.get_logger("chanrong.credit")

MONITORED = (Approval.CHAMPION, Approval.APPROVED)


def monitored_refs(settings: Settings) -> list[str]:
    """Every version that scores live applications: champions and approved challengers."""
    return [e.ref for e in model_registry(settings).entries() if e.state in MONITORED]


def monitor(
    session: Session, settings: Settings, ref: str, *, as_of: date, window_days: int = 30
) -> ModelMonitoring:
    """Measure ``ref`` on the applications it scored in the ``window_days`` ending ``as_of``
    and store the figures (replacing that day's, if measured before)."""
    if not 1 <= window_days <= 366:
        raise ValidationFailed("window: 1 to 366 days", field="window")
    reg = model_registry(settings)
    entry = reg.entry(ref)
    development = reg.manifest(entry.ref).get("development")
    if not development:
        raise ValidationFailed(
            f"model: {entry.ref} was registered without its development distribution "
            "(trained before monitoring existed); train it again to monitor it",
            field="model",
        )
    repo = CreditRepository(session)
    scores: list[float | None] = []
    characteristics: dict[str, list[float | None]] = {f: [] for f in FEATURES}
    first = as_of - timedelta(days=window_days - 1)
    for row in repo.scored_by(entry.ref, first, as_of):
        score = row.score if row.model_ref == entry.ref else row.shadow_score
        if score is None:
            continue
        scores.append(float(score))
        features = row.inputs.get("features") or {}
        for f in FEATURES:
            characteristics[f].append(features.get(f))
    found = measure(development, scores, characteristics)
    stored = repo.monitoring(entry.ref, as_of)
    if stored is None:
        stored = ModelMonitoring(model_ref=entry.ref, as_of=as_of)
    stored.window_days = window_days
    stored.applications = found.rows
    stored.psi = repr(found.psi) if found.psi is not None else None
    stored.csi = {k: round(v, 6) for k, v in found.csi.items()}
    stored.live_score = list(found.live_score)
    stored.level = found.level.value
    repo.add(stored)
    if found.level is not Level.STABLE:
        worst = found.worst
        log.warning(
            "credit.model_stability",
            level=found.level.value,
            model=entry.ref,
            psi=found.psi,
            worst_characteristic=worst[0] if worst else None,
            worst_csi=worst[1] if worst else None,
        )
    return stored


def history(session: Session, ref: str | None = None) -> list[ModelMonitoring]:
    """Stored figures (of one version), oldest first."""
    return list(CreditRepository(session).monitoring_history(ref))


@dataclass(frozen=True)
class Agreement:
    """The champion and the shadow challenger on the same decisions."""

    rows: list[dict[str, Any]]  # newest first
    compared: int
    same_outcome: int  # both scores fall in grades with the same automatic outcome

    @property
    def share(self) -> float | None:
        return self.same_outcome / self.compared if self.compared else None


def require_institution(principal: Principal) -> None:
    """Model pages are for financial institutions (and the platform operator)."""
    if principal.org_kind not in (OrgKind.FINANCIAL_INSTITUTION, OrgKind.PLATFORM_OPERATOR):
        raise Forbidden("model monitoring is for financial institutions")


def shadow_agreement(session: Session, principal: Principal, *, limit: int = 50) -> Agreement:
    """The viewing bank's newest shadow-scored decisions: each side's score and grade under
    the product as decided, and whether both grades lead to the same automatic outcome."""
    require_institution(principal)
    rows: list[dict[str, Any]] = []
    same = 0
    for app in CreditRepository(session).shadowed(principal.org_id, limit):
        if app.score is None or app.shadow_score is None:
            continue
        product = product_from_dict(app.inputs["product"])
        champ = product.grade_for(float(app.score))
        shadow = product.grade_for(float(app.shadow_score))
        agree = champ.outcome is shadow.outcome
        same += agree
        rows.append(
            {
                "application_id": app.id,
                "as_of": app.as_of,
                "model_ref": app.model_ref,
                "score": float(app.score),
                "grade": champ.grade,
                "shadow_model_ref": app.shadow_model_ref,
                "shadow_score": float(app.shadow_score),
                "shadow_grade": shadow.grade,
                "agree": agree,
            }
        )
    return Agreement(rows, len(rows), same)


def model_summaries(settings: Settings) -> list[dict[str, Any]]:
    """Every registered version with what the model page shows of its manifest."""
    return [_summary(e) for e in reversed(model_registry(settings).entries())]


def _summary(entry: ModelEntry) -> dict[str, Any]:
    m = entry.manifest
    return {
        "ref": entry.ref,
        "name": entry.name,
        "kind": entry.kind,
        "state": entry.state.value,
        "source": m.get("source", "unrecorded"),
        "fingerprint": m.get("training_data_sha256", ""),
        "counts": dict(m.get("counts", {})),
        "metrics": dict(m.get("metrics", {})),
        "created_at": m.get("created_at", ""),
    }
