"""Governance routes: consent grants, the access list, the catalog and the verifiable log."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime

from chanrong.edge import Ctx, Idempotency, current, idempotency, require
from chanrong.governance import keys, service
from chanrong.governance.classification import suggest
from chanrong.governance.domain import (
    DEFAULT_CATALOG,
    NATIONAL_LEVEL_OF_GRADE,
    PURPOSE_DATASETS,
    Category,
    Grade,
    Purpose,
    canonical_json,
    datasets_for,
)
from chanrong.governance.orm import CatalogEntry, ConsentGrant
from chanrong.governance.routing import DataRead, data_route, enterprise_read
from chanrong.governance.schemas import (
    AccessOut,
    CatalogEntryOut,
    ChangeOut,
    ClassifyRequest,
    ConsistencyProofOut,
    DatasetCreate,
    DatasetView,
    DenialOut,
    GrantCreate,
    GrantOut,
    GrantRevoke,
    InclusionProofOut,
    LogEntryOut,
    PublicKeyOut,
    PurposeDatasetOut,
    PurposeOut,
    SuggestionOut,
    SuggestRequest,
    TreeHeadOut,
)
from chanrong.identity import service as identity
from chanrong.identity.domain import OrgKind, Role

consents = APIRouter(prefix="/consents", tags=["governance"])
catalog = APIRouter(prefix="/catalog", tags=["governance"])
log = APIRouter(prefix="/log", tags=["governance"])
access = APIRouter(prefix="/governance", tags=["governance"])
routers = [consents, catalog, log, access]


def _grant_out(grant: ConsentGrant) -> GrantOut:
    out = GrantOut.model_validate(grant)
    out.status = service.grant_status(grant)
    out.datasets = datasets_for(
        Purpose(grant.purpose),
        frozenset(Category(c) for c in grant.categories),
        Grade(grant.max_grade),
        frozenset(grant.dataset_scope) if grant.dataset_scope is not None else None,
    )
    return out


def _entry_out(entry: CatalogEntry) -> CatalogEntryOut:
    out = CatalogEntryOut.model_validate(entry)
    out.national_level = NATIONAL_LEVEL_OF_GRADE[Grade(entry.grade)].value
    return out


# --- consent --------------------------------------------------------------------------------


@consents.get("", response_model=list[GrantOut])
def list_grants(ctx: Ctx = Depends(current)) -> list[GrantOut]:
    """Grants the enterprise gave, or the institution received (all, for the operator)."""
    return [_grant_out(g) for g in service.list_grants(ctx.session, ctx.principal)]


@consents.post("", response_model=GrantOut, status_code=201)
def create_grant(
    body: GrantCreate,
    ctx: Ctx = Depends(require(OrgKind.ENTERPRISE, role=Role.OFFICER)),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """The enterprise grants an institution categories up to a grade, for a purpose and period."""
    if (replay := idem.replay()) is not None:
        return replay
    grant = service.grant_consent(
        ctx.session,
        ctx.principal,
        grantee_org_id=body.grantee_org_id,
        categories=[c.value for c in body.categories],
        datasets=body.datasets,
        max_grade=body.max_grade,
        purpose=body.purpose.value,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        note=body.note,
    )
    return idem.save(201, _grant_out(grant).model_dump(mode="json"))


@consents.get("/purposes", response_model=list[PurposeOut])
def list_purposes(ctx: Ctx = Depends(current)) -> list[PurposeOut]:
    """The purpose × dataset table: which catalog datasets each purpose may read."""
    return [
        PurposeOut(
            purpose=purpose,
            datasets=[
                PurposeDatasetOut(
                    name=name,
                    category=DEFAULT_CATALOG[name].category,
                    grade=int(DEFAULT_CATALOG[name].grade),
                    description=DEFAULT_CATALOG[name].description,
                )
                for name in sorted(PURPOSE_DATASETS[purpose])
            ],
        )
        for purpose in Purpose
    ]


@consents.get("/{grant_id}", response_model=GrantOut)
def get_grant(grant_id: str, ctx: Ctx = Depends(current)) -> GrantOut:
    return _grant_out(service.get_grant(ctx.session, ctx.principal, grant_id))


@consents.post("/{grant_id}/revoke", response_model=GrantOut)
def revoke_grant(
    grant_id: str, body: GrantRevoke | None = None, ctx: Ctx = Depends(current)
) -> GrantOut:
    """Withdraw a grant at once (the enterprise's admin or officer)."""
    reason = body.reason if body else ""
    return _grant_out(service.revoke_consent(ctx.session, ctx.principal, grant_id, reason=reason))


# --- access list ----------------------------------------------------------------------------


@access.get("/access", response_model=list[AccessOut])
def list_access(
    owner_org_id: str | None = Query(default=None, description="Operator only: whose list"),
    since: AwareDatetime | None = Query(default=None, description="Only reads from then on"),
    limit: int = Query(default=500, ge=1, le=5000),
    ctx: Ctx = Depends(current),
) -> list[AccessOut]:
    """Who read the enterprise's data, when, under which grant and why (newest first)."""
    rows = service.list_access(ctx.session, ctx.principal, owner_org_id, since=since, limit=limit)
    names = identity.organisation_names(ctx.session, [r.accessor_org_id for r in rows])
    out = []
    for r in rows:
        item = AccessOut.model_validate(r)
        item.accessor_name = names.get(r.accessor_org_id)
        out.append(item)
    return out


@access.get("/access/denied", response_model=list[DenialOut])
def list_denials(
    owner_org_id: str | None = Query(default=None, description="Operator only: whose list"),
    limit: int = Query(default=500, ge=1, le=5000),
    ctx: Ctx = Depends(current),
) -> list[DenialOut]:
    """Who tried to read the enterprise's data and was refused, why, and when (newest first)."""
    rows = service.list_denials(ctx.session, ctx.principal, owner_org_id, limit=limit)
    names = identity.organisation_names(ctx.session, [r.accessor_org_id for r in rows])
    out = []
    for r in rows:
        item = DenialOut.model_validate(r)
        item.accessor_name = names.get(r.accessor_org_id)
        out.append(item)
    return out


# --- catalog --------------------------------------------------------------------------------


@catalog.get("", response_model=list[CatalogEntryOut])
def list_catalog(
    owner_org_id: str | None = None, ctx: Ctx = Depends(current)
) -> list[CatalogEntryOut]:
    """The catalog: the caller's own datasets, or any enterprise's for the operator."""
    return [_entry_out(e) for e in service.list_catalog(ctx.session, ctx.principal, owner_org_id)]


@catalog.post("", response_model=CatalogEntryOut, status_code=201)
def register_dataset(
    body: DatasetCreate,
    ctx: Ctx = Depends(require(OrgKind.ENTERPRISE, OrgKind.PLATFORM_OPERATOR, role=Role.OFFICER)),
    idem: Idempotency = Depends(idempotency),
) -> JSONResponse:
    """Add a dataset; the rules suggest its category and grade until the operator confirms."""
    if (replay := idem.replay()) is not None:
        return replay
    entry = service.register_dataset(
        ctx.session,
        ctx.principal,
        owner_org_id=body.owner_org_id,
        name=body.name,
        description=body.description,
        source=body.source,
        schema=body.schema_,
        quality_score=body.quality_score,
    )
    return idem.save(201, _entry_out(entry).model_dump(mode="json", by_alias=True))


@catalog.post("/defaults", response_model=list[CatalogEntryOut])
def register_defaults(
    owner_org_id: str = Query(description="The enterprise"),
    ctx: Ctx = Depends(require(OrgKind.ENTERPRISE, OrgKind.PLATFORM_OPERATOR, role=Role.OFFICER)),
) -> list[CatalogEntryOut]:
    """Register every standard dataset (telemetry, business records, derived) for an enterprise."""
    entries = service.register_default_catalog(ctx.session, ctx.principal, owner_org_id)
    return [_entry_out(e) for e in entries]


@catalog.post("/suggest", response_model=SuggestionOut)
def suggest_classification(body: SuggestRequest, ctx: Ctx = Depends(current)) -> SuggestionOut:
    """What the rules would suggest for a dataset, without saving anything."""
    s = suggest(body.name, description=body.description, source=body.source, schema=body.schema_)
    return SuggestionOut(
        category=s.category,
        grade=int(s.grade),
        national_level=NATIONAL_LEVEL_OF_GRADE[s.grade].value,
        reasons=list(s.reasons),
    )


@catalog.get("/entries/{entry_id}", response_model=CatalogEntryOut)
def get_entry(entry_id: str, ctx: Ctx = Depends(current)) -> CatalogEntryOut:
    return _entry_out(service.get_catalog_entry(ctx.session, ctx.principal, entry_id))


@catalog.get("/entries/{entry_id}/history", response_model=list[ChangeOut])
def entry_history(entry_id: str, ctx: Ctx = Depends(current)) -> list[ChangeOut]:
    """Every suggestion, confirmation and override of the entry, with who and why."""
    changes = service.catalog_history(ctx.session, ctx.principal, entry_id)
    return [ChangeOut.model_validate(c) for c in changes]


@catalog.post("/entries/{entry_id}/classify", response_model=CatalogEntryOut)
def classify_entry(
    entry_id: str,
    body: ClassifyRequest,
    ctx: Ctx = Depends(require(OrgKind.PLATFORM_OPERATOR, role=Role.OFFICER)),
) -> CatalogEntryOut:
    """The operator confirms the suggestion, or overrides it with a reason."""
    entry = service.classify(
        ctx.session,
        ctx.principal,
        entry_id,
        category=body.category.value if body.category else None,
        grade=body.grade,
        reason=body.reason,
    )
    return _entry_out(entry)


@catalog.get(
    "/enterprises/{org_id}/datasets/{dataset}",
    response_model=DatasetView,
    openapi_extra=data_route("{dataset}"),
)
def view_dataset(
    org_id: str, dataset: str, read: DataRead = Depends(enterprise_read("{dataset}"))
) -> DatasetView:
    """One dataset's description, grade and quality score, under the policy check."""
    entry = service.describe_dataset(read.ctx.session, org_id, dataset)
    cls = service.dataset_classification(read.ctx.session, org_id, dataset)
    spec = service.DEFAULT_CATALOG.get(dataset)
    return DatasetView(
        owner_org_id=org_id,
        dataset=dataset,
        category=cls[0] if cls else None,
        grade=int(cls[1]) if cls else None,
        description=entry.description if entry else (spec.description if spec else ""),
        quality_score=entry.quality_score if entry else None,
        access_log_index=read.access.log.index if read.access.log else None,
    )


@catalog.get(
    "/enterprises/{org_id}/datasets/{dataset}/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
    openapi_extra=data_route("{dataset}"),
)
def export_dataset(
    org_id: str,
    dataset: str,
    purpose: Purpose | None = None,
    ctx: Ctx = Depends(current),
) -> Response:
    """A signed package of the dataset's catalog record, verifiable offline (see /log/public-key).

    The policy check runs inside ``export_package`` (every dataset, then a ``data.export`` entry).
    """
    cls = service.dataset_classification(ctx.session, org_id, dataset)
    entry = service.describe_dataset(ctx.session, org_id, dataset)
    record = {
        "owner_org_id": org_id,
        "dataset": dataset,
        "category": cls[0].value if cls else None,
        "grade": int(cls[1]) if cls else None,
        "quality_score": str(entry.quality_score) if entry and entry.quality_score else None,
        "description": entry.description if entry else "",
    }
    result = service.export_package(
        ctx.session,
        ctx.principal,
        _signer(ctx),
        owner_org_id=org_id,
        datasets=[dataset],
        purpose=purpose,
        files={"catalog-record.json": canonical_json(record).encode()},
    )
    return Response(
        result.package,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{result.filename}"',
            "X-Log-Index": str(result.log.index),
        },
    )


