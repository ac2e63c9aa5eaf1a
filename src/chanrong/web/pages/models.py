"""The bank's model page: the credit models (state, what they learnt from, development
metrics), their stability over time with alerts, and how the shadow challenger agrees with
the champion on the bank's own recent decisions.

The model registry is platform-wide (one set of models scores every bank's applications), so
models and their stability figures are the same for every financial institution; the
agreement table lists only the viewing bank's decisions.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.credit import service as credit
from chanrong.identity.domain import OrgKind
from chanrong.web.auth import Page, page_for
from chanrong.web.render import render

router = APIRouter(prefix="/console/bank", include_in_schema=False)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)


def _figures(row: Any) -> dict[str, Any]:
    worst = max(row.csi.items(), key=lambda kv: kv[1]) if row.csi else None
    return {
        "model_ref": row.model_ref,
        "as_of": row.as_of,
        "window_days": row.window_days,
        "applications": row.applications,
        "psi": float(row.psi) if row.psi is not None else None,
        "worst": worst,
        "level": row.level,
    }


@router.get("/models", response_class=HTMLResponse)
def models(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """Models, stability over time with alerts, and shadow-vs-champion agreement."""
    summaries = credit.model_summaries(p.ctx.settings)
    history = [_figures(r) for r in reversed(credit.history(p.session))]
    latest: dict[str, dict[str, Any]] = {}
    for f in history:  # newest first: the first seen per model is its latest
        latest.setdefault(f["model_ref"], f)
    alerts = [f for f in latest.values() if f["level"] != "stable"]
    agreement = credit.shadow_agreement(p.session, p.ctx.principal)
    return render(
        request,
        "bank/models.html",
        p,
        locale=p.locale,
        models=summaries,
        history=history,
        alerts=alerts,
        agreement=agreement,
    )
