"""Reference data routes: check a USCC, look up industry and region codes."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from chanrong.core.codes import validate_industry, validate_region
from chanrong.core.uscc import validate_uscc
from chanrong.edge import Ctx, current

router = APIRouter(prefix="/reference", tags=["reference"])


class UsccOut(BaseModel):
    uscc: str
    valid: bool
    authority: str
    category: str
    region_code: str
    organisation_code: str


class IndustryOut(BaseModel):
    code: str
    section: str
    division: str | None
    name_zh: str
    name_en: str


class RegionOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    province_code: str
    province_zh: str


@router.get("/uscc/{code}", response_model=UsccOut)
def check_uscc(code: str, ctx: Ctx = Depends(current)) -> UsccOut:
    """Validate a 统一社会信用代码; an invalid one is a 422 naming the rule it breaks."""
    u = validate_uscc(code, field="code")
    return UsccOut(
        uscc=u.code,
        valid=True,
        authority=u.authority,
        category=u.category,
        region_code=u.region_code,
        organisation_code=u.organisation_code,
    )


@router.get("/industries/{code}", response_model=IndustryOut)
def industry(code: str, ctx: Ctx = Depends(current)) -> IndustryOut:
    i = validate_industry(code, field="code")
    return IndustryOut(
        code=i.code, section=i.section, division=i.division, name_zh=i.name_zh, name_en=i.name_en
    )


@router.get("/regions/{code}", response_model=RegionOut)
def region(code: str, ctx: Ctx = Depends(current)) -> RegionOut:
    r = validate_region(code, field="code")
    return RegionOut(
        code=r.code,
        name_zh=r.name_zh,
        name_en=r.name_en,
        province_code=r.province_code,
        province_zh=r.province_zh,
    )
