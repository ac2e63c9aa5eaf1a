"""The bank's joint-modelling page: partners (enterprises that granted ``joint_modelling``),
training runs and joint models with both parties' features and fingerprints.

Training and scoring themselves run on the bank's side (``chanrong federated …``); this page
shows what the platform recorded. Other financial institutions see that it is for banks.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from chanrong.federated import service as federated
from chanrong.identity.domain import InstitutionType, OrgKind
from chanrong.web import federated_messages  # noqa: F401  (registers the page's words)
from chanrong.web.auth import Page, page_for
from chanrong.web.render import render

router = APIRouter(prefix="/console/bank", include_in_schema=False)
bank_page = page_for(OrgKind.FINANCIAL_INSTITUTION)


@router.get("/federated", response_class=HTMLResponse)
def federated_page(request: Request, p: Page = Depends(bank_page)) -> HTMLResponse:
    """Partners, runs and joint models of the signed-in bank."""
    s, me = p.session, p.ctx.principal
    is_bank = me.institution_type is InstitutionType.BANK
    return render(
        request,
        "bank/federated.html",
        p,
        locale=p.locale,
        is_bank=is_bank,
        partners=federated.partners(s, me) if is_bank else [],
        runs=federated.runs_of(s, me) if is_bank else [],
        models=federated.models_of(s, me) if is_bank else [],
    )
