"""The bank's joint-modelling page: partners (enterprises that granted ``joint_modelling``),
training runs and joint models with both parties' features and fingerprints, each model's
validation on the bank's held-out labels, and — for the bank's admin — approving a validated
model, crowning it champion (the one credit decisions use) or retiring it.

Training, validation and scoring themselves run on the bank's side (``chanrong federated …``);
this page shows what the platform recorded. Other financial institutions see that it is for banks.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from chanrong.core.errors import ChanrongError
from chanrong.core.i18n import t
from chanrong.federated import lifecycle
from chanrong.federated import service as federated
from chanrong.identity.domain import InstitutionType, OrgKind, Role
from chanrong.web import federated_messages  # noqa: F401  (registers the page's words)
from chanrong.web.auth import Page, action_for, page_for
from chanrong.web.failures import failed
from chanrong.web.render import render

router = APIRouter(prefix="/console/bank", include_in_schema=False)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)
bank_officer = action_for(OrgKind.FINANCIAL_INSTITUTION, role=Role.OFFICER)


def _page(request: Request, p: Page, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    s, me = p.session, p.ctx.principal
    is_bank = me.institution_type is InstitutionType.BANK
    models = federated.models_of(s, me) if is_bank else []
    return render(
        request,
        "bank/federated.html",
        p,
        locale=p.locale,
        status_code=status_code,
        is_bank=is_bank,
        can_approve=is_bank and me.has_role(Role.ADMIN),
        next_states={f"{m.name}@{m.version}": sorted(lifecycle.ALLOWED[m.state]) for m in models},
        partners=federated.partners(s, me) if is_bank else [],
        runs=federated.runs_of(s, me) if is_bank else [],
        models=models,
        **extra,
    )


@router.get("/federated", response_class=HTMLResponse)
def federated_page(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """Partners, runs and joint models of the signed-in bank."""
    return _page(request, p)


@router.post("/federated/models/{ref}/state", response_class=HTMLResponse)
def set_state(
    request: Request,
    ref: str,
    p: Page = Depends(bank_officer),
    to: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """The bank's admin approves, crowns or retires a joint model (logged); the platform
    refuses an unvalidated approval and anyone but the admin."""
    try:
        lifecycle.set_state(p.session, p.ctx.principal, ref, to)
    except ChanrongError as exc:
        return _page(request, p, **failed(p, exc, request.url.path))
    return _page(request, p, ok=t(f"web.fed.moved.{to}", p.locale, model=ref))