# --- the verifiable log ---------------------------------------------------------------------


def _signer(ctx: Ctx) -> keys.Signer:
    return keys.load_or_create(ctx.settings.var_dir)


@log.get("/public-key", response_model=PublicKeyOut)
def public_key(ctx: Ctx = Depends(current)) -> PublicKeyOut:
    """The Ed25519 key that signs tree heads and export packages; verify offline with it."""
    signer = _signer(ctx)
    return PublicKeyOut(
        key_id=signer.key_id, public_key_b64=signer.public_b64, public_key_pem=signer.public_pem
    )


@log.get("/head", response_model=TreeHeadOut)
def tree_head(ctx: Ctx = Depends(current)) -> TreeHeadOut:
    """The newest signed tree head. Heads are signed by the worker as entries are integrated
    (within seconds of an append), never on a read: asking writes nothing."""
    return TreeHeadOut(**asdict(service.latest_tree_head(ctx.session)))


@log.get("/heads", response_model=list[TreeHeadOut])
def tree_heads(ctx: Ctx = Depends(current)) -> list[TreeHeadOut]:
    """Every tree head the platform has signed, oldest first."""
    return [TreeHeadOut(**asdict(h)) for h in service.tree_heads(ctx.session)]


@log.get("/entries", response_model=list[LogEntryOut])
def list_entries(
    start: int = Query(default=0, ge=0),
    limit: int = Query(default=100, ge=1, le=1000),
    kind: str | None = None,
    ctx: Ctx = Depends(current),
) -> list[LogEntryOut]:
    """Entries the caller is party to (all, for the operator), in log order."""
    rows = service.list_log_entries(ctx.session, ctx.principal, start=start, limit=limit, kind=kind)
    return [_entry(r) for r in rows]


