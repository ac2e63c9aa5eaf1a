"""Identity routes: tokens, the caller, organisations, users and API keys."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from chanrong.core.errors import Conflict, ValidationFailed
from chanrong.edge import Ctx, Idempotency, SessionDep, current, idempotency, require
from chanrong.edge.signin import open_session, password_sign_in
from chanrong.identity import service, sessions
from chanrong.identity.domain import OrgKind, Role
from chanrong.identity.schemas import (
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyOut,
    MeOut,
    OrgCreate,
    OrgOut,
    TokenOut,
    TokenRequest,
    UserCreate,
    UserOut,
)

router = APIRouter(tags=["identity"])
public_router = APIRouter(tags=["identity"])


@public_router.post(
    "/auth/token",
    response_model=TokenOut,
    responses={429: {"description": "Too many failed sign-ins (see Retry-After)"}},
)
def token(body: TokenRequest, request: Request, session: Session = SessionDep) -> TokenOut:
    """Exchange an API key, or a password sign-in, for a short-lived access token.

    Each token belongs to a new session that `POST /auth/sign-out` ends (as does revoking
    the API key). Failed passwords are counted per account and per client address: past the
    limit the answer is 429 with Retry-After, even for the right password."""
    key_id = None
    if body.api_key:
        principal, key_id = service.verify_api_key(session, body.api_key)
    elif body.organisation and body.username and body.password:
        principal = password_sign_in(
            request,
            session,
            organisation=body.organisation,
            username=body.username,
            password=body.password,
        )
    else:
        raise ValidationFailed(
            "api_key: give an API key, or organisation, username and password", field="api_key"
        )
    tok, lifetime = open_session(request, session, principal, api_key_id=key_id)
    return TokenOut(access_token=tok, expires_in=lifetime)


@router.post("/auth/sign-out", status_code=204, response_class=Response)
def sign_out(ctx: Ctx = Depends(current)) -> Response:
    """End the session of the access token sent: every token of it is refused from now on.
    An API key is not a session: revoke it with `POST /api-keys/{key_id}/revoke`."""
    if ctx.session_id is None:
        raise Conflict(
            "Authorization: an API key is not a session; revoke it with "
            "POST /api-keys/{key_id}/revoke",
            field="Authorization",
        )
    sessions.end_session(ctx.session, ctx.session_id)
    return Response(status_code=204)


@router.get("/me", response_model=MeOut)
def me(ctx: Ctx = Depends(current)) -> MeOut:
    """Who the credential belongs to."""
    p = ctx.principal
    org = service.get_organisation(ctx.session, p, p.org_id)
    return MeOut(
        user_id=p.user_id,
        org_id=p.org_id,
        org_kind=p.org_kind,
        org_name=org.name,
        roles=sorted(p.roles),
        institution_type=p.institution_type,
        is_core=p.is_core,
    )


@router.get("/organisations", response_model=list[OrgOut])
def list_organisations(kind: OrgKind | None = None, ctx: Ctx = Depends(current)) -> list[OrgOut]:
    """Organisations the caller may see: all for the platform operator, else its own."""
    orgs = service.list_organisations(ctx.session, ctx.principal, kind=kind.value if kind else None)
    return [OrgOut.model_validate(o) for o in orgs]


@router.post("/organisations", response_model=OrgOut, status_code=201)
def create_organisation(
    body: OrgCreate,
    ctx: Ctx = Depends(require(OrgKind.PLATFORM_OPERATOR, role=Role.ADMIN)),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Onboard an organisation (platform operator admins only)."""
    if (replay := idem.replay()) is not None:
        return replay
    org = service.create_organisation(ctx.session, **body.model_dump(mode="json"))
    return idem.save(201, OrgOut.model_validate(org).model_dump(mode="json"))


@router.get("/organisations/{org_id}", response_model=OrgOut)
def get_organisation(org_id: str, ctx: Ctx = Depends(current)) -> OrgOut:
    return OrgOut.model_validate(service.get_organisation(ctx.session, ctx.principal, org_id))


@router.get("/organisations/{org_id}/users", response_model=list[UserOut])
def list_users(org_id: str, ctx: Ctx = Depends(current)) -> list[UserOut]:
    return [
        UserOut.model_validate(u) for u in service.list_users(ctx.session, ctx.principal, org_id)
    ]


@router.post("/organisations/{org_id}/users", response_model=UserOut, status_code=201)
def create_user(
    org_id: str,
    body: UserCreate,
    ctx: Ctx = Depends(current),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Add a user (the organisation's admins, or the operator's)."""
    service.require_org_admin(ctx.principal, org_id)
    if (replay := idem.replay()) is not None:
        return replay
    user = service.create_user(
        ctx.session,
        org_id=org_id,
        username=body.username,
        display_name=body.display_name,
        roles=[r.value for r in body.roles],
        password=body.password,
    )
    return idem.save(201, UserOut.model_validate(user).model_dump(mode="json"))


@router.get("/organisations/{org_id}/api-keys", response_model=list[ApiKeyOut])
def list_api_keys(org_id: str, ctx: Ctx = Depends(current)) -> list[ApiKeyOut]:
    return [
        ApiKeyOut.model_validate(k) for k in service.list_keys(ctx.session, ctx.principal, org_id)
    ]


@router.post("/users/{user_id}/api-keys", response_model=ApiKeyIssued, status_code=201)
def create_api_key(
    user_id: str,
    body: ApiKeyCreate,
    ctx: Ctx = Depends(current),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Issue an API key; the raw key appears only in this response."""
    service.get_user(ctx.session, ctx.principal, user_id)
    if (replay := idem.replay()) is not None:
        return replay
    key, raw = service.issue_key_for(ctx.session, ctx.principal, user_id, name=body.name)
    out = ApiKeyIssued.model_validate({**ApiKeyOut.model_validate(key).model_dump(), "key": raw})
    payload = out.model_dump(mode="json")
    # The raw key is a secret: a replay gets the key's record with the secret withheld.
    return idem.save(201, payload, stored={**payload, "key": None})


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyOut)
def revoke_api_key(key_id: str, ctx: Ctx = Depends(current)) -> ApiKeyOut:
    return ApiKeyOut.model_validate(service.revoke_key(ctx.session, ctx.principal, key_id))
