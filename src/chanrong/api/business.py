"""Each kind of financial institution acts only on the routes of its business.

Banks, insurers and lessors are all ``financial_institution`` organisations, and most routes
admit that kind as a whole; but an insurer files no credit application and a lessor books no
loan. The writes of each business domain are kept to the institutions whose business it is,
here, in one table applied to every protected route (reads stay as each route decides: an
institution sees only its own records there).
"""

from __future__ import annotations

from fastapi import Depends, Request

from chanrong.core.errors import Forbidden
from chanrong.edge import Ctx, current
from chanrong.identity.domain import InstitutionType, OrgKind

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Route prefix → the institution types whose business its writes are.
BUSINESS_ROUTES: tuple[tuple[str, frozenset[InstitutionType]], ...] = (
    ("/credit/", frozenset({InstitutionType.BANK})),
    ("/lending/", frozenset({InstitutionType.BANK})),
    ("/supplychain/", frozenset({InstitutionType.BANK})),
    ("/insurance/", frozenset({InstitutionType.INSURER})),
    ("/leasing/", frozenset({InstitutionType.LESSOR})),
    ("/guarantee/", frozenset({InstitutionType.BANK, InstitutionType.GUARANTOR})),
    ("/assets/", frozenset({InstitutionType.BANK})),
    ("/trade/", frozenset({InstitutionType.BANK, InstitutionType.GUARANTOR})),
)


def institutions_for(method: str, path: str) -> frozenset[InstitutionType] | None:
    """The institution types that may send ``method`` to ``path`` (None: no restriction)."""
    if method not in _WRITES:
        return None
    for prefix, allowed in BUSINESS_ROUTES:
        if path.startswith(prefix):
            return allowed
    return None


async def business_routes(request: Request, ctx: Ctx = Depends(current)) -> None:
    """Refuse a financial institution's write outside its business (403 naming the kinds)."""
    p = ctx.principal
    if p.org_kind is not OrgKind.FINANCIAL_INSTITUTION:
        return
    allowed = institutions_for(request.method, request.url.path)
    if allowed is None or p.institution_type in allowed:
        return
    kinds = sorted(k.value for k in allowed)
    mine = p.institution_type.value if p.institution_type else "unspecified"
    raise Forbidden(
        f"this action is for {' or '.join(kinds)} institutions (yours is: {mine})",
        extra={"institution_types": kinds},
    )