@log.get("/entries/{index}", response_model=LogEntryOut)
def get_entry_route(index: int, ctx: Ctx = Depends(current)) -> LogEntryOut:
    return _entry(service.get_log_entry(ctx.session, ctx.principal, index))


@log.get("/entries/{index}/proof", response_model=InclusionProofOut)
def inclusion(
    index: int, tree_size: int | None = Query(default=None, ge=1), ctx: Ctx = Depends(current)
) -> InclusionProofOut:
    """RFC 9162 inclusion proof of the entry in the tree of ``tree_size`` (default: now)."""
    proof = service.entry_inclusion_proof(ctx.session, ctx.principal, index, tree_size)
    return InclusionProofOut(**asdict(proof))


@log.get("/consistency", response_model=ConsistencyProofOut)
def consistency(
    old_size: int = Query(ge=1),
    new_size: int | None = Query(default=None, ge=1),
    ctx: Ctx = Depends(current),
) -> ConsistencyProofOut:
    """RFC 9162 consistency proof between two tree sizes (default new size: now)."""
    proof = service.consistency_proof(ctx.session, old_size, new_size)
    return ConsistencyProofOut(**asdict(proof))


def _entry(row: Any) -> LogEntryOut:
    return LogEntryOut(
        index=row.index,
        kind=row.kind,
        actor_org_id=row.actor_org_id,
        subject=row.subject,
        data=row.data,
        leaf_hash=bytes(row.leaf_hash).hex(),
        at=row.at,
    )
